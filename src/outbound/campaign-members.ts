import type { Redis } from "ioredis";
import { z } from "zod";

/**
 * Each campaign member's progress once it was fed to the queue (docs/outbound.md, "Member statuses"):
 * its status, every attempt and how it went, when it may be tried next. Members not fed yet are only in
 * the campaign's list (campaign.ts); they count as `pending`.
 *
 *   <prefix>{<site>}:cp:<id>:m   HASH  customerId -> the member (JSON, memberSchema)
 *   <prefix>{<site>}:cp:<id>:st  HASH  status -> members in it (kept with each write, for the summary)
 */

export const MEMBER_STATUSES = [
  /** Waiting at its place in the queue for a free agent. */
  "queued",
  /** An agent is rung for it, or the customer is being dialled. */
  "dialing",
  /** The customer is talking with the agent. */
  "connected",
  /** The last attempt did not reach the customer; tried again from `retryAt`. */
  "retry",
  /** The compliance check holds it (calling hours, a holiday, the day's cap) until `retryAt`. */
  "held",
  /** Reached: the customer talked with an agent. */
  "done",
  /** Reached, and the agent marked an offer sold on the call. */
  "converted",
  /** Not reached within its attempts. */
  "gave-up",
  /** Shown to an agent in preview, who chose not to call it: never dialled. */
  "skipped",
  /** Refused for good by the compliance check (do-not-call, no consent, not a valid number, the total cap): never dialled again. */
  "blocked",
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** How one attempt went: the customer answered and was put through, or what stopped it. */
export const MEMBER_ATTEMPT_OUTCOMES = ["answered", "busy", "no-answer", "no-key", "failed"] as const;

export const memberSchema = z.object({
  campaignId: z.string(),
  customerId: z.string(),
  number: z.string(),
  /** The call back that calls it (cp-<campaign>-<n>). */
  callId: z.string().optional(),
  status: z.enum(MEMBER_STATUSES),
  attempts: z.array(z.object({ at: z.number(), outcome: z.enum(MEMBER_ATTEMPT_OUTCOMES) })),
  /** When it may be tried next (retry, held). */
  retryAt: z.number().optional(),
  /** Why it is in its status (the check that held or blocked it, why it was given up). */
  reason: z.string().optional(),
  /** The sale the agent recorded on its call. */
  sale: z.object({ offerId: z.string(), amount: z.number() }).optional(),
  updatedAt: z.number(),
});
export type Member = z.infer<typeof memberSchema>;

/** KEYS: members, counts. ARGV: customerId, JSON, status. Writes the member and moves the count from its old status. */
const PUT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
local was = old and cjson.decode(old).status or false
if was ~= ARGV[3] then
  if was then redis.call('HINCRBY', KEYS[2], was, -1) end
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return was or ''`;

/** KEYS: members, counts. ARGV: customerId. Removes the member and its count. */
const REMOVE = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HINCRBY', KEYS[2], cjson.decode(old).status, -1)
redis.call('HDEL', KEYS[1], ARGV[1])
return 1`;

type Scripts = { sbCampaignMemberPut(...args: string[]): Promise<string>; sbCampaignMemberRemove(...args: string[]): Promise<number> };

export class CampaignMembers {
  private readonly base: string;
  private readonly redis: Redis & Scripts;
  /** Changes to one member, one after the other (the runner's hooks fire without waiting). */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    redis: Redis,
    /** `<prefix>{<site>}:` (QueueKeys.base). */
    base: string,
  ) {
    this.base = `${base}cp:`;
    const r = redis as Redis & Partial<Scripts>;
    if (!r.sbCampaignMemberPut) r.defineCommand("sbCampaignMemberPut", { numberOfKeys: 2, lua: PUT });
    if (!r.sbCampaignMemberRemove) r.defineCommand("sbCampaignMemberRemove", { numberOfKeys: 2, lua: REMOVE });
    this.redis = r as Redis & Scripts;
  }

  private keys(campaignId: string): [string, string] {
    return [`${this.base}${campaignId}:m`, `${this.base}${campaignId}:st`];
  }

  async get(campaignId: string, customerId: string): Promise<Member | undefined> {
    const raw = await this.redis.hget(this.keys(campaignId)[0], customerId);
    return raw === null ? undefined : memberSchema.parse(JSON.parse(raw));
  }

  async put(m: Member): Promise<void> {
    await this.redis.sbCampaignMemberPut(...this.keys(m.campaignId), m.customerId, JSON.stringify(memberSchema.parse(m)), m.status);
  }

  /** Forgets a member (one put back on the list: it is pending again). */
  async remove(campaignId: string, customerId: string): Promise<void> {
    await this.redis.sbCampaignMemberRemove(...this.keys(campaignId), customerId);
  }

  /**
   * Changes a member in turn with the other changes to it from this daemon; `change` gets the stored
   * member (undefined when none) and answers the new one, or undefined to leave it.
   */
  update(campaignId: string, customerId: string, change: (m: Member | undefined) => Member | undefined): Promise<Member | undefined> {
    const key = `${campaignId} ${customerId}`;
    const run = (this.chains.get(key) ?? Promise.resolve()).then(async () => {
      const next = change(await this.get(campaignId, customerId));
      if (next) await this.put(next);
      return next;
    });
    const chained = run.catch(() => undefined);
    this.chains.set(key, chained);
    void chained.then(() => {
      if (this.chains.get(key) === chained) this.chains.delete(key);
    });
    return run;
  }

  /** Members fed so far by status (statuses with none left out). */
  async counts(campaignId: string): Promise<Partial<Record<MemberStatus, number>>> {
    const raw = await this.redis.hgetall(this.keys(campaignId)[1]);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]).filter(([, n]) => (n as number) > 0));
  }

  /** A page of members (any order), `status` only those; `cursor` from the previous page's `next`. */
  async list(campaignId: string, opts: { status?: MemberStatus; limit?: number; cursor?: string } = {}): Promise<{ members: Member[]; next?: string }> {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const members: Member[] = [];
    let cursor = opts.cursor ?? "0";
    do {
      const [next, flat] = await this.redis.hscan(this.keys(campaignId)[0], cursor, "COUNT", 200);
      cursor = next;
      for (let i = 1; i < flat.length; i += 2) {
        const m = memberSchema.parse(JSON.parse(flat[i]!));
        if (opts.status === undefined || m.status === opts.status) members.push(m);
      }
    } while (cursor !== "0" && members.length < limit);
    members.sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
    return { members, ...(cursor !== "0" ? { next: cursor } : {}) };
  }
}
