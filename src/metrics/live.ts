import type { Redis } from "ioredis";
import type { AgentState } from "../queue/agent-states.js";
import type { QueueKeys } from "../queue/index.js";

/**
 * The queue's state now, read cheaply for gauges and the wallboard: waiting callers and the longest wait
 * per queue and lane from the waiting sets' members (they carry lane and join time), agents by state
 * per queue from one read of each agent's hash. Two pipelined round trips whatever the site's size.
 */
export interface LiveQueue {
  queue: string;
  lanes: Map<string, { waiting: number; longestWaitMs: number }>;
  agents: Record<AgentState, number>;
}

const emptyAgents = (): Record<AgentState, number> => ({ offline: 0, available: 0, ringing: 0, oncall: 0, wrapup: 0, paused: 0 });

export async function readLive(redis: Redis, keys: QueueKeys, queues: ReadonlyMap<string, readonly string[]>, now: number): Promise<Map<string, LiveQueue>> {
  const out = new Map<string, LiveQueue>();
  for (const [queue, lanes] of queues) out.set(queue, { queue, lanes: new Map(lanes.map((l) => [l, { waiting: 0, longestWaitMs: 0 }])), agents: emptyAgents() });
  const pipe = redis.pipeline();
  for (const queue of queues.keys()) pipe.zrange(keys.queue(queue, "waiting"), "0", "-1");
  pipe.smembers(keys.agents);
  const replies = (await pipe.exec()) ?? [];
  const names = [...queues.keys()];
  names.forEach((queue, i) => {
    const [err, members] = replies[i]!;
    if (err) throw err;
    const q = out.get(queue)!;
    for (const m of members as string[]) {
      // seq|reserved|needs|lane|enqueuedAt|requeues|deadline|callId
      const parts = m.split("|");
      const lane = parts[3]!;
      let l = q.lanes.get(lane);
      if (!l) q.lanes.set(lane, (l = { waiting: 0, longestWaitMs: 0 }));
      l.waiting++;
      l.longestWaitMs = Math.max(l.longestWaitMs, now - Number(parts[4]));
    }
  });
  const [agentsErr, ids] = replies[names.length]!;
  if (agentsErr) throw agentsErr;
  const agentPipe = redis.pipeline();
  for (const id of ids as string[]) agentPipe.hmget(keys.agent(id), "state", "queues");
  for (const [err, row] of (await agentPipe.exec()) ?? []) {
    if (err) throw err;
    const [state, qs] = row as [string | null, string | null];
    if (!state) continue;
    for (const queue of (qs ?? "").split(",")) {
      const q = out.get(queue);
      if (q && state in q.agents) q.agents[state as AgentState]++;
    }
  }
  return out;
}
