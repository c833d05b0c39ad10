import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppointmentCalendar } from "../../src/callbacks/index.js";
import { cumulativeFloorHolds, floorPpm, toPpm } from "../../src/callbacks/hold.js";
import { DAY, everyDay } from "./helpers.js";

/** floor and ceil of ppm x n / 10^6 in BigInt: the reference the hold is held against. */
const exactFloor = (ppm: number, n: number) => Number((BigInt(ppm) * BigInt(n)) / 1_000_000n);
const exactCeil = (ppm: number, n: number) => Number((BigInt(ppm) * BigInt(n) + 999_999n) / 1_000_000n);

describe("the express hold (cumulative floor)", () => {
  it("holds exactly floor(share x capacity) over a day, and floor..ceil of each slot's own share", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 0, max: 1_000_000 }), (caps, ppm) => {
        const held = cumulativeFloorHolds(caps, ppm);
        const total = caps.reduce((a, b) => a + b, 0);
        expect(held.reduce((a, b) => a + b, 0)).toBe(exactFloor(ppm, total));
        held.forEach((h, i) => {
          expect(h).toBeGreaterThanOrEqual(exactFloor(ppm, caps[i]!));
          expect(h).toBeLessThanOrEqual(exactCeil(ppm, caps[i]!));
          expect(h).toBeLessThanOrEqual(caps[i]!);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("holds 10% exactly at every capacity from 0 to 1,000 places a day", () => {
    for (let total = 0; total <= 1_000; total++) {
      // the day's places spread over 40 slots as unevenly as integer division makes them
      const caps = Array.from({ length: 40 }, (_, i) => Math.floor((total * (i + 1)) / 40) - Math.floor((total * i) / 40));
      expect(cumulativeFloorHolds(caps, toPpm(0.1)).reduce((a, b) => a + b, 0)).toBe(Math.floor(total / 10));
    }
  });

  it("is exact where floating point is not (0.29 x 100 is 29, not 28.999999999999996)", () => {
    expect(Math.floor(0.29 * 100)).toBe(28);
    expect(floorPpm(toPpm(0.29), 100)).toBe(29);
    expect(cumulativeFloorHolds([100], toPpm(0.29))).toEqual([29]);
  });

  it("spreads the held places evenly through the day", () => {
    expect(cumulativeFloorHolds([5, 5, 5, 5, 5, 5], toPpm(0.1))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(cumulativeFloorHolds([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], toPpm(0.1))).toEqual([0, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
    expect(cumulativeFloorHolds([10, 10, 10], toPpm(0.1))).toEqual([1, 1, 1]);
  });

  it("holds floor(share x the day's capacity) on every day of a calendar, DST days included", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(0.1, 0.15, 0.25, 0.333333, 0.05, 1, 0),
        fc.constantFrom(0.5, 1, 1.5, 2),
        (agents, lunchAgents, share, calls) => {
          const cal = new AppointmentCalendar({
            timeZone: "Europe/Berlin",
            hours: everyDay("00:00-24:00"),
            plannedAgents: agents,
            agentPlan: [{ days: ["mon", "tue", "wed", "thu", "fri", "sun"], from: "12:00", to: "14:00", agents: lunchAgents }],
            callsPerAgentPerSlot: calls,
            expressShare: share,
          });
          // the week around the October change: 2026-10-25 has 25 hours
          for (let d = Date.UTC(2026, 9, 22); d < Date.UTC(2026, 9, 29); d += DAY) {
            const slots = cal.daySlots(d);
            const total = slots.reduce((a, s) => a + s.capacity, 0);
            expect(slots.reduce((a, s) => a + s.expressHeld, 0)).toBe(exactFloor(toPpm(share), total));
            for (const s of slots) expect(s.expressHeld).toBeLessThanOrEqual(exactCeil(toPpm(share), s.capacity));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
