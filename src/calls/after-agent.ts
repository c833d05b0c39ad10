import type { EventLog } from "../events/log.js";
import type { LifecycleEvent } from "../events/schema.js";
import type { CallState, EngineAction } from "../ivr/engine/index.js";
import type { TreeSet } from "../ivr/model.js";
import type { Logger } from "../lib/logger.js";
import type { Connected } from "./handoff-types.js";
import type { CallSession } from "./session-store.js";

/**
 * What a call does after its conversation with an agent, when the tree goes on (`afterAgent` on the
 * queue node: a post-call survey), and the survey answers it records. Who the caller talked to stays in
 * the session, also once the agent's leg is gone, so the answer is credited to that agent, queue and
 * lane after a daemon restart too.
 */

/** Whether the call is at a queue node that takes the caller on when the agent hangs up first. */
export function goesOnAfterAgent(set: TreeSet, state: CallState): boolean {
  if (state.status === "ended") return false;
  const node = set.nodes.get(state.node)?.node;
  return node?.type === "queue" && node.afterAgent !== undefined;
}

/** The session's agent while the conversation lasts: the legs, and whom the caller is talking to. */
export function agentOfConversation(c: Connected, answeredAt: number): NonNullable<CallSession["agent"]> {
  return { agentId: c.agentId, channelId: c.agentChannelId, bridgeId: c.bridgeId, answeredAt, queue: c.queue, lane: c.lane };
}

/**
 * The agent hung up and the caller goes on in the tree: the legs go from the session (restart recovery
 * must not take the call for a conversation any more), whom the caller talked to stays.
 */
export function conversationOver(agent: CallSession["agent"], c: Connected, endedAt: number): NonNullable<CallSession["agent"]> {
  const { channelId: _leg, bridgeId: _bridge, ...kept } = agent ?? { agentId: c.agentId, queue: c.queue, lane: c.lane };
  return { ...kept, endedAt };
}

/** The survey answer as the site's lifecycle event, credited to the conversation the caller just had. */
export function surveyEvent(session: CallSession, a: Extract<EngineAction, { type: "survey" }>, at: number): Extract<LifecycleEvent, { type: "survey" }> {
  const agent = session.agent;
  return {
    type: "survey",
    at,
    callId: session.callId,
    score: a.score,
    scale: a.scale,
    agentId: agent?.agentId,
    queue: agent?.queue ?? session.queue?.queue,
    lane: agent?.lane ?? session.queue?.lane,
  };
}

/** Logs the answer and appends it to the site's stream; without a stream it is logged only. Never throws. */
export async function recordSurvey(event: Extract<LifecycleEvent, { type: "survey" }>, events: EventLog | undefined, log: Logger): Promise<void> {
  log.info({ callId: event.callId, score: event.score, scale: event.scale, agentId: event.agentId, queue: event.queue, lane: event.lane, stream: events !== undefined }, "survey answer");
  await events?.append(event);
}
