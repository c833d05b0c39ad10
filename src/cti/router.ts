import express, { type NextFunction, type Request, type Response } from "express";
import { fileURLToPath } from "node:url";
import { loginHandler, type LoginOptions } from "./login.js";
import { loginConfigSchema } from "./login-config.js";

export { loginRequestSchema } from "./login.js";

/**
 * The agent desktop over HTTP: the login endpoint that trades a password for a session token (login.ts),
 * and the page with its script and stylesheet. Mount at the root of the daemon's express app.
 */

/**
 * The page's files, found from the package root so the same path works from src/ (tsx, tests) and from
 * dist/ (this file sits two levels below the root in both). The Docker image must copy src/cti/page.
 */
export const PAGE_DIR = fileURLToPath(new URL("../../src/cti/page/", import.meta.url));

/** `policy` defaults to cti.login's defaults. */
export type AgentRouterOptions = Omit<LoginOptions, "policy"> & { policy?: LoginOptions["policy"] };

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
  ["agent.js", "appointment.js", "dom.js", "format.js", "session.js", "socket.js", "state.js", "pop.js", "offer.js", "disposition.js", "menu.js", "phone.js", "keys.js", "agent.css", "icon.svg"].map((f) => [`/agent/${f}`, f]),
);

/** Every answer of the page's routes (the wallboard's too): no sniffing, no referrer, no caching. */
export function secureHeaders(res: Response): void {
  res.set({ "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store" });
}

export function agentRouter(opts: AgentRouterOptions): express.Router {
  const login = loginHandler({ ...opts, policy: opts.policy ?? loginConfigSchema.parse({}) });
  // /AGENT/AGENT.JS and /agent/agent.js/ are not the page's files: 404, like any other unknown path
  const router = express.Router({ caseSensitive: true, strict: true });

  router.post("/api/agent/login", express.json({ limit: "4kb", type: "application/json" }), async (req: Request, res: Response) => {
    secureHeaders(res);
    await login(req, res);
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
