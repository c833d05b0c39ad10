import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { AgentDesk } from "../desk/agent-desk.js";
import { DeskStore } from "../desk/store.js";
import type { EventLog } from "../events/log.js";
import type { JobHub } from "../jobs/index.js";
import type { Logger } from "../lib/logger.js";
import { OfferCaps } from "../offers/caps.js";
import type { OfferRules } from "../offers/load.js";
import type { Crm } from "./crm.js";

/** The desk on the daemon's Redis: desk records and offer caps under its key prefix; due history entries taken up at once. */
export function openDesk(deps: { config: Config; redis: Redis; crm: Crm; jobs: JobHub; rules: OfferRules; events: EventLog; logger: Logger }): AgentDesk {
  const { config, redis, crm } = deps;
  const desk = new AgentDesk({
    config,
    crm: crm.lookup,
    customers: crm.customers,
    rules: deps.rules,
    caps: new OfferCaps(redis, config.redis.keyPrefix),
    jobs: deps.jobs,
    store: new DeskStore(redis, config.redis.keyPrefix),
    logger: deps.logger,
    dispositionGraceMs: config.cti.dispositionGrace * 1000,
    sweepIntervalMs: config.calls.recoveryInterval * 1000,
    events: deps.events,
  });
  desk.start();
  return desk;
}
