import { z } from "zod";
import { callsConfigSchema } from "../calls/config.js";
import { crmConfigSchema } from "../crm/config.js";
import { agentsConfigSchema, ctiConfigSchema, type AgentsConfig } from "../cti/config.js";
import { jobsConfigSchema } from "../jobs/config.js";
import { offersConfigSchema } from "../offers/config.js";
import { secretRef } from "./secret.js";

export { secretRef };

const seconds = z.number().positive();

export const asteriskServerSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    ari: z
      .object({
        url: z.url(),
        username: z.string().min(1),
        password: secretRef,
        app: z.string().min(1).default("switchboard"),
        connectTimeout: seconds.default(10),
        /** Bound on each REST operation. */
        requestTimeout: seconds.default(5),
        /** Seconds between liveness checks (WebSocket ping + GET /ari/asterisk/ping). */
        heartbeatInterval: seconds.default(5),
        /** Failed liveness checks in a row after which the connection is rebuilt. */
        heartbeatMisses: z.number().int().min(1).max(100).default(3),
        /** Longest wait between reconnect attempts (capped exponential backoff). */
        reconnectMaxDelay: seconds.default(30),
      })
      .strict(),
    ami: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(1).max(65535).default(5038),
        username: z.string().min(1),
        secret: secretRef,
        actionTimeout: seconds.default(5),
        connectTimeout: seconds.default(10),
        /** Seconds between `Ping` actions; 0 turns the heartbeat off. */
        heartbeatInterval: z.number().min(0).default(10),
        heartbeatMisses: z.number().int().min(1).max(100).default(2),
        reconnectMaxDelay: seconds.default(30),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Lane, queue and skill names: the same identifiers the IVR trees use. */
const QUEUE_ID = /^[a-z][a-z0-9_-]*$/;

/**
 * A lane of the caller queue. Order is static: a caller's score is enqueue time minus the lane's head
 * start, so a caller can be overtaken only by callers of a lane with a larger head start who arrived less
 * than the difference after them (docs/queue.md derives each lane's worst-case wait from this).
 */
export const laneSchema = z
  .object({
    /** The admin's wording, shown on the wallboard and to agents; callers never hear lane ids. */
    displayName: z.string().min(1),
    /** Seconds: a caller of this lane is placed as if they had arrived this much earlier. */
    headStart: z.number().min(0).max(86_400).default(0),
    /** Extra head start in seconds at enqueue priority 100 (scaled linearly; 0 ignores priority). */
    priorityBoost: z.number().min(0).max(86_400).default(0),
    /** Service-level target: `percent` of this lane's callers answered within `seconds`. */
    sla: z.object({ seconds: z.number().positive().max(86_400), percent: z.number().gt(0).max(100) }).strict(),
  })
  .strict();

export const queueSchema = z
  .object({
    displayName: z.string().min(1).optional(),
    /**
     * Redis hash tag shared by every key of this queue and of its agents ({site}); queues that share
     * agents must share a site so one dispatch script can see and book them atomically (also on Cluster).
     */
    site: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes").default("main"),
    /** Lanes this queue accepts (names from `lanes`). */
    lanes: z.array(z.string().regex(QUEUE_ID)).min(1),
    /** Callers waiting at most; the next one gets `full`. Unset means no limit. */
    maxWaiting: z.number().int().positive().optional(),
    /** Seconds of wrap-up after each call before the agent is offered the next one. */
    wrapUp: z.number().min(0).max(3600).default(10),
    /** Seconds assumed as handle time for expected-wait estimates until real calls have been measured. */
    defaultHandleTime: z.number().positive().max(86_400).default(180),
    /**
     * While any caller of `lanes` waits, callers of other lanes may occupy at most
     * (1 - share) of the queue's staffed agents.
     */
    reserve: z
      .object({ share: z.number().min(0).max(1), lanes: z.array(z.string().regex(QUEUE_ID)).min(1) })
      .strict()
      .optional(),
    /** Dispatch looks this far down the waiting list for a caller the free agents can serve (skills). */
    scanDepth: z.number().int().min(1).max(10_000).default(100),
    /** ...and at this many longest-idle agents for each such caller. */
    agentScan: z.number().int().min(1).max(10_000).default(200),
  })
  .strict();

export type LaneConfig = z.infer<typeof laneSchema>;
export type QueueConfig = z.infer<typeof queueSchema>;

function checkQueueLanes(
  cfg: { lanes: Record<string, LaneConfig>; queues: Record<string, QueueConfig> },
  ctx: z.core.$RefinementCtx,
): void {
  for (const [name, q] of Object.entries(cfg.queues)) {
    q.lanes.forEach((lane, i) => {
      if (!(lane in cfg.lanes)) {
        ctx.addIssue({ code: "custom", path: ["queues", name, "lanes", i], message: `unknown lane "${lane}" (define it under lanes)` });
      }
    });
    q.reserve?.lanes.forEach((lane, i) => {
      if (!q.lanes.includes(lane)) {
        ctx.addIssue({ code: "custom", path: ["queues", name, "reserve", "lanes", i], message: `lane "${lane}" is not one of this queue's lanes` });
      }
    });
  }
}

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

function checkServers(cfg: { asterisk: AsteriskServerConfig[] }, ctx: z.core.$RefinementCtx): void {
  const seen = new Set<string>();
  cfg.asterisk.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: ["asterisk", i, "id"], message: `duplicate Asterisk server id "${s.id}"` });
    seen.add(s.id);
  });
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
    cti: ctiConfigSchema.prefault({}),
    crm: crmConfigSchema.prefault({}),
    offers: offersConfigSchema.prefault({}),
    jobs: jobsConfigSchema.prefault({}),
    calls: callsConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    checkQueueLanes(cfg, ctx);
    checkServers(cfg, ctx);
    checkAgents(cfg, ctx);
  });

export type Config = z.infer<typeof configSchema>;
export type AsteriskServerConfig = z.infer<typeof asteriskServerSchema>;
