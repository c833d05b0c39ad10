import type { Redis } from "ioredis";
import { z } from "zod";

/**
 * An outbound campaign: who (a saved audience), what the agent offers (the script the pop shows), when
 * (a window), which agents (a queue) and how fast (progressive: one customer per free agent, the agent
 * first). Its members are taken from the audience once, at start, and fed to the queue as call backs a
 * few at a time (campaign-feeder.ts); every attempt passes the compliance check first (dial-check.ts).
 *
 *   <prefix>{<site>}:cp:<id>          STRING  the campaign (JSON, campaignSchema)
 *   <prefix>{<site>}:cp:ids           SET     every campaign's id
 *   <prefix>{<site>}:cp:<id>:members  LIST    members not yet fed (JSON ["customerId", "number"]), the audience at start
 *   <prefix>{<site>}:cp:<id>:seq      STRING  members fed so far: the last call back's number (cp-<id>-<n>)
 *
 * Each member fed gets a record of its own (campaign-members.ts); the KPIs are folded from the site's
 * event stream (campaign-tally.ts).
 */

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

const campaignFields = z
  .object({
    id: z.string().regex(ID, "lower-case letters, digits and dashes"),
    name: z.string().min(1).max(120),
    /** A saved audience's id (POST /admin/audiences). */
    audience: z.string().min(1).max(64),
    /** The agents' queue that calls the members. */
    queue: z.string().min(1).max(64),
    script: z.object({ title: z.string().min(1).max(200), pitch: z.string().max(2000).optional() }).strict(),
    window: z
      .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
      .strict()
      .refine((w) => Date.parse(w.to) > Date.parse(w.from), { message: "`to` must be after `from`", path: ["to"] }),
    /**
     * progressive: one member per free agent, the agent rung first (they see the pop, then the customer is
     * dialled; no customer ever waits for an agent, so no abandoned calls). preview: the same, but the
     * agent first sees the member's card and chooses Call or Skip; nothing is dialled before Call.
     * Predictive is not offered (docs/outbound.md).
     */
    pacing: z.enum(["progressive", "preview"]).default("progressive"),
    /** preview: how long the agent has to choose; then the member goes back to the queue and the agent is treated as for a missed ring. */
    previewSeconds: z.number().int().min(5).max(600).optional(),
    /** Members waiting in the queue at most at once; default: the queue's staffed agents (at least 1). */
    maxQueued: z.number().int().min(1).max(1000).optional(),
    /**
     * Busy, no answer, no key or a failed dial: tried again after `delaySeconds`, up to `maxAttempts`
     * attempts in all (the compliance caps still apply). Default: calls.callbacks' maxAttempts and retryDelaySeconds.
     */
    retry: z.object({ maxAttempts: z.number().int().min(1).max(20), delaySeconds: z.number().min(0).max(7 * 86_400) }).strict().optional(),
  })
  .strict();
export const campaignInputSchema = campaignFields.refine((c) => c.previewSeconds === undefined || c.pacing === "preview", { message: "previewSeconds goes with pacing: preview", path: ["previewSeconds"] });
export type CampaignInput = z.input<typeof campaignInputSchema>;

export const CAMPAIGN_STATES = ["draft", "running", "paused", "done"] as const;

export const campaignSchema = campaignFields.extend({
  state: z.enum(CAMPAIGN_STATES),
  createdAt: z.number(),
  /** Members taken from the audience at start, and fed to the queue so far. */
  members: z.number().int().min(0),
  fed: z.number().int().min(0),
  /** When it was first started (ms). */
  startedAt: z.number().optional(),
  /** When it was done (ms), and why. */
  doneAt: z.number().optional(),
  doneWhy: z.string().optional(),
});
export type Campaign = z.infer<typeof campaignSchema>;

export class CampaignStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    /** `<prefix>{<site>}:` (QueueKeys.base). */
    base: string,
  ) {
    this.base = `${base}cp:`;
  }

  async create(input: CampaignInput, now: number): Promise<Campaign | null> {
    const c: Campaign = { ...campaignInputSchema.parse(input), state: "draft", createdAt: now, members: 0, fed: 0 };
    if ((await this.redis.set(`${this.base}${c.id}`, JSON.stringify(c), "NX")) !== "OK") return null;
    await this.redis.sadd(`${this.base}ids`, c.id);
    return c;
  }

  async get(id: string): Promise<Campaign | null> {
    const raw = await this.redis.get(`${this.base}${id}`);
    return raw === null ? null : campaignSchema.parse(JSON.parse(raw));
  }

  async save(c: Campaign): Promise<void> {
    await this.redis.set(`${this.base}${c.id}`, JSON.stringify(campaignSchema.parse(c)));
  }

  async list(): Promise<Campaign[]> {
    const ids = (await this.redis.smembers(`${this.base}ids`)).sort();
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((c): c is Campaign => c !== null);
  }

  /** Appends members taken from the audience; returns how many the list holds now. */
  addMembers(id: string, members: readonly { customerId: string; number: string }[]): Promise<number> {
    if (members.length === 0) return this.redis.llen(`${this.base}${id}:members`);
    return this.redis.rpush(`${this.base}${id}:members`, ...members.map(memberEntry));
  }

  /** Takes up to `n` members off the list, in audience order. */
  async takeMembers(id: string, n: number): Promise<{ customerId: string; number: string }[]> {
    if (n <= 0) return [];
    const taken = (await this.redis.lpop(`${this.base}${id}:members`, n)) ?? [];
    return taken.map(memberOf);
  }

  /** Puts members taken back at the front of the list, in their order (a feed that could not queue them). */
  async putBack(id: string, members: readonly { customerId: string; number: string }[]): Promise<void> {
    if (members.length) await this.redis.lpush(`${this.base}${id}:members`, ...[...members].reverse().map(memberEntry));
  }

  remaining(id: string): Promise<number> {
    return this.redis.llen(`${this.base}${id}:members`);
  }

  /** Numbers for `n` members about to be fed (1, 2, ...: never the same twice, whichever daemon feeds). */
  async nextSeq(id: string, n: number): Promise<number[]> {
    const last = await this.redis.incrby(`${this.base}${id}:seq`, n);
    return Array.from({ length: n }, (_, i) => last - n + 1 + i);
  }
}

/** A member in the list: JSON, since a record's phone may hold spaces ("030 1234 567") and an id anything. */
const memberEntry = (m: { customerId: string; number: string }): string => JSON.stringify([m.customerId, m.number]);

function memberOf(entry: string): { customerId: string; number: string } {
  if (entry.startsWith("[")) {
    const [customerId, number] = JSON.parse(entry) as [string, string];
    return { customerId, number };
  }
  // lists written before: "customerId number"
  const i = entry.indexOf(" ");
  return { customerId: entry.slice(0, i), number: entry.slice(i + 1) };
}

/** The call back id of a campaign's n-th member fed; campaign ids never hold "~" and end before the last dash. */
export const campaignCallId = (campaignId: string, seq: number): string => `cp-${campaignId}-${seq}`;

/** The campaign a call id belongs to (campaignCallId's inverse), or undefined. */
export function campaignOfCall(callId: string): string | undefined {
  const m = /^cp-([a-z0-9][a-z0-9-]*)-(\d+)$/.exec(callId);
  return m?.[1];
}
