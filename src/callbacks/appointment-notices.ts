import type { AppointmentMovedPayload, AppointmentReminderPayload } from "../jobs/payloads.js";
import type { BookingRecord } from "./types.js";
import { isoDay, isoTime, wallOf } from "./wall-time.js";

/**
 * What an appointment tells others, pure: the slot on the calendar's local clock, the call back's id and
 * reason, and the customer's notices (jobs/payloads.ts). The ids and keys are derived from the booking,
 * so a job run twice tells the customer once.
 */

export interface SlotTime {
  start: string;
  day: string;
  time: string;
  timeZone: string;
}

/** A slot start as the customer reads it: "2026-12-08", "15:30" in the calendar's zone. */
export function slotTime(start: number, timeZone: string): SlotTime {
  const wall = wallOf(start, timeZone);
  return { start: new Date(start).toISOString(), day: isoDay(wall), time: isoTime(wall), timeZone };
}

/** The call back of a booking as it is now (its moves counted): a moved booking's call is a new one. */
export function appointmentCallbackId(b: Pick<BookingRecord, "id" | "moves">): string {
  return `${b.id}-${b.moves}`;
}

/** The call back's reason, the pop's first line: "appointment 15:30", with the booking's own reason after it. */
export function appointmentReason(b: Pick<BookingRecord, "slotStart" | "reason">, timeZone: string): string {
  const label = `appointment ${slotTime(b.slotStart, timeZone).time}`;
  return b.reason ? `${label}: ${b.reason}` : label;
}

const customerOf = (b: BookingRecord) => ({ ...(b.customerId && { id: b.customerId }), ...(b.name && { name: b.name }), phone: b.phone });

export function movedNotice(b: BookingRecord, from: number, timeZone: string, now: number): AppointmentMovedPayload {
  return {
    idempotencyKey: `${b.id}:moved:${b.moves}`,
    occurredAt: new Date(now).toISOString(),
    bookingId: b.id,
    queue: b.queue,
    customer: customerOf(b),
    from: slotTime(from, timeZone),
    to: slotTime(b.slotStart, timeZone),
    reason: "rebalanced",
  };
}

export function reminderNotice(b: BookingRecord, timeZone: string, minutesBefore: number, now: number): AppointmentReminderPayload {
  return {
    idempotencyKey: `${b.id}:reminder:${b.slotStart}`,
    occurredAt: new Date(now).toISOString(),
    bookingId: b.id,
    queue: b.queue,
    customer: customerOf(b),
    slot: slotTime(b.slotStart, timeZone),
    minutesBefore,
  };
}
