import type { Slot } from "./slots.js";
import { bookingRecordSchema, type BookingRecord, type BookResult, type MovedBooking, type ParsedBookingRequest, type Refusal } from "./types.js";

/**
 * Between the store's TypeScript and its Lua: the booking hash (flat HGETALL list) as a record, and the
 * scripts' replies as results. The hash's fields are bookingRecordSchema's names.
 */

const NUMBERS = new Set(["slotStart", "slotEnd", "bookedAt", "seq", "moves", "movedFrom", "cancelledAt"]);

/** A booking hash as HGETALL returns it (flat, or as an object) -> the record. */
export function recordFromHash(hash: unknown): BookingRecord {
  const flat = Array.isArray(hash) ? (hash as string[]) : Object.entries(hash as Record<string, string>).flat();
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const [field, value] = [String(flat[i]), String(flat[i + 1])];
    out[field] = NUMBERS.has(field) ? Number(value) : field === "express" ? value === "1" : value;
  }
  return bookingRecordSchema.parse(out);
}

export interface BookContext {
  queue: string;
  slot: Slot;
  request: ParsedBookingRequest;
  now: number;
  closed: Exclude<Refusal, "full"> | undefined;
}

/** The record book.lua / rebalance.lua wrote, built from what was sent rather than read back. */
function written(ctx: BookContext, place: string, seq: number): BookingRecord {
  const r = ctx.request;
  return {
    id: r.id,
    queue: ctx.queue,
    slotStart: ctx.slot.start,
    slotEnd: ctx.slot.end,
    express: r.express,
    phone: r.phone,
    ...(r.name !== undefined && { name: r.name }),
    ...(r.customerId !== undefined && { customerId: r.customerId }),
    ...(r.reason !== undefined && { reason: r.reason }),
    place: place as BookingRecord["place"],
    state: "booked",
    bookedAt: Math.round(ctx.now),
    seq,
    moves: 0,
  };
}

/** book.lua's and rebalance.lua's reply -> the result. */
export function bookResult(reply: unknown[], ctx: BookContext): BookResult {
  switch (reply[0]) {
    case "replay":
      return { ok: true, booking: recordFromHash(reply[1]), moves: [], replayed: true };
    case "closed":
      return { ok: false, reason: ctx.closed ?? "started" };
    case "full":
      return { ok: false, reason: "full" };
    case "booked": {
      const moves: MovedBooking[] = [];
      if (reply[3] !== undefined) {
        const booking = recordFromHash(reply[5]);
        moves.push({ from: Number(reply[4]), to: booking.slotStart, booking });
      }
      return { ok: true, booking: written(ctx, String(reply[1]), Number(reply[2])), moves, replayed: false };
    }
    default:
      throw new Error(`unexpected reply from the appointment store: ${JSON.stringify(reply)}`);
  }
}
