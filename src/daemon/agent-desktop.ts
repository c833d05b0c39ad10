import express from "express";
import type http from "node:http";
import type { Redis } from "ioredis";
import type { QueueHandoff } from "../calls/queue-handoff.js";
import type { Config } from "../config/schema.js";
import type { HashGate } from "../cti/hash-gate.js";
import { createCtiHub } from "../cti/hub.js";
import { agentRouter } from "../cti/router.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { AgentDesk } from "../desk/agent-desk.js";
import { startParts, type Running } from "./lifecycle.js";

export interface AgentDesktopDeps {
  config: Config;
  /** Without it the desktop is off: its routes answer 503 and there is no hub. */
  sessionSecret: string | undefined;
  redis: Redis;
  queue: CallerQueue;
  handoff: Pick<QueueHandoff, "kick">;
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
      const hub = createCtiHub({
        server,
        redis: deps.redis,
        keyPrefix: config.redis.keyPrefix,
        agents: config.agents,
        sessionSecret,
        sessionHours: config.cti.sessionHours,
        allowedOrigins: config.cti.allowedOrigins,
        popTtlSeconds: config.cti.popTtlSeconds,
        logger: log,
        onAgentState: async (agentId, change) => {
          await deps.queue.agentState(agentId, change);
          deps.handoff.kick();
        },
        onOfferOutcome: (agentId, o) => deps.desk.outcome(agentId, o),
        onDisposition: (agentId, d) => deps.desk.disposition(agentId, d),
      });
      parts.addStop(() => hub.close());
      deps.desk.attach(hub);
      await hub.ready();
      return { stop: () => parts.stop() };
    }),
  };
}
