import type { Request, Response, Router } from "express";
import express from "express";

/** A dependency the daemon needs to serve calls (ARI on each server, AMI, Redis), reporting its state. */
export interface HealthCheck {
  name: string;
  /** Required checks gate /readyz; optional ones (e.g. AMI) only show up in the report. */
  required: boolean;
  status(): { ok: boolean; detail?: string; metrics?: Record<string, number | boolean> };
}

/**
 * /healthz: the process is alive and its event loop turns (for restarts by the orchestrator).
 * /readyz: every required dependency is up (for load balancers and the dialplan fallback decision); a
 * check that is not says why in its `detail` (e.g. Redis refusing writes, with Redis' own reason), and a
 * check may carry counters (`metrics`: Redis' failed writes and rebuilds).
 */
export function healthRouter(checks: () => HealthCheck[], isShuttingDown: () => boolean): Router {
  const router = express.Router();
  router.get("/healthz", (_req: Request, res: Response) => {
    res.json({ ok: true, uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get("/readyz", (_req: Request, res: Response) => {
    const report = checks().map((c) => ({ name: c.name, required: c.required, ...c.status() }));
    const ready = !isShuttingDown() && report.every((r) => r.ok || !r.required);
    res.status(ready ? 200 : 503).json({ ready, shuttingDown: isShuttingDown(), checks: report });
  });
  return router;
}
