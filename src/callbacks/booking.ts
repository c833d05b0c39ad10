import { z } from "zod";

/**
 * The booking rules, pure: which place a request takes in a slot, and how an express request on a full
 * slot is made room for. lua/lib.lua (decide) and lua/rebalance.lua apply the same rules inside Redis;
 * keep them in step (tests/callbacks/model-equivalence.test.ts holds the two against each other).
 *
 * A slot has `capacity` places, `held` of them for express customers. Before the slot's cut-off a
 * standard booking may use only the places neither held nor taken by express bookings; from the
 * cut-off on (the held places are released) any free place. An express booking may use any free place,
 * the held ones first.
 */

/** The place a booking took: a held express place, an ordinary one, or a held place released at the cut-off. */
export const placeSchema = z.enum(["held", "standard", "released"]);
export type Place = z.infer<typeof placeSchema>;

/** What one slot holds now. */
export const slotStateSchema = z.object({
  capacity: z.number().int().min(0),
  held: z.number().int().min(0),
  express: z.number().int().min(0),
  standard: z.number().int().min(0),
});
export type SlotState = z.infer<typeof slotStateSchema>;

export const bookingAskSchema = z.object({ express: z.boolean(), now: z.number() });
export type BookingAsk = z.infer<typeof bookingAskSchema>;

export const decisionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("take"), place: placeSchema }),
  /** Express on a full slot whose standard booking can be moved: see planRebalance. */
  z.object({ kind: z.literal("rebalance") }),
  z.object({ kind: z.literal("none"), reason: z.enum(["full", "started"]) }),
]);
export type Decision = z.infer<typeof decisionSchema>;

/** From the cut-off on, held places are open to everyone. */
export function isReleased(start: number, now: number, cutoffMs: number): boolean {
  return now >= start - cutoffMs;
}

/** Places a request of this kind could still take. */
export function roomFor(s: SlotState, express: boolean, released: boolean): number {
  const free = s.capacity - s.express - s.standard;
  if (express || released) return Math.max(0, free);
  return Math.max(0, s.capacity - s.standard - Math.max(s.express, s.held));
}

/** The place a request takes, or undefined when there is none for it (lua/lib.lua decide). */
export function placeFor(s: SlotState, express: boolean, released: boolean): Place | undefined {
  if (s.express + s.standard >= s.capacity) return undefined;
  if (express) return s.express < s.held ? "held" : "standard";
  if (s.standard + Math.max(s.express, s.held) < s.capacity) return "standard";
  return released ? "released" : undefined;
}

/**
 * Whether an express request on this full slot may move a standard booking out: only before the
 * cut-off (after it, express and standard callers are equal, and nobody is moved at short notice), and
 * only when moving one standard booking frees a place (capacity may have dropped below the bookings).
 */
export function mayRebalance(s: SlotState, released: boolean): boolean {
  return !released && s.standard > 0 && s.express + s.standard - 1 < s.capacity;
}

export function decideBooking(slot: SlotState & { start: number }, ask: BookingAsk, cutoffMs: number): Decision {
  if (ask.now >= slot.start) return { kind: "none", reason: "started" };
  const released = isReleased(slot.start, ask.now, cutoffMs);
  const place = placeFor(slot, ask.express, released);
  if (place) return { kind: "take", place };
  if (ask.express && mayRebalance(slot, released)) return { kind: "rebalance" };
  return { kind: "none", reason: "full" };
}

export const candidateSchema = slotStateSchema.extend({ start: z.number().int() });
export type Candidate = z.infer<typeof candidateSchema>;

export const rebalanceInputSchema = z.object({
  slot: candidateSchema,
  /** The slot's standard bookings in booking order, oldest first. Express bookings are never listed. */
  standardIds: z.array(z.string()),
  /** Slots the moved booking may go to, nearest first (rebalanceOrder), none past its cut-off. */
  candidates: z.array(candidateSchema),
});
export type RebalanceInput = z.infer<typeof rebalanceInputSchema>;

export const rebalancePlanSchema = z.object({ moveId: z.string(), from: z.number().int(), to: z.number().int() });
export type RebalancePlan = z.infer<typeof rebalancePlanSchema>;

/**
 * The move that makes room for an express booking: the slot's latest standard booking (those who booked
 * first keep their time) to the nearest candidate with standard room before its cut-off. One move frees
 * the one place needed. Undefined when no candidate has room.
 */
export function planRebalance(input: RebalanceInput): RebalancePlan | undefined {
  const moveId = input.standardIds.at(-1);
  if (moveId === undefined) return undefined;
  const target = input.candidates.find((c) => c.start !== input.slot.start && roomFor(c, false, false) > 0);
  return target && { moveId, from: input.slot.start, to: target.start };
}

/** At most this many slots are offered to a rebalance, nearest first (a 14-day horizon of 15-minute slots is 1,344). */
export const MAX_REBALANCE_CANDIDATES = 4_000;

/**
 * Where a moved booking may go, nearest first: slots with places whose cut-off is still ahead (so the
 * customer hears of the move at least the cut-off before the new time). Of two slots as near, the later:
 * a customer is more easily reached later than agreed than earlier.
 */
export function rebalanceOrder<T extends { start: number; capacity: number }>(slots: readonly T[], from: number, now: number, cutoffMs: number): T[] {
  return slots
    .filter((s) => s.start !== from && s.capacity > 0 && !isReleased(s.start, now, cutoffMs))
    .sort((a, b) => Math.abs(a.start - from) - Math.abs(b.start - from) || b.start - a.start)
    .slice(0, MAX_REBALANCE_CANDIDATES);
}
