import { z } from "zod";
import { secretRef } from "../lib/secret-ref.js";
import { agentIdSchema, endpointSchema, nameSchema, skillsSchema } from "../queue/types.js";
import { loginConfigSchema } from "./login-config.js";
import { parsePasswordHash } from "./password.js";

/**
 * The agents (who may log in to the desktop, their phone, queues and skills) and the desktop's settings.
 * The root config holds them as `agents:` and `cti:`.
 */

export const agentAccountSchema = z
  .object({
    id: agentIdSchema,
    name: z.string().trim().min(1).max(100),
    endpoint: endpointSchema,
    /** The Asterisk server (`asterisk[].id`) the phone registers with; its AMI reports the phone's state. Default: the first server. */
    server: z.string().optional(),
    /** How the other servers ring this phone (server id -> dial string, e.g. through a trunk); default: `endpoint` on every server. */
    dialFrom: z.record(z.string(), endpointSchema).default({}),
    queues: z.array(nameSchema).min(1),
    skills: skillsSchema.default({}),
    /** In the queue at startup without the desktop (phones working on their own, the demo's synthetic agents). */
    autoAvailable: z.boolean().default(false),
    /**
     * The phone answers a SIP NOTIFY `Event: talk` (desk phones such as Yealink, Polycom or Snom do once it is
     * allowed in their settings): the desktop's Accept answers a ringing call through AMI (PJSIPNotify). Without
     * it the agent picks the phone up.
     */
    remoteAnswer: z.boolean().default(false),
    /** From `switchboard agent-password`. Without one the agent cannot log in to the desktop. */
    passwordHash: z
      .string()
      .refine((h) => parsePasswordHash(h) !== null, "must be a hash printed by `switchboard agent-password` (scrypt$N$r$p$salt$hash)")
      .optional(),
  })
  .strict();
export type AgentAccount = z.infer<typeof agentAccountSchema>;

export const agentsConfigSchema = z.array(agentAccountSchema).superRefine((agents, ctx) => {
  const seen = new Set<string>();
  agents.forEach((a, i) => {
    if (seen.has(a.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate agent id "${a.id}"` });
    seen.add(a.id);
  });
});
export type AgentsConfig = z.infer<typeof agentsConfigSchema>;

/** An origin as browsers send it: scheme://host[:port], nothing after. */
const originSchema = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === s.replace(/\/$/, "");
  } catch {
    return false;
  }
}, "must be an origin like https://desk.example.com (scheme, host and port only)").transform((s) => new URL(s).origin);

const DEFAULT_WRAP_UP_CODES = [
  { code: "resolved", label: "Resolved" },
  { code: "follow-up", label: "Follow-up needed" },
  { code: "escalated", label: "Escalated" },
  { code: "callback", label: "Callback scheduled" },
  { code: "no-action", label: "No action" },
];

export const ctiConfigSchema = z
  .object({
    /** HMAC key of agent session tokens; daemons sharing one Redis must share it. */
    sessionSecret: secretRef.default({ env: "SWITCHBOARD_SESSION_SECRET" }),
    /** How long a login lasts (a shift). */
    sessionHours: z.number().positive().max(24 * 7).default(10),
    /** Pages on other origins allowed to open the agent WebSocket; empty: the daemon's own origin only. */
    allowedOrigins: z.array(originSchema).default([]),
    /** Seconds after wrap-up an agent may still send a call's disposition; then its history entry is written without one. */
    dispositionGrace: z.number().min(0).max(86_400).default(120),
    /** How long a pushed pop is kept for an agent who reconnects. */
    popTtlSeconds: z.number().int().positive().max(7 * 86_400).default(3600),
    /**
     * The codes an agent files a call under, in the order the page lists them (Alt+1, Alt+2, ... pick and
     * save one); `code` goes to the call's history and the KPIs, `label` is what the agent reads.
     */
    wrapUpCodes: z
      .array(z.object({ code: z.string().trim().min(1).max(64), label: z.string().trim().min(1).max(80) }).strict())
      .min(1)
      .max(20)
      .refine((codes) => new Set(codes.map((c) => c.code)).size === codes.length, "wrap-up codes must differ")
      .default(DEFAULT_WRAP_UP_CODES),
    /** How the login endpoint counts and slows failed logins (login-config.ts). */
    login: loginConfigSchema.prefault({}),
  })
  .strict();
export type CtiConfig = z.infer<typeof ctiConfigSchema>;

/** Secrets shorter than this are refused: an HMAC key must not be guessable. */
export const MIN_SESSION_SECRET_CHARS = 32;

/** The session secret from the environment; throws with the variable's name (never its value) when unusable. */
export function sessionSecretFrom(cfg: CtiConfig, env: NodeJS.ProcessEnv): string {
  const value = env[cfg.sessionSecret.env];
  if (!value) throw new Error(`the agent session secret is not set: export ${cfg.sessionSecret.env} (for example: openssl rand -base64 32)`);
  if (value.length < MIN_SESSION_SECRET_CHARS) {
    throw new Error(`${cfg.sessionSecret.env} is too short: use at least ${MIN_SESSION_SECRET_CHARS} characters (for example: openssl rand -base64 32)`);
  }
  return value;
}
