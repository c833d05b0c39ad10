import { z } from "zod";
import { placeSchema } from "./booking.js";

/** Booking ids are the caller's, so a retried book() finds its first attempt; no "|" or spaces. */
export const bookingIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "1-100 letters, digits, . _ : -");

/** What a customer books with. */
export const bookingRequestSchema = z
  .object({
    id: bookingIdSchema,
    /** The number the agent calls back (E.164 digits, a leading + allowed). */
    phone: z.string().regex(/^\+?[0-9]{3,20}$/, "3-20 digits, a leading + allowed"),
    name: z.string().min(1).max(100).optional(),
    customerId: z.string().min(1).max(100).optional(),
    /** Express customers (paying, or by tier: crm's express rule) get the held places. */
    express: z.boolean().default(false),
    reason: z.string().min(1).max(200).optional(),
  })
  .strict();
export type BookingRequest = z.input<typeof bookingRequestSchema>;
export type ParsedBookingRequest = z.infer<typeof bookingRequestSchema>;

/** A booking as the store keeps it. */
export const bookingRecordSchema = z.object({
  id: bookingIdSchema,
  queue: z.string(),
  slotStart: z.number().int(),
  slotEnd: z.number().int(),
  express: z.boolean(),
  phone: z.string(),
  name: z.string().optional(),
  customerId: z.string().optional(),
  reason: z.string().optional(),
  place: placeSchema,
  state: z.enum(["booked", "cancelled"]),
  bookedAt: z.number().int(),
  /** Booking order within the site: the latest standard booking of a slot is the one a rebalance moves. */
  seq: z.number().int(),
  /** Times it was moved (by move() or a rebalance), and the slot it was in before the last move. */
  moves: z.number().int().min(0),
  movedFrom: z.number().int().optional(),
  cancelledAt: z.number().int().optional(),
});
export type BookingRecord = z.infer<typeof bookingRecordSchema>;

/** A standard booking a rebalance moved: tell the customer (an event and a job, by the caller). */
export const movedBookingSchema = z.object({ from: z.number().int(), to: z.number().int(), booking: bookingRecordSchema });
export type MovedBooking = z.infer<typeof movedBookingSchema>;

/** full: no place for this kind of booking; started: the slot has begun; beyond-horizon: too far ahead. */
export const refusalSchema = z.enum(["full", "started", "beyond-horizon"]);
export type Refusal = z.infer<typeof refusalSchema>;

export const bookResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    booking: bookingRecordSchema,
    /** Standard bookings moved to make room (an express booking on a full slot): empty or one. */
    moves: z.array(movedBookingSchema),
    /** The id was booked before: this is that booking (wherever it is now), nothing was written. */
    replayed: z.boolean(),
  }),
  z.object({ ok: z.literal(false), reason: refusalSchema }),
]);
export type BookResult = z.infer<typeof bookResultSchema>;

export const moveResultSchema = z.discriminatedUnion("ok", [
  /** moved false: it already was in that slot. */
  z.object({ ok: z.literal(true), booking: bookingRecordSchema, moved: z.boolean() }),
  z.object({ ok: z.literal(false), reason: refusalSchema }),
]);
export type MoveResult = z.infer<typeof moveResultSchema>;

export const cancelResultSchema = z.object({
  /** false: unknown id, or cancelled before (then `booking` is that cancelled booking). */
  cancelled: z.boolean(),
  booking: bookingRecordSchema.optional(),
});
export type CancelResult = z.infer<typeof cancelResultSchema>;

/** A slot with what is booked in it and the places still open to each kind of customer at `now`. */
export const slotAvailabilitySchema = z.object({
  start: z.number().int(),
  end: z.number().int(),
  day: z.string(),
  time: z.string(),
  capacity: z.number().int(),
  expressHeld: z.number().int(),
  booked: z.object({ express: z.number().int(), standard: z.number().int() }),
  /** True from the cut-off on: held places are open to everyone. */
  released: z.boolean(),
  room: z.object({ express: z.number().int(), standard: z.number().int() }),
});
export type SlotAvailability = z.infer<typeof slotAvailabilitySchema>;
