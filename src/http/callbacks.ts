import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import type { Callback } from "../callbacks/callback-store.js";
import { callbackRequestSchema, CallbackRequestError, type CallbackRequests } from "../calls/callback-requests.js";
import type { CallbackResponse, CallbacksResponse, ErrorBody } from "./openapi-schemas.js";

/** What the admin API shows of a call back: not the IVR call it came from (the pop and the history have that). */
const view = ({ call: _call, ...cb }: Callback): CallbackResponse["callback"] => cb;

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message;
};

/**
 * Queued call backs in the admin API (docs/callbacks.md): the open ones, asking for one (the same kept
 * place as in the queue: it joins now), one by id, and cancelling one that is not being dialled.
 */
export function callbackRoutes(router: Router, callbacks: CallbackRequests): void {
  const failed = (res: Response, err: unknown) => {
    if (err instanceof CallbackRequestError) return void res.status(err.status).json({ error: err.message } satisfies ErrorBody);
    throw err;
  };
  router.get("/callbacks", async (_req: Request, res: Response) => {
    res.json({ callbacks: (await callbacks.list()).map(view) } satisfies CallbacksResponse);
  });
  router.post("/callbacks", express.json({ limit: "8kb" }), async (req: Request, res: Response) => {
    const p = callbackRequestSchema.safeParse(req.body ?? {});
    if (!p.success) return void res.status(400).json({ error: firstIssue(p.error) } satisfies ErrorBody);
    try {
      res.status(201).json({ callback: view(await callbacks.create(p.data, "admin")) } satisfies CallbackResponse);
    } catch (err) {
      failed(res, err);
    }
  });
  router.get("/callbacks/:id", async (req: Request, res: Response) => {
    const cb = await callbacks.get(String(req.params.id));
    if (!cb) return void res.status(404).json({ error: `no call back "${String(req.params.id)}"` } satisfies ErrorBody);
    res.json({ callback: view(cb) } satisfies CallbackResponse);
  });
  router.delete("/callbacks/:id", async (req: Request, res: Response) => {
    try {
      res.json({ callback: view(await callbacks.cancel(String(req.params.id))) } satisfies CallbackResponse);
    } catch (err) {
      failed(res, err);
    }
  });
}
