import type { Cluster, Redis } from "ioredis";
import { z } from "zod";
import { DIAL_MODES, RULES, type AttemptInput, type Decision } from "./compliance.js";
import { ATTEMPT_KINDS } from "./config.js";
import { normalizeNumber } from "./number.js";

/**
 * The append-only attempt log: every compliance decision (blocked ones included, with every rule's
 * result and the inputs it was made from), and later each placed attempt's outcome as an entry of its
 * own, in one Redis stream trimmed to about `maxLen` entries. Beside it, per lead, the instants of its
 * placed attempts, which the per-day and total caps are counted from.
 *
 *   <prefix>{<site>}:attempts              STREAM  fields: type, id, at, lead, num, e (the entry as JSON)
 *   <prefix>{<site>}:attempts:lead:<lead>  ZSET    attempt id -> at, placed attempts only; expires
 *                                                  leadRetentionDays after the lead's last attempt
 */

const checkSchema = z.object({ rule: z.enum(RULES), ok: z.boolean(), detail: z.string() }).strict();

export const decisionEntrySchema = z
  .object({
    type: z.literal("decision"),
    /** The attempt's id; its outcome entry carries the same. */
    id: z.string().min(1),
    at: z.number().int(),
    kind: z.enum(ATTEMPT_KINDS),
    campaign: z.string().optional(),
    leadId: z.string().optional(),
    /** As given. */
    number: z.string(),
    e164: z.string().optional(),
    country: z.string().optional(),
    allowed: z.boolean(),
    blockedBy: z.array(z.enum(RULES)),
    /** Blocked by a rule waiting does not change (compliance.ts FINAL_RULES). */
    final: z.boolean(),
    checks: z.array(checkSchema),
    pace: z.number().optional(),
    /** What the decision was made from, beside the number and kind above. */
    inputs: z
      .object({
        recordZone: z.string().optional(),
        zones: z.array(z.string()),
        zoneSource: z.enum(["record", "number", "country-all", "none"]),
        consent: z.boolean().optional(),
        attemptsTotal: z.number().int(),
        attemptsRecent: z.array(z.number()),
        abandon: z.object({ connected: z.number().int(), abandoned: z.number().int() }).strict().optional(),
        mode: z.enum(DIAL_MODES).optional(),
        dnc: z.boolean(),
      })
      .strict(),
  })
  .strict();

/** `no-key`: answered, but the customer did not press the key that puts them through to the agent (a voicemail, someone else). */
export const ATTEMPT_OUTCOMES = ["connected", "abandoned", "no-answer", "busy", "no-key", "machine", "failed", "cancelled"] as const;

export const outcomeEntrySchema = z
  .object({
    type: z.literal("outcome"),
    id: z.string().min(1),
    at: z.number().int(),
    campaign: z.string().optional(),
    leadId: z.string().optional(),
    /** E.164, as in the decision. */
    number: z.string(),
    outcome: z.enum(ATTEMPT_OUTCOMES),
    detail: z.string().optional(),
  })
  .strict();

export const attemptEntrySchema = z.discriminatedUnion("type", [decisionEntrySchema, outcomeEntrySchema]);

export type DecisionEntry = z.infer<typeof decisionEntrySchema>;
export type OutcomeEntry = z.infer<typeof outcomeEntrySchema>;
export type AttemptEntry = z.infer<typeof attemptEntrySchema>;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** The log entry of one decision (pure). */
export function decisionEntry(meta: { id: string; campaign?: string; leadId?: string }, input: AttemptInput, d: Decision): DecisionEntry {
  return {
    type: "decision",
    id: meta.id,
    at: input.now,
    kind: input.kind,
    ...(meta.campaign !== undefined && { campaign: meta.campaign }),
    ...(meta.leadId !== undefined && { leadId: meta.leadId }),
    number: input.number,
    ...(d.e164 !== undefined && { e164: d.e164 }),
    ...(d.country !== undefined && { country: d.country }),
    allowed: d.allowed,
    blockedBy: d.blockedBy,
    final: d.final,
    checks: d.checks,
    ...(d.pace !== undefined && { pace: d.pace }),
    inputs: {
      ...(input.recordZone !== undefined && { recordZone: input.recordZone }),
      zones: d.zones,
      zoneSource: d.zoneSource,
      ...(input.consent !== undefined && { consent: input.consent }),
      attemptsTotal: input.attempts.total,
      attemptsRecent: [...input.attempts.recent],
      ...(input.abandon && { abandon: { connected: input.abandon.connected, abandoned: input.abandon.abandoned } }),
      ...(input.mode !== undefined && { mode: input.mode }),
      dnc: input.dnc,
    },
  };
}

export interface AttemptLogOptions {
  redis: Redis | Cluster;
  /** Key prefix ("sb:"); braces not allowed: the site is the hash tag, as in queue/keys.ts. */
  keyPrefix: string;
  site: string;
  /** XADD MAXLEN ~ this. */
  maxLen: number;
  leadRetentionDays: number;
  /** For reading back by a number written in national format. */
  defaultCountry: string;
}

export interface AttemptQuery {
  leadId?: string;
  /** Any format; compared in E.164 when it is a valid number. */
  number?: string;
  /** Entries with `at` in [from, to] (ms). */
  from?: number;
  to?: number;
  type?: AttemptEntry["type"];
  /** Entries returned at most (default 100, at most 10,000). */
  limit?: number;
  newestFirst?: boolean;
  /** Stream entries looked at at most (default 100,000): a lead or number filter reads the range through. */
  maxScan?: number;
  /** Go on after this stream id (the `next` of a previous page). */
  after?: string;
}

