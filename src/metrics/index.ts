import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import type { QueueKeys, SiteSettings } from "../queue/index.js";
import { dayFormatter } from "./buckets.js";
import type { MetricsConfig } from "./config.js";
import { MetricsConsumer } from "./consumer.js";
import { readLive } from "./live.js";
import { PrometheusMetrics } from "./prometheus.js";
import { runReport, type Report, type ReportQuery } from "./report.js";
import { MetricsStore } from "./store.js";
import { Wallboard } from "./wallboard.js";

export { metricsConfigSchema, type MetricsConfig } from "./config.js";
export { formatReport } from "./report-format.js";
export { parseWhen, REPORT_BY, reportQuerySchema, runReport, type Report, type ReportQuery } from "./report.js";
export { agentsNeeded, StaffingInputError } from "./staffing/erlang.js";
export type { WallboardFeed, WallboardSnapshot } from "./wallboard-snapshot.js";
export { MetricsStore } from "./store.js";

/**
 * KPIs from the site's event stream: the folding consumer (one daemon at a time, each event once), the
 * reports, Prometheus' /metrics and the wallboard's feed (docs/kpis.md).
 */
export interface MetricsDeps {
  redis: Redis;
  config: MetricsConfig;
  keys: QueueKeys;
  site: SiteSettings;
  /** Background job counts for the job-depth gauge. */
  jobs(): Promise<Record<string, { waiting: number; failed: number }>>;
  logger: Logger;
}

export interface Metrics {
  consumer: MetricsConsumer;
  prometheus: PrometheusMetrics;
  wallboard: Wallboard;
  report(query: ReportQuery): Promise<Report>;
  stop(): Promise<void>;
}

/** Site settings' service-level targets by lane, in ms. */
const slTargets = (site: SiteSettings) => new Map([...site.lanes].map(([name, l]) => [name, l.sla.ms]));

/** Each queue's sold lane: its admission lane (desk/express-credit.ts reads the config the same way). */
const soldLanes = (site: SiteSettings) => new Map([...site.queues.values()].map((q) => [q.name, q.admission?.lane ?? "express"]));

export function startMetrics(d: MetricsDeps): Metrics {
  const { config } = d;
  const dayOf = dayFormatter(config.timeZone);
  const store = new MetricsStore(d.redis, d.keys.base, { intervalMs: config.retention.intervalDays * 86_400_000, dayMs: config.retention.dayDays * 86_400_000 });
  const lanesOf = new Map([...d.site.queues.values()].map((q) => [q.name, q.lanes]));
  // one read of the live state serves every gauge of a scrape
  let cached: { at: number; value: ReturnType<typeof readLive> } | undefined;
  const live = () => {
    if (!cached || Date.now() - cached.at > 250) cached = { at: Date.now(), value: readLive(d.redis, d.keys, lanesOf, Date.now()) };
    return cached.value;
  };
  let consumer: MetricsConsumer;
  const prometheus = new PrometheusMetrics(config.currency, {
    live,
    jobs: d.jobs,
    lag: async () => (await store.lag()).lag,
    isFolder: () => consumer.isLeader,
  });
  consumer = new MetricsConsumer({
    redis: d.redis,
    store,
    settings: { slMs: slTargets(d.site), soldLanes: soldLanes(d.site), shortAbandonMs: config.shortAbandonSeconds * 1000, fcrWindowMs: config.fcrWindowDays * 86_400_000, csatSatisfiedShare: config.csatSatisfiedShare, dayOf },
    fcrWindowMs: config.fcrWindowDays * 86_400_000,
    logger: d.logger,
    onApplied: (events) => prometheus.observe(events),
  });
  consumer.start();
  const wallboard = new Wallboard({ redis: d.redis, store, keys: d.keys, site: d.site, timeZone: config.timeZone, formula: config.serviceLevelFormula, currency: config.currency, dayOf, logger: d.logger });
  return {
    consumer,
    prometheus,
    wallboard,
    report: (query) => runReport(store, { timeZone: config.timeZone, formula: config.serviceLevelFormula, intervalRetentionMs: config.retention.intervalDays * 86_400_000 }, query),
    async stop() {
      wallboard.stop();
      await consumer.stop();
    },
  };
}
