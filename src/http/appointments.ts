import express, { type Request, type Response, type Router } from "express";
import { z } from "zod";
import { AppointmentError, appointmentBookSchema, appointmentMoveSchema, type AppointmentErrorCode, type Appointments } from "../callbacks/index.js";
import { offsetAt } from "../callbacks/wall-time.js";
import type { AppointmentBooked, AppointmentCancelled, AppointmentMoved, AppointmentRefused, AppointmentResponse, AppointmentSlots, ErrorBody } from "./openapi-schemas.js";

/**
 * Appointments in the admin API (docs/callbacks.md#operating-appointments): a queue's slots with their
 * room, booking (express checked against the CRM record), one booking, cancelling and moving it. A web
 * page books through its own back end with the admin token, as it asks for call backs.
 */

const WHEN = "an ISO date-time, epoch milliseconds, or YYYY-MM-DD (that day in the queue's time zone)";

/** The query of GET /appointments/slots (exported for the OpenAPI document). */
export const slotsParams = z
  .object({
    queue: z.string({ error: "queue is required" }).min(1, "queue is required").max(64),
    from: z.string().min(1).optional().describe(`default now; ${WHEN}`),
    to: z.string().min(1).optional().describe(`default the end of the booking horizon, at most 31 days after from; ${WHEN} (a day: its end)`),
  })
  .strict();

const STATUS: Record<AppointmentErrorCode, number> = {
  SBA_INVALID_INPUT: 400,
  SBA_NO_SLOT: 400,
  SBA_UNKNOWN_QUEUE: 404,
  SBA_UNKNOWN_BOOKING: 404,
  SBA_CANCELLED: 409,
  SBA_OTHER_QUEUE: 400,
  SBA_NOT_EXPRESS: 403,
  SBA_CRM_FAILED: 502,
};

const REFUSED = { full: "the slot is full", started: "the slot has started", "beyond-horizon": "the slot is beyond the booking horizon" } as const;

const firstIssue = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return i.path.length && !i.message.startsWith(String(i.path[0])) ? `${i.path.join(".")}: ${i.message}` : i.message;
};

/** A query time as epoch ms; a local day is its start (`end`: the next day's start) in `timeZone`. */
export function parseWhenLocal(value: string, timeZone: string, end: boolean): number | undefined {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const wall = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + (end ? 1 : 0));
    // the offset an hour in: a change at midnight (a few zones) is on the day's side
    return Number.isNaN(wall) ? undefined : wall - offsetAt(wall - offsetAt(wall, timeZone), timeZone);
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function appointmentRoutes(router: Router, appointments: Appointments): void {
  const failed = (res: Response, err: unknown) => {
    if (err instanceof AppointmentError && err.code === "SBA_CANCELLED") return void res.status(409).json({ error: err.message, reason: "cancelled" } satisfies AppointmentRefused);
    if (err instanceof AppointmentError) return void res.status(STATUS[err.code]).json({ error: err.message } satisfies ErrorBody);
    throw err;
  };
  const bad = (res: Response, error: string) => void res.status(400).json({ error } satisfies ErrorBody);

  router.get("/appointments/slots", async (req: Request, res: Response) => {
    const p = slotsParams.safeParse(req.query);
    if (!p.success) return bad(res, firstIssue(p.error));
    const { queue } = p.data;
    if (!appointments.queues.includes(queue)) return void res.status(404).json({ error: `no appointment calendar for queue "${queue}" (calendars: ${appointments.queues.join(", ") || "none"})` } satisfies ErrorBody);
    const tz = appointments.timeZone(queue);
    const from = p.data.from === undefined ? Date.now() : parseWhenLocal(p.data.from, tz, false);
    if (from === undefined) return bad(res, `from is not ${WHEN}`);
    const to = p.data.to === undefined ? appointments.horizonEnd(queue, from) : parseWhenLocal(p.data.to, tz, true);
    if (to === undefined) return bad(res, `to is not ${WHEN}`);
    try {
      res.json({ queue, timeZone: tz, slots: await appointments.slots(queue, from, to) } satisfies AppointmentSlots);
    } catch (err) {
      failed(res, err);
    }
  });

  router.post("/appointments", express.json({ limit: "8kb" }), async (req: Request, res: Response) => {
    const p = appointmentBookSchema.safeParse(req.body ?? {});
    if (!p.success) return bad(res, firstIssue(p.error));
    try {
      const r = await appointments.book(p.data);
      if (!r.ok) return void res.status(409).json({ error: REFUSED[r.reason], reason: r.reason } satisfies AppointmentRefused);
      const { ok: _ok, ...booked } = r;
      res.status(r.replayed ? 200 : 201).json(booked satisfies AppointmentBooked);
    } catch (err) {
      failed(res, err);
    }
  });

  router.get("/appointments/:id", async (req: Request, res: Response) => {
    try {
      res.json((await appointments.get(String(req.params.id))) satisfies AppointmentResponse);
    } catch (err) {
      failed(res, err);
    }
  });

  router.delete("/appointments/:id", async (req: Request, res: Response) => {
    try {
      res.json((await appointments.cancel(String(req.params.id))) satisfies AppointmentCancelled);
    } catch (err) {
      failed(res, err);
    }
  });

  router.post("/appointments/:id/move", express.json({ limit: "8kb" }), async (req: Request, res: Response) => {
    const p = appointmentMoveSchema.safeParse(req.body ?? {});
    if (!p.success) return bad(res, firstIssue(p.error));
    try {
      const r = await appointments.move(String(req.params.id), p.data.slotStart);
      if (!r.ok) return void res.status(409).json({ error: REFUSED[r.reason], reason: r.reason } satisfies AppointmentRefused);
      res.json({ booking: r.booking, moved: r.moved } satisfies AppointmentMoved);
    } catch (err) {
      failed(res, err);
    }
  });
}
