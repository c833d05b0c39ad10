import type { Redis } from "ioredis";
import { z } from "zod";
import type { CallerCdr, TalkMoment, TalkRecord } from "../calls/talk-time.js";
import { historyEntrySchema } from "../crm/customer.js";
import { rankedOfferSchema } from "../offers/ranked.js";

/**
 * What the desk keeps about a call between the pop and the disposition, in Redis: whichever daemon holds
 * the agent's WebSocket can record the agent's outcomes and disposition, and a daemon restart in the
 * middle of a call loses neither. When the call ends, the time by which its history entry is due goes
 * into one index of the site, so that any daemon, the restarted one included, can write the entries
 * whose disposition never came. The conversation's moments (talk-time.ts) are kept beside the call in a
 * key of their own (they may come before the call is saved), each the first one recorded, by whichever
 * daemon saw it.
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
    /** The express credit published when the caller was answered after the lane's SLA. */
    credit: historyEntrySchema.shape.credit,
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
/** The conversation's moments: `TalkMoment`'s fields under these names, and the caller's CDR. */
const TALK_FIELDS = { from: "talkFrom", to: "talkTo", agentLeg: "agentLeg", callerCreated: "callerCreated" } as const;
const CDR = "callerCdr";
/**
 * The first of each moment counts (HSETNX). The start creates the record (ARGV[1] = "1", with the TTL of
 * ARGV[2]); the others only go onto a record with a start: a moment that comes after the entry was
 * written must not recreate it, and an agent leg's hangup is the end of a conversation only if it had one.
 */
const SET_MOMENTS = `
if ARGV[1] ~= '1' and redis.call('HEXISTS', KEYS[1], '${TALK_FIELDS.from}') == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[1] == '1' then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1`;
/** The caller's CDR, onto the record whose agent leg it names (ARGV[1]), the first one only. */
const SET_CDR = `if redis.call('HGET', KEYS[1], '${TALK_FIELDS.agentLeg}') == ARGV[1] then return redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) end return -1`;
const callerCdrSchema = z.object({ destinationChannel: z.string(), duration: z.number(), billableSeconds: z.number() });

export class DeskStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(callId: string): string {
    return `${this.prefix}desk:{${callId}}`;
  }

  /** The conversation's moments and the caller's CDR (same slot as the call's key). */
  private talkKey(callId: string): string {
    return `${this.prefix}desk:{${callId}}:talk`;
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

  /** Moments of the conversation (the first of each counts); the start may come before `save`. */
  async recordTalk(callId: string, m: TalkMoment): Promise<void> {
    const pairs = Object.entries(TALK_FIELDS).flatMap(([k, field]) => {
      const v = m[k as keyof TalkMoment];
      return v === undefined ? [] : [field, String(v)];
    });
    if (pairs.length === 0) return;
    await this.redis.eval(SET_MOMENTS, 1, this.talkKey(callId), m.from === undefined ? "0" : "1", String(TTL_SECONDS), ...pairs);
  }

  /** The conversation's moments and the caller's CDR as recorded so far. */
  async talk(callId: string): Promise<TalkRecord> {
    return talkOf(await this.redis.hgetall(this.talkKey(callId)));
  }

  /** The caller's CDR paired with the call's agent leg: kept if the conversation's record names that leg. */
  async recordCallerCdr(callId: string, cdr: CallerCdr): Promise<void> {
    await this.redis.eval(SET_CDR, 1, this.talkKey(callId), cdr.destinationChannel, CDR, JSON.stringify(cdr));
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
  async take(callId: string): Promise<{ call: DeskCall; outcomes: OfferResult[]; talk: TalkRecord } | null> {
    const res = await this.redis.multi().hgetall(this.key(callId)).hgetall(this.talkKey(callId)).del(this.key(callId), this.talkKey(callId)).exec();
    if (res?.[0]?.[0]) throw res[0][0];
    if (res?.[1]?.[0]) throw res[1][0];
    // whoever took it (or found it taken) clears the due mark; an entry left over is only retried and found gone
    await this.redis.zrem(this.due, callId);
    const fields = (res?.[0]?.[1] ?? {}) as Record<string, string>;
    const raw = fields[CALL];
    if (raw === undefined) return null;
    const outcomes = Object.entries(fields)
      .filter(([k]) => k.startsWith(OUTCOME))
      .map(([, v]) => offerResultSchema.parse(JSON.parse(v)));
    return { call: deskCallSchema.parse(JSON.parse(raw)), outcomes, talk: talkOf((res?.[1]?.[1] ?? {}) as Record<string, string>) };
  }
}

/** The moments and the CDR as recorded (fields that are missing or unreadable are left out). */
function talkOf(fields: Record<string, string>): TalkRecord {
  const num = (v: string | undefined): number | undefined => (v === undefined || !Number.isFinite(Number(v)) ? undefined : Number(v));
  const cdr = fields[CDR] === undefined ? undefined : callerCdrSchema.safeParse(parseJson(fields[CDR]!));
  const t: TalkRecord = {
    from: num(fields[TALK_FIELDS.from]),
    to: num(fields[TALK_FIELDS.to]),
    agentLeg: fields[TALK_FIELDS.agentLeg],
    callerCreated: num(fields[TALK_FIELDS.callerCreated]),
    cdr: cdr?.success ? cdr.data : undefined,
  };
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as TalkRecord;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
