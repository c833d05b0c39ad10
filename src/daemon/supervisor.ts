import express from "express";
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { HashGate } from "../cti/hash-gate.js";
import type { Logger } from "../lib/logger.js";
import type { WallboardFeed } from "../metrics/index.js";
import { wallboardRouter } from "../supervisor/index.js";
import type { Running } from "./lifecycle.js";

/**
 * The supervisors' wallboard: login, page and live stream, fed by the KPIs. Off (503) without the
 * session secret the agent desktop uses, or without supervisors in the config.
 */
export function supervisorDesk(deps: { config: Config; sessionSecret: string | undefined; redis: Redis; feed: WallboardFeed; hashGate: HashGate; log: Logger }): Running & { routes: express.Router } {
  const { config } = deps;
  if (!deps.sessionSecret || config.supervisors.length === 0) {
    const why = deps.sessionSecret ? "no supervisors are configured (supervisors: in the config)" : `set ${config.cti.sessionSecret.env} (32+ characters)`;
    const off = express.Router();
    off.use(["/wallboard", "/api/supervisor"], (_req, res) => void res.status(503).json({ error: `the wallboard is disabled: ${why}` }));
    return { routes: off, stop: async () => undefined };
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
  });
  return { routes: board.routes, stop: () => board.stop() };
}
