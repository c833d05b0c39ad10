import express, { type Request, type Response, type Router } from "express";
import type { CallManager } from "../calls/manager.js";
import type { TreeRegistry } from "../ivr/registry.js";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import { isJobKind, JOB_KINDS, type JobHub } from "../jobs/index.js";
import type { CallerQueue } from "../queue/index.js";
import { requireBearer } from "./auth.js";
import { openApiDocument } from "./openapi.js";
import type { CallsResponse, ErrorBody, FailedJobsResponse, JobCountsResponse, QueuesResponse, Reloaded, ReloadRejected, RetriedAll, RetryResultBody, TreesResponse } from "./openapi-schemas.js";
import { callbackRoutes } from "./callbacks.js";
import { appointmentRoutes } from "./appointments.js";
import type { Appointments } from "../callbacks/index.js";
import { reportRoutes, type ReportDeps } from "./reports.js";
import type { CallbackRequests } from "../calls/callback-requests.js";

/**
 * The admin API: queue status (waiting callers with lane, position and wait; agents and states), live
 * calls, IVR tree versions and reload, webhook jobs, call backs, appointments, KPI reports and staffing.
 * Every route needs the admin bearer token; without a configured token the API answers 503 rather than
 * running open. The answers are typed by the schemas of the OpenAPI document (GET /admin/openapi.json,
 * ./openapi.ts).
 */
export function adminRouter(deps: { token: string | undefined; queue: CallerQueue; calls: Pick<CallManager, "list">; registry: TreeRegistry; jobs: JobHub; kpis?: ReportDeps; callbacks?: CallbackRequests; appointments?: Appointments }): Router {
  const router = express.Router();
  if (!deps.token) {
    router.use((_req: Request, res: Response) => {
      res.status(503).json({ error: "the admin API is disabled: set the admin token's environment variable (http.adminToken)" });
    });
    return router;
  }
  router.use(requireBearer(deps.token));
  router.get("/queues", async (_req: Request, res: Response) => {
    const names = [...deps.queue.settings.queues.keys()];
    res.json({ queues: await Promise.all(names.map((n) => deps.queue.status(n, 200))) } satisfies QueuesResponse);
  });
  router.get("/queues/:name", async (req: Request, res: Response) => {
    const name = String(req.params.name);
    if (!deps.queue.settings.queues.has(name)) {
      res.status(404).json({ error: `no queue named "${name}"` } satisfies ErrorBody);
      return;
    }
    res.json(await deps.queue.status(name, 1000));
  });
  router.get("/calls", (_req: Request, res: Response) => {
    res.json({ calls: deps.calls.list() } satisfies CallsResponse);
  });
  router.get("/trees", (_req: Request, res: Response) => {
    res.json({ versions: deps.registry.versions(), trees: [...deps.registry.current.trees.keys()] } satisfies TreesResponse);
  });
  router.post("/trees/reload", (_req: Request, res: Response) => {
    const r = deps.registry.reload();
    if (r.status === "rejected") {
      res.status(422).json({ status: "rejected", running: r.set.version, errors: r.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic) } satisfies ReloadRejected);
      return;
    }
    res.json({ status: r.status, version: r.set.version } satisfies Reloaded);
  });
  router.get("/jobs", async (_req: Request, res: Response) => {
    res.json({ kinds: await deps.jobs.counts() } satisfies JobCountsResponse);
  });
  const kindOf = (req: Request, res: Response): string | undefined => {
    const kind = String(req.query.kind ?? "");
    if (isJobKind(kind)) return kind;
    res.status(400).json({ error: `kind must be one of ${JOB_KINDS.join(", ")} (got "${kind}")` } satisfies ErrorBody);
    return undefined;
  };
  router.get("/jobs/failed", async (req: Request, res: Response) => {
    const kind = kindOf(req, res);
    if (kind && isJobKind(kind)) res.json({ failed: await deps.jobs.failed(kind) } satisfies FailedJobsResponse);
  });
  router.post("/jobs/failed/retry", async (req: Request, res: Response) => {
    const kind = kindOf(req, res);
    if (kind && isJobKind(kind)) res.status(202).json({ retried: await deps.jobs.retryAllFailed(kind) } satisfies RetriedAll);
  });
  router.post("/jobs/:id/retry", async (req: Request, res: Response) => {
    const r = await deps.jobs.retry(String(req.params.id));
    const status = { retried: 202, "not-found": 404, "not-failed": 409 }[r];
    res.status(status).json({ result: r } satisfies RetryResultBody);
  });
  if (deps.kpis) reportRoutes(router, deps.kpis);
  if (deps.callbacks) callbackRoutes(router, deps.callbacks);
  if (deps.appointments) appointmentRoutes(router, deps.appointments);
  router.get("/openapi.json", (_req: Request, res: Response) => {
    res.json(openApiDocument());
  });
  return router;
}
