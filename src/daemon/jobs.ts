import type { Config } from "../config/schema.js";
import type { EventLog } from "../events/log.js";
import { JobHub } from "../jobs/index.js";
import type { Logger } from "../lib/logger.js";
import type { Running } from "./lifecycle.js";

/** The webhook jobs (leads, sales, history): published by the desk, delivered by their workers. */
export interface Jobs extends Running {
  hub: JobHub;
}

export async function startJobs(config: Config, env: NodeJS.ProcessEnv, log: Logger, events?: EventLog): Promise<Jobs> {
  const hub = new JobHub({ redisUrl: config.redis.url, prefix: config.redis.keyPrefix, config: config.jobs, logger: log, env, ...(events && { events }) });
  await hub.ready();
  return { hub, stop: () => hub.close() };
}
