import type { Redis } from "ioredis";
import { z } from "zod";

/**
 * Queued call backs ("keep my place"): the record of each, in Redis beside the queue. The caller's place
 * is the queue's own waiting member (same call id, same score): this store only knows whom to call, how
 * often it was tried and when the next try is due. Keys carry the site's hash tag as the queue's do:
 *
 *   <prefix>{<site>}:cb:<id>        STRING  the record (JSON, callbackSchema)
 *   <prefix>{<site>}:cb:due         ZSET    id -> when its next attempt is due (ms), while it is not
 *   <prefix>{<site>}:cb:open        ZSET    id -> accepted at (ms): every call back not finished yet
 *   <prefix>{<site>}:cb:dial:<num>  STRING  the call back dialling this number now (NX lock, expires)
 *   <prefix>{<site>}:cb:live        ZSET    id -> until (ms): call backs a daemon is previewing, dialling or connecting now (renewed while it runs)
 *   <prefix>{<site>}:cb:pv:<id>:<at> STRING  who settled the preview shown at <at> (call, skip or its timeout: the first one only)
 */

export const CALLBACK_SOURCES = ["queue", "web", "admin", "appointment", "campaign", "web-lead"] as const;

/** What an outbound call is about, for the agent's pop: a web lead's cart, a campaign's pitch. */
export const callPurposeSchema = z.object({
  kind: z.enum(["web-lead", "campaign"]),
  title: z.string().max(200),
  campaignId: z.string().optional(),
  leadId: z.string().optional(),
  pitch: z.string().max(2000).optional(),
  /** Preview pacing: the agent sees the call's card and chooses Call or Skip within `seconds` before anything is dialled. */
  preview: z.object({ seconds: z.number().int().min(5).max(600) }).optional(),
  /** Recorded consent to be called (a web lead's); the compliance check needs it for the kinds that require it. */
  consent: z.boolean().optional(),
  cart: z
    .object({
      items: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number(), price: z.number() })).max(200),
      value: z.number(),
      currency: z.string(),
    })
    .optional(),
});
export type CallPurpose = z.infer<typeof callPurposeSchema>;
/** preview: an agent sees the call's card and has not chosen yet (preview pacing); nothing is dialled. */
export const CALLBACK_STATES = ["waiting", "preview", "dialing", "connected", "completed", "gave-up", "cancelled"] as const;
export const ATTEMPT_OUTCOMES = ["agent no answer", "busy", "no answer", "no key", "failed", "accepted"] as const;

export const callbackSchema = z.object({
  /** The queue member's call id: the caller's call id for a call back asked for in the queue. */
  id: z.string().min(1),
  queue: z.string(),
  lane: z.string(),
  /** The caller's first join (ms): the place it keeps. */
  joinedAt: z.number(),
  number: z.string().regex(/^\+?[0-9]{3,20}$/),
  name: z.string().optional(),
  customerId: z.string().optional(),
  reason: z.string().optional(),
  source: z.enum(CALLBACK_SOURCES),
  acceptedAt: z.number(),
  /** The wait the caller was told when accepting (ms): called back within it keeps the promise. */
  quotedMs: z.number().min(0).nullable(),
  state: z.enum(CALLBACK_STATES),
  attempts: z.array(z.object({ at: z.number(), agentId: z.string().optional(), outcome: z.enum(ATTEMPT_OUTCOMES) })),
  notBefore: z.number().optional(),
  /** The Asterisk server to dial from (the caller's, else the daemon's home server). */
  serverId: z.string(),
  /** What the caller's IVR call knew (the CRM record, the path, consents), for the agent's pop and the history entry. */
  call: z.record(z.string(), z.unknown()).optional(),
  /** An outbound call's purpose (a web lead, a campaign), shown in the pop. */
  purpose: callPurposeSchema.optional(),
  /** While in preview: the agent shown it, their phone, the server to dial from, since and until when (ms). */
  preview: z.object({ agentId: z.string(), endpoint: z.string(), serverId: z.string(), shownAt: z.number(), until: z.number() }).optional(),
  /** Its own retry settings (a campaign's), instead of calls.callbacks' maxAttempts and retryDelaySeconds. */
  retry: z.object({ maxAttempts: z.number().int().min(1), retryDelaySeconds: z.number().min(0) }).optional(),
});
export type Callback = z.infer<typeof callbackSchema>;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** The moments of a call back outbound follows: each attempt, completed, given up, skipped by the agent in preview. */
export type CallbackProgress = "attempt" | "completed" | "gave-up" | "skipped";

