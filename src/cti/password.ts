import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Agent password hashes: `scrypt$N$r$p$salt$hash` (salt and hash in base64). The parameters travel with
 * the hash so they can be raised later without invalidating the hashes already in the config.
 */

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** About 50-100 ms per hash on a build machine core: slow for guessing, fine for a login. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32_768, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const HASH_RE = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/**
 * Reads a stored hash; null when it is not one. Parameters are bounded so a hash in a config file cannot
 * make every login burn seconds of CPU or gigabytes of memory.
 */
export function parsePasswordHash(stored: string): ParsedHash | null {
  const m = HASH_RE.exec(stored);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!powerOfTwo || N < 1024 || N > 1_048_576 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const salt = Buffer.from(m[4]!, "base64");
  const hash = Buffer.from(m[5]!, "base64");
  if (salt.length < 8 || hash.length < 16) return null;
  return { N, r, p, salt, hash };
}

function derive(password: string, salt: Buffer, params: ScryptParams, keylen: number): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; node's default cap (32 MiB) is exactly the default cost, so lift it
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize("NFKC"), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params, KEY_BYTES);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** Constant-time comparison; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed, parsed.hash.length);
  return timingSafeEqual(candidate, parsed.hash);
}

const dummies = new Map<string, Promise<string>>();
/**
 * A hash to verify against when the agent id is unknown or has no password, so such a login costs the
 * same time as a wrong password and response times do not reveal which agent ids exist. `params`: the
 * cost of the configured agents' hashes (dummyParams), so the work is the same as for them.
 */
export function dummyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const key = `${params.N}/${params.r}/${params.p}`;
  let dummy = dummies.get(key);
  if (!dummy) dummies.set(key, (dummy = hashPassword(randomBytes(16).toString("hex"), params)));
  return dummy;
}

/** The cost most of the stored hashes use (the default when there are none). */
export function dummyParams(hashes: ReadonlyArray<string | undefined>): ScryptParams {
  const counts = new Map<string, { params: ScryptParams; n: number }>();
  for (const h of hashes) {
    const parsed = h === undefined ? null : parsePasswordHash(h);
    if (!parsed) continue;
    const key = `${parsed.N}/${parsed.r}/${parsed.p}`;
    const entry = counts.get(key) ?? { params: { N: parsed.N, r: parsed.r, p: parsed.p }, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.params ?? DEFAULT_SCRYPT;
}
