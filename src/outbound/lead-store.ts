import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { rankedOfferSchema, type RankedOffer } from "../offers/ranked.js";
import type { LeadScore } from "./lead-score.js";
import type { WebLeadsConfig } from "./web-config.js";
import { cartSchema, consentSchema, type WebLead } from "./web-lead.js";

/**
 * Web leads in Redis, waiting for the dialer (docs/outbound-web-leads.md, "The lead store"). Every key
 * carries the site's hash tag, `{site}`, as the queue's do (queue/keys.ts), so each script reaches all of
 * them atomically, also on a Cluster; the scripts build lead keys from the base, keep the two in step.
 *
 *   <prefix>{<site>}:wl:lead:<leadId>       HASH  one lead: `lead` (JSON) plus the fields the scripts read
 *   <prefix>{<site>}:wl:q:<queue>:ready     ZSET  due leads: dueAt - score * head start (ms) -> leadId
 *   <prefix>{<site>}:wl:q:<queue>:later     ZSET  leads not due yet (a preferred time, a retry): dueAt -> leadId
 *   <prefix>{<site>}:wl:all                 ZSET  every kept lead: receivedAt -> leadId (the admin list)
 *
 * The lead id is a digest of the shop's eventId, and creating a lead whose hash exists writes nothing:
 * that is the idempotency (and, with the signature's time window, the replay protection) of the intake.
 * The eventId is claimed in the same script that writes the lead, so a daemon dying between the two
 * cannot leave an event claimed with no lead behind.
 */

export const LEAD_STATUSES = ["new", "dialing", "contacted", "converted", "failed", "expired"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** From which states each state may be entered. "new" again from "dialing" is a retry (no answer, no agent). */
export const ENTERED_FROM: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  new: ["dialing"],
  dialing: ["new"],
  contacted: ["dialing"],
  converted: ["contacted"],
  failed: ["new", "dialing", "contacted"],
  expired: ["new", "dialing"],
};

export const leadSchema = z.object({
  id: z.string(),
  eventId: z.string(),
  site: z.string(),
  queue: z.string(),
  kind: z.enum(["abandoned-cart", "call-me"]),
  status: z.enum(LEAD_STATUSES),
  /** False without consent: never in the queue, and refused if set to "new" or "dialing". */
  dialable: z.boolean(),
  blockedReason: z.literal("no-consent").optional(),
  /** The number to dial, E.164. */
  phone: z.string(),
  /** As the shop sent it (phone as typed, name, e-mail, the shop's customer id). */
  customer: z.object({ phone: z.string(), name: z.string().optional(), email: z.string().optional(), customerId: z.string().optional() }),
  /** The CRM record's id, when the phone found one. */
  crmCustomerId: z.string().optional(),
  consent: consentSchema,
  cart: cartSchema.optional(),
  preferredTime: z.string().optional(),
  occurredAt: z.string(),
  /** ms since the epoch. */
  receivedAt: z.number(),
  dueAt: z.number(),
  expiresAt: z.number(),
  updatedAt: z.number(),
  score: z.number(),
  scoreParts: z.object({ value: z.number(), intent: z.number(), customer: z.number(), offers: z.number() }),
  /** The offers that fitted when the lead came in, best first: for the agent's pop. */
  offers: z.array(rankedOfferSchema),
  /** Times it was taken for dialling. */
  attempts: z.number().int(),
  /** Why it last changed state ("no answer", "sold"), as the dialer or agent said. */
  statusReason: z.string().optional(),
  /** Of the event as parsed (web-lead.ts leadDigest). */
  digest: z.string(),
});
export type Lead = z.infer<typeof leadSchema>;

export interface NewLead {
  lead: WebLead;
  /** E.164. */
  phone: string;
  digest: string;
  queue: string;
  score: LeadScore;
  offers: readonly RankedOffer[];
  crmCustomerId?: string;
}

export type CreateResult =
  | { outcome: "created"; lead: Lead }
  /** The same event again: nothing written, this is the lead it made. */
  | { outcome: "duplicate"; lead: Lead }
  /** The eventId made a lead from a different event: nothing written. */
  | { outcome: "conflict"; lead: Lead };

export type UpdateResult =
  | { ok: true; lead: Lead; from: LeadStatus }
  | { ok: false; reason: "not-found" }
  | { ok: false; reason: "not-allowed" | "not-dialable" | "changed"; from: LeadStatus };

