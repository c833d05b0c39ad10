import type { Redis } from "ioredis";
import { DIMS, type Dim } from "./buckets.js";
import type { Delta } from "./delta.js";
import type { AgentTrack, LastContact } from "./fold.js";

/**
 * The aggregates, the fold's own state and the folding lease in Redis, next to the queue's keys (one
 * hash tag per site). A folded batch is applied by one script that first checks the caller still holds
 * the lease, then adds the batch's sums and maxima, stores the changed agent tracks and contacts, sets
 * the expiries and acknowledges the batch's stream entries: all or nothing, so each event counts once
 * even when a daemon dies between reading and applying, or a slow one lost the lease meanwhile.
 */

export const GROUP = "metrics";

// KEYS: lease, stream, agents hash. ARGV: token, group, channel, then counted sections.
const APPLY = `
if redis.call("GET", KEYS[1]) ~= ARGV[1] then return redis.error_reply("SBM_NOT_LEADER the folding lease is held by another daemon") end
local i = 4
local function count() local n = tonumber(ARGV[i]); i = i + 1; return n end
local n = count()
local ids = {}
for k = 1, n do ids[k] = ARGV[i]; i = i + 1 end
n = count()
for k = 1, n do redis.call("HINCRBYFLOAT", ARGV[i], ARGV[i + 1], ARGV[i + 2]); i = i + 3 end
n = count()
for k = 1, n do
  local cur = tonumber(redis.call("HGET", ARGV[i], ARGV[i + 1]))
  if cur == nil or tonumber(ARGV[i + 2]) > cur then redis.call("HSET", ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
  i = i + 3
end
n = count()
for k = 1, n do redis.call("HSET", KEYS[3], ARGV[i], ARGV[i + 1]); i = i + 2 end
n = count()
for k = 1, n do redis.call("SET", ARGV[i], ARGV[i + 1], "PXAT", ARGV[i + 2]); i = i + 3 end
n = count()
for k = 1, n do redis.call("PEXPIREAT", ARGV[i], ARGV[i + 1]); i = i + 2 end
local acked = 0
for k = 1, #ids, 500 do acked = acked + redis.call("XACK", KEYS[2], ARGV[2], unpack(ids, k, math.min(#ids, k + 499))) end
if #ids > 0 then redis.call("PUBLISH", ARGV[3], ids[#ids]) end
return acked
`;

const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

type Scripted = Redis & {
  sbmApply(lease: string, stream: string, agents: string, ...args: (string | number)[]): Promise<number>;
  sbmRenew(lease: string, token: string, ms: number): Promise<number>;
  sbmRelease(lease: string, token: string): Promise<number>;
};

export class NotLeaderError extends Error {}

export interface Retention {
  intervalMs: number;
  dayMs: number;
}

export class MetricsStore {
  readonly stream: string;
  readonly channel: string;
  private readonly lease: string;
  private readonly agents: string;
  private readonly r: Scripted;

  constructor(
    redis: Redis,
    /** `<prefix>{<site>}:` — the queue's key base. */
    readonly base: string,
    private readonly retention: Retention,
  ) {
    this.r = redis as Scripted;
    if (typeof this.r.sbmApply !== "function") {
      redis.defineCommand("sbmApply", { numberOfKeys: 3, lua: APPLY });
      redis.defineCommand("sbmRenew", { numberOfKeys: 1, lua: RENEW });
      redis.defineCommand("sbmRelease", { numberOfKeys: 1, lua: RELEASE });
    }
    this.stream = `${base}events`;
    this.channel = `${base}kpi:changed`;
    this.lease = `${base}kpi:lease`;
    this.agents = `${base}kpi:agents`;
  }

