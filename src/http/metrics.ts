import express, { type Request, type Response, type Router } from "express";
import type { PrometheusMetrics } from "../metrics/prometheus.js";
import { requireBearer } from "./auth.js";

/**
 * GET /metrics for Prometheus, behind its own bearer token (metrics.prometheus.token): without the token
 * configured it answers 503 rather than run open; disabled in the config, it is not served at all.
 */
export function metricsRouter(deps: { enabled: boolean; token: string | undefined; prometheus: PrometheusMetrics }): Router {
  const router = express.Router();
  if (!deps.enabled) return router;
  if (!deps.token) {
    router.get("/metrics", (_req: Request, res: Response) => {
      res.status(503).json({ error: "/metrics is disabled: set the scrape token's environment variable (metrics.prometheus.token)" });
    });
    return router;
  }
  router.get("/metrics", requireBearer(deps.token), async (_req: Request, res: Response) => {
    const { contentType, body } = await deps.prometheus.exposition();
    res.set("Content-Type", contentType).send(body);
  });
  return router;
}
