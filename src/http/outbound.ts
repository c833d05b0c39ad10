import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import { CampaignError, type CampaignFeeder } from "../calls/campaign-feeder.js";
import type { AttemptLog } from "../outbound/attempt-log.js";
import type { AudienceSource } from "../outbound/audience.js";
import type { AudienceStore } from "../outbound/audience-store.js";
import { campaignInputSchema, type CampaignStore } from "../outbound/campaign.js";
import type { DncStore } from "../outbound/dnc-store.js";
import { requireBearer } from "./auth.js";
import { audienceRoutes, type AudienceRouteDeps } from "./audiences.js";

export interface OutboundRouteDeps {
  token: string | undefined;
  campaigns: CampaignStore;
  feeder: CampaignFeeder;
  audiences: Pick<AudienceStore, "save" | "get" | "list" | "delete">;
  index: AudienceSource;
  dnc: DncStore;
  attempts: AttemptLog;
  /** Who is express (the audience's `customer.express`), as the CRM lookup decides it. */
  express?: AudienceRouteDeps["express"];
}

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message;
};
const numberBody = z.object({ number: z.string().min(3).max(32) }).strict();
const attemptsQuery = z.object({ number: z.string().max(32).optional(), leadId: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

/**
 * Outbound in the admin API, mounted at /admin/outbound behind the admin token (docs/outbound.md):
 * audiences, campaigns (create, list, start, pause), the do-not-call list (add, remove, import a CSV) and
 * the attempt log. Not yet in the OpenAPI document of /admin.
 */
export function outboundRouter(deps: OutboundRouteDeps): Router {
  const router = express.Router();
  if (!deps.token) {
    router.use((_req, res) => void res.status(503).json({ error: "the admin API is disabled: set the admin token's environment variable (http.adminToken)" }));
    return router;
  }
  router.use(requireBearer(deps.token));
  audienceRoutes(router, { audiences: deps.audiences, index: deps.index, ...(deps.express ? { express: deps.express } : {}) });
  const json = express.json({ limit: "16kb" });
  const campaignFailed = (res: Response, err: unknown) => {
    if (err instanceof CampaignError) return void res.status(err.status).json({ error: err.message });
    throw err;
  };
  router.get("/campaigns", async (_req: Request, res: Response) => void res.json({ campaigns: await deps.campaigns.list() }));
  router.post("/campaigns", json, async (req: Request, res: Response) => {
    const p = campaignInputSchema.safeParse(req.body ?? {});
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    if (!(await deps.audiences.get(p.data.audience))) return void res.status(404).json({ error: `no audience "${p.data.audience}"` });
    const c = await deps.campaigns.create(p.data, Date.now());
    if (!c) return void res.status(409).json({ error: `a campaign "${p.data.id}" exists` });
    res.status(201).json({ campaign: c });
  });
  for (const action of ["start", "pause"] as const) {
    router.post(`/campaigns/:id/${action}`, async (req: Request, res: Response) => {
      try {
        res.json({ campaign: await deps.feeder[action](String(req.params.id)) });
      } catch (err) {
        campaignFailed(res, err);
      }
    });
  }
  router.post("/dnc", json, async (req: Request, res: Response) => {
    const p = numberBody.safeParse(req.body ?? {});
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    const r = await deps.dnc.add(p.data.number, { source: "admin", at: Date.now() });
    if (!r.ok) return void res.status(400).json({ error: r.reason });
    res.status(r.changed ? 201 : 200).json({ number: r.e164 });
  });
  router.delete("/dnc/:number", async (req: Request, res: Response) => {
    const r = await deps.dnc.remove(String(req.params.number));
    if (!r.ok) return void res.status(400).json({ error: r.reason });
    res.status(r.changed ? 200 : 404).json(r.changed ? { number: r.e164 } : { error: "not on the list" });
  });
  router.post("/dnc/import", express.text({ type: ["text/csv", "text/plain"], limit: "20mb" }), async (req: Request, res: Response) => {
    if (typeof req.body !== "string" || req.body === "") return void res.status(400).json({ error: "send the numbers as text/csv, one per line" });
    res.json(await deps.dnc.import(req.body, { source: "import", at: Date.now() }));
  });
  router.get("/attempts", async (req: Request, res: Response) => {
    const p = attemptsQuery.safeParse(req.query);
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    res.json(await deps.attempts.read({ ...(p.data.number ? { number: p.data.number } : {}), ...(p.data.leadId ? { leadId: p.data.leadId } : {}), limit: p.data.limit, newestFirst: true }));
  });
  return router;
}