export interface AttemptPage {
  entries: Array<AttemptEntry & { streamId: string }>;
  /** Stream id to pass as `after` for more: set when `limit` or `maxScan` stopped the read early. */
  next?: string;
  scanned: number;
}

const DAY_MS = 86_400_000;
// stream ids come from the Redis server's clock, `at` from the daemon's: read this much either side
const CLOCK_SLACK_MS = 300_000;
const PAGE = 500;

export class AttemptLog {
  readonly key: string;

  constructor(private readonly opts: AttemptLogOptions) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(opts.site)) throw new Error(`invalid site "${opts.site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(opts.keyPrefix)) throw new Error(`key prefix "${opts.keyPrefix}" must not contain braces: the site is the hash tag`);
    this.key = `${opts.keyPrefix}{${opts.site}}:attempts`;
  }

  leadKey(leadId: string): string {
    return `${this.key}:lead:${leadId}`;
  }

  /** Appends the decision (allowed or not); an allowed one with a lead is counted for the lead's caps. Returns the stream id. */
  async appendDecision(entry: DecisionEntry): Promise<string> {
    const flat = fields(entry, entry.e164 ?? entry.number);
    // a blocked decision, or one without a lead, is one XADD; a MULTI only where the lead's count changes with it
    if (!entry.allowed || entry.leadId === undefined) return String(await this.opts.redis.xadd(this.key, "MAXLEN", "~", this.opts.maxLen, "*", ...flat));
    const lead = this.leadKey(entry.leadId);
    const m = this.opts.redis.multi().xadd(this.key, "MAXLEN", "~", this.opts.maxLen, "*", ...flat);
    const res = await m.zadd(lead, entry.at, entry.id).pexpire(lead, this.opts.leadRetentionDays * DAY_MS).exec();
    const [err, id] = res?.[0] ?? [new Error("no reply")];
    if (err) throw err;
    return String(id);
  }

  async appendOutcome(entry: OutcomeEntry): Promise<string> {
    const id = await this.opts.redis.xadd(this.key, "MAXLEN", "~", this.opts.maxLen, "*", ...fields(entry, entry.number));
    return String(id);
  }

  /** The lead's placed attempts, as checkAttempt wants them: all of them counted, the last 48 h's instants. */
  async leadAttempts(leadId: string, now: number): Promise<{ total: number; recent: number[] }> {
    const key = this.leadKey(leadId);
    const res = await this.opts.redis.multi().zcard(key).zrangebyscore(key, now - 2 * DAY_MS, "+inf", "WITHSCORES").exec();
    const total = Number(res?.[0]?.[1] ?? 0);
    const flat = (res?.[1]?.[1] ?? []) as string[];
    const recent = flat.filter((_, i) => i % 2 === 1).map(Number);
    return { total, recent };
  }

  /** Entries by lead, number, type and time range, for the admin API; bounded by `limit` and `maxScan`. */
  async read(q: AttemptQuery = {}): Promise<AttemptPage> {
    const limit = Math.min(q.limit ?? 100, 10_000);
    const maxScan = q.maxScan ?? 100_000;
    const wanted = q.number === undefined ? undefined : numberKey(q.number, this.opts.defaultCountry);
    const lo = q.from === undefined ? "-" : String(Math.max(0, q.from - CLOCK_SLACK_MS));
    const hi = q.to === undefined ? "+" : String(q.to + CLOCK_SLACK_MS);
    const page: AttemptPage = { entries: [], scanned: 0 };
    let cursor = q.after;
    for (;;) {
      const batch = await this.batch(q.newestFirst === true, lo, hi, cursor);
      for (const [streamId, flat] of batch) {
        page.scanned++;
        cursor = streamId;
        const f = fieldMap(flat);
        const at = Number(f.at);
        const match = (q.leadId === undefined || f.lead === q.leadId) && (wanted === undefined || f.num === wanted) && (q.type === undefined || f.type === q.type) &&
          (q.from === undefined || at >= q.from) && (q.to === undefined || at <= q.to);
        const parsed = match ? attemptEntrySchema.safeParse(JSON.parse(f.e ?? "null")) : undefined;
        if (parsed?.success) page.entries.push({ ...parsed.data, streamId });
        if (page.entries.length >= limit || page.scanned >= maxScan) return { ...page, next: streamId };
      }
      if (batch.length < PAGE) return page;
    }
  }

  private async batch(desc: boolean, lo: string, hi: string, after: string | undefined): Promise<Array<[string, string[]]>> {
    const r = this.opts.redis;
    if (desc) return r.xrevrange(this.key, after ? `(${after}` : hi, lo, "COUNT", PAGE);
    return r.xrange(this.key, after ? `(${after}` : lo, hi, "COUNT", PAGE);
  }
}

function fields(entry: AttemptEntry, num: string): string[] {
  return ["type", entry.type, "id", entry.id, "at", String(entry.at), "lead", entry.leadId ?? "", "num", num, "e", JSON.stringify(entry)];
}

function fieldMap(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

function numberKey(number: string, defaultCountry: string): string {
  const n = normalizeNumber(number, defaultCountry);
  return n.ok ? n.e164 : number;
}
