import type { Redis } from "ioredis";
import type { Router } from "express";
import type { Appointments } from "../callbacks/index.js";
import type { Config } from "../config/schema.js";
import { sessionAuthenticator } from "../cti/agent-auth.js";
import { CtiStore } from "../cti/store.js";
import { agentAppointmentsRouter } from "../http/agent-appointments.js";
import type { Logger } from "../lib/logger.js";

/** The agent's booking of appointments from the pop, at /api/agent/appointments; none while the desktop is off. */
export function deskAppointments(deps: { config: Config; sessionSecret: string | undefined; redis: Redis; appointments: Appointments; log: Logger }): Array<[string, Router]> {
  const { config, sessionSecret } = deps;
  if (!sessionSecret) return [];
  const agents = new Map(config.agents.map((a) => [a.id, a]));
  return [
    [
      "/api/agent/appointments",
      agentAppointmentsRouter({
        authenticate: sessionAuthenticator(sessionSecret, agents, config.cti.sessionHours),
        pops: new CtiStore(deps.redis, config.redis.keyPrefix, config.cti.popTtlSeconds),
        appointments: deps.appointments,
        log: deps.log.child({ component: "desk-appointments" }),
      }),
    ],
  ];
}
