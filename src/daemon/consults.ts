import type { AgentPhones } from "../calls/agent-phones.js";
import { Consults } from "../calls/consult.js";
import type { CallManager } from "../calls/manager.js";
import type { QueueHandoff } from "../calls/queue-handoff.js";
import { callerOf, requeueCaller } from "../calls/requeue-caller.js";
import type { SessionDirectory } from "../calls/session-directory.js";
import type { Config } from "../config/schema.js";
import type { AgentDesk } from "../desk/agent-desk.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { AriGateway } from "../telephony/index.js";

/**
 * The agents' consultations (calls/consult.ts), wired to the hand-off, the queue and the desk: the consulted
 * agent's page hears its state and has the caller's card meanwhile, the consulting agent's line follows the
 * consultation, a completed one closes the first agent's part and makes the card the consulted agent's, and
 * a caller whose consultation fell through with nobody left goes back to its queue at the place of its first join.
 */
export function consultations(deps: {
  config: Config;
  lines: ReadonlyMap<string, AriGateway>;
  handoff: QueueHandoff;
  queue: CallerQueue;
  phones: AgentPhones;
  sessions: SessionDirectory;
  managers: ReadonlyMap<string, CallManager>;
  desk: AgentDesk;
  log: Logger;
}): Consults {
  const { config, managers, desk, log } = deps;
  const fallback = (callId: string, serverId: string, why: string) => managers.get(serverId)?.queueFallback(callId, why);
  return new Consults({
    ari: (id) => deps.lines.get(id),
    handoff: deps.handoff,
    queue: deps.queue,
    dial: (agentId, endpoint, serverId) => deps.phones.dial(agentId, endpoint, serverId),
    agentNames: new Map(config.agents.map((a) => [a.id, a.name])),
    queueNames: new Map(Object.entries(config.queues).map(([id, q]) => [id, q.displayName ?? id])),
    config: { ringTimeout: config.calls.ringTimeout, mohClass: config.calls.mohClass, noAnswer: config.calls.noAnswer },
    logger: log,
    hooks: {
      agentStatus: (agentId, status) => desk.agentStatus(agentId, status),
      consulted: (agentId, c, from, state) => desk.consulted(agentId, c, from, state),
      consultOver: (agentId, callId, why) => desk.consultOver(agentId, callId, why),
      line: (agentId, callId, patch) => desk.line(agentId, callId, patch),
      tell: (agentId, callId, text) => desk.tell(agentId, callId, text),
      handedOn: (agentId, callId, text) => desk.handedOn(agentId, callId, text),
      connected: (c) => managers.get(c.serverId)?.connected(c),
      requeue: async (c) => {
        const caller = await callerOf(deps, c.callId);
        if (!caller) return fallback(c.callId, c.serverId, "consultation fell through and the caller's session was not readable");
        await requeueCaller({ handoff: deps.handoff, sessions: deps.sessions, fallback, logger: log }, c, caller, {
          queue: c.queue,
          lanes: deps.queue.queue(c.queue).lanes,
          ...(caller.joinedAt ? { rankAs: caller.joinedAt } : {}),
          handedOver: () => desk.handedOn(c.agentId, c.callId, "The caller went back to the queue"),
        });
      },
    },
  });
}
