import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { SiteEvent } from "../events/schema.js";
import type { LiveQueue } from "./live.js";

/**
 * /metrics in Prometheus' text format (prom-client). Counters and histograms count events on the daemon
 * that folded them, so each event is counted once in the sum over daemons: query them with
 * `sum without (instance)`. Gauges are read from Redis at scrape time and are the same on every daemon:
 * query them with `max without (instance)`. Names follow Prometheus' conventions (docs/kpis.md lists them).
 */
const WAIT_BUCKETS = [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200];
const TALK_BUCKETS = [30, 60, 120, 180, 240, 300, 450, 600, 900, 1800, 3600];

export interface ScrapeSources {
  live(): Promise<Map<string, LiveQueue>>;
  /** Background jobs by kind: waiting and failed. */
  jobs(): Promise<Record<string, { waiting: number; failed: number }>>;
  /** Stream entries not yet folded (null: unknown). */
  lag(): Promise<number | null>;
  isFolder(): boolean;
}

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly queueCalls: Counter<"queue" | "lane" | "outcome">;
  private readonly calls: Counter<"outcome">;
  private readonly offers: Counter<"offer" | "outcome">;
  private readonly revenue: Counter<"currency">;
  private readonly jobsDone: Counter<"kind" | "outcome">;
  private readonly surveys: Counter<"score">;
  private readonly folded: Counter;
  private readonly wait: Histogram<"queue" | "lane" | "outcome">;
  private readonly talk: Histogram<"queue">;

  constructor(
    private readonly currency: string,
    sources: ScrapeSources,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "switchboard_" });
    this.queueCalls = new Counter({ name: "switchboard_queue_calls_total", help: "Callers whose time in a queue ended, by outcome (answered, abandoned, timeout) and refused joins", labelNames: ["queue", "lane", "outcome"], registers });
    this.calls = new Counter({ name: "switchboard_calls_total", help: "Calls ended, by how they ended", labelNames: ["outcome"], registers });
    this.offers = new Counter({ name: "switchboard_offers_total", help: "Offers presented in pops and the agents' outcomes", labelNames: ["offer", "outcome"], registers });
    this.revenue = new Counter({ name: "switchboard_revenue_total", help: "Value of offers sold in calls", labelNames: ["currency"], registers });
    this.jobsDone = new Counter({ name: "switchboard_jobs_total", help: "Background jobs delivered or failed for good", labelNames: ["kind", "outcome"], registers });
    this.surveys = new Counter({ name: "switchboard_surveys_total", help: "Post-call survey answers by score", labelNames: ["score"], registers });
    this.folded = new Counter({ name: "switchboard_events_folded_total", help: "Stream events folded into the KPIs by this daemon", registers });
    this.wait = new Histogram({ name: "switchboard_queue_wait_seconds", help: "Time callers waited in a queue, by how the wait ended", labelNames: ["queue", "lane", "outcome"], buckets: WAIT_BUCKETS, registers });
    this.talk = new Histogram({ name: "switchboard_talk_time_seconds", help: "Talk time of calls handled by agents", labelNames: ["queue"], buckets: TALK_BUCKETS, registers });

    const live = async () => sources.live();
    new Gauge({
      name: "switchboard_queue_waiting_callers",
      help: "Callers waiting in a queue now",
      labelNames: ["queue", "lane"],
      registers,
      async collect() {
        this.reset();
        for (const q of (await live()).values()) for (const [lane, l] of q.lanes) this.set({ queue: q.queue, lane }, l.waiting);
      },
    });
    new Gauge({
      name: "switchboard_queue_longest_wait_seconds",
      help: "Longest wait of a caller waiting now",
      labelNames: ["queue", "lane"],
      registers,
      async collect() {
        this.reset();
        for (const q of (await live()).values()) for (const [lane, l] of q.lanes) this.set({ queue: q.queue, lane }, l.longestWaitMs / 1000);
      },
    });
    new Gauge({
      name: "switchboard_agents",
      help: "Agents of a queue by state now",
      labelNames: ["queue", "state"],
      registers,
      async collect() {
        this.reset();
        for (const q of (await live()).values()) for (const [state, n] of Object.entries(q.agents)) this.set({ queue: q.queue, state }, n);
      },
    });
    new Gauge({
      name: "switchboard_jobs_queued",
      help: "Background jobs waiting for delivery, and failed ones kept for a retry",
      labelNames: ["kind", "state"],
      registers,
      async collect() {
        this.reset();
        for (const [kind, c] of Object.entries(await sources.jobs())) {
          this.set({ kind, state: "waiting" }, c.waiting);
          this.set({ kind, state: "failed" }, c.failed);
        }
      },
    });
    new Gauge({
      name: "switchboard_events_unfolded",
      help: "Stream events not yet folded into the KPIs",
      registers,
      async collect() {
        const lag = await sources.lag();
        if (lag !== null) this.set(lag);
      },
    });
    new Gauge({
      name: "switchboard_events_folder",
      help: "1 on the daemon that folds the event stream now",
      registers,
      collect() {
        this.set(sources.isFolder() ? 1 : 0);
      },
    });
  }

  /** A folded batch's events, counted here. */
  observe(events: readonly SiteEvent[]): void {
    this.folded.inc(events.length);
    for (const e of events) {
      switch (e.type) {
        case "answered":
        case "abandoned":
        case "timeout":
        case "scheduled":
          this.queueCalls.inc({ queue: e.queue, lane: e.lane, outcome: e.type });
          this.wait.observe({ queue: e.queue, lane: e.lane, outcome: e.type }, e.waitMs / 1000);
          break;
        case "refused":
          this.queueCalls.inc({ queue: e.queue, lane: e.lane, outcome: `refused-${e.reason}` });
          break;
        case "call":
          this.calls.inc({ outcome: e.outcome });
          break;
        case "handled":
          if (e.talkMs !== undefined) this.talk.observe({ queue: e.queue }, e.talkMs / 1000);
          break;
        case "offer":
          this.offers.inc({ offer: e.offerId, outcome: e.outcome });
          if (e.outcome === "sold") this.revenue.inc({ currency: this.currency }, e.amount ?? e.value);
          break;
        case "job":
          if (e.outcome !== "queued") this.jobsDone.inc({ kind: e.kind, outcome: e.outcome });
          break;
        case "survey":
          this.surveys.inc({ score: String(e.score) });
          break;
      }
    }
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