/** The checks an outbound attempt must pass before it is placed (outbound/dial-check.ts): go, wait until, or give up. */
export type DialVerdict = { allowed: true } | { allowed: false; reason: string; retryAt?: number; final?: boolean };

export class CallbackStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    /** The queue's key base, `<prefix>{<site>}:` (QueueKeys.base). */
    base: string,
  ) {
    this.base = `${base}cb:`;
  }

  private key(id: string): string {
    return `${this.base}${id}`;
  }

  /** Saves a new call back; false when one with this id exists (a retried request books it once). */
  async create(cb: Callback): Promise<boolean> {
    const ok = await this.redis.set(this.key(cb.id), JSON.stringify(callbackSchema.parse(cb)), "NX");
    if (ok !== "OK") return false;
    await this.redis.zadd(`${this.base}open`, cb.acceptedAt, cb.id);
    return true;
  }

  async get(id: string): Promise<Callback | null> {
    const raw = await this.redis.get(this.key(id));
    return raw === null ? null : callbackSchema.parse(JSON.parse(raw));
  }

  /** Writes the record again; a finished call back leaves the open set (its record stays a day for the admin API). */
  async save(cb: Callback): Promise<void> {
    const finished = cb.state === "completed" || cb.state === "gave-up" || cb.state === "cancelled";
    const json = JSON.stringify(callbackSchema.parse(cb));
    const m = finished ? this.redis.multi().set(this.key(cb.id), json, "PX", 86_400_000) : this.redis.multi().set(this.key(cb.id), json);
    if (finished) m.zrem(`${this.base}open`, cb.id).zrem(`${this.base}due`, cb.id);
    else if (cb.notBefore !== undefined) m.zadd(`${this.base}due`, cb.notBefore, cb.id);
    else m.zrem(`${this.base}due`, cb.id);
    await m.exec();
  }

  /** Call backs whose next attempt is not due at `now`: dispatch passes them over. */
  notDue(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(`${this.base}due`, `(${now}`, "+inf");
  }

  /** Every call back not finished, oldest first. */
  async open(limit = 1000): Promise<Callback[]> {
    const ids = await this.redis.zrange(`${this.base}open`, "0", String(limit - 1));
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((c): c is Callback => c !== null);
  }

  /** Takes the number for this call back: false while another call back dials it (never two dials to one number). */
  async lockNumber(number: string, id: string, ttlMs: number): Promise<boolean> {
    const key = `${this.base}dial:${number}`;
    if ((await this.redis.set(key, id, "PX", Math.round(ttlMs), "NX")) === "OK") return true;
    return (await this.redis.get(key)) === id;
  }

  /**
   * Settles a preview once: the agent's Call or Skip (on any daemon) or its timeout, whichever comes
   * first, gets true; the others false.
   */
  async settlePreview(id: string, shownAt: number): Promise<boolean> {
    return (await this.redis.set(`${this.base}pv:${id}:${shownAt}`, "1", "PX", 3_600_000, "NX")) === "OK";
  }

  /** These call backs are run by the caller (a daemon) until `until`: the agent watch of every daemon leaves their agents alone. */
  async lease(ids: readonly string[], until: number): Promise<void> {
    if (ids.length) await this.redis.zadd(`${this.base}live`, ...ids.flatMap((id) => [until, id]));
  }

  async unlease(id: string): Promise<void> {
    await this.redis.zrem(`${this.base}live`, id);
  }

  /** Call backs some daemon runs now (their lease has not run out); old leases are dropped on the way. */
  async leased(now: number): Promise<string[]> {
    const key = `${this.base}live`;
    const replies = await this.redis.multi().zremrangebyscore(key, "-inf", now).zrangebyscore(key, `(${now}`, "+inf").exec();
    return (replies?.[1]?.[1] as string[] | undefined) ?? [];
  }

  /** Lets the number go, if this call back holds it. */
  async unlockNumber(number: string, id: string): Promise<void> {
    const key = `${this.base}dial:${number}`;
    await this.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, key, id);
  }
}
