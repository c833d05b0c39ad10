import type { Redis } from "ioredis";
import { parseSiteEvent } from "../events/parse.js";
import type { SiteEvent } from "../events/schema.js";
import type { Logger } from "../lib/logger.js";
import { foldCampaignEvents, TALLY_MEASURES, type AgentTrack, type TallyMeasure } from "./campaign-kpis.js";

/**
 * The campaigns' KPIs, folded from the site's event stream a batch at a time (campaign-kpis.ts), as far
 * as it has been read: every feeder round and every read of a campaign brings it up to date. Each batch
 * is applied in one script that first checks the cursor is where the batch started, so two daemons
 * folding at once count every event once (the loser reads on from the winner's cursor).
 *
 *   <prefix>{<site>}:cp:kpi         HASH  cursor -> the last stream id folded; <campaign>|<measure> -> total
 *   <prefix>{<site>}:cp:kpi:agents  HASH  agentId -> the campaign call the agent's time belongs to (JSON)
 *   <prefix>{<site>}:cp:kpi:sold    SET   campaign call ids with a sale (conversions are counted once per call)
 */

/** KEYS: tally, agents, sold. ARGV: expected cursor, new cursor, counters n, (field, incr)*, agents n, (id, json|"")*, sold ids*. */
const APPLY = `
if (redis.call('HGET', KEYS[1], 'cursor') or '') ~= ARGV[1] then return 0 end
local i = 4
for _ = 1, tonumber(ARGV[3]) do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]); i = i + 2 end
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[2], ARGV[i]) else redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
while i <= #ARGV do redis.call('SADD', KEYS[3], ARGV[i]); i = i + 1 end
redis.call('HSET', KEYS[1], 'cursor', ARGV[2])
return 1`;

type Scripts = { sbCampaignTallyApply(...args: string[]): Promise<number> };

/** Events read per batch, and batches per catch-up (a long backlog is read over several rounds). */
const BATCH = 2000;
const MAX_BATCHES = 100;
/** Stream ids follow the Redis server's clock: start this much before a campaign's start. */
const CLOCK_SLACK_MS = 60_000;

export class CampaignTally {
  readonly key: string;
  private readonly agentsKey: string;
  private readonly soldKey: string;
  private readonly redis: Redis & Scripts;
  private running: Promise<void> | undefined;

  constructor(
    redis: Redis,
    /** `<prefix>{<site>}:` (QueueKeys.base). */
    base: string,
    /** The site's event stream (QueueKeys.events). */
    private readonly eventsKey: string,
    private readonly log?: Logger,
  ) {
    this.key = `${base}cp:kpi`;
    this.agentsKey = `${this.key}:agents`;
    this.soldKey = `${this.key}:sold`;
    const r = redis as Redis & Partial<Scripts>;
    if (!r.sbCampaignTallyApply) r.defineCommand("sbCampaignTallyApply", { numberOfKeys: 3, lua: APPLY });
    this.redis = r as Redis & Scripts;
  }

  /** A campaign starts at `at` (ms): the fold reads from there if it has not started earlier. */
  async begin(at: number): Promise<void> {
    await this.redis.hsetnx(this.key, "cursor", `${Math.max(0, at - CLOCK_SLACK_MS)}-0`);
  }

  /**
   * Folds the events written since the last fold. A call while one runs waits for it and then folds what
   * came meanwhile, so a read after it sees every event written before it was called.
   */
  async catchUp(): Promise<void> {
    const prior = this.running;
    const run = (async () => {
      await prior?.catch(() => undefined);
      await this.fold();
    })();
    this.running = run;
    try {
      await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async fold(): Promise<void> {
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const cursor = await this.redis.hget(this.key, "cursor");
      if (cursor === null) return; // no campaign has started
      const entries = await this.redis.xrange(this.eventsKey, `(${cursor}`, "+", "COUNT", BATCH);
      if (entries.length === 0) return;
      const events = entries.map(([id, flat]) => parseSiteEvent(id, flat)).filter((e): e is SiteEvent => e !== undefined);
      const agentIds = [...new Set(events.flatMap((e) => ("agentId" in e && e.agentId ? [e.agentId] : [])))];
      const soldIds = [...new Set(events.flatMap((e) => (e.type === "offer" && e.outcome === "sold" ? [e.callId] : [])))];
      const [tracks, sold] = await Promise.all([
        agentIds.length ? this.redis.hmget(this.agentsKey, ...agentIds) : Promise.resolve([] as (string | null)[]),
        soldIds.length ? this.redis.smismember(this.soldKey, ...soldIds) : Promise.resolve([] as number[]),
      ]);
      const agents = new Map<string, AgentTrack>();
      agentIds.forEach((id, i) => tracks[i] && agents.set(id, JSON.parse(tracks[i]!) as AgentTrack));
      const delta = foldCampaignEvents(events, { agents, converted: new Set(soldIds.filter((_, i) => sold[i] === 1)) });
      const args = [cursor, entries[entries.length - 1]![0], String(delta.counters.size)];
      for (const [field, n] of delta.counters) args.push(field, String(n));
      args.push(String(delta.agents.size));
      for (const [id, t] of delta.agents) args.push(id, t ? JSON.stringify(t) : "");
      args.push(...delta.converted);
      const applied = await this.redis.sbCampaignTallyApply(this.key, this.agentsKey, this.soldKey, ...args);
      if (applied !== 1) this.log?.debug({ cursor }, "campaign tally: another daemon folded this batch; reading on from its cursor");
      if (entries.length < BATCH && applied === 1) return;
    }
  }

  /** A campaign's totals so far, and the time of the last event folded (ms; null before the first). */
  async totals(campaignId: string): Promise<{ counters: Partial<Record<TallyMeasure, number>>; asOf: number | null }> {
    const values = await this.redis.hmget(this.key, "cursor", ...TALLY_MEASURES.map((m) => `${campaignId}|${m}`));
    const counters: Partial<Record<TallyMeasure, number>> = {};
    TALLY_MEASURES.forEach((m, i) => {
      const v = values[i + 1];
      if (v !== null && v !== undefined) counters[m] = Number(v);
    });
    const cursor = values[0];
    return { counters, asOf: cursor ? Number(cursor.split("-")[0]) : null };
  }
}
