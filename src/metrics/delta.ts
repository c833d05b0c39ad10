/**
 * What one folded batch adds to the aggregates: per aggregate hash (see buckets.ts) and field, a sum to
 * add or a maximum to keep. Applied to Redis in one script with the batch's acknowledgement
 * (store.ts), so a batch counts fully or not at all.
 */
export class Delta {
  readonly sums = new Map<string, Map<string, number>>();
  readonly maxes = new Map<string, Map<string, number>>();

  add(key: string, field: string, n: number): void {
    if (n === 0 || !Number.isFinite(n)) return;
    let m = this.sums.get(key);
    if (!m) this.sums.set(key, (m = new Map()));
    m.set(field, (m.get(field) ?? 0) + n);
  }

  max(key: string, field: string, n: number): void {
    let m = this.maxes.get(key);
    if (!m) this.maxes.set(key, (m = new Map()));
    const was = m.get(field);
    if (was === undefined || n > was) m.set(field, n);
  }

  get size(): number {
    let n = 0;
    for (const m of this.sums.values()) n += m.size;
    for (const m of this.maxes.values()) n += m.size;
    return n;
  }
}
