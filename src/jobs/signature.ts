import { createHmac, timingSafeEqual } from "node:crypto";

/** `sha256=` followed by the hex HMAC-SHA256 of the exact bytes of the request body. */
export function signBody(rawBody: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/**
 * For receivers (and tests): true when `header` is the signature of `rawBody` under `secret`.
 * Pass the body exactly as received, before any JSON parsing. The comparison takes the same time
 * wherever the first differing byte is, so a forger learns nothing from response times.
 */
export function verifySignature(rawBody: string | Uint8Array, header: string | undefined | null, secret: string): boolean {
  if (typeof header !== "string" || secret.length === 0) return false;
  const expected = Buffer.from(signBody(rawBody, secret));
  const given = Buffer.from(header.trim());
  // The expected length is fixed (71 bytes), so rejecting other lengths early reveals nothing secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
