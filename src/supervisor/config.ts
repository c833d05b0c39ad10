import { z } from "zod";
import { parsePasswordHash } from "../cti/password.js";
import { agentIdSchema, endpointSchema } from "../queue/types.js";

/**
 * The supervisors who may open the wallboard, as the config root's `supervisors:` list. Their ids share
 * one namespace with the agents' (checkSupervisorIds): login counts in Redis are kept per id, and a
 * session names its holder by id alone beside its role. What they may do on live calls is `may`; the
 * phone they listen on is `phone`. The `supervision:` section says how calls are listened to and recorded.
 */

/** What a supervisor may do beyond watching the board: listen, whisper, barge, record calls, fetch recordings. */
export const SUPERVISOR_POWERS = ["listen", "whisper", "barge", "record", "recordings"] as const;
export type SupervisorPower = (typeof SUPERVISOR_POWERS)[number];

export const supervisorAccountSchema = z
  .object({
    id: agentIdSchema,
    name: z.string().trim().min(1).max(100),
    /** From `switchboard agent-password`, the same format as the agents' hashes. A supervisor without one has no reason to be listed. */
    passwordHash: z.string().refine((h) => parsePasswordHash(h) !== null, "must be a hash printed by `switchboard agent-password` (scrypt$N$r$p$salt$hash)"),
    /** The phone rung to listen, whisper or barge in (an endpoint like the agents', e.g. PJSIP/2001); without it those are refused. */
    phone: endpointSchema.optional(),
    /** What this supervisor may do on live calls; default everything. `[]`: the board only. */
    may: z.array(z.enum(SUPERVISOR_POWERS)).default([...SUPERVISOR_POWERS]),
  })
  .strict();
export type SupervisorAccount = z.infer<typeof supervisorAccountSchema>;

export const supervisorsConfigSchema = z.array(supervisorAccountSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate supervisor id "${s.id}"` });
    seen.add(s.id);
  });
});
export type SupervisorsConfig = z.infer<typeof supervisorsConfigSchema>;

/** How supervisors' phones join live calls, and which calls are recorded and for how long (docs/supervisor.md). */
export const supervisionConfigSchema = z
  .object({
    /**
     * The Stasis application the supervisors' phones and snoop channels enter: one of its own, so the calls'
     * application never takes them for callers. The daemon registers it on every Asterisk server.
     */
    app: z.string().regex(/^[A-Za-z0-9_.-]+$/).default("switchboard-supervision"),
    /** Seconds a supervisor's phone rings before the listen is given up. */
    ringTimeout: z.number().int().min(5).max(120).default(20),
    recording: z
      .object({
        /** Queues whose every call is recorded once the agent is on it (others only when a supervisor asks). */
        queues: z.array(z.string().min(1)).default([]),
        /** Told to the caller before the recording starts. */
        prompt: z.string().min(1).default("sound:switchboard/call-recorded"),
        format: z.enum(["wav", "gsm", "ulaw", "alaw", "sln"]).default("wav"),
        /** Longest recording, in seconds (Asterisk stops it by itself then). */
        maxSeconds: z.number().int().min(60).max(86_400).default(7200),
        /** Days a recording is kept; the sweeper deletes older ones from the Asterisk server. */
        retentionDays: z.number().positive().max(3650).default(90),
        /** Seconds between the sweeper's rounds. */
        sweepInterval: z.number().positive().max(86_400).default(3600),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type SupervisionConfig = z.infer<typeof supervisionConfigSchema>;

/**
 * Across sections (called by config/schema.ts): no supervisor may carry an agent's id or ring an agent's
 * phone, and the recorded queues must exist.
 */
export function checkSupervisorIds(
  cfg: { supervisors: SupervisorsConfig; agents: ReadonlyArray<{ id: string; endpoint?: string }>; queues?: Record<string, unknown>; supervision?: SupervisionConfig },
  ctx: z.core.$RefinementCtx,
): void {
  const agents = new Set(cfg.agents.map((a) => a.id));
  const phones = new Map(cfg.agents.filter((a) => a.endpoint).map((a) => [a.endpoint!, a.id]));
  cfg.supervisors.forEach((s, i) => {
    if (agents.has(s.id)) ctx.addIssue({ code: "custom", path: ["supervisors", i, "id"], message: `"${s.id}" is already an agent's id: supervisors and agents need ids of their own` });
    const owner = s.phone ? phones.get(s.phone) : undefined;
    if (owner !== undefined) ctx.addIssue({ code: "custom", path: ["supervisors", i, "phone"], message: `${s.phone} is agent ${owner}'s phone: a supervisor needs a phone of their own` });
  });
  const queues = cfg.queues ?? {};
  cfg.supervision?.recording.queues.forEach((q, j) => {
    if (!(q in queues)) ctx.addIssue({ code: "custom", path: ["supervision", "recording", "queues", j], message: `unknown queue "${q}" (queues: ${Object.keys(queues).join(", ") || "none"})` });
  });
}
