import { randomUUID } from "node:crypto";
import type { Booked } from "../callbacks/appointments.js";
import { spokenSlot } from "../callbacks/slot-speech.js";
import type { SlotAvailability } from "../callbacks/types.js";
import type { CallState, EngineAction, EngineEvent } from "../ivr/engine/index.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { CallSession } from "./session-store.js";

/** The calendars as an appointment node uses them (callbacks/appointments.ts). */
export interface VoiceCalendar {
  readonly queues: string[];
  timeZone(queue: string): string;
  nextFree(queue: string, who: { phone: string; customerId?: string | undefined }, count: number): Promise<{ express: boolean; slots: SlotAvailability[] }>;
  book(input: { id: string; queue: string; slotStart: number; number: string; name?: string; customerId?: string; reason?: string }): Promise<Booked>;
}

type Call = { session: CallSession; state: CallState; callerName?: string };

/** Booking ids the calendar takes; a call id that does not fit gets a random one. */
const BOOKING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The appointment node's answers: the next free slots, said in the calendar's zone, and the booking of
 * the one the caller picked. The calendars start after the calls (they queue call backs), so they are
 * attached with `use`; until then, or for a queue with no calendar, nothing is offered. Never throws:
 * a failure is an answer the node takes to `onError`.
 */
export class VoiceAppointments {
  private calendar: VoiceCalendar | undefined;
  private readonly log: Logger;

  constructor(
    logger: Logger,
    /** A caller who books while queued leaves the queue with the appointment (counted scheduled, not abandoned). */
    private readonly queue?: Pick<CallerQueue, "scheduled">,
    private readonly now: () => number = Date.now,
  ) {
    this.log = logger.child({ component: "appointments" });
  }

  use(calendar: VoiceCalendar): void {
    this.calendar = calendar;
  }

  async slots(call: Call, a: Extract<EngineAction, { type: "appointmentSlots" }>): Promise<EngineEvent> {
    const none = (reason: string): EngineEvent => ({ type: "appointmentSlots", id: a.id, slots: [], reason });
    const cal = this.calendar;
    if (!cal?.queues.includes(a.queue)) return none(`no appointment calendar for queue "${a.queue}"`);
    try {
      const free = await cal.nextFree(a.queue, { phone: a.number, customerId: customerIdOf(call.state) }, a.count);
      if (free.slots.length === 0) return none("no free slot within the booking horizon");
      const now = this.now();
      const tz = cal.timeZone(a.queue);
      return { type: "appointmentSlots", id: a.id, slots: free.slots.map((s) => ({ start: s.start, ...spokenSlot(s.start, now, tz) })), reason: free.express ? "express places included" : "standard places" };
    } catch (err) {
      this.log.error({ err, callId: call.session.callId, queue: a.queue }, "free slots not read");
      return none(`the calendar failed: ${(err as Error).message}`);
    }
  }

  async book(call: Call, a: Extract<EngineAction, { type: "appointmentBook" }>): Promise<EngineEvent> {
    const answer = (ok: boolean, reason: string): EngineEvent => ({ type: "appointmentResult", id: a.id, ok, reason });
    const cal = this.calendar;
    if (!cal) return answer(false, "no appointment calendars on this daemon");
    const { callId } = call.session;
    // one id per call and slot: the same pick sent again (a resumed call) books once
    const id = `ivr-${callId}-${a.slotStart}`;
    const customerId = customerIdOf(call.state);
    try {
      const r = await cal.book({
        id: BOOKING_ID.test(id) ? id : `ivr-${randomUUID()}`,
        queue: a.queue,
        slotStart: a.slotStart,
        number: a.number,
        ...(call.callerName ? { name: call.callerName.slice(0, 100) } : {}),
        ...(customerId ? { customerId } : {}),
        reason: "booked by phone",
      });
      if (!r.ok) return answer(false, `the slot is ${r.reason}`);
      // null: the caller was not queued (an appointment offered before the queue)
      await this.queue?.scheduled(callId).catch((err: unknown) => this.log.warn({ err, callId }, "the caller's place not closed after the booking; a hang-up counts as abandoned"));
      this.log.info({ callId, bookingId: r.booking.id, queue: a.queue, slotStart: r.booking.slotStart, express: r.booking.express }, "appointment booked by phone");
      return answer(true, `booking ${r.booking.id}${r.booking.express ? " (express)" : ""}`);
    } catch (err) {
      this.log.error({ err, callId, queue: a.queue }, "appointment not booked");
      return answer(false, `not booked: ${(err as Error).message}`);
    }
  }
}

function customerIdOf(state: CallState): string | undefined {
  const id = state.customer?.id;
  return typeof id === "string" && id.length <= 100 ? id : undefined;
}
