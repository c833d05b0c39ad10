import express, { type NextFunction, type Request, type Response } from "express";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import type { AgentsConfig } from "./config.js";
import { LoginLockout } from "./lockout.js";
import { dummyHash, verifyPassword } from "./password.js";
import { issueSession } from "./session.js";

/**
 * The agent desktop over HTTP: the login endpoint that trades a password for a session token, and the
 * page with its script and stylesheet. Mount at the root of the daemon's express app.
 */

/**
 * The page's files, found from the package root so the same path works from src/ (tsx, tests) and from
 * dist/ (this file sits two levels below the root in both). The Docker image must copy src/cti/page.
 */
export const PAGE_DIR = fileURLToPath(new URL("../../src/cti/page/", import.meta.url));

export const loginRequestSchema = z
  .object({
    agentId: z.string().min(1, "agentId is required").max(128),
    password: z.string().min(1, "password is required").max(1024),
  })
  .strict();

export interface AgentRouterOptions {
  agents: AgentsConfig;
  sessionSecret: string;
  sessionHours: number;
  logger: Logger;
  /** Wrong passwords in a row before an agent id is locked, and for how long. Defaults: 5, 300 s. */
  lockout?: { maxFailures?: number; lockSeconds?: number };
}

/**
 * No inline script or style, nothing from other origins; the socket may only go back to this host
 * (ws:/wss: spelled out because older browsers do not let 'self' cover them).
 */
export function pageCsp(host: string | undefined): string {
  const safeHost = host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? host : null;
  const connect = safeHost ? `'self' ws://${safeHost} wss://${safeHost}` : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The page's files by URL: the script's modules, the stylesheet and the icon; nothing else in the folder. */
const STATIC: Record<string, string> = Object.fromEntries(
  ["agent.js", "dom.js", "format.js", "session.js", "socket.js", "state.js", "pop.js", "offer.js", "disposition.js", "agent.css", "icon.svg"].map((f) => [`/agent/${f}`, f]),
);

function secureHeaders(res: Response): void {
  res.set({ "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" });
}

export function agentRouter(opts: AgentRouterOptions): express.Router {
  const log = opts.logger.child({ module: "cti" });
  const agents = new Map(opts.agents.map((a) => [a.id, a]));
  const lockout = new LoginLockout(opts.lockout?.maxFailures ?? 5, (opts.lockout?.lockSeconds ?? 300) * 1000);
  // /AGENT/AGENT.JS and /agent/agent.js/ are not the page's files: 404, like any other unknown path
  const router = express.Router({ caseSensitive: true, strict: true });

  router.post("/api/agent/login", express.json({ limit: "4kb", type: "application/json" }), async (req: Request, res: Response) => {
    secureHeaders(res);
    const parsed = loginRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: "invalid login request", details: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`) });
      return;
    }
    const { agentId, password } = parsed.data;
    const now = Date.now();
    const locked = lockout.lockedFor(agentId, now);
    if (locked > 0) {
      const seconds = Math.ceil(locked / 1000);
      res.status(429).set("Retry-After", String(seconds)).json({ error: `too many failed logins for this agent; try again in ${seconds} s` });
      return;
    }
    const agent = agents.get(agentId);
    // unknown agents cost a full hash too, so response times do not tell which ids exist
    const ok = await verifyPassword(password, agent?.passwordHash ?? (await dummyHash()));
    if (!agent?.passwordHash || !ok) {
      if (agent) lockout.failed(agentId, now);
      log.warn({ agentId: agent ? agentId : "(unknown)" }, "agent login failed");
      res.status(401).json({ error: "unknown agent id or wrong password" });
      return;
    }
    lockout.succeeded(agentId);
    const { token, claims } = issueSession(opts.sessionSecret, agent.id, { hours: opts.sessionHours, now });
    log.info({ agentId }, "agent logged in");
    res.json({ token, agent: { id: agent.id, name: agent.name }, expiresAt: claims.exp });
  });

  router.get("/agent", (req: Request, res: Response) => {
    secureHeaders(res);
    res.set("Content-Security-Policy", pageCsp(req.headers.host));
    res.set("X-Frame-Options", "DENY");
    res.sendFile("agent.html", { root: PAGE_DIR });
  });

  router.get(Object.keys(STATIC), (req: Request, res: Response, next: NextFunction) => {
    const file = STATIC[req.path];
    if (!file) return next();
    secureHeaders(res);
    res.sendFile(file, { root: PAGE_DIR });
  });

  // a body that is not JSON, too large, or of the wrong type ends here as a 400 (express's own would be HTML)
  router.use("/api/agent", (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      res.status(status === 413 ? 413 : 400).json({ error: status === 413 ? "request body too large" : "request body must be JSON" });
      return;
    }
    next(err);
  });

  return router;
}
