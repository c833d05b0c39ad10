import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { CallerQueue } from "../queue/index.js";

/** The caller queue in Redis with the configured agents registered (`autoAvailable` ones logged in); nothing to stop. */
export async function openQueue(config: Config, redis: Redis): Promise<CallerQueue> {
  const queue = CallerQueue.fromConfig(redis, config);
  for (const a of config.agents) {
    await queue.registerAgent({ agentId: a.id, endpoint: a.endpoint, queues: a.queues, skills: a.skills });
    if (a.autoAvailable) await queue.agentState(a.id, { to: "available" }).catch(() => undefined);
  }
  return queue;
}
