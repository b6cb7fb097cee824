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

/** `GET /api/v1/me`: who the token belongs to, and the server's idle lock. */
export interface Me {
  userId: string;
  deviceId: string;
  caseloadIndex: string;
  idleLockMinutes: number;
}

/** What asking the device API with the token found. */
export type Asked<T> =
  | { kind: "fine"; value: T }
  /** `401` with `Alongside-Purge: revoked`: purge everything and stop. */
  | { kind: "revoked" }
  /** Any other `401`: the token expired (or the account was disabled). */
  | { kind: "expired" }
  /** No answer, or one that is no use now (5xx, 429): try again later. */
  | { kind: "unreachable"; why: string };

async function ask<T>(token: string, path: string, init: RequestInit = {}): Promise<Asked<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    return { kind: "unreachable", why: "no connection" };
  }
  if (response.status === 401) {
    return response.headers.get("alongside-purge") === "revoked" ? { kind: "revoked" } : { kind: "expired" };
  }
  if (!response.ok) return { kind: "unreachable", why: await problem(response) };
  return { kind: "fine", value: (await response.json()) as T };
}

/** The error code and words of a refusal, for the status bar. */
async function problem(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: string; message?: string };
    return body.message ?? body.error ?? String(response.status);
  } catch {
    return `the server answered ${response.status}`;
  }
}

/** Who this token belongs to (cheap; asked whenever the app is online). */
export const whoAmI = (token: string) => ask<Me>(token, "/api/v1/me");

/** The change feed's answer. */
export interface Changes {
  cursor: string;
  full: boolean;
  documents: string[];
}

/** The documents the user may read written since `cursor`. */
export function changesSince(token: string, cursor: string | null): Promise<Asked<Changes>> {
  // Cursors are `HEX.DIGITS`; anything else was not issued by a server.
  const since = cursor && /^[0-9A-Za-z.]+$/.test(cursor) ? `?since=${cursor}` : "";
  return ask<Changes>(token, `/api/v1/changes${since}`);
}

/** Records that this device deletes `document`, handing over the changes
 * the server never acknowledged (base64 of an Automerge save). */
export function recordPurge(token: string, document: string, unsynced: string | null): Promise<Asked<unknown>> {
  return ask(token, "/api/v1/purges", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(unsynced ? { document, unsynced } : { document }),
  });
}