/** The lead id for a shop's eventId (same event, same id; 96 bits, no shop text in keys). */
export function leadIdOf(eventId: string): string {
  return `wl-${createHash("sha256").update(eventId).digest("hex").slice(0, 24)}`;
}

export class LeadKeys {
  readonly base: string;

  constructor(prefix: string, readonly site: string) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(site)) throw new Error(`invalid site "${site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(prefix)) throw new Error(`key prefix "${prefix}" must not contain braces: the site is the hash tag`);
    this.base = `${prefix}{${site}}:wl:`;
  }
  lead(id: string): string {
    return `${this.base}lead:${id}`;
  }
  queue(queue: string, part: "ready" | "later"): string {
    return `${this.base}q:${queue}:${part}`;
  }
  get all(): string {
    return `${this.base}all`;
  }
}

/** KEYS: lead, ready, later, all. ARGV: now, keep ms, ttl ms, dialable, dueAt, order, id, then field/value pairs. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', redis.call('HGETALL', KEYS[1])} end
local now = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] == '1' then
  if tonumber(ARGV[5]) > now then redis.call('ZADD', KEYS[3], ARGV[5], ARGV[7])
  else redis.call('ZADD', KEYS[2], ARGV[6], ARGV[7]) end
end
redis.call('ZADD', KEYS[4], now, ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. (now - tonumber(ARGV[2])))
return {'created', {}}`;

/**
 * KEYS: ready, later. ARGV: now, head start ms per point, claim ("1"), lead key base. Moves leads whose time
 * has come from later to ready, expires those past expiresAt on the way, and answers the first due lead
 * (taken for dialling when claiming). Bounded work per call, so a backlog cannot stall Redis.
 */
const NEXT = `
local now = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, 200)
for i = 1, #due, 2 do
  local id = due[i]
  redis.call('ZREM', KEYS[2], id)
  local score = tonumber(redis.call('HGET', ARGV[4] .. id, 'score') or '')
  if score then redis.call('ZADD', KEYS[1], tonumber(due[i + 1]) - score * per, id) end
end
for _ = 1, 200 do
  local top = redis.call('ZRANGE', KEYS[1], 0, 0)
  local id = top[1]
  if not id then return false end
  local key = ARGV[4] .. id
  local f = redis.call('HMGET', key, 'status', 'expiresAt')
  if f[1] ~= 'new' then
    redis.call('ZREM', KEYS[1], id)
  elseif tonumber(f[2]) <= now then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HSET', key, 'status', 'expired', 'updatedAt', now, 'reason', 'not dialled in time')
  else
    if ARGV[3] == '1' then
      redis.call('ZREM', KEYS[1], id)
      redis.call('HSET', key, 'status', 'dialing', 'updatedAt', now)
      redis.call('HINCRBY', key, 'attempts', 1)
    end
    return id
  end
end
return false`;

/**
 * KEYS: lead, ready, later. ARGV: to, now, reason, retryAt (''), head start ms per point, allowed from
 * (comma list), expected from (''), id. A lead back to "new" waits in later until retryAt, else in ready.
 */
const UPDATE = `
local f = redis.call('HMGET', KEYS[1], 'status', 'dialable', 'score')
local from = f[1]
if not from then return {'not-found', ''} end
if ARGV[7] ~= '' and ARGV[7] ~= from then return {'changed', from} end
if not string.find(',' .. ARGV[6] .. ',', ',' .. from .. ',', 1, true) then return {'not-allowed', from} end
local to = ARGV[1]
if (to == 'new' or to == 'dialing') and f[2] ~= '1' then return {'not-dialable', from} end
local now = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'status', to, 'updatedAt', now, 'reason', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[8])
redis.call('ZREM', KEYS[3], ARGV[8])
if to == 'dialing' then redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
if to == 'new' then
  local due = now
  if ARGV[4] ~= '' then due = math.max(now, tonumber(ARGV[4])) end
  redis.call('HSET', KEYS[1], 'dueAt', due)
  if due > now then redis.call('ZADD', KEYS[3], due, ARGV[8])
  else redis.call('ZADD', KEYS[2], due - tonumber(f[3]) * tonumber(ARGV[5]), ARGV[8]) end
end
return {'ok', from}`;

type Scripts = {
  sbWebLeadCreate(...args: string[]): Promise<[string, string[]]>;
  sbWebLeadNext(...args: string[]): Promise<string | null>;
  sbWebLeadUpdate(...args: string[]): Promise<[string, string]>;
};

export interface LeadStoreOptions {
  redis: Redis;
  keyPrefix: string;
  config: Pick<WebLeadsConfig, "site" | "keepDays" | "expireAfterMinutes" | "headStartSecondsPerPoint">;
  /** Epoch ms. */
  clock?: () => number;
}

/** Fields kept beside the lead's JSON, because the scripts read or change them. */
const LIVE_FIELDS = ["status", "updatedAt", "attempts", "reason", "dueAt"] as const;

export class LeadStore {
  readonly keys: LeadKeys;
  private readonly redis: Redis & Scripts;
  private readonly clock: () => number;

  constructor(private readonly opts: LeadStoreOptions) {
    this.keys = new LeadKeys(opts.keyPrefix, opts.config.site);
    const redis = opts.redis as Redis & Partial<Scripts>;
    if (!redis.sbWebLeadCreate) redis.defineCommand("sbWebLeadCreate", { numberOfKeys: 4, lua: CREATE });
    if (!redis.sbWebLeadNext) redis.defineCommand("sbWebLeadNext", { numberOfKeys: 2, lua: NEXT });
    if (!redis.sbWebLeadUpdate) redis.defineCommand("sbWebLeadUpdate", { numberOfKeys: 3, lua: UPDATE });
    this.redis = redis as Redis & Scripts;
    this.clock = opts.clock ?? Date.now;
  }

  private get headStartMs(): number {
    return this.opts.config.headStartSecondsPerPoint * 1000;
  }

  /**
   * Stores the lead, once per eventId: the same event again (same digest) is "duplicate", the eventId with
   * different content is "conflict"; neither writes anything. Without consent the lead is kept (the shop's
   * record of the event) but never queued.
   */
  async create(input: NewLead): Promise<CreateResult> {
    const now = this.clock();
    const id = leadIdOf(input.lead.eventId);
    const lead = this.newLead(id, input, now);
    const keepMs = this.opts.config.keepDays * 86_400_000;
    const fields = { lead: JSON.stringify(lead), status: lead.status, updatedAt: now, attempts: 0, reason: "", dueAt: lead.dueAt, expiresAt: lead.expiresAt, score: lead.score, dialable: lead.dialable ? "1" : "0", digest: lead.digest };
    const [what, existing] = await this.redis.sbWebLeadCreate(
      this.keys.lead(id),
      this.keys.queue(input.queue, "ready"),
      this.keys.queue(input.queue, "later"),
      this.keys.all,
      String(now),
      String(keepMs),
      // kept `keepDays` after it is due, so a lead for a preferred time weeks ahead is still there then
      String(keepMs + (lead.dueAt - now)),
      lead.dialable ? "1" : "0",
      String(lead.dueAt),
      String(lead.dueAt - lead.score * this.headStartMs),
      id,
      ...Object.entries(fields).flatMap(([k, v]) => [k, String(v)]),
    );
    if (what === "created") return { outcome: "created", lead };
    const stored = fromHash(pairs(existing));
    return { outcome: stored.digest === input.digest ? "duplicate" : "conflict", lead: stored };
  }

  private newLead(id: string, input: NewLead, now: number): Lead {
    const { lead: w } = input;
    const preferred = w.preferredTime === undefined ? now : Date.parse(w.preferredTime);
    const dueAt = Math.max(now, preferred);
    return {
      id,
      eventId: w.eventId,
      site: this.keys.site,
      queue: input.queue,
      kind: w.kind,
      status: "new",
      dialable: w.consent.given,
      ...(!w.consent.given && { blockedReason: "no-consent" as const }),
      phone: input.phone,
      customer: w.customer,
      ...(input.crmCustomerId !== undefined && { crmCustomerId: input.crmCustomerId }),
      consent: w.consent,
      ...(w.cart !== undefined && { cart: w.cart }),
      ...(w.preferredTime !== undefined && { preferredTime: w.preferredTime }),
      occurredAt: w.occurredAt,
      receivedAt: now,
      dueAt,
      expiresAt: dueAt + this.opts.config.expireAfterMinutes * 60_000,
      updatedAt: now,
      score: input.score.score,
      scoreParts: input.score.parts,
      offers: [...input.offers],
      attempts: 0,
      digest: input.digest,
    };
  }

  async get(id: string): Promise<Lead | undefined> {
    const h = await this.redis.hgetall(this.keys.lead(id));
    return h.lead === undefined ? undefined : fromHash(h);
  }

  /** The lead for a shop's eventId, if it is still kept. */
  getByEvent(eventId: string): Promise<Lead | undefined> {
    return this.get(leadIdOf(eventId));
  }

  /**
   * Leads newest first, for the admin API. With `status` (or `queue`), up to `limit` matching leads among
   * the newest `scan` kept ones. `before` (a receivedAt, exclusive) pages on.
   */
  async list(opts: { status?: LeadStatus; queue?: string; limit?: number; before?: number; scan?: number } = {}): Promise<Lead[]> {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
    const scan = Math.min(opts.scan ?? 2_000, 10_000);
    const max = opts.before === undefined ? "+inf" : `(${opts.before}`;
    const out: Lead[] = [];
    for (let offset = 0; offset < scan && out.length < limit; offset += 200) {
      const ids = await this.redis.zrevrangebyscore(this.keys.all, max, "-inf", "LIMIT", offset, 200);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.keys.lead(id));
      const replies = (await pipeline.exec()) ?? [];
      for (const [err, h] of replies) {
        if (err) throw err;
        const hash = h as Record<string, string>;
        if (hash.lead === undefined) continue; // expired (its TTL ran out); the index drops it on a later create
        const lead = fromHash(hash);
        if ((opts.status === undefined || lead.status === opts.status) && (opts.queue === undefined || lead.queue === opts.queue)) out.push(lead);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /**
   * The first due lead of `queue`: best score (as a head start) and oldest first, past its preferred time,
   * not expired. With `claim` it is taken at once ("dialing", attempts + 1), so two dialers never get the
   * same lead; without, it is only looked at.
   */
  async nextDue(queue: string, opts: { claim?: boolean } = {}): Promise<Lead | undefined> {
    const id = await this.redis.sbWebLeadNext(
      this.keys.queue(queue, "ready"),
      this.keys.queue(queue, "later"),
      String(this.clock()),
      String(this.headStartMs),
      opts.claim ? "1" : "0",
      this.keys.lead(""),
    );
    return id ? this.get(id) : undefined;
  }

  /**
   * Moves a lead on (ENTERED_FROM says which moves exist). Back to "new" puts it in line again, at
   * `retryAt` (epoch ms) if given; `expectFrom` refuses the move ("changed") when someone else moved it first.
   */
  async updateStatus(id: string, to: LeadStatus, opts: { reason?: string; retryAt?: number; expectFrom?: LeadStatus } = {}): Promise<UpdateResult> {
    const lead = await this.get(id);
    if (!lead) return { ok: false, reason: "not-found" };
    const [what, from] = await this.redis.sbWebLeadUpdate(
      this.keys.lead(id),
      this.keys.queue(lead.queue, "ready"),
      this.keys.queue(lead.queue, "later"),
      to,
      String(this.clock()),
      (opts.reason ?? "").slice(0, 500),
      opts.retryAt === undefined ? "" : String(Math.round(opts.retryAt)),
      String(this.headStartMs),
      ENTERED_FROM[to].join(","),
      opts.expectFrom ?? "",
      id,
    );
    if (what === "not-found") return { ok: false, reason: "not-found" };
    if (what !== "ok") return { ok: false, reason: what as "not-allowed" | "not-dialable" | "changed", from: from as LeadStatus };
    const updated = await this.get(id);
    return updated ? { ok: true, lead: updated, from: from as LeadStatus } : { ok: false, reason: "not-found" };
  }

  /** Leads waiting in `queue`: due now (ready) and later. */
  async waiting(queue: string): Promise<{ ready: number; later: number }> {
    const [ready, later] = await Promise.all([this.redis.zcard(this.keys.queue(queue, "ready")), this.redis.zcard(this.keys.queue(queue, "later"))]);
    return { ready, later };
  }
}

function pairs(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** The lead's JSON with the live fields the scripts keep beside it. */
function fromHash(h: Record<string, string>): Lead {
  const lead = JSON.parse(h.lead ?? "{}") as Record<string, unknown>;
  const live: Partial<Record<(typeof LIVE_FIELDS)[number], string>> = h;
  return leadSchema.parse({
    ...lead,
    status: live.status,
    updatedAt: Number(live.updatedAt),
    attempts: Number(live.attempts ?? 0),
    dueAt: Number(live.dueAt),
    ...(live.reason ? { statusReason: live.reason } : {}),
  });
}
