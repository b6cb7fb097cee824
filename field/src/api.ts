/**
 * The device API the app calls (`/api/v1`, same origin): enrolment.
 * Failures become errors in plain words for the screen that asked.
 */

/** A new device's credentials (`201` of `POST /api/v1/devices`). */
export interface Enrolment {
  deviceId: string;
  userId: string;
  token: string;
  expiresAt: string;
  caseloadIndex: string;
}

/** What went wrong, in words a worker can act on. */
export class ApiError extends Error {}

/** Signs in once with a username and password: enrols this device. */
export async function enrol(username: string, password: string, deviceName: string): Promise<Enrolment> {
  let response: Response;
  try {
    response = await fetch("/api/v1/devices", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password, deviceName }),
      credentials: "omit",
    });
  } catch {
    throw new ApiError("No connection to the server. Signing in needs a connection the first time.");
  }
  if (response.status === 201) return (await response.json()) as Enrolment;
  if (response.status === 401) throw new ApiError("That username and password do not match an account.");
  if (response.status === 429) {
    const wait = Number(response.headers.get("retry-after") ?? "60");
    throw new ApiError(`Too many attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
  }
  if (response.status === 400) throw new ApiError("Enter a username and a password.");
  throw new ApiError(`The server could not sign you in (${response.status}). Try again shortly.`);
}
