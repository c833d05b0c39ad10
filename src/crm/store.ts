import type { Customer, HistoryEntry } from "./customer.js";

/** Where customer records come from. Every adapter answers by caller number. */
export interface CustomerStore {
  /** Short name for logs and error outcomes ("file", "redis", "http"). */
  readonly name: string;
  /** The customer calling from `phone` (any formatting), or null for an unknown caller. */
  findByPhone(phone: string, signal?: AbortSignal): Promise<Customer | null>;
  /** Writes one call's history entry back, when the store supports it. */
  appendHistory?(customerId: string, entry: HistoryEntry): Promise<void>;
  /** Releases what the store opened itself (never a client it was handed). */
  close?(): Promise<void>;
}

/** Shorter numbers (extensions, service codes) only ever match exactly. */
export const MIN_SUFFIX_DIGITS = 7;

/**
 * Caller numbers arrive as the carrier formats them ("+1 555-1001", "5551001"): only the digits count,
 * plus a leading + so an international number stays recognisable as one.
 */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, "");
  return trimmed.startsWith("+") && digits ? `+${digits}` : digits;
}

/**
 * The matching rule (both arguments normalised). Two numbers match when they are equal, or when the digits
 * of one end with all the digits of the other and that shorter one has at least MIN_SUFFIX_DIGITS digits:
 * "+15551001", "15551001" and "0015551001" all match a stored "5551001", the way a national or
 * international prefix is added in front of the same subscriber number. Two full international numbers
 * (both with +) match only when equal, since neither is then a shortened form of the other.
 */
export function phonesMatch(a: string, b: string): boolean {
  if (a === b) return a !== "";
  if (a.startsWith("+") && b.startsWith("+")) return false;
  const da = a.replace("+", "");
  const db = b.replace("+", "");
  const [short, long] = da.length <= db.length ? [da, db] : [db, da];
  return short.length >= MIN_SUFFIX_DIGITS && long.endsWith(short);
}

/** The index bucket a normalised number falls in: every pair that can match shares it. */
export function phoneTail(normalized: string): string {
  const digits = normalized.replace("+", "");
  return digits.length >= MIN_SUFFIX_DIGITS ? digits.slice(-MIN_SUFFIX_DIGITS) : normalized;
}
