import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Entitlement, EntitlementQuery } from "../crm/entitlement.js";
import type { LifecycleEvent } from "../events/schema.js";
import type { JobKind, PayloadOf } from "../jobs/payloads.js";
import type { Logger } from "../lib/logger.js";
import { appointmentCallbackId, appointmentReason, movedNotice, reminderNotice } from "./appointment-notices.js";
import type { AppointmentJobData, AppointmentJobName } from "./appointment-schedule.js";
import type { AppointmentStore } from "./appointment-store.js";
import { AppointmentError } from "./errors.js";
import type { BookingRecord, MovedBooking, Refusal, SlotAvailability } from "./types.js";
import { DAY_MS, localDayOf, MINUTE_MS, offsetAt } from "./wall-time.js";

/** The longest range of slots listed at once. */
const MAX_RANGE_MS = 31 * DAY_MS;

/**
 * Appointments as the admin API offers them: the calendar store (appointment-store.ts) plus what a
 * booking sets going. Booking checks express against the customer's CRM record, schedules the booking's
 * call and reminder (appointment-schedule.ts), and tells the customers a rebalance moved; cancelling or
 * moving takes the scheduled jobs (and a call back already queued) with it. At its time the call job
 * queues the booking's call back, which the call-back runner dials agent-first like any other.
 */

/** Ids the API takes: a queue member's id is built from them (`<id>-<moves>`), so no ":" or "~". */
export const apiBookingIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "1-64 letters, digits, . _ -, starting with a letter or digit");

/** A slot's start: epoch ms, or an ISO date-time with its offset. */
export const slotStartSchema = z.union([z.number().int().positive().max(8_640_000_000_000_000), z.iso.datetime({ offset: true })]).describe("the slot's start: epoch milliseconds, or an ISO date-time with offset");
const toMs = (v: number | string): number => (typeof v === "number" ? v : Date.parse(v));

export const appointmentBookSchema = z
  .object({
    /** Default `ap-<uuid>`. Booking the same id again returns the first booking (a retried request books once). */
    id: apiBookingIdSchema.optional(),
    queue: z.string().min(1).max(64),
    slotStart: slotStartSchema,
    number: z.string().regex(/^\+?[0-9]{3,20}$/, "a phone number: 3-20 digits, optionally a leading +"),
    name: z.string().min(1).max(100).optional(),
    customerId: z.string().min(1).max(100).optional(),
    /** true: only if the CRM record entitles the customer; false: standard; left out: as the record entitles. */
    express: z.boolean().optional(),
    reason: z.string().min(1).max(200).optional(),
  })
  .strict();
export type AppointmentBookInput = z.input<typeof appointmentBookSchema>;

export const appointmentMoveSchema = z.object({ slotStart: slotStartSchema }).strict();

/** Whether the booking is express, and why: what the request asked for checked against the CRM. */
export const expressDecisionSchema = z.object({ granted: z.boolean(), why: z.string() });
export type ExpressDecision = z.infer<typeof expressDecisionSchema>;

export type Booked =
  | { ok: true; booking: BookingRecord; moves: MovedBooking[]; replayed: boolean; express: ExpressDecision }
  | { ok: false; reason: Refusal; express: ExpressDecision };

/** The call back a booking has become (its id and state), or null before its time. */
export type CallbackLink = { id: string; state: string } | null;

/** The call-back side, from the calls (calls/callback-requests.ts): callbacks/ does not dial. */
export interface AppointmentCallbacks {
  /** Queues the call back of this id, as of `joinedAt`; one that exists is found, not made again. */
  create(req: { id: string; queue: string; number: string; name?: string; customerId?: string; express: boolean; reason: string; joinedAt: number; quotedMs: number }): Promise<{ id: string; created: boolean }>;
  /** Cancels it if it waits at its place; its state after, undefined when there is none. */
  cancel(id: string): Promise<string | undefined>;
  state(id: string): Promise<string | undefined>;
}

