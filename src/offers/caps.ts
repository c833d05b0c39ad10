import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { OfferRules } from "./load.js";

const DAY_MS = 86_400_000;
/** Window kept when record() is not told the offer's own window: longer than any sensible cap. */
const DEFAULT_WINDOW_DAYS = 365;

/**
 * Frequency caps: how often each offer was presented to each customer. One sorted set per customer and
 * offer, scored by time; entries older than the cap window are trimmed when written, and the key expires
 * with the window, so Redis holds only what a cap can still count. Presenting an offer in a pop counts.
 */
export class OfferCaps {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(customerId: string, offerId: string): string {
    // One hash tag per customer: a customer's caps live on one Redis Cluster slot.
    return `${this.prefix}offer-cap:{${customerId}}:${offerId}`;
  }

  /** Presentations per offer within each offer's own cap window (offers unknown to the rules count 0). */
  async used(customerId: string, offerIds: readonly string[], rules: OfferRules, now: Date): Promise<Record<string, number>> {
    const windows = new Map(rules.offers.map((o) => [o.rule.id, o.rule.cap.days]));
    const ids = offerIds.filter((id) => windows.has(id));
    const out: Record<string, number> = Object.fromEntries(offerIds.map((id) => [id, 0]));
    if (ids.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.zcount(this.key(customerId, id), String(now.getTime() - windows.get(id)! * DAY_MS), "+inf");
    const replies = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const [err, count] = replies[i] ?? [null, 0];
      if (err) throw err;
      out[id] = Number(count);
    });
    return out;
  }

  /** Counts one presentation; pass the offer's cap window (rule.cap.days) so older entries are trimmed. */
  async record(customerId: string, offerId: string, now: Date, windowDays = DEFAULT_WINDOW_DAYS): Promise<void> {
    failed(await this.append(this.redis.multi(), customerId, offerId, now, windowDays).exec());
  }

  /** Counts one presentation of each offer a pop showed, with each offer's window from the rules, in one round trip. */
  async recordPresented(customerId: string, offerIds: readonly string[], rules: OfferRules, now: Date): Promise<void> {
    if (offerIds.length === 0) return;
    const windows = new Map(rules.offers.map((o) => [o.rule.id, o.rule.cap.days]));
    const tx = this.redis.multi();
    for (const id of offerIds) this.append(tx, customerId, id, now, windows.get(id) ?? DEFAULT_WINDOW_DAYS);
    failed(await tx.exec());
  }

  private append(tx: ReturnType<Redis["multi"]>, customerId: string, offerId: string, now: Date, windowDays: number) {
    const key = this.key(customerId, offerId);
    const t = now.getTime();
    const windowMs = windowDays * DAY_MS;
    // Members must be unique per presentation: two pops in the same millisecond both count.
    tx.zadd(key, String(t), `${t}:${randomUUID()}`);
    tx.zremrangebyscore(key, "-inf", `(${t - windowMs}`);
    tx.pexpire(key, windowMs);
    return tx;
  }
}

/** A transaction reply carries each command's error; surface the first instead of losing it. */
function failed(replies: Array<[Error | null, unknown]> | null): void {
  const err = replies?.find(([e]) => e)?.[0];
  if (err) throw err;
}
