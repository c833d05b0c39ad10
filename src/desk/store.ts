import type { Redis } from "ioredis";
import { z } from "zod";
import { historyEntrySchema } from "../crm/customer.js";
import { rankedOfferSchema } from "../offers/ranked.js";

/**
 * What the desk keeps about a call between the pop and the disposition, in Redis: whichever daemon holds
 * the agent's WebSocket can record the agent's outcomes and disposition, and a daemon restart in the
 * middle of a call loses neither. When the call ends, the time by which its history entry is due goes
 * into one index of the site, so that any daemon, the restarted one included, can write the entries
 * whose disposition never came.
 */
export const deskCallSchema = z
  .object({
    agentId: z.string(),
    callerNumber: z.string(),
    customer: z.object({ id: z.string(), name: z.string() }).nullable(),
    offers: z.array(rankedOfferSchema.pick({ id: true, title: true, value: true, currency: true })),
    queue: z.string(),
    lane: z.string(),
    waitSeconds: z.number(),
    reason: z.string().optional(),
    path: z.array(z.string()),
    answeredAt: z.string(),
  })
  .strict();
export type DeskCall = z.infer<typeof deskCallSchema>;

/** An offer's outcome as the history entry records it. */
export const offerResultSchema = historyEntrySchema.shape.offers.unwrap().element;
export type OfferResult = z.infer<typeof offerResultSchema>;

/** Long enough for any call plus its wrap-up; the entry is deleted when the call's history is written. */
const TTL_SECONDS = 12 * 3600;
const CALL = "call";
const OUTCOME = "o:";
const TALK = "talk";
/** Only onto a call still on the desk: a CDR that comes after the entry was written must not recreate it. */
const SET_IF_PRESENT = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return -1";

export class DeskStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(callId: string): string {
    return `${this.prefix}desk:{${callId}}`;
  }

  /** Call ids scored by when their entry is due (ms since the epoch); a key of its own, never in a MULTI with a call's. */
  private get due(): string {
    return `${this.prefix}desk:due`;
  }

  async save(callId: string, call: DeskCall): Promise<void> {
    await this.redis.multi().hset(this.key(callId), CALL, JSON.stringify(call)).expire(this.key(callId), TTL_SECONDS).exec();
  }

  async get(callId: string): Promise<DeskCall | null> {
    const raw = await this.redis.hget(this.key(callId), CALL);
    return raw === null ? null : deskCallSchema.parse(JSON.parse(raw));
  }

  /** One outcome per offer: a later answer for the same offer replaces the earlier one. */
  async recordOutcome(callId: string, result: OfferResult): Promise<void> {
    await this.redis.hset(this.key(callId), `${OUTCOME}${result.offer}`, JSON.stringify(result));
  }

  /** The conversation's length (Asterisk's CDR), if the call is still on the desk. */
  async recordTalk(callId: string, seconds: number): Promise<void> {
    await this.redis.eval(SET_IF_PRESENT, 1, this.key(callId), TALK, String(seconds));
  }

  /** The call ended: its entry is due at `at` unless the disposition comes first. The first end recorded counts. */
  async closeBy(callId: string, at: number): Promise<void> {
    await this.redis.zadd(this.due, "NX", String(at), callId);
  }

  /** Calls waiting for their entry, soonest due first (at most `limit`). */
  async closing(limit = 1000): Promise<Array<{ callId: string; at: number }>> {
    const flat = await this.redis.zrange(this.due, "0", String(limit - 1), "WITHSCORES");
    const out: Array<{ callId: string; at: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ callId: flat[i]!, at: Number(flat[i + 1]) });
    return out;
  }

  /**
   * The call and its outcomes, removed in the same step: of two daemons closing the same call (the
   * agent's disposition and the other's wrap-up timer), only one gets it, so one history entry is written.
   */
  async take(callId: string): Promise<{ call: DeskCall; outcomes: OfferResult[]; talkSeconds?: number } | null> {
    const res = await this.redis.multi().hgetall(this.key(callId)).del(this.key(callId)).exec();
    if (res?.[0]?.[0]) throw res[0][0];
    // whoever took it (or found it taken) clears the due mark; an entry left over is only retried and found gone
    await this.redis.zrem(this.due, callId);
    const fields = (res?.[0]?.[1] ?? {}) as Record<string, string>;
    const raw = fields[CALL];
    if (raw === undefined) return null;
    const outcomes = Object.entries(fields)
      .filter(([k]) => k.startsWith(OUTCOME))
      .map(([, v]) => offerResultSchema.parse(JSON.parse(v)));
    const talk = fields[TALK];
    return { call: deskCallSchema.parse(JSON.parse(raw)), outcomes, ...(talk === undefined ? {} : { talkSeconds: Number(talk) }) };
  }
}
