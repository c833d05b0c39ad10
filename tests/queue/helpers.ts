import type { Redis } from "ioredis";
import { CallerQueue, type CallerQueueOptions } from "../../src/queue/index.js";

/** A clock the test moves by hand. */
export class VirtualClock {
  constructor(public t = 1_700_000_000_000) {}
  now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export const LANES: CallerQueueOptions["lanes"] = {
  express: { displayName: "Priority line", headStart: 60, sla: { seconds: 20, percent: 80 } },
  standard: { displayName: "Standard line", headStart: 0, sla: { seconds: 120, percent: 80 } },
};

let n = 0;

/** A CallerQueue on the suite's Redis with its own key prefix and a virtual clock. */
export function makeQueue(
  redis: Redis,
  prefix: string,
  opts: Partial<Omit<CallerQueueOptions, "redis" | "clock">> = {},
  clock = new VirtualClock(),
): { cq: CallerQueue; clock: VirtualClock; prefix: string } {
  const keyPrefix = `${prefix}${++n}:`;
  const cq = new CallerQueue({
    redis,
    keyPrefix,
    clock,
    lanes: opts.lanes ?? LANES,
    queues: opts.queues ?? { support: { lanes: ["express", "standard"], wrapUp: 0 } },
    ...(opts.site !== undefined && { site: opts.site }),
  });
  return { cq, clock, prefix: keyPrefix };
}

/** Registers agents and logs them in, one ms apart so the idle order is their list order. */
export async function staff(cq: CallerQueue, clock: VirtualClock, agents: { id: string; skills?: Record<string, number>; queues?: string[] }[]) {
  for (const [i, a] of agents.entries()) {
    await cq.registerAgent({ agentId: a.id, endpoint: `PJSIP/${1000 + i}-${a.id}`, skills: a.skills ?? {}, queues: a.queues ?? ["support"] });
    await cq.agentState(a.id, { to: "available" });
    clock.advance(1);
  }
}