export interface AppointmentsDeps {
  store: AppointmentStore;
  schedule: { schedule(name: AppointmentJobName, data: AppointmentJobData, at: number): Promise<void>; unschedule(name: AppointmentJobName, data: Pick<AppointmentJobData, "bookingId" | "moves">): Promise<boolean> };
  callbacks: AppointmentCallbacks;
  /** The customer's express entitlement by the CRM record (crm/entitlement.ts). */
  entitlement(q: EntitlementQuery): Promise<Entitlement>;
  jobs?: { publish<K extends JobKind>(kind: K, payload: PayloadOf<K>): Promise<{ id: string }> } | undefined;
  events?: { append(e: LifecycleEvent): Promise<void> } | undefined;
  logger: Logger;
  now?: () => number;
}

const jobData = (b: BookingRecord): AppointmentJobData => ({ bookingId: b.id, slotStart: b.slotStart, moves: b.moves });

export class Appointments {
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: AppointmentsDeps) {
    this.log = deps.logger.child({ component: "appointments" });
    this.now = deps.now ?? Date.now;
  }

  get queues(): string[] {
    return this.deps.store.queues;
  }

  timeZone(queue: string): string {
    return this.deps.store.calendar(queue).config.timeZone;
  }

  /** The end of the queue's booking horizon (the start of the day after the last bookable one); a day after `from` when that is later. */
  horizonEnd(queue: string, from: number): number {
    const cal = this.deps.store.calendar(queue);
    const tz = cal.config.timeZone;
    const wall = localDayOf(this.now(), tz) + cal.config.horizonDays * DAY_MS;
    const end = wall - offsetAt(wall - offsetAt(wall, tz), tz);
    return Math.min(Math.max(end, from + DAY_MS), from + MAX_RANGE_MS);
  }

  /** The slots starting in [from, to) with their bookings and room; `to` at most 31 days after `from`. */
  slots(queue: string, from: number, to: number): Promise<SlotAvailability[]> {
    this.deps.store.calendar(queue);
    if (!(to > from) || to - from > MAX_RANGE_MS) throw new AppointmentError("SBA_INVALID_INPUT", "`to` must be after `from`, at most 31 days");
    return this.deps.store.availability(queue, from, to);
  }

  /**
   * The next `count` slots a caller on `phone` could book now, soonest first: places open to standard
   * callers, and the held ones too when the CRM record entitles them to express (a CRM that does not
   * answer offers the standard places). For offering by voice or from the pop; book() decides again.
   */
  async nextFree(queue: string, who: { phone: string; customerId?: string | undefined }, count: number): Promise<{ express: boolean; slots: SlotAvailability[] }> {
    const now = this.now();
    const { express } = await this.expressFor(who.phone, who.customerId, undefined, now).catch(() => ({ express: { granted: false, why: "" } }));
    const all = await this.slots(queue, now, this.horizonEnd(queue, now));
    const open = all.filter((s) => s.start > now && (express.granted ? s.room.express : s.room.standard) > 0);
    return { express: express.granted, slots: open.slice(0, count) };
  }

  async book(input: AppointmentBookInput): Promise<Booked> {
    const p = appointmentBookSchema.safeParse(input);
    if (!p.success) throw new AppointmentError("SBA_INVALID_INPUT", z.prettifyError(p.error));
    const req = p.data;
    const slotStart = toMs(req.slotStart);
    // a slot that does not exist is the request's fault, whatever the CRM says
    if (!this.deps.store.calendar(req.queue).slotAt(slotStart)) throw new AppointmentError("SBA_NO_SLOT", `no slot of queue "${req.queue}" starts at ${new Date(slotStart).toISOString()}`);
    const { express, customerId } = await this.expressFor(req.number, req.customerId, req.express, slotStart);
    const r = await this.deps.store.book(req.queue, slotStart, {
      id: req.id ?? `ap-${randomUUID()}`,
      phone: req.number,
      express: express.granted,
      ...(req.name && { name: req.name }),
      ...(customerId && { customerId }),
      ...(req.reason && { reason: req.reason }),
    });
    if (!r.ok) return { ok: false, reason: r.reason, express };
    if (!r.replayed) this.event(r.booking, "booked");
    // a replayed booking's jobs are scheduled again: a retry after a half-done first try completes it
    if (r.booking.state === "booked") await this.scheduleJobs(r.booking);
    for (const m of r.moves) await this.moved(m.booking, m.from, "rebalance");
    this.log.info({ bookingId: r.booking.id, queue: req.queue, slotStart, express: express.granted, moves: r.moves.length, replayed: r.replayed }, "appointment booked");
    return { ok: true, booking: r.booking, moves: r.moves, replayed: r.replayed, express: r.replayed ? { granted: r.booking.express, why: "booked before with this id" } : express };
  }

  /**
   * Express only as the CRM record says: asked for (true), the record of the number (the named
   * customer's, when an id is given) must entitle them on the slot's day, or the booking is refused;
   * left out, the record decides; false, standard without asking.
   */
  private async expressFor(phone: string, customerId: string | undefined, asked: boolean | undefined, slotStart: number): Promise<{ express: ExpressDecision; customerId: string | undefined }> {
    if (asked === false) return { express: { granted: false, why: "standard asked for" }, customerId };
    const e = await this.deps.entitlement({ phone, customerId, at: new Date(slotStart) });
    const known = e.status === "entitled" || e.status === "not-entitled" ? e.customerId : customerId;
    if (e.status === "entitled") return { express: { granted: true, why: `customer ${e.customerId}: ${e.reason}` }, customerId: known };
    const why = e.status === "not-entitled" ? `customer ${e.customerId} is not entitled to express` : e.why;
    if (asked === true) throw new AppointmentError(e.status === "error" ? "SBA_CRM_FAILED" : "SBA_NOT_EXPRESS", `express refused: ${why}`);
    return { express: { granted: false, why }, customerId: known };
  }

  async get(id: string): Promise<{ booking: BookingRecord; callback: CallbackLink }> {
    const booking = await this.deps.store.get(apiId(id));
    if (!booking) throw new AppointmentError("SBA_UNKNOWN_BOOKING", `no booking ${id}`);
    return { booking, callback: await this.callbackOf(booking) };
  }

  /** Frees the place, drops the booking's jobs and cancels its call back if it waits in the queue. */
  async cancel(id: string): Promise<{ booking: BookingRecord; cancelled: boolean; callback: CallbackLink }> {
    const r = await this.deps.store.cancel(apiId(id));
    if (!r.booking) throw new AppointmentError("SBA_UNKNOWN_BOOKING", `no booking ${id}`);
    if (!r.cancelled) return { booking: r.booking, cancelled: false, callback: await this.callbackOf(r.booking) };
    await this.unscheduleJobs(r.booking);
    const cbState = await this.deps.callbacks.cancel(appointmentCallbackId(r.booking));
    this.event(r.booking, "cancelled");
    this.log.info({ bookingId: r.booking.id, callback: cbState ?? "none" }, "appointment cancelled");
    return { booking: r.booking, cancelled: true, callback: cbState === undefined ? null : { id: appointmentCallbackId(r.booking), state: cbState } };
  }

  /** Moves a booking to another slot of its queue if that slot has room for its kind (no rebalancing). */
  async move(id: string, slotStart: number | string): Promise<{ ok: true; booking: BookingRecord; moved: boolean } | { ok: false; reason: Refusal }> {
    const r = await this.deps.store.move(apiId(id), toMs(slotStart));
    if (!r.ok) return r;
    if (r.moved) await this.moved(r.booking, r.booking.movedFrom ?? r.booking.slotStart, "admin");
    return r;
  }

  /** A booking now in another slot: its old jobs and call back go, new ones are scheduled; a rebalanced customer is told. */
  private async moved(b: BookingRecord, from: number, by: "admin" | "rebalance"): Promise<void> {
    const before = { ...b, slotStart: from, moves: b.moves - 1 };
    await this.unscheduleJobs(before);
    await this.deps.callbacks.cancel(appointmentCallbackId(before));
    await this.scheduleJobs(b);
    this.event(b, "moved", by);
    if (by === "rebalance") {
      await this.deps.jobs?.publish("appointment-moved", movedNotice(b, from, this.timeZone(b.queue), this.now())).catch((err: unknown) => this.log.error({ err, bookingId: b.id }, "the moved customer's notice was not queued"));
    }
    this.log.info({ bookingId: b.id, from, to: b.slotStart, by }, "appointment moved");
  }

  private async scheduleJobs(b: BookingRecord): Promise<void> {
    const cfg = this.deps.store.calendar(b.queue).config;
    await this.deps.schedule.schedule("call", jobData(b), b.slotStart - cfg.callAheadMinutes * MINUTE_MS);
    const remindAt = b.slotStart - cfg.reminderMinutes * MINUTE_MS;
    // booked inside the reminder's lead time: no reminder (the booking itself was the customer's notice)
    if (cfg.reminderMinutes > 0 && remindAt > this.now()) await this.deps.schedule.schedule("remind", jobData(b), remindAt);
  }

  private async unscheduleJobs(b: Pick<BookingRecord, "id" | "moves">): Promise<void> {
    await this.deps.schedule.unschedule("call", { bookingId: b.id, moves: b.moves });
    await this.deps.schedule.unschedule("remind", { bookingId: b.id, moves: b.moves });
  }

  private async callbackOf(b: BookingRecord): Promise<CallbackLink> {
    const id = appointmentCallbackId(b);
    const state = await this.deps.callbacks.state(id);
    return state === undefined ? null : { id, state };
  }

  /** A scheduled job came due: it runs only for the booking as it was scheduled (not cancelled or moved since). */
  async due(name: AppointmentJobName, data: AppointmentJobData): Promise<void> {
    const b = await this.deps.store.get(data.bookingId);
    if (!b || b.state !== "booked" || b.slotStart !== data.slotStart || b.moves !== data.moves) {
      this.log.info({ job: name, ...data, state: b?.state ?? "gone" }, "appointment job for a booking changed since: nothing to do");
      return;
    }
    const cfg = this.deps.store.calendar(b.queue).config;
    if (name === "remind") {
      await this.deps.jobs?.publish("appointment-reminder", reminderNotice(b, cfg.timeZone, cfg.reminderMinutes, this.now()));
      return;
    }
    const now = this.now();
    const cb = await this.deps.callbacks.create({
      id: appointmentCallbackId(b),
      queue: b.queue,
      number: b.phone,
      ...(b.name && { name: b.name }),
      ...(b.customerId && { customerId: b.customerId }),
      express: b.express,
      reason: appointmentReason(b, cfg.timeZone),
      // the allowance: ahead of every live caller who joins from then on, also when this job runs late
      joinedAt: b.slotStart - cfg.callAheadMinutes * MINUTE_MS,
      // the promise: dialled before the slot is over
      quotedMs: Math.max(0, b.slotEnd - now),
    });
    if (cb.created) this.event(b, "called", cb.id);
    this.log.info({ bookingId: b.id, callbackId: cb.id, created: cb.created }, "appointment's call back queued");
  }

  private event(b: BookingRecord, outcome: "booked" | "cancelled" | "moved" | "called", result?: string): void {
    void this.deps.events?.append({ type: "appointment", at: this.now(), bookingId: b.id, queue: b.queue, outcome, kind: b.express ? "express" : "standard", slotStart: b.slotStart, result });
  }
}

function apiId(id: string): string {
  if (!apiBookingIdSchema.safeParse(id).success) throw new AppointmentError("SBA_UNKNOWN_BOOKING", `no booking ${id}`);
  return id;
}
