import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import type { QueueKeys, SiteSettings } from "../queue/index.js";
import { INTERVAL_MS, intervalStart } from "./buckets.js";
import { kpisOf, sumCounters, type Counters } from "./kpis.js";
import { readLive } from "./live.js";
import { SL_FORMULAS, type SlFormulaId } from "./service-level.js";
import { agentsNeeded } from "./staffing/erlang.js";
import type { MetricsStore } from "./store.js";
import type { QueueBoard, WallboardFeed, WallboardSnapshot } from "./wallboard-snapshot.js";

/**
 * The wallboard's feed: live queue state beside today's KPIs and the last hours, and a signal whenever
 * any daemon folded events (the store's channel), so boards follow the events within a fold.
 */
const HISTORY_INTERVALS = 32; // 8 hours
const LOAD_INTERVALS = 4; // the last hour's load sizes "agents needed"

export interface WallboardDeps {
  redis: Redis;
  store: MetricsStore;
  keys: QueueKeys;
  site: SiteSettings;
  timeZone: string;
  formula: SlFormulaId;
  currency: string;
  dayOf(ms: number): string;
  logger: Logger;
}

export class Wallboard implements WallboardFeed {
  private readonly listeners = new Set<() => void>();
  private subscriber: Redis | undefined;

  constructor(private readonly d: WallboardDeps) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      this.subscriber = this.d.redis.duplicate({ maxRetriesPerRequest: null });
      this.subscriber.on("error", () => undefined);
      this.subscriber.on("message", () => this.listeners.forEach((l) => l()));
      void this.subscriber.subscribe(this.d.store.channel).catch((err) => this.d.logger.warn({ err }, "wallboard: fold signal not subscribed; boards update once a second"));
    }
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.listeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  async snapshot(): Promise<WallboardSnapshot> {
    const { store, site, formula } = this.d;
    const now = Date.now();
    const day = this.d.dayOf(now);
    const today = [{ kind: "d" as const, period: day }];
    const last = intervalStart(now);
    const intervals = Array.from({ length: HISTORY_INTERVALS }, (_, i) => ({ kind: "i" as const, period: last - (HISTORY_INTERVALS - 1 - i) * INTERVAL_MS }));
    const lanesOf = new Map([...site.queues.values()].map((q) => [q.name, q.lanes]));
    const [live, byQueue, byQueueLane, all, series] = await Promise.all([
      readLive(this.d.redis, this.d.keys, lanesOf, now),
      store.read(today, "q"),
      store.read(today, "ql"),
      store.read(today, "all"),
      store.readEach(intervals, "q"),
    ]);
    const queues: QueueBoard[] = [...site.queues.values()].map((q) => {
      const l = live.get(q.name)!;
      const k = kpisOf(byQueue.get(q.name) ?? {}, formula);
      const lanes = q.lanes.map((name) => {
        const lane = site.lanes.get(name)!;
        const now_ = l.lanes.get(name) ?? { waiting: 0, longestWaitMs: 0 };
        const lk = kpisOf(byQueueLane.get(`${q.name}/${name}`) ?? {}, formula);
        return { lane: name, displayName: lane.displayName, waiting: now_.waiting, longestWaitMs: now_.longestWaitMs, sla: { seconds: lane.sla.ms / 1000, percent: lane.sla.percent }, offeredToday: lk.offered, serviceLevelToday: lk.serviceLevel };
      });
      const history = intervals.map((p, i) => {
        const hk = kpisOf(series[i]!.get(q.name) ?? {}, formula);
        return { start: Number(p.period), offered: hk.offered, answered: hk.answered, abandoned: hk.abandoned, serviceLevel: hk.serviceLevel };
      });
      const a = l.agents;
      return {
        queue: q.name,
        displayName: q.displayName,
        waiting: lanes.reduce((n, x) => n + x.waiting, 0),
        longestWaitMs: Math.max(0, ...lanes.map((x) => x.longestWaitMs)),
        agents: a,
        staffed: a.available + a.ringing + a.oncall + a.wrapup,
        needed: this.needed(q.name, series.slice(-LOAD_INTERVALS).map((m) => m.get(q.name) ?? {}), q.lanes),
        today: {
          offered: k.offered,
          answered: k.answered,
          abandoned: k.abandoned,
          abandonRate: k.abandonRate,
          asaMs: k.asaMs,
          serviceLevel: k.serviceLevel,
          express: { offered: k.expressOffered, promiseKept: k.expressPromiseKept, credits: k.creditsIssued, fairnessCostMs: k.fairnessCostMs },
        },
        lanes,
        history,
      };
    });
    const r = kpisOf(all.get("*") ?? {}, formula);
    return {
      at: now,
      day,
      timeZone: this.d.timeZone,
      serviceLevelFormula: { id: formula, label: SL_FORMULAS[formula].label },
      queues,
      revenue: { currency: this.d.currency, today: { revenue: r.revenue, sold: r.offersSold, presented: r.offersPresented, conversion: r.conversion, leads: r.offersInterested } },
    };
  }

  /**
   * Agents the last hour's load needs on the phones (Erlang C, the queue's strictest lane target). The
   * load is the callers who joined (arrivals), not those whose wait ended: a queue that is falling behind
   * would otherwise look lighter than it is.
   */
  private needed(queue: string, lastHour: Counters[], lanes: readonly string[]): number | null {
    const arrived = lastHour.reduce((n, c) => n + (c.joined ?? 0), 0);
    if (arrived === 0) return null;
    const k = kpisOf(sumCounters(lastHour), this.d.formula);
    const q = this.d.site.queues.get(queue)!;
    const ahtSeconds = (k.ahtMs ?? q.defaultHandleTimeMs) / 1000;
    const targets = lanes.map((l) => this.d.site.lanes.get(l)!.sla);
    const strictest = targets.reduce((a, b) => (b.ms < a.ms ? b : a));
    try {
      return agentsNeeded({ callsPerInterval: arrived / lastHour.length, intervalSeconds: INTERVAL_MS / 1000, ahtSeconds, target: { percent: Math.min(99.9, strictest.percent), seconds: strictest.ms / 1000 } }).agentsOnPhones;
    } catch {
      return null;
    }
  }
}
