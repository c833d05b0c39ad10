import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { Logger } from "../lib/logger.js";
import { CallerQueue } from "../queue/index.js";
import { QueueMemory, registerAgents, type RejoiningCaller } from "../queue/rebuild.js";
import type { RedisLink } from "./redis.js";

/** The caller queue in Redis with the configured agents registered (`autoAvailable` ones logged in); nothing to stop. */
export async function openQueue(config: Config, redis: Redis): Promise<CallerQueue> {
  const queue = CallerQueue.fromConfig(redis, config);
  await registerAgents(queue, config.agents);
  return queue;
}

export interface QueueKeeping {
  redis: RedisLink;
  queue: CallerQueue;
  config: Config;
  /** This daemon's callers on the line that have (or had) a place in the queue. */
  callers(): RejoiningCaller[];
  /** Callers Redis would not take back (nobody staffed for them any more). */
  notRejoined(callIds: string[]): void;
  /** Redis lost what it had: the rest of the daemon writes its own again (sessions, servers). */
  emptied(): Promise<void>;
  /** Dispatch again (Redis takes writes again, or was rebuilt). */
  kick(): void;
  log: Logger;
}

/**
 * The queue through Redis faults: at each probe that Redis took, the agents' states are read (the last
 * known ones, for a rebuild) and writes the queue owes Redis (releases it refused while full or away)
 * are made; when Redis comes back without its data the agents, their states and the callers on the
 * line are put back (queue/rebuild.ts).
 */
export function keepQueue(k: QueueKeeping): void {
  const memory = new QueueMemory(k.queue, k.config.agents);
  k.redis.onWritable((recovered) => {
    void (async () => {
      await memory.remember().catch(() => undefined);
      if (!recovered && k.queue.owedWrites === 0) return;
      const done = await k.queue.settle();
      if (done) k.log.info({ done, stillOwed: k.queue.owedWrites }, "writes Redis had refused are made now (rings released, calls ended, phone states)");
      k.kick();
    })();
  });
  k.redis.onEmptied(async () => {
    const callers = k.callers();
    const r = await memory.rebuild(callers);
    await k.emptied();
    k.log.warn({ agents: r.agents, agentsRestored: r.restored, callers: r.callers, notRejoined: r.notRejoined.length }, "queue rebuilt after Redis lost its data: agents and their last states, callers at their first join");
    if (r.notRejoined.length) k.notRejoined(r.notRejoined);
    k.kick();
  });
}
