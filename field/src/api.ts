/**
 * The device API the app calls (`/api/v1`, same origin): enrolment, and
 * the app's version it reports there and on `/sync`.
 * Failures become errors in plain words for the screen that asked.
 */

declare const __APP_VERSION__: string;

/** This build's version (`version.txt`, built in by scripts/build.mjs). */
export const APP_VERSION: string = __APP_VERSION__;

/** A new device's credentials (`201` of `POST /api/v1/devices`). */
export interface Enrolment {
  deviceId: string;
  userId: string;
  token: string;
  expiresAt: string;
  caseloadIndex: string;
  /** Lock after this many minutes without input (the server's setting,
   * 1 to 60; `GET /api/v1/me` gives the current one). Absent from
   * sessions sealed before the server sent it. */
  idleLockMinutes?: number;
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
      body: JSON.stringify({ username, password, deviceName, appVersion: APP_VERSION }),
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
