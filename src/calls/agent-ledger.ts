import type { AgentSnapshot, CallerQueue } from "../queue/index.js";

/**
 * Where each agent stands in the queue (state, current call, time in the state), from the status of
 * every queue of the site: an agent is listed under each queue it works. For the checks that must not
 * move an agent off a call other than the one they are judging.
 */
export async function agentStandings(queue: CallerQueue): Promise<Map<string, AgentSnapshot>> {
  const out = new Map<string, AgentSnapshot>();
  for (const name of queue.settings.queues.keys()) {
    // one caller at most: only the agents are wanted
    for (const a of (await queue.status(name, 1)).agents) out.set(a.agentId, a);
  }
  return out;
}

/** Whether the agent is still, in the queue's eyes, on this call. */
export async function onCall(queue: CallerQueue, agentId: string, callId: string): Promise<boolean> {
  const a = (await agentStandings(queue)).get(agentId);
  return a?.state === "oncall" && a.callId === callId;
}
