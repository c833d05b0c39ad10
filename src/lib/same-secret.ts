import { timingSafeEqual } from "node:crypto";

/** Constant-time comparison so a token cannot be guessed byte by byte from response times. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
