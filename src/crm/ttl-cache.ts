/**
 * A small time-bounded cache: entries expire `ttlMs` after they were written and the oldest entry is
 * dropped once `maxEntries` is reached, so a flood of distinct callers cannot grow it without bound.
 * `get` returns a box so a cached `null` (a known unknown caller) differs from "not cached".
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(private readonly opts: { ttlMs: number; maxEntries: number; now?: () => number }) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  get(key: K): { value: V } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: e.value };
  }

  set(key: K, value: V): void {
    if (this.opts.ttlMs <= 0 || this.opts.maxEntries <= 0) return;
    this.entries.delete(key); // re-inserting moves the key to the young end of the Map's order
    this.entries.set(key, { value, expires: this.now() + this.opts.ttlMs });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Drops every entry whose value matches, e.g. all numbers of a customer whose history just changed. */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [k, e] of this.entries) if (match(e.value)) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
