import type { AgentRecord, CallerQueue } from "./caller-queue.js";
import { QueueError } from "./errors.js";

/**
 * What a daemon puts back when Redis comes back without its data (restarted without persistence,
 * flushed): the agents of its config and the states they last had, and its callers still on the line
 * at the places they had. The daemon keeps the agents' last states in memory for this (`remember`, a
 * read of each agent's record at every health probe); the Function library loads again by itself on
 * first use ("Function not found").
 */

/** A configured agent, as the daemon registers it. */
export interface ConfiguredAgent {
  id: string;
  endpoint: string;
  queues: string[];
  skills?: Record<string, number> | string[];
  autoAvailable?: boolean;
}

/** A caller still on the line that had a place: it joins again as of its first join. */
export interface RejoiningCaller {
  callId: string;
  queue: string;
  lane: string;
  skills?: Record<string, number> | string[];
  priority?: number;
  maxWaitMs?: number;
  /** When it first joined (ms): its score and wait count from then. */
  joinedAt: number;
}

export interface RebuildReport {
  agents: number;
  /** Agents put back in a state other than offline (available, paused). */
  restored: number;
  callers: number;
  /** Callers Redis refused again (e.g. nobody staffed for them any more: `empty`). */
  notRejoined: string[];
}

/** Registers the configured agents, an `autoAvailable` one logged in (the daemon's start-up). */
export async function registerAgents(queue: CallerQueue, agents: readonly ConfiguredAgent[]): Promise<void> {
  for (const a of agents) {
    await queue.registerAgent({ agentId: a.id, endpoint: a.endpoint, queues: a.queues, skills: a.skills ?? {} });
    if (a.autoAvailable) await queue.agentState(a.id, { to: "available" }).catch(() => undefined);
  }
}

export class QueueMemory {
  private last = new Map<string, AgentRecord>();

  constructor(
    private readonly queue: CallerQueue,
    private readonly agents: readonly ConfiguredAgent[],
  ) {}

  /** The agents' last known states. */
  get known(): ReadonlyMap<string, AgentRecord> {
    return this.last;
  }

  /** Reads the agents' states; an agent Redis no longer has keeps the state remembered before. */
  async remember(): Promise<void> {
    const now = await this.queue.agentRecords(this.agents.map((a) => a.id));
    if (now.size === 0) return; // Redis lost its data: what was known before is what a rebuild needs
    this.last = new Map([...this.last, ...now]);
  }

  /**
   * Puts the agents and `callers` back into an empty Redis. An agent goes back to what it was: paused
   * (with its reason) or offline as it was; available when it was available, ringing or in wrap-up (the
   * ring and the wrap-up were Redis' own); on a call, available with its phone in use, so it is offered
   * nothing until the phone is free. Its phone's last state goes back too. Callers join again in
   * `joinedAt` order, each as of its own first join, so the order among them is the old one.
   */
  async rebuild(callers: readonly RejoiningCaller[]): Promise<RebuildReport> {
    let restored = 0;
    for (const a of this.agents) {
      await this.queue.registerAgent({ agentId: a.id, endpoint: a.endpoint, queues: a.queues, skills: a.skills ?? {} });
      const was = this.last.get(a.id);
      if (!was) {
        if (a.autoAvailable) await this.queue.agentState(a.id, { to: "available" }).catch(() => undefined);
        continue;
      }
      if (was.device !== "unknown") await this.queue.deviceState(a.endpoint, was.device);
      if (was.state === "offline") continue;
      await this.queue.agentState(a.id, was.state === "paused" ? { to: "paused", reason: was.reason ?? "paused" } : { to: "available" });
      restored++;
    }
    const notRejoined: string[] = [];
    for (const c of [...callers].sort((x, y) => x.joinedAt - y.joinedAt)) {
      const r = await this.queue
        .enqueue({
          callId: c.callId,
          queue: c.queue,
          lane: c.lane,
          skills: c.skills ?? {},
          priority: c.priority ?? 0,
          joinedAt: c.joinedAt,
          ...(c.maxWaitMs === undefined ? {} : { maxWait: Math.max(1, c.maxWaitMs) / 1000 }),
        })
        .catch((err: unknown) => {
          // already back (another daemon's rebuild, or the caller's own retry): it has its place
          if (err instanceof QueueError && err.code === "SBQ_DUPLICATE_CALL") return { status: "queued" as const };
          throw err;
        });
      if (r.status !== "queued") notRejoined.push(c.callId);
    }
    return { agents: this.agents.length, restored, callers: callers.length, notRejoined };
  }
}
