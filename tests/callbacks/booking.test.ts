import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideBooking,
  isReleased,
  mayRebalance,
  placeFor,
  planRebalance,
  rebalanceOrder,
  roomFor,
  type Candidate,
  type SlotState,
} from "../../src/callbacks/booking.js";
import { HOUR, MIN } from "./helpers.js";

const state = (capacity: number, held: number, express: number, standard: number): SlotState => ({ capacity, held, express, standard });
const CUTOFF = 60 * MIN;
const START = 1_800_000_000_000;

describe("which place a booking takes", () => {
  it("keeps held places for express customers until the cut-off", () => {
    // 10 places, 1 held: 9 standard bookings fill the standard places
    expect(placeFor(state(10, 1, 0, 8), false, false)).toBe("standard");
    expect(placeFor(state(10, 1, 0, 9), false, false)).toBeUndefined();
    expect(placeFor(state(10, 1, 0, 9), true, false)).toBe("held");
    expect(placeFor(state(10, 1, 0, 9), false, true)).toBe("released");
  });

  it("gives express customers the held places first, then any free place", () => {
    expect(placeFor(state(10, 2, 0, 0), true, false)).toBe("held");
    expect(placeFor(state(10, 2, 1, 0), true, false)).toBe("held");
    expect(placeFor(state(10, 2, 2, 0), true, false)).toBe("standard");
    // express beyond the hold uses standard places, which standard customers then lack
    expect(roomFor(state(10, 2, 4, 0), false, false)).toBe(6);
    expect(placeFor(state(10, 2, 4, 6), true, false)).toBeUndefined();
  });

  it("releases the held places exactly at the cut-off", () => {
    const slot = { start: START, ...state(2, 1, 0, 1) };
    expect(decideBooking(slot, { express: false, now: START - CUTOFF - 1 }, CUTOFF)).toEqual({ kind: "none", reason: "full" });
    expect(decideBooking(slot, { express: false, now: START - CUTOFF }, CUTOFF)).toEqual({ kind: "take", place: "released" });
    expect(decideBooking(slot, { express: false, now: START - 1 }, CUTOFF)).toEqual({ kind: "take", place: "released" });
    expect(decideBooking(slot, { express: false, now: START }, CUTOFF)).toEqual({ kind: "none", reason: "started" });
    expect(isReleased(START, START - CUTOFF, CUTOFF)).toBe(true);
  });

  it("rebalances only for express, only before the cut-off, and only when a move frees a place", () => {
    const full = { start: START, ...state(2, 1, 1, 1) };
    const early = START - 2 * HOUR;
    expect(decideBooking(full, { express: true, now: early }, CUTOFF)).toEqual({ kind: "rebalance" });
    expect(decideBooking(full, { express: false, now: early }, CUTOFF)).toEqual({ kind: "none", reason: "full" });
    expect(decideBooking(full, { express: true, now: START - CUTOFF }, CUTOFF)).toEqual({ kind: "none", reason: "full" });
    expect(mayRebalance(state(2, 1, 2, 0), false)).toBe(false); // all express: nothing may move
    expect(mayRebalance(state(1, 0, 1, 1), false)).toBe(false); // over capacity: one move is not enough
  });

  it("never lets a slot hold more bookings than places", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.nat(), fc.nat(), fc.nat(), fc.boolean(), fc.boolean(), (cap, h, e, s, express, released) => {
        const st = state(cap, h % (cap + 1), e % (cap + 1), s % (cap + 1));
        const place = placeFor(st, express, released);
        if (place) expect(st.express + st.standard + 1).toBeLessThanOrEqual(cap);
        expect(roomFor(st, express, released) > 0).toBe(place !== undefined);
      }),
    );
  });
});

const candidate = (start: number, capacity: number, held: number, express: number, standard: number): Candidate => ({ start, capacity, held, express, standard });

describe("the rebalance plan", () => {
  it("moves the slot's latest standard booking to the nearest slot with standard room", () => {
    const plan = planRebalance({
      slot: candidate(START, 2, 1, 1, 1),
      standardIds: ["s-old", "s-new"],
      candidates: [candidate(START + 15 * MIN, 2, 1, 0, 1), candidate(START - 15 * MIN, 2, 1, 0, 0), candidate(START + 30 * MIN, 2, 0, 0, 0)],
    });
    expect(plan).toEqual({ moveId: "s-new", from: START, to: START - 15 * MIN });
  });

  it("orders candidates nearest first, the later of two as near, leaving out released and empty slots", () => {
    const now = START - 3 * HOUR;
    const slots = [-2, -1, 1, 2, 3].map((k) => ({ start: START + k * HOUR, capacity: 1 })).concat({ start: START + 4 * HOUR, capacity: 0 });
    expect(rebalanceOrder(slots, START, now, CUTOFF).map((s) => (s.start - START) / HOUR)).toEqual([1, -1, 2, 3]);
  });

  it("never moves an express booking, never picks a target without room, and picks the nearest that has it", () => {
    const cand = fc.record({ capacity: fc.integer({ min: 0, max: 5 }), held: fc.nat(5), express: fc.nat(5), standard: fc.nat(5) });
    fc.assert(
      fc.property(
        fc.array(fc.uuid(), { maxLength: 5 }),
        fc.array(fc.uuid(), { maxLength: 5 }),
        fc.array(cand, { maxLength: 12 }),
        (expressIds, standardIds, cands) => {
          const candidates = cands.map((c, i) => candidate(START + (i + 1) * 15 * MIN, c.capacity, Math.min(c.held, c.capacity), c.express, c.standard));
          const slot = candidate(START, expressIds.length + standardIds.length, 0, expressIds.length, standardIds.length);
          const plan = planRebalance({ slot, standardIds, candidates });
          const firstWithRoom = candidates.find((c) => roomFor(c, false, false) > 0);
          if (!plan) {
            expect(standardIds.length === 0 || firstWithRoom === undefined).toBe(true);
            return;
          }
          expect(standardIds).toContain(plan.moveId);
          expect(expressIds).not.toContain(plan.moveId);
          expect(plan.to).toBe(firstWithRoom!.start);
          expect(plan.to).not.toBe(START);
        },
      ),
    );
  });
});
