import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import { CampaignError, type CampaignFeeder } from "../calls/campaign-feeder.js";
import type { AttemptLog } from "../outbound/attempt-log.js";
import type { AudienceSource } from "../outbound/audience.js";
import type { AudienceStore } from "../outbound/audience-store.js";
import { campaignInputSchema, type Campaign, type CampaignStore } from "../outbound/campaign.js";
import { campaignKpis } from "../outbound/campaign-kpis.js";
import { MEMBER_STATUSES, type CampaignMembers } from "../outbound/campaign-members.js";
import type { CampaignTally } from "../outbound/campaign-tally.js";
import type { DncStore } from "../outbound/dnc-store.js";
import { LEAD_STATUSES, type LeadStore } from "../outbound/lead-store.js";
import { requireBearer } from "./auth.js";
import { audienceRoutes, type AudienceRouteDeps } from "./audiences.js";

export interface OutboundRouteDeps {
  token: string | undefined;
  campaigns: CampaignStore;
  feeder: CampaignFeeder;
  members: Pick<CampaignMembers, "counts" | "list">;
  tally: Pick<CampaignTally, "catchUp" | "totals">;
  audiences: Pick<AudienceStore, "save" | "get" | "list" | "delete">;
  index: AudienceSource;
  dnc: DncStore;
  attempts: AttemptLog;
  /** The web leads, when configured (outbound.webLeads). */
  leads?: Pick<LeadStore, "get" | "list"> | undefined;
  /** The currency revenue is counted in (metrics.currency). */
  currency: string;
  /** Who is express (the audience's `customer.express`), as the CRM lookup decides it. */
  express?: AudienceRouteDeps["express"];
}

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message;
};
export const numberBody = z.object({ number: z.string().min(3).max(32) }).strict();
export const attemptsQuery = z.object({ number: z.string().max(32).optional(), leadId: z.string().max(200).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();
export const membersQuery = z.object({ status: z.enum(MEMBER_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().regex(/^\d{1,20}$/, "a cursor from the previous page's next").optional() }).strict();
export const leadsQuery = z.object({ status: z.enum(LEAD_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().min(0).optional() }).strict();
const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const LEAD_ID = /^wl-[0-9a-f]{24}$/;

/**
 * Outbound in the admin API, mounted at /admin/outbound behind the admin token (docs/outbound.md):
 * audiences, campaigns (create, list, start, pause; one with its members and KPIs), web leads, the
 * do-not-call list (add, remove, import a CSV) and the attempt log. Described in the OpenAPI document of
 * /admin (openapi-operations.ts).
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
  /** The campaign of the URL, or a 404 answered. */
  const campaignOf = async (req: Request, res: Response): Promise<Campaign | undefined> => {
    const id = String(req.params.id);
    const c = CAMPAIGN_ID.test(id) ? await deps.campaigns.get(id) : null;
    if (!c) return void res.status(404).json({ error: CAMPAIGN_ID.test(id) ? `no campaign "${id}"` : "no such campaign" });
    return c;
  };
  router.get("/campaigns/:id", async (req: Request, res: Response) => {
    const c = await campaignOf(req, res);
    if (!c) return;
    // the KPIs as of every event written before this request
    await deps.tally.catchUp();
    const [{ counters, asOf }, counts, pending] = await Promise.all([deps.tally.totals(c.id), deps.members.counts(c.id), deps.campaigns.remaining(c.id)]);
    res.json({ campaign: c, members: { pending, ...counts }, kpis: { ...campaignKpis(c.members, counters), currency: deps.currency, asOf: asOf === null ? null : new Date(asOf).toISOString() } });
  });
  router.get("/campaigns/:id/members", async (req: Request, res: Response) => {
    const p = membersQuery.safeParse(req.query);
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    const c = await campaignOf(req, res);
    if (!c) return;
    res.json(await deps.members.list(c.id, { limit: p.data.limit, ...(p.data.status ? { status: p.data.status } : {}), ...(p.data.cursor ? { cursor: p.data.cursor } : {}) }));
  });
  const noLeads = (res: Response) => void res.status(404).json({ error: "web leads are not configured (outbound.webLeads)" });
  router.get("/leads", async (req: Request, res: Response) => {
    const p = leadsQuery.safeParse(req.query);
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    if (!deps.leads) return noLeads(res);
    res.json({ leads: await deps.leads.list({ limit: p.data.limit, ...(p.data.status ? { status: p.data.status } : {}), ...(p.data.before === undefined ? {} : { before: p.data.before }) }) });
  });
  router.get("/leads/:id", async (req: Request, res: Response) => {
    if (!deps.leads) return noLeads(res);
    const id = String(req.params.id);
    const lead = LEAD_ID.test(id) ? await deps.leads.get(id) : undefined;
    if (!lead) return void res.status(404).json({ error: LEAD_ID.test(id) ? `no lead "${id}"` : "no such lead" });
    // each attempt: the check's decision and how the call went, from the attempt log
    const { entries } = await deps.attempts.read({ leadId: lead.id, from: lead.receivedAt, limit: 200, newestFirst: true });
    res.json({ lead, attempts: entries.map(({ streamId: _s, ...e }) => e) });
  });
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
