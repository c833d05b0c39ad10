import { normalizePhone, phonesMatch, phoneTail } from "./store.js";

interface Entry {
  phone: string;
  id: string;
}

/**
 * Customer ids by phone number under the matching rule of store.ts: an exact (normalised) match wins,
 * otherwise a unique prefixed/shortened match. Ambiguous numbers resolve to no one rather than the wrong
 * customer's screen-pop.
 */
export class PhoneIndex {
  private readonly buckets = new Map<string, Entry[]>();

  /** Adds a number; returns the entry of another customer it would match instead, and then adds nothing. */
  add(phone: string, id: string): Entry | undefined {
    const n = normalizePhone(phone);
    const bucket = this.buckets.get(phoneTail(n)) ?? [];
    const clash = bucket.find((e) => e.id !== id && phonesMatch(e.phone, n));
    if (clash) return clash;
    if (!bucket.some((e) => e.phone === n)) bucket.push({ phone: n, id });
    this.buckets.set(phoneTail(n), bucket);
    return undefined;
  }

  find(phone: string): string | undefined {
    const n = normalizePhone(phone);
    const bucket = this.buckets.get(phoneTail(n)) ?? [];
    const exact = bucket.find((e) => e.phone === n);
    if (exact) return exact.id;
    const ids = new Set(bucket.filter((e) => phonesMatch(e.phone, n)).map((e) => e.id));
    return ids.size === 1 ? [...ids][0] : undefined;
  }
}
