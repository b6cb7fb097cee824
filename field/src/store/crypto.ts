/**
 * Encryption at rest, through WebCrypto: every stored chunk and the
 * session are sealed with AES-GCM-256 under the data key, with the
 * storage key as associated data (a sealed value cannot be moved to
 * another key). The data key is random, never stored in the clear, and
 * wrapped by a key derived from the PIN with PBKDF2-SHA-256.
 */

/** PBKDF2 iterations for new vaults (OWASP's figure for SHA-256). */
export const ITERATIONS = 600_000;
const IV_BYTES = 12;

const text = new TextEncoder();

/** Bytes backed by an ordinary ArrayBuffer, as WebCrypto takes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** `data` as `Bytes` (a copy only when it is backed by something else). */
const bytes = (data: Uint8Array): Bytes =>
  data.buffer instanceof ArrayBuffer ? (data as Bytes) : new Uint8Array(data);

/** A fresh data key: usable for sealing, extractable only to be wrapped. */
export function newDataKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
}

/** The key that wraps the data key, from the PIN. */
export async function pinKey(pin: string, salt: Bytes, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", text.encode(pin), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

/** The data key wrapped under `wrapping`, with its IV. */
export async function wrap(dataKey: CryptoKey, wrapping: CryptoKey): Promise<{ iv: Bytes; wrapped: ArrayBuffer }> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const wrapped = await crypto.subtle.wrapKey("raw", dataKey, wrapping, { name: "AES-GCM", iv });
  return { iv, wrapped };
}

/** The data key, or a rejection when the PIN was wrong (the tag fails). */
export function unwrap(wrapped: ArrayBuffer, iv: Bytes, wrapping: CryptoKey): Promise<CryptoKey> {
  return crypto.subtle.unwrapKey("raw", wrapped, wrapping, { name: "AES-GCM", iv }, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
}

/** `plain` sealed under `key`, bound to `label`: IV then ciphertext. */
export async function seal(key: CryptoKey, label: string, plain: Uint8Array): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: text.encode(label) }, key, bytes(plain));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return out;
}

/** What `seal` sealed, or a rejection if it was altered or moved. */
export async function open(key: CryptoKey, label: string, data: Uint8Array): Promise<Uint8Array> {
  const sealed = bytes(data);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: sealed.subarray(0, IV_BYTES), additionalData: text.encode(label) },
    key,
    sealed.subarray(IV_BYTES),
  );
  return new Uint8Array(plain);
}
