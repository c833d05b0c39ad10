import { z } from "zod";
import { appointmentsConfigSchema, type AppointmentsConfig } from "../callbacks/config.js";
import { outboundConfigSchema } from "../outbound/outbound-config.js";
import { callsConfigSchema } from "../calls/config.js";
import { crmConfigSchema } from "../crm/config.js";
import { expressConfigSchema } from "../crm/express-config.js";
import { agentsConfigSchema, ctiConfigSchema, type AgentsConfig } from "../cti/config.js";
import { jobsConfigSchema } from "../jobs/config.js";
import { metricsConfigSchema } from "../metrics/config.js";
import { offersConfigSchema } from "../offers/config.js";
import { asteriskServerSchema, checkServers, type AsteriskServerConfig } from "../telephony/config.js";
import { checkQueueLanes, laneSchema, QUEUE_ID, queueSchema, type QueueConfig } from "../queue/config.js";
import { secretRef } from "../lib/secret-ref.js";
import { checkSupervisorIds, supervisionConfigSchema, supervisorsConfigSchema } from "../supervisor/config.js";

export { secretRef };

/**
 * The daemon's whole configuration: each capability's section comes from its own module's config schema;
 * this file composes them and checks what spans sections (agents name queues and servers).
 */

function checkAgents(cfg: { agents: AgentsConfig; queues: Record<string, QueueConfig>; asterisk: AsteriskServerConfig[] }, ctx: z.core.$RefinementCtx): void {
  const servers = new Set(cfg.asterisk.map((s) => s.id));
  const unknownServer = (id: string) => `unknown Asterisk server "${id}" (servers: ${[...servers].join(", ") || "none configured"})`;
  const phones = new Map<string, string>();
  cfg.agents.forEach((a, i) => {
    a.queues.forEach((q, j) => {
      if (!(q in cfg.queues)) ctx.addIssue({ code: "custom", path: ["agents", i, "queues", j], message: `unknown queue "${q}" (define it under queues)` });
    });
    // one phone, one agent: the phone's state is the agent's
    const owner = phones.get(a.endpoint);
    if (owner !== undefined) ctx.addIssue({ code: "custom", path: ["agents", i, "endpoint"], message: `${a.endpoint} is already agent ${owner}'s phone` });
    phones.set(a.endpoint, a.id);
    if (a.server !== undefined && !servers.has(a.server)) ctx.addIssue({ code: "custom", path: ["agents", i, "server"], message: unknownServer(a.server) });
    for (const id of Object.keys(a.dialFrom)) {
      if (!servers.has(id)) ctx.addIssue({ code: "custom", path: ["agents", i, "dialFrom", id], message: unknownServer(id) });
    }
  });
}

/** Each appointment calendar is a queue's: the queue must exist. */
function checkAppointments(cfg: { appointments: AppointmentsConfig; queues: Record<string, QueueConfig> }, ctx: z.core.$RefinementCtx): void {
  for (const q of Object.keys(cfg.appointments)) {
    if (!(q in cfg.queues)) ctx.addIssue({ code: "custom", path: ["appointments", q], message: `unknown queue "${q}" (define it under queues; queues: ${Object.keys(cfg.queues).join(", ") || "none"})` });
  }
}

export const configSchema = z
  .object({
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({ level: "info" }),
    http: z
      .object({
        host: z.string().default("127.0.0.1"),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Bearer token of the admin API (/admin/*); without it the admin API answers 503. */
        adminToken: secretRef.default({ env: "SWITCHBOARD_ADMIN_TOKEN" }),
        /**
         * Reverse proxies whose X-Forwarded-For names the client (addresses, CIDR blocks, or loopback /
         * linklocal / uniquelocal); logins are counted per client address. Empty: the socket's peer is the client.
         */
        trustProxy: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    redis: z
      .object({
        url: z.string().default("redis://127.0.0.1:6379"),
        keyPrefix: z.string().default("sb:"),
      })
      .strict()
      .default({ url: "redis://127.0.0.1:6379", keyPrefix: "sb:" }),
    ivr: z
      .object({
        treesDir: z.string().default("ivr-trees"),
        /** Fallback when the dialplan's Stasis() args name no tree: DID -> tree file name. */
        didMap: z.record(z.string(), z.string()).default({}),
        defaultTree: z.string().default("main"),
        watch: z.boolean().default(true),
      })
      .strict()
      .default({ treesDir: "ivr-trees", didMap: {}, defaultTree: "main", watch: true }),
    asterisk: z.array(asteriskServerSchema).default([]),
    lanes: z.record(z.string().regex(QUEUE_ID), laneSchema).default({}),
    queues: z.record(z.string().regex(QUEUE_ID), queueSchema).default({}),
    agents: agentsConfigSchema.default([]),
    /** Who may open the wallboard (supervisor/config.ts). */
    supervisors: supervisorsConfigSchema.default([]),
    /** Listening to and recording live calls (supervisor/config.ts, docs/supervisor.md). */
    supervision: supervisionConfigSchema.prefault({}),
    cti: ctiConfigSchema.prefault({}),
    crm: crmConfigSchema.prefault({}),
    /** Who is express (tiers, subscriptions' time zone) and the one-off upgrade's terms (docs/express.md). */
    express: expressConfigSchema.prefault({}),
    offers: offersConfigSchema.prefault({}),
    jobs: jobsConfigSchema.prefault({}),
    calls: callsConfigSchema.prefault({}),
    metrics: metricsConfigSchema.prefault({}),
    /** Appointment calendars per queue: slots, opening hours, the express hold, the call's allowance (docs/callbacks.md). */
    appointments: appointmentsConfigSchema.default({}),
    outbound: outboundConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    checkQueueLanes(cfg, ctx);
    checkServers(cfg, ctx);
    checkAgents(cfg, ctx);
    checkSupervisorIds(cfg, ctx);
    checkAppointments(cfg, ctx);
    const leadsQueue = cfg.outbound.webLeads?.agentQueue;
    if (leadsQueue !== undefined && !(leadsQueue in cfg.queues)) {
      ctx.addIssue({ code: "custom", path: ["outbound", "webLeads", "agentQueue"], message: `unknown queue "${leadsQueue}" (define it under queues; queues: ${Object.keys(cfg.queues).join(", ")})` });
    }
  });

export type Config = z.infer<typeof configSchema>;
