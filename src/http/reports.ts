import type { Request, Response, Router } from "express";
import { z } from "zod";
import { agentsNeeded, formatReport, parseWhen, REPORT_BY, StaffingInputError, type Report, type ReportQuery, type WallboardFeed } from "../metrics/index.js";
import type { StaffingNow } from "./openapi-schemas.js";

/**
 * The admin API's KPI routes (mounted on the admin router, behind its token): reports over a period,
 * and staffing: agents needed now per queue, and the Erlang calculation for given figures.
 */
export interface ReportDeps {
  report(query: ReportQuery): Promise<Report>;
  wallboard: WallboardFeed;
  timeZone: string;
}

const FROM_REQUIRED = "from is required (YYYY-MM-DD, an ISO date-time, today or now)";

/** The query of GET /reports (exported for the OpenAPI document, which describes the parameters from it). */
export const reportParams = z
  .object({
    from: z.string({ error: FROM_REQUIRED }).min(1, FROM_REQUIRED),
    to: z.string().default("now"),
    by: z.enum(REPORT_BY).default("queue"),
    queue: z.string().min(1).max(64).optional().describe("with by=day or by=interval: that queue's rows (e.g. its express KPIs per day)"),
    format: z.enum(["json", "csv", "table"]).default("json"),
  })
  .strict();

/** A query number: present, not blank (blank would read as 0), finite, and in range. */
const num = (name: string, ok: (v: number) => boolean, range: string) =>
  z
    .string({ error: `${name} is required` })
    .refine((s) => s.trim() !== "" && Number.isFinite(Number(s)), `${name} must be a number`)
    .transform(Number)
    .refine(ok, `${name} must be ${range}`);
/** The query of GET /staffing/calculate (exported for the OpenAPI document). */
export const staffingParams = z
  .object({
    calls: num("calls", (v) => v >= 0, "0 or more (calls per interval)"),
    interval: num("interval", (v) => v > 0, "above 0 (minutes)"),
    aht: num("aht", (v) => v > 0, "above 0 (seconds)"),
    target: z.string({ error: "target is required" }).regex(/^\d+(\.\d+)?\/\d+(\.\d+)?$/, "target is <percent>/<seconds>, e.g. 80/20"),
    shrinkage: num("shrinkage", (v) => v >= 0 && v < 1, "at least 0 and below 1 (0.3 is 30%)").optional(),
    patience: num("patience", (v) => v > 0, "above 0 (seconds)").optional(),
  })
  .strict();

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return i.path.length && !i.message.startsWith(String(i.path[0])) ? `${i.path.join(".")}: ${i.message}` : i.message;
};

export function reportRoutes(router: Router, deps: ReportDeps): void {
  router.get("/reports", async (req: Request, res: Response) => {
    const p = reportParams.safeParse(req.query);
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    let from: number;
    let to: number;
    try {
      from = parseWhen(p.data.from, deps.timeZone, false);
      to = parseWhen(p.data.to, deps.timeZone, true);
    } catch (err) {
      return void res.status(400).json({ error: (err as Error).message });
    }
    if (to <= from) return void res.status(400).json({ error: "to must be after from" });
    let report: Report;
    try {
      report = await deps.report({ from, to, by: p.data.by, ...(p.data.queue === undefined ? {} : { queue: p.data.queue }) });
    } catch (err) {
      if (err instanceof z.ZodError) return void res.status(400).json({ error: firstIssue(err) });
      if (/intervals are kept/.test((err as Error).message)) return void res.status(400).json({ error: (err as Error).message });
      throw err;
    }
    if (p.data.format === "json") return void res.json(report);
    res.type(p.data.format === "csv" ? "text/csv" : "text/plain").send(formatReport(report, p.data.format));
  });

  router.get("/staffing", async (_req: Request, res: Response) => {
    const s = await deps.wallboard.snapshot();
    res.json({ at: new Date(s.at).toISOString(), queues: s.queues.map((q) => ({ queue: q.queue, staffed: q.staffed, needed: q.needed, waiting: q.waiting })) } satisfies StaffingNow);
  });

  router.get("/staffing/calculate", (req: Request, res: Response) => {
    const p = staffingParams.safeParse(req.query);
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    const [percent, seconds] = p.data.target.split("/").map(Number) as [number, number];
    try {
      const r = agentsNeeded({
        callsPerInterval: p.data.calls,
        intervalSeconds: p.data.interval * 60,
        ahtSeconds: p.data.aht,
        target: { percent, seconds },
        ...(p.data.shrinkage === undefined ? {} : { shrinkage: p.data.shrinkage }),
        ...(p.data.patience === undefined ? {} : { patienceSeconds: p.data.patience }),
      });
      res.json(r);
    } catch (err) {
      if (err instanceof StaffingInputError) return void res.status(400).json({ error: err.message });
      throw err;
    }
  });
}
