import express from "express";
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { HashGate } from "../cti/hash-gate.js";
import type { Logger } from "../lib/logger.js";
import type { WallboardFeed } from "../metrics/index.js";
import { startSupervision, wallboardRouter } from "../supervisor/index.js";
import type { AriGateway } from "../telephony/index.js";
import type { Running } from "./lifecycle.js";
import type { GatewaySettings } from "./settings.js";

/**
 * The supervisors' wallboard and live calls: login, pages, live stream fed by the KPIs, and listening to
 * and recording calls (supervisor/supervision.ts). The pages are off (503) without the session secret the
 * agent desktop uses, or without supervisors in the config; queue recordings run either way.
 */
export function supervisorDesk(deps: {
  config: Config;
  sessionSecret: string | undefined;
  redis: Redis;
  feed: WallboardFeed;
  hashGate: HashGate;
  log: Logger;
  gateways: readonly GatewaySettings[];
  servers: ReadonlyMap<string, { ari: AriGateway }>;
}): Running & { routes: express.Router; supervision: ReturnType<typeof startSupervision> } {
  const { config } = deps;
  const names = { agents: new Map(config.agents.map((a) => [a.id, a.name])), queues: new Map(Object.entries(config.queues).map(([id, q]) => [id, q.displayName ?? id])), lanes: new Map(Object.entries(config.lanes).map(([id, l]) => [id, l.displayName ?? id])) };
  const supervision = startSupervision({ config: config.supervision, gateways: deps.gateways, calls: deps.servers, redis: deps.redis, keyPrefix: config.redis.keyPrefix, names, log: deps.log });
  if (!deps.sessionSecret || config.supervisors.length === 0) {
    const why = deps.sessionSecret ? "no supervisors are configured (supervisors: in the config)" : `set ${config.cti.sessionSecret.env} (32+ characters)`;
    const off = express.Router();
    off.use(["/wallboard", "/supervisor", "/api/supervisor"], (_req, res) => void res.status(503).json({ error: `the wallboard is disabled: ${why}` }));
    return { routes: off, supervision, stop: () => supervision.stop() };
  }
  const board = wallboardRouter({
    feed: deps.feed,
    supervisors: config.supervisors,
    sessionSecret: deps.sessionSecret,
    sessionHours: config.cti.sessionHours,
    policy: config.cti.login,
    redis: deps.redis,
    keyPrefix: config.redis.keyPrefix,
    logger: deps.log,
    hashGate: deps.hashGate,
    supervision: supervision.desk,
  });
  return {
    routes: board.routes,
    supervision,
    stop: async () => {
      await board.stop();
      await supervision.stop();
    },
  };
}
