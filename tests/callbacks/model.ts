import { decideBooking, isReleased, placeFor, planRebalance, rebalanceOrder, type Place, type SlotState } from "../../src/callbacks/booking.js";
import {
  AppointmentCalendar,
  AppointmentError,
  bookingRequestSchema,
  type AppointmentQueueInput,
  type BookingRecord,
  type BookingRequest,
  type BookResult,
  type CancelResult,
  type MoveResult,
  type Slot,
} from "../../src/callbacks/index.js";

/**
 * The appointment store in memory, made only of the pure rules (booking.ts) and the calendar: what the
 * Lua scripts must do, step for step. Same operations, same results, same errors.
 */
export class AppointmentModel {
  readonly bookings = new Map<string, BookingRecord>();
  private seq = 0;
  private readonly calendars: Map<string, AppointmentCalendar>;

  constructor(queues: Record<string, AppointmentQueueInput>, private readonly clock: { now(): number }) {
    this.calendars = new Map(Object.entries(queues).map(([q, c]) => [q, new AppointmentCalendar(c)]));
  }

  private slotOf(queue: string, start: number): { cal: AppointmentCalendar; slot: Slot } {
    const cal = this.calendars.get(queue);
    if (!cal) throw new AppointmentError("SBA_UNKNOWN_QUEUE", queue);
    const slot = cal.slotAt(start);
    if (!slot) throw new AppointmentError("SBA_NO_SLOT", String(start));
    return { cal, slot };
  }

  /** Live bookings of a slot, in booking order. */
  private inSlot(queue: string, start: number): BookingRecord[] {
    return [...this.bookings.values()].filter((b) => b.state === "booked" && b.queue === queue && b.slotStart === start).sort((a, b) => a.seq - b.seq);
  }

  private state(queue: string, slot: Slot): SlotState {
    const live = this.inSlot(queue, slot.start);
    const express = live.filter((b) => b.express).length;
    return { capacity: slot.capacity, held: slot.expressHeld, express, standard: live.length - express };
  }

  private relocate(b: BookingRecord, to: Slot, place: Place): void {
    Object.assign(b, { movedFrom: b.slotStart, slotStart: to.start, slotEnd: to.end, place, moves: b.moves + 1 });
  }

  book(queue: string, start: number, request: BookingRequest): BookResult {
    const { cal, slot } = this.slotOf(queue, start);
    const req = bookingRequestSchema.parse(request);
    const now = this.clock.now();
    const existing = this.bookings.get(req.id);
    if (existing) return { ok: true, booking: structuredClone(existing), moves: [], replayed: true };
    const closed = cal.closedReason(slot, now);
    if (closed) return { ok: false, reason: closed };
    const released = isReleased(slot.start, now, cal.cutoffMs);
    const decision = decideBooking({ start: slot.start, ...this.state(queue, slot) }, { express: req.express, now }, cal.cutoffMs);
    if (decision.kind === "none") return { ok: false, reason: "full" };
    const moves: Extract<BookResult, { ok: true }>["moves"] = [];
    if (decision.kind === "rebalance") {
      const targets = rebalanceOrder(cal.bookable(now), slot.start, now, cal.cutoffMs);
      const plan = planRebalance({
        slot: { start: slot.start, ...this.state(queue, slot) },
        standardIds: this.inSlot(queue, slot.start).filter((b) => !b.express).map((b) => b.id),
        candidates: targets.map((t) => ({ start: t.start, ...this.state(queue, t) })),
      });
      if (!plan) return { ok: false, reason: "full" };
      const moved = this.bookings.get(plan.moveId)!;
      this.relocate(moved, cal.slotAt(plan.to)!, "standard");
      moves.push({ from: plan.from, to: plan.to, booking: structuredClone(moved) });
    }
    const place = placeFor(this.state(queue, slot), req.express, released)!;
    const booking: BookingRecord = {
      id: req.id, queue, slotStart: slot.start, slotEnd: slot.end, express: req.express, phone: req.phone,
      ...(req.name !== undefined && { name: req.name }),
      ...(req.customerId !== undefined && { customerId: req.customerId }),
      ...(req.reason !== undefined && { reason: req.reason }),
      place, state: "booked", bookedAt: now, seq: ++this.seq, moves: 0,
    };
    this.bookings.set(req.id, booking);
    return { ok: true, booking: structuredClone(booking), moves, replayed: false };
  }

  move(id: string, start: number): MoveResult {
    const b = this.bookings.get(id);
    if (!b) throw new AppointmentError("SBA_UNKNOWN_BOOKING", id);
    const { cal, slot } = this.slotOf(b.queue, start);
    if (b.state === "cancelled") throw new AppointmentError("SBA_CANCELLED", id);
    if (b.slotStart === start) return { ok: true, booking: structuredClone(b), moved: false };
    const now = this.clock.now();
    const closed = cal.closedReason(slot, now);
    if (closed) return { ok: false, reason: closed };
    const place = placeFor(this.state(b.queue, slot), b.express, isReleased(slot.start, now, cal.cutoffMs));
    if (!place) return { ok: false, reason: "full" };
    this.relocate(b, slot, place);
    return { ok: true, booking: structuredClone(b), moved: true };
  }

  cancel(id: string): CancelResult {
    const b = this.bookings.get(id);
    if (!b) return { cancelled: false };
    if (b.state === "cancelled") return { cancelled: false, booking: structuredClone(b) };
    Object.assign(b, { state: "cancelled", cancelledAt: this.clock.now() });
    return { cancelled: true, booking: structuredClone(b) };
  }

  /** What store.list(queue, -inf, +inf) answers. */
  list(queue: string): BookingRecord[] {
    return [...this.bookings.values()].filter((b) => b.queue === queue && b.state === "booked").sort((a, b) => a.slotStart - b.slotStart || a.seq - b.seq);
  }

  calendar(queue: string): AppointmentCalendar {
    return this.calendars.get(queue)!;
  }
}
