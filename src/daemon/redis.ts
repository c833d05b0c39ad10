import { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { HealthCheck } from "../http/health.js";
import type { Logger } from "../lib/logger.js";
import type { Running } from "./lifecycle.js";

/** The daemon's Redis connection (sessions, queue, desk, caps), which /readyz requires. */
export interface RedisLink extends Running {
  client: Redis;
  checks: HealthCheck[];
}

export async function connectRedis(config: Config["redis"], log: Logger): Promise<RedisLink> {
  const redis = new Redis(config.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on("error", (err) => log.warn({ err: err.message }, "redis"));
  await redis.connect();
  return {
    client: redis,
    checks: [{ name: "redis", required: true, status: () => ({ ok: redis.status === "ready", detail: redis.status }) }],
    async stop() {
      void redis.quit().catch(() => redis.disconnect());
    },
  };
}
