import type { Request, Response } from "express";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import { addressKey } from "./client-address.js";
import type { AgentsConfig } from "./config.js";
import { HashGate } from "./hash-gate.js";
import type { LoginConfig } from "./login-config.js";
import { LoginThrottle, type Refusal } from "./login-throttle.js";
import { dummyHash, dummyParams, verifyPassword } from "./password.js";
import { issueSession } from "./session.js";

/**
 * POST /api/agent/login: a password for a session token. In order: the body; a place in the hashing
 * gate (else 429 busy at once); the attempt admitted and counted in Redis (else 429 with the count that
 * refused it); the hash, against the agent's or, for an unknown id or one without desktop access, a
 * dummy of the same cost; on success the count taken back and the token issued. Every 429 carries
 * Retry-After and a `reason`: address, agent-address, agent or busy.
 */

export const loginRequestSchema = z
  .object({
    agentId: z.string().min(1, "agentId is required").max(128),
    password: z.string().min(1, "password is required").max(1024),
  })
  .strict();

export interface LoginOptions {
  agents: AgentsConfig;
  sessionSecret: string;
  sessionHours: number;
  logger: Logger;
  /** Where attempts are counted: every daemon on this Redis and prefix shares the counts. */
  redis: Redis;
  keyPrefix: string;
  policy: LoginConfig;
  /** Epoch ms for the counts (tests); default Redis's clock. */
  clock?: () => number;
  /** The password check (tests may watch or hold it); default verifyPassword. */
  verify?: (password: string, stored: string) => Promise<boolean>;
  /** The hashing gate (tests watch its load); default one sized by `policy.hashing`. */
  hashGate?: HashGate;
}

type Refused = Refusal | "busy";

const REFUSALS: Record<Refused, string> = {
  address: "too many failed logins from your address",
  "agent-address": "too many failed logins for this agent id from your address",
  agent: "too many failed logins for this agent id",
  busy: "the server is busy checking other logins",
};

function refuse(res: Response, reason: Refused, retryAfterMs: number): void {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  res.status(429).set("Retry-After", String(seconds)).json({ error: `${REFUSALS[reason]}; try again in ${seconds} s`, reason, retryAfterSeconds: seconds });
}

export function loginHandler(opts: LoginOptions): (req: Request, res: Response) => Promise<void> {
  const log = opts.logger.child({ module: "cti" });
  const agents = new Map(opts.agents.map((a) => [a.id, a]));
  const throttle = new LoginThrottle({ redis: opts.redis, keyPrefix: opts.keyPrefix, policy: opts.policy, ...(opts.clock ? { clock: opts.clock } : {}) });
  const gate = opts.hashGate ?? new HashGate(opts.policy.hashing.concurrent, opts.policy.hashing.queued);
  const verify = opts.verify ?? verifyPassword;
  const dummy = dummyHash(dummyParams(opts.agents.map((a) => a.passwordHash)));
  // an id typed into the password field must not end up in the log: unknown ids are not logged
  const shown = (agentId: string) => (agents.has(agentId) ? agentId : "(unknown)");

  return async (req, res) => {
    const parsed = loginRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "invalid login request", details: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`) });
      return;
    }
    const { agentId, password } = parsed.data;
    const address = addressKey(req.ip ?? req.socket.remoteAddress);
    let ticket = gate.enter();
    if (!ticket && (await throttle.known(agentId, address).catch(() => false))) ticket = gate.enter(true);
    if (!ticket) {
      log.warn({ agentId: shown(agentId), address, ...gate.load() }, "agent login refused: busy hashing other logins");
      return refuse(res, "busy", 1000);
    }
    let admission;
    try {
      admission = await throttle.admit(agentId, address);
    } catch (err) {
      ticket.cancel();
      log.error({ err: (err as Error).message }, "agent login not checked: Redis failed");
      res.status(503).set("Retry-After", "5").json({ error: "logins cannot be checked right now; try again in 5 s" });
      return;
    }
    if (!admission.ok) {
      ticket.cancel();
      log.warn({ agentId: shown(agentId), address, reason: admission.reason }, "agent login refused: too many failures");
      return refuse(res, admission.reason, admission.retryAfterMs);
    }
    const agent = agents.get(agentId);
    const fallback = await dummy; // awaited for every id alike
    const stored = agent?.passwordHash ?? fallback;
    const ok = await ticket.run(() => verify(password, stored), admission.known);
    if (!agent?.passwordHash || !ok) {
      log.warn({ agentId: shown(agentId), address }, "agent login failed");
      res.status(401).json({ error: "unknown agent id or wrong password" });
      return;
    }
    // the attempt stays counted as a failure if this fails: never more lenient than the counts
    await throttle.succeeded(agentId, address, admission.known).catch((err: unknown) => log.error({ err: (err as Error).message }, "agent login: taking its count back failed"));
    const { token, claims } = issueSession(opts.sessionSecret, agent.id, { hours: opts.sessionHours });
    log.info({ agentId, address }, "agent logged in");
    res.json({ token, agent: { id: agent.id, name: agent.name }, expiresAt: claims.exp });
  };
}
