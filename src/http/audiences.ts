import { once } from "node:events";
import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { ExpressConfig } from "../crm/express-config.js";
import {
  AUDIENCE_ID,
  AudienceConditionError,
  audienceMembers,
  audienceSchema,
  AudienceStoppedError,
  compileAudience,
  csvHeader,
  csvRow,
  previewSchema,
  runAudience,
  type AudienceSource,
  type CompiledAudience,
} from "../outbound/audience.js";
import { AudienceExistsError, type AudienceStore } from "../outbound/audience-store.js";

/**
 * Audiences in the admin API (mounted on the admin router, behind its token; docs/outbound-audiences.md):
 * preview a condition, save, list, read, replace and delete audiences, export one as CSV. A condition
 * that does not compile is a 422 with its line and column; a run stopped by its step budget a 422, by
 * its deadline a 503. Runs share a small allowance (429 past it): each is one pass over the index.
 */
export interface AudienceRouteDeps {
  audiences: Pick<AudienceStore, "save" | "get" | "list" | "delete">;
  index: AudienceSource;
  express?: Pick<ExpressConfig, "timeZone" | "tiers">;
  now?: () => Date;
  /** Longest preview and export (ms); defaults 30 s and 10 min. */
  previewTimeoutMs?: number;
  exportTimeoutMs?: number;
  /** Previews and exports running at once; default 2. */
  maxRuns?: number;
}

const bodySchema = audienceSchema.omit({ savedAt: true });
const replaceSchema = bodySchema.omit({ id: true }).extend({ id: z.string().optional() }).strict();

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return i.path.length && !i.message.startsWith(String(i.path[0])) ? `${i.path.join(".")}: ${i.message}` : i.message;
};
/** An id from the URL is named back only when it is one (nothing else of the request is echoed). */
const noSuch = (id: string) => (AUDIENCE_ID.test(id) ? `no audience "${id}"` : "no such audience");
const conditionError = (e: AudienceConditionError) => ({ error: e.format(), line: e.line, col: e.col });

export function audienceRouter(deps: AudienceRouteDeps): Router {
  const router = express.Router();
  audienceRoutes(router, deps);
  return router;
}

export function audienceRoutes(router: Router, deps: AudienceRouteDeps): void {
  const now = deps.now ?? (() => new Date());
  let running = 0;
  /** Runs `work` within the allowance, aborted when the client goes away; answers the errors a run can end with. */
  const run = async (res: Response, work: (signal: AbortSignal) => Promise<void>) => {
    if (running >= (deps.maxRuns ?? 2)) return void res.status(429).set("Retry-After", "5").json({ error: "audience runs are busy; try again shortly" });
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    running++;
    try {
      await work(abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return; // the client is gone: nobody to answer
      if (res.headersSent) return void res.destroy(err as Error);
      if (err instanceof AudienceStoppedError) return void res.status(err.reason === "budget" ? 422 : 503).json({ error: err.message });
      throw err;
    } finally {
      running--;
    }
  };
  const compile = (res: Response, condition: string, since: string): CompiledAudience | undefined => {
    try {
      return compileAudience(condition, since);
    } catch (err) {
      if (err instanceof AudienceConditionError) return void res.status(422).json(conditionError(err));
      return void res.status(400).json({ error: (err as Error).message });
    }
  };
  const save = async (res: Response, input: z.infer<typeof bodySchema>, replace: boolean) => {
    if (!compile(res, input.condition, input.since)) return;
    try {
      const audience = await deps.audiences.save(input, { replace, now: now() });
      res.status(replace ? 200 : 201).json({ audience });
    } catch (err) {
      if (err instanceof AudienceExistsError) return void res.status(409).json({ error: err.message });
      throw err;
    }
  };

  router.post("/audiences/preview", express.json({ limit: "16kb" }), async (req: Request, res: Response) => {
    const p = previewSchema.safeParse(req.body ?? {});
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    const audience = compile(res, p.data.condition, p.data.since);
    if (!audience) return;
    await run(res, async (signal) => {
      const r = await runAudience(deps.index, audience, { now: now(), sample: p.data.sample, signal, timeoutMs: deps.previewTimeoutMs ?? 30_000, ...(deps.express ? { express: deps.express } : {}) });
      res.json(r);
    });
  });

  router.post("/audiences", express.json({ limit: "16kb" }), async (req: Request, res: Response) => {
    const p = bodySchema.safeParse(req.body ?? {});
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    await save(res, p.data, false);
  });

  router.put("/audiences/:id", express.json({ limit: "16kb" }), async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const p = replaceSchema.safeParse(req.body ?? {});
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) });
    if (p.data.id !== undefined && p.data.id !== id) return void res.status(400).json({ error: "id in the body must be the id in the URL (or left out)" });
    const body = bodySchema.safeParse({ ...p.data, id });
    if (!body.success) return void res.status(400).json({ error: firstIssue(body.error) });
    await save(res, body.data, true);
  });

  router.get("/audiences", async (_req: Request, res: Response) => {
    res.json({ audiences: await deps.audiences.list() });
  });

  router.get("/audiences/:id", async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const audience = AUDIENCE_ID.test(id) ? await deps.audiences.get(id) : null;
    if (!audience) return void res.status(404).json({ error: noSuch(id) });
    res.json({ audience });
  });

  router.get("/audiences/:id/export.csv", async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const saved = AUDIENCE_ID.test(id) ? await deps.audiences.get(id) : null;
    if (!saved) return void res.status(404).json({ error: noSuch(id) });
    const audience = compile(res, saved.condition, saved.since);
    if (!audience) return;
    await run(res, async (signal) => {
      const opts = { now: now(), signal, timeoutMs: deps.exportTimeoutMs ?? 600_000, ...(deps.express ? { express: deps.express } : {}) };
      let buffer = "";
      const flush = async () => {
        // the status goes out with the first rows: a run that fails before any match still gets its JSON error
        if (!res.headersSent) res.status(200).type("text/csv; charset=utf-8").set("Content-Disposition", `attachment; filename="${id}.csv"`);
        if (!res.write(buffer)) await once(res, "drain", { signal });
        buffer = "";
      };
      buffer = csvHeader();
      let first = true;
      for await (const m of audienceMembers(deps.index, audience, opts)) {
        buffer += csvRow(m);
        if (first || buffer.length >= 64_000) await flush();
        first = false;
      }
      await flush();
      res.end();
    });
  });

  router.delete("/audiences/:id", async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!AUDIENCE_ID.test(id) || !(await deps.audiences.delete(id))) return void res.status(404).json({ error: noSuch(id) });
    res.json({ deleted: id });
  });
}
