import express from "express";
import type http from "node:http";
import type { Redis } from "ioredis";
import type { QueueHandoff } from "../calls/queue-handoff.js";
import { SessionDirectory } from "../calls/session-directory.js";
import type { CallbackRunner } from "../calls/callback-runner.js";
import type { Consults } from "../calls/consult.js";
import { Softphone } from "../calls/softphone.js";
import type { Config } from "../config/schema.js";
import type { HashGate } from "../cti/hash-gate.js";
import { createCtiHub } from "../cti/hub.js";
import { agentRouter } from "../cti/router.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { AgentDesk } from "../desk/agent-desk.js";
import { startParts, type Running } from "./lifecycle.js";
import type { ServerLink } from "./telephony.js";

export interface AgentDesktopDeps {
  config: Config;
  /** Without it the desktop is off: its routes answer 503 and there is no hub. */
  sessionSecret: string | undefined;
  redis: Redis;
  queue: CallerQueue;
  handoff: Pick<QueueHandoff, "kick" | "connectedCalls" | "callerGone" | "join" | "placement" | "defaultLane" | "ringOf">;
  /** Consultations on the agents' calls (calls/consult.ts); without them the desk offers none. */
  consults?: Consults;
  /** Campaign calls in preview: the agent's Call or Skip (calls/callback-runner.ts). */
  previews?: Pick<CallbackRunner, "choose">;
  /** The Asterisk servers (ARI, calls): the soft-phone acts on the agents' calls there. */
  servers: ReadonlyMap<string, ServerLink>;
  desk: AgentDesk;
  /** Password hashing shared with the supervisors' login: one bound on the daemon's hashing work. */
  hashGate: HashGate;
  log: Logger;
}

/** The agent desktop: its login and page routes, and the WebSocket hub on the daemon's HTTP server. */
export interface AgentDesktop {
  routes: express.Router;
  /** Puts the hub on the server's upgrades; undefined when the desktop is off. */
  sockets: ((server: http.Server) => Promise<Running>) | undefined;
}

export function agentDesktop(deps: AgentDesktopDeps): AgentDesktop {
  const { config, sessionSecret, log } = deps;
  if (!sessionSecret) {
    const off = express.Router();
    off.use(["/agent", "/api/agent"], (_req, res) => void res.status(503).json({ error: `the agent desktop is disabled: set ${config.cti.sessionSecret.env} (32+ characters)` }));
    return { routes: off, sockets: undefined };
  }
  return {
    routes: agentRouter({
      agents: config.agents,
      sessionSecret,
      sessionHours: config.cti.sessionHours,
      logger: log,
      redis: deps.redis,
      keyPrefix: config.redis.keyPrefix,
      policy: config.cti.login,
      hashGate: deps.hashGate,
    }),
    sockets: (server) => startParts(log, async (parts) => {
      const sessions = new SessionDirectory(deps.redis, config.redis.keyPrefix);
      const queueNames = Object.fromEntries(Object.entries(config.queues).map(([id, q]) => [id, q.displayName ?? id]));
      const softphone = new Softphone({
        handoff: deps.handoff,
        ari: (id) => deps.servers.get(id)?.ari,
        ami: (id) => deps.servers.get(id)?.ami,
        sessions,
        agents: new Map(config.agents.map((a) => [a.id, { name: a.name, remoteAnswer: a.remoteAnswer }])),
        ...(deps.consults ? { consults: deps.consults } : {}),
        queue: deps.queue,
        queueNames,
        mohClass: config.calls.mohClass,
        fallback: (callId, serverId, why) => deps.servers.get(serverId)?.calls.queueFallback(callId, why),
        logger: log,
      });
      const hub = createCtiHub({
        server,
        redis: deps.redis,
        keyPrefix: config.redis.keyPrefix,
        agents: config.agents,
        sessionSecret,
        sessionHours: config.cti.sessionHours,
        allowedOrigins: config.cti.allowedOrigins,
        popTtlSeconds: config.cti.popTtlSeconds,
        menu: { wrapUpCodes: config.cti.wrapUpCodes, transferQueues: Object.entries(queueNames).map(([id, name]) => ({ id, name })), agents: config.agents.map((a) => ({ id: a.id, name: a.name })), appointmentQueues: Object.keys(config.appointments) },
        logger: log,
        onAgentState: async (agentId, change) => {
          await deps.queue.agentState(agentId, change);
          deps.handoff.kick();
        },
        onOfferOutcome: (agentId, o) => deps.desk.outcome(agentId, o),
        onDisposition: (agentId, d) => deps.desk.disposition(agentId, d),
        onPhone: (agentId, callId, action) => softphone.act(agentId, callId, action),
        onTransfer: (agentId, callId, target) => softphone.transfer(agentId, callId, target, (text) => deps.desk.transferred(agentId, callId, text)),
        onConsult: (agentId, callId, target) => softphone.consult(agentId, callId, target),
        onAccept: (agentId, callId) => softphone.accept(agentId, callId),
        ...(deps.previews ? { onPreview: (agentId: string, callId: string, choice: "call" | "skip") => deps.previews!.choose(agentId, callId, choice) } : {}),
      });
      parts.addStop(() => hub.close());
      deps.desk.attach(hub, { sessions, queue: deps.queue });
      await hub.ready();
      return { stop: () => parts.stop() };
    }),
  };
}
