import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { z } from "zod";
import { AppointmentError, type Appointments } from "../callbacks/index.js";
import { spokenSlot } from "../callbacks/slot-speech.js";
import type { AgentAuth } from "../cti/agent-auth.js";
import type { ScreenPop } from "../cti/pop.js";
import type { Recorded } from "../cti/protocol.js";
import type { Logger } from "../lib/logger.js";

/**
 * Appointments booked by the agent from the pop: the next free times of the call's queue for the caller
 * (the held express places too when the CRM record entitles them), and the booking of one, on the
 * caller's number. Only for a call on the agent's own desk, with the agent's session token; every tab
 * of the agent is told what was booked.
 */

export interface AgentAppointmentsDeps {
  authenticate(token: string): AgentAuth;
  pops: {
    deskPop(agentId: string, callId: string, now: number): Promise<{ pop: ScreenPop } | null>;
    publish(agentId: string, msg: { type: "recorded" } & Recorded): Promise<void>;
  };
  appointments: Pick<Appointments, "queues" | "timeZone" | "nextFree" | "book">;
  log: Logger;
  now?: () => number;
}

/** Times listed at once: a short list an agent reads out. */
const LISTED = 8;

const callIdSchema = z.string().min(1).max(128);
const slotsQuery = z.object({ callId: callIdSchema }).strict();
const bookBody = z.object({ callId: callIdSchema, slotStart: z.number().int().positive() }).strict();
const BOOKING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const STATUS: Partial<Record<AppointmentError["code"], number>> = { SBA_INVALID_INPUT: 400, SBA_NO_SLOT: 400, SBA_UNKNOWN_QUEUE: 404, SBA_CRM_FAILED: 502 };
const REFUSED = { full: "that time is full now: pick another", started: "that time has started: pick another", "beyond-horizon": "that time is beyond the booking horizon" } as const;

export function agentAppointmentsRouter(deps: AgentAppointmentsDeps): Router {
  const router = express.Router();
  const now = deps.now ?? Date.now;

  router.use((req: Request, res: Response, next: NextFunction) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const auth = token ? deps.authenticate(token) : { ok: false as const, reason: "send the session token as Authorization: Bearer <token>" };
    if (!auth.ok) return void res.status(401).json({ error: auth.reason });
    res.locals.agentId = auth.agent.id;
    next();
  });

  /** The call's pop on this agent's desk and its queue's calendar, or the answer that says why not. */
  const callOf = async (res: Response, callId: string): Promise<{ pop: ScreenPop; agentId: string } | undefined> => {
    const agentId = String(res.locals.agentId);
    const onDesk = await deps.pops.deskPop(agentId, callId, now());
    if (!onDesk) return void res.status(404).json({ error: `call ${callId} is not on your desk` });
    if (!deps.appointments.queues.includes(onDesk.pop.queue)) return void res.status(404).json({ error: `${onDesk.pop.queueName} has no appointment calendar` });
    return { pop: onDesk.pop, agentId };
  };

  router.get("/slots", async (req: Request, res: Response) => {
    const q = slotsQuery.safeParse(req.query);
    if (!q.success) return void res.status(400).json({ error: "callId is required" });
    const call = await callOf(res, q.data.callId);
    if (!call) return;
    const { pop } = call;
    const free = await deps.appointments.nextFree(pop.queue, { phone: pop.callerNumber, customerId: pop.customer?.id }, LISTED);
    const at = now();
    const timeZone = deps.appointments.timeZone(pop.queue);
    res.json({ queue: pop.queue, timeZone, express: free.express, number: pop.callerNumber, slots: free.slots.map((s) => ({ start: s.start, label: spokenSlot(s.start, at, timeZone).label })) });
  });

  router.post("/", express.json({ limit: "2kb" }), async (req: Request, res: Response) => {
    const b = bookBody.safeParse(req.body);
    if (!b.success) return void res.status(400).json({ error: `invalid request: ${z.prettifyError(b.error).replace(/\n+/g, "; ")}` });
    const call = await callOf(res, b.data.callId);
    if (!call) return;
    const { pop, agentId } = call;
    const id = `desk-${pop.callId}-${b.data.slotStart}`;
    try {
      const r = await deps.appointments.book({
        // the same time for the same call books once, however often it is clicked
        id: BOOKING_ID.test(id) ? id : undefined,
        queue: pop.queue,
        slotStart: b.data.slotStart,
        number: pop.callerNumber,
        ...(pop.customer ? { name: pop.customer.name, customerId: pop.customer.id } : pop.callerName ? { name: pop.callerName } : {}),
        reason: `booked by agent ${agentId}`,
      });
      if (!r.ok) return void res.status(409).json({ error: REFUSED[r.reason] });
      const label = spokenSlot(r.booking.slotStart, now(), deps.appointments.timeZone(pop.queue)).label;
      const text = `Appointment booked for ${label}${r.booking.express ? " (express)" : ""}: ${pop.customer?.name ?? pop.callerNumber} will be called on ${pop.callerNumber}`;
      await deps.pops.publish(agentId, { type: "recorded", callId: pop.callId, what: "appointment", text });
      deps.log.info({ agentId, callId: pop.callId, bookingId: r.booking.id, slotStart: r.booking.slotStart }, "appointment booked from the desk");
      res.status(r.replayed ? 200 : 201).json({ id: r.booking.id, slotStart: r.booking.slotStart, label, express: r.booking.express, text });
    } catch (err) {
      const status = err instanceof AppointmentError ? STATUS[err.code] : undefined;
      if (!status) throw err;
      res.status(status).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && status >= 400 && status < 500) return void res.status(400).json({ error: "request body must be JSON" });
    deps.log.error({ err }, "agent appointment request failed");
    if (res.headersSent) return next(err);
    res.status(500).json({ error: "the appointment could not be booked; try again" });
  });
  return router;
}