  /** Creates the consumer group at the stream's start (the first daemon folds what is there). */
  async ensureGroup(): Promise<void> {
    try {
      await this.r.xgroup("CREATE", this.stream, GROUP, "0", "MKSTREAM");
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  async takeLease(token: string, ms: number): Promise<boolean> {
    return (await this.r.set(this.lease, token, "PX", ms, "NX")) === "OK";
  }

  async renewLease(token: string, ms: number): Promise<boolean> {
    return (await this.r.sbmRenew(this.lease, token, ms)) === 1;
  }

  async releaseLease(token: string): Promise<void> {
    await this.r.sbmRelease(this.lease, token);
  }

  async loadAgents(): Promise<Map<string, AgentTrack>> {
    const flat = await this.r.hgetall(this.agents);
    const out = new Map<string, AgentTrack>();
    for (const [id, json] of Object.entries(flat)) {
      try {
        out.set(id, JSON.parse(json) as AgentTrack);
      } catch {
        // a damaged entry: the agent's time is counted from its next move
      }
    }
    return out;
  }

  async loadContacts(keys: readonly string[]): Promise<Map<string, LastContact>> {
    const out = new Map<string, LastContact>();
    if (!keys.length) return out;
    const values = await this.r.mget(keys.map((k) => this.contactKey(k)));
    values.forEach((v, i) => {
      if (v) out.set(keys[i]!, JSON.parse(v) as LastContact);
    });
    return out;
  }

  private contactKey(k: string): string {
    return `${this.base}kpi:fcr:${k}`;
  }

  /** Applies one folded batch and acknowledges its entries; NotLeaderError when the lease was lost. */
  async apply(token: string, ids: readonly string[], delta: Delta, agents: ReadonlyMap<string, AgentTrack>, contacts: ReadonlyMap<string, LastContact>, fcrWindowMs: number): Promise<number> {
    // built by push, never by spreading a large array into a call (V8 caps a call's arguments)
    const args: (string | number)[] = [token, GROUP, this.channel, ids.length];
    for (const id of ids) args.push(id);
    const expiries = new Map<string, number>();
    // a section of (key, field, value) triples, counted first: the sums, then the maxima
    for (const part of [delta.sums, delta.maxes]) {
      const at = args.push(0) - 1;
      let n = 0;
      for (const [key, fields] of part) {
        const full = this.base + key;
        expiries.set(full, this.expiry(key));
        for (const [field, v] of fields) {
          args.push(full, field, v);
          n++;
        }
      }
      args[at] = n;
    }
    args.push(agents.size);
    for (const [id, t] of agents) args.push(id, JSON.stringify(t));
    args.push(contacts.size);
    for (const [k, c] of contacts) args.push(this.contactKey(k), JSON.stringify(c), Math.round(c.at + fcrWindowMs));
    args.push(expiries.size);
    for (const [k, at] of expiries) args.push(k, at);
    try {
      return await this.r.sbmApply(this.lease, this.stream, this.agents, ...args);
    } catch (err) {
      if (/SBM_NOT_LEADER/.test((err as Error).message)) throw new NotLeaderError("the folding lease is held by another daemon");
      throw err;
    }
  }

  /** When an aggregate expires: its period's start plus the retention (and a day's slack for the last interval). */
  private expiry(key: string): number {
    const [, kind, period] = key.split(":");
    if (kind === "i") return Number(period) + this.retention.intervalMs;
    const [y, m, d] = period!.split("-").map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d) + 86_400_000 + this.retention.dayMs;
  }

  /** The counters of one dimension kind over periods: per id, measure -> value (sums added, maxima kept). */
  async read(periods: readonly { kind: "i" | "d"; period: string | number }[], dim: Dim): Promise<Map<string, Record<string, number>>> {
    if (!DIMS.includes(dim)) throw new Error(`unknown dimension ${dim}`);
    const pipe = this.r.pipeline();
    for (const p of periods) pipe.hgetall(`${this.base}kpi:${p.kind}:${p.period}:${dim}`);
    const replies = (await pipe.exec()) ?? [];
    const out = new Map<string, Record<string, number>>();
    for (const [err, flat] of replies) {
      if (err) throw err;
      for (const [field, raw] of Object.entries(flat as Record<string, string>)) {
        const bar = field.lastIndexOf("|");
        const id = field.slice(0, bar);
        const measure = field.slice(bar + 1);
        let row = out.get(id);
        if (!row) out.set(id, (row = {}));
        const v = Number(raw);
        row[measure] = measure.startsWith("max") ? Math.max(row[measure] ?? 0, v) : (row[measure] ?? 0) + v;
      }
    }
    return out;
  }

  /** One dimension kind's counters for each period on its own, in the order given. */
  async readEach(periods: readonly { kind: "i" | "d"; period: string | number }[], dim: Dim): Promise<Map<string, Record<string, number>>[]> {
    return Promise.all(periods.map((p) => this.read([p], dim)));
  }

  /** Entries of the stream read by no consumer yet, and pending ones: how far folding is behind. */
  async lag(): Promise<{ pending: number; lag: number | null }> {
    const groups = (await this.r.xinfo("GROUPS", this.stream).catch(() => [])) as unknown[][];
    for (const g of groups) {
      const m = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) m.set(String(g[i]), g[i + 1]);
      if (m.get("name") === GROUP) return { pending: Number(m.get("pending") ?? 0), lag: m.get("lag") === null ? null : Number(m.get("lag") ?? 0) };
    }
    return { pending: 0, lag: null };
  }
}
