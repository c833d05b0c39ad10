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
import { issueSession, type SessionRole } from "./session.js";

/**
 * POST /api/agent/login: a password for a session token. In order: the body; a place in the hashing
 * gate (else 429 busy at once); the attempt admitted and counted in Redis (else 429 with the count that
 * refused it); the hash, against the agent's or, for an unknown id or one without desktop access, a
 * dummy of the same cost; on success the count taken back and the token issued. Every 429 carries
 * Retry-After and a `reason`: address, agent-address, agent or busy.
 *
 * The same machinery logs supervisors in to the wallboard (accountLoginHandler with SUPERVISOR_LOGIN):
 * their own account list and request field, a token with their role, the same counts in Redis.
 */

/** Who logs in: the role their token carries, the request's id field and the word answers and logs use. */
export interface LoginKind {
  role: SessionRole;
  idField: string;
  noun: string;
}
export const AGENT_LOGIN: LoginKind = { role: "agent", idField: "agentId", noun: "agent" };
export const SUPERVISOR_LOGIN: LoginKind = { role: "supervisor", idField: "supervisorId", noun: "supervisor" };

/** What a login needs of an account; one without `passwordHash` cannot log in. */
export interface LoginAccount {
  id: string;
  name: string;
  passwordHash?: string | undefined;
}

/** The body: `{<idField>, password}`, nothing else. */
const requestSchema = <K extends string>(idField: K) =>
  z
    .object({
      [idField]: z.string().min(1, `${idField} is required`).max(128),
      password: z.string().min(1, "password is required").max(1024),
    } as Record<K | "password", z.ZodString>)
    .strict();

export const loginRequestSchema = requestSchema("agentId");

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
  /** The hashing gate (tests watch its load; the wallboard shares the desktop's); default one sized by `policy.hashing`. */
  hashGate?: HashGate;
}

/** A login over any account list: agents' or supervisors'. Ids are unique over both, so the counts can be shared. */
export type AccountLoginOptions = Omit<LoginOptions, "agents"> & { accounts: readonly LoginAccount[]; kind: LoginKind };

type Refused = Refusal | "busy";

function refusals(noun: string): Record<Refused, string> {
  return {
    address: "too many failed logins from your address",
    "agent-address": `too many failed logins for this ${noun} id from your address`,
    agent: `too many failed logins for this ${noun} id`,
    busy: "the server is busy checking other logins",
  };
}

function refuse(res: Response, reason: Refused, retryAfterMs: number, noun: string): void {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  res.status(429).set("Retry-After", String(seconds)).json({ error: `${refusals(noun)[reason]}; try again in ${seconds} s`, reason, retryAfterSeconds: seconds });
}

export function loginHandler(opts: LoginOptions): (req: Request, res: Response) => Promise<void> {
  const { agents, ...rest } = opts;
  return accountLoginHandler({ ...rest, accounts: agents, kind: AGENT_LOGIN });
}

export function accountLoginHandler(opts: AccountLoginOptions): (req: Request, res: Response) => Promise<void> {
  const { noun, idField } = opts.kind;
  const log = opts.logger.child({ module: "cti" });
  const accounts = new Map(opts.accounts.map((a) => [a.id, a]));
  const throttle = new LoginThrottle({ redis: opts.redis, keyPrefix: opts.keyPrefix, policy: opts.policy, ...(opts.clock ? { clock: opts.clock } : {}) });
  const gate = opts.hashGate ?? new HashGate(opts.policy.hashing.concurrent, opts.policy.hashing.queued);
  const verify = opts.verify ?? verifyPassword;
  const dummy = dummyHash(dummyParams(opts.accounts.map((a) => a.passwordHash)));
  const schema = requestSchema(idField);
  // an id typed into the password field must not end up in the log: unknown ids are not logged
  const shown = (id: string) => ({ [idField]: accounts.has(id) ? id : "(unknown)" });

  return async (req, res) => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "invalid login request", details: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`) });
      return;
    }
    const body: Record<string, string> = parsed.data;
    const [id, password] = [body[idField] ?? "", body.password ?? ""]; // both there: the schema requires them
    const address = addressKey(req.ip ?? req.socket.remoteAddress);
    let ticket = gate.enter();
    if (!ticket && (await throttle.known(id, address).catch(() => false))) ticket = gate.enter(true);
    if (!ticket) {
      log.warn({ ...shown(id), address, ...gate.load() }, `${noun} login refused: busy hashing other logins`);
      return refuse(res, "busy", 1000, noun);
    }
    let admission;
    try {
      admission = await throttle.admit(id, address);
    } catch (err) {
      ticket.cancel();
      log.error({ err: (err as Error).message }, `${noun} login not checked: Redis failed`);
      res.status(503).set("Retry-After", "5").json({ error: "logins cannot be checked right now; try again in 5 s" });
      return;
    }
    if (!admission.ok) {
      ticket.cancel();
      log.warn({ ...shown(id), address, reason: admission.reason }, `${noun} login refused: too many failures`);
      return refuse(res, admission.reason, admission.retryAfterMs, noun);
    }
    const account = accounts.get(id);
    const fallback = await dummy; // awaited for every id alike
    const stored = account?.passwordHash ?? fallback;
    const ok = await ticket.run(() => verify(password, stored), admission.known);
    if (!account?.passwordHash || !ok) {
      log.warn({ ...shown(id), address }, `${noun} login failed`);
      res.status(401).json({ error: `unknown ${noun} id or wrong password` });
      return;
    }
    // the attempt stays counted as a failure if this fails: never more lenient than the counts
    await throttle.succeeded(id, address, admission.known).catch((err: unknown) => log.error({ err: (err as Error).message }, `${noun} login: taking its count back failed`));
    const { token, claims } = issueSession(opts.sessionSecret, account.id, { hours: opts.sessionHours, role: opts.kind.role });
    log.info({ [idField]: id, address }, `${noun} logged in`);
    res.json({ token, [opts.kind.role]: { id: account.id, name: account.name }, expiresAt: claims.exp });
  };
}
