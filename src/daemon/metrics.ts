import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { JobHub } from "../jobs/index.js";
import type { Logger } from "../lib/logger.js";
import { startMetrics, type Metrics } from "../metrics/index.js";
import type { CallerQueue } from "../queue/index.js";
import type { Running } from "./lifecycle.js";

/** The KPIs: this daemon takes its turn folding the site's event stream; reports, /metrics and the wallboard read them. */
export function openMetrics(deps: { config: Config; redis: Redis; queue: CallerQueue; jobs: JobHub; log: Logger }): Metrics & Running {
  const m = startMetrics({
    redis: deps.redis,
    config: deps.config.metrics,
    keys: deps.queue.keys,
    site: deps.queue.settings,
    jobs: async () => Object.fromEntries(Object.entries(await deps.jobs.counts()).map(([kind, c]) => [kind, { waiting: c.waiting, failed: c.failed }])),
    logger: deps.log,
  });
  return { ...m, stop: () => m.stop() };
}
