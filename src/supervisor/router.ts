import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import type { Redis } from "ioredis";
import { fileURLToPath } from "node:url";
import type { HashGate } from "../cti/hash-gate.js";
import { accountLoginHandler, SUPERVISOR_LOGIN } from "../cti/login.js";
import type { LoginConfig } from "../cti/login-config.js";
import { pageCsp, secureHeaders } from "../cti/router.js";
import type { Logger } from "../lib/logger.js";
import type { WallboardFeed } from "../metrics/wallboard-snapshot.js";
import { supervisorAuthenticator, type SupervisorAuth } from "./auth.js";
import { supervisionRoutes, type SupervisionDesk } from "./calls-routes.js";
import type { SupervisorsConfig } from "./config.js";
import { DEFAULT_LIMITS, WallboardStreams, type StreamLimits } from "./stream.js";

/**
 * The supervisor's wallboard over HTTP: the login (the agent desktop's machinery over the supervisors'
 * accounts, issuing supervisor sessions), the page, its live stream and a JSON snapshot for scripts.
 * Mount at the root of the daemon's express app; call stop() before the HTTP server closes, since open
 * streams would hold the close up.
 */

/** The page's files, found from the package root so the same path works from src/ and dist/ (as the agent page's). */
export const WALLBOARD_PAGE_DIR = fileURLToPath(new URL("../../src/supervisor/page/", import.meta.url));

const FILES = [
  "wallboard.js",
  "board.js",
  "queue-panel.js",
  "chart.js",
  "stream.js",
  "format.js",
  "session.js",
  "dom.js",
  "wallboard.css",
  "icon.svg",
  "supervisor.js",
  "calls-table.js",
  "recordings-table.js",
  "login.js",
  "supervisor.css",
];
const STATIC: Record<string, string> = Object.fromEntries(FILES.map((f) => [`/wallboard/${f}`, f]));

export interface WallboardOptions {
  /** Where the numbers come from (metrics/); the wallboard only shows them. */
  feed: WallboardFeed;
  supervisors: SupervisorsConfig;
  /** The agents' session secret (cti.sessionSecret): the role in the claims keeps the two apart. */
  sessionSecret: string;
  /** How long a login lasts (cti.sessionHours). */
  sessionHours: number;
  /** How failed logins are counted (cti.login); the counts in Redis are the agents' too. */
  policy: LoginConfig;
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
  /** The daemon's hashing gate, shared with the agent login; default one of the wallboard's own. */
  hashGate?: HashGate;
  /** Epoch ms for the login counts (tests); default Redis's clock. */
  clock?: () => number;
  /** Pace and caps of the streams; DEFAULT_LIMITS for what is not given. */
  limits?: Partial<StreamLimits>;
  /** Live calls, listening and recording (calls-routes.ts); without it those routes are not served (404). */
  supervision?: SupervisionDesk;
}

export interface Wallboard {
  routes: express.Router;
  /** Open streams on this daemon. */
  streams(): number;
  /** Ends every stream and refuses new ones. */
  stop(): Promise<void>;
}

export function wallboardRouter(opts: WallboardOptions): Wallboard {
  const log = opts.logger.child({ module: "supervisor" });
  const streams = new WallboardStreams(opts.feed, { ...DEFAULT_LIMITS, ...opts.limits }, log);
  const authenticate = supervisorAuthenticator(opts.sessionSecret, new Map(opts.supervisors.map((s) => [s.id, s])), opts.sessionHours);
  const login = accountLoginHandler({
    accounts: opts.supervisors,
    kind: SUPERVISOR_LOGIN,
    sessionSecret: opts.sessionSecret,
    sessionHours: opts.sessionHours,
    policy: opts.policy,
    redis: opts.redis,
    keyPrefix: opts.keyPrefix,
    logger: opts.logger,
    ...(opts.hashGate ? { hashGate: opts.hashGate } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  // /WALLBOARD and /wallboard/board.js/ are not ours: 404 like any unknown path
  const router = express.Router({ caseSensitive: true, strict: true });

  router.post("/api/supervisor/login", express.json({ limit: "4kb", type: "application/json" }), async (req: Request, res: Response) => {
    secureHeaders(res);
    await login(req, res);
  });

  router.get("/wallboard", (req: Request, res: Response) => {
    secureHeaders(res);
    res.set({ "Content-Security-Policy": pageCsp(req.headers.host), "X-Frame-Options": "DENY" });
    res.sendFile("wallboard.html", { root: WALLBOARD_PAGE_DIR });
  });

  // the live calls page: the same login, the calls beside the board
  router.get("/supervisor", (req: Request, res: Response) => {
    secureHeaders(res);
    res.set({ "Content-Security-Policy": pageCsp(req.headers.host), "X-Frame-Options": "DENY" });
    res.sendFile("supervisor.html", { root: WALLBOARD_PAGE_DIR });
  });

  if (opts.supervision) router.use(supervisionRoutes({ desk: opts.supervision, authenticate, supervisors: new Map(opts.supervisors.map((s) => [s.id, s])), logger: log }));

  const supervisor = requireSupervisor(authenticate, log);
  router.get("/wallboard/events", supervisor, (req: Request, res: Response) => {
    // express answers HEAD with the GET route: a HEAD is no reader, so it gets the headers and no stream
    if (req.method === "HEAD") return void res.status(200).type("text/event-stream").end();
    streams.open(req, res, res.locals.supervisor as Extract<SupervisorAuth, { ok: true }>);
  });

  router.get("/wallboard/snapshot", supervisor, async (_req: Request, res: Response) => {
    try {
      res.json(await streams.snapshot());
    } catch (err) {
      log.error({ err: (err as Error).message }, "wallboard snapshot failed");
      res.status(503).set("Retry-After", "5").json({ error: "the wallboard's numbers cannot be read right now; try again in 5 s" });
    }
  });

  router.get(Object.keys(STATIC), (req: Request, res: Response, next: NextFunction) => {
    const file = STATIC[req.path];
    if (!file) return next();
    secureHeaders(res);
    res.sendFile(file, { root: WALLBOARD_PAGE_DIR });
  });

  // a body that is not JSON, too large, or of the wrong type ends here as a 400 (express's own would be HTML)
  router.use("/api/supervisor", (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      res.status(status === 413 ? 413 : 400).json({ error: status === 413 ? "request body too large" : "request body must be JSON" });
      return;
    }
    next(err);
  });

  return { routes: router, streams: () => streams.count(), stop: async () => streams.close() };
}

/** 401 with the reason (never a stack) unless the request carries a supervisor's live session. */
function requireSupervisor(authenticate: (req: Request) => SupervisorAuth, log: Logger): RequestHandler {
  return (req, res, next) => {
    secureHeaders(res);
    const auth = authenticate(req);
    if (!auth.ok) {
      if (req.headers.authorization) log.warn({ reason: auth.reason }, "wallboard request refused");
      res.status(401).set("WWW-Authenticate", 'Bearer realm="switchboard-wallboard"').json({ error: auth.reason });
      return;
    }
    res.locals.supervisor = auth;
    next();
  };
}
