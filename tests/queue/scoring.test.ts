import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callerScore, compareRanked, effectiveHeadStartMs, mayOvertake, overtakeWindowMs, type Lane } from "../../src/queue/scoring.js";

const lane = (name: string, headStartMs: number, priorityBoostMs = 0): Lane => ({
  name,
  displayName: name,
  headStartMs,
  priorityBoostMs,
  sla: { ms: 20_000, percent: 80 },
});

const lanesArb = fc
  .array(fc.record({ head: fc.integer({ min: 0, max: 600_000 }), boost: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 120_000 })) }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((ls) => ls.map((l, i) => lane(`l${i}`, l.head, l.boost)));

/** Callers arriving in order (non-decreasing times), each with a lane and a priority. */
const scenarioArb = lanesArb.chain((lanes) =>
  fc.record({
    lanes: fc.constant(lanes),
    callers: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 900_000 })),
        lane: fc.integer({ min: 0, max: lanes.length - 1 }),
        priority: fc.integer({ min: 0, max: 100 }),
      }),
      { minLength: 2, maxLength: 60 },
    ),
  }),
);

function rank(lanes: Lane[], callers: { gap: number; lane: number; priority: number }[]) {
  let at = 1_700_000_000_000;
  const ranked = callers.map((c, seq) => {
    at += c.gap;
    const l = lanes[c.lane]!;
    return { seq, at, lane: l, priority: c.priority, score: callerScore(at, l, c.priority) };
  });
  return { arrival: ranked, order: [...ranked].sort(compareRanked) };
}

describe("caller scoring", () => {
  it("places an express caller as if it had arrived headStart earlier", () => {
    const express = lane("express", 120_000);
    const standard = lane("standard", 0);
    expect(callerScore(1_000_000, express)).toBe(880_000);
    expect(callerScore(1_000_000, standard)).toBe(1_000_000);
    // an express caller arriving 119 s after a standard caller goes first; at 120 s it does not
    expect(mayOvertake({ at: 0, lane: standard }, { at: 119_999, lane: express })).toBe(true);
    expect(mayOvertake({ at: 0, lane: standard }, { at: 120_000, lane: express })).toBe(false);
  });

  it("scales the priority boost linearly and rejects priorities outside 0..100", () => {
    const l = lane("x", 10_000, 60_000);
    expect(effectiveHeadStartMs(l, 0)).toBe(10_000);
    expect(effectiveHeadStartMs(l, 50)).toBe(40_000);
    expect(effectiveHeadStartMs(l, 100)).toBe(70_000);
    expect(() => callerScore(0, l, 101)).toThrow(/priority/);
    expect(() => callerScore(0, l, 1.5)).toThrow(/integer/);
  });

  it("orders equal scores first come, first served", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 50 }), (n) => {
        const l = lane("standard", 0);
        const { order } = rank([l], Array.from({ length: n }, () => ({ gap: 0, lane: 0, priority: 0 })));
        expect(order.map((c) => c.seq)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it("never lets a caller be overtaken by anyone arriving at or beyond its lane's window", () => {
    fc.assert(
      fc.property(scenarioArb, ({ lanes, callers }) => {
        const { order } = rank(lanes, callers);
        order.forEach((ahead, i) => {
          for (const behind of order.slice(i + 1)) {
            // `ahead` is served first; if it arrived later, it did so within `behind`'s window
            if (ahead.seq > behind.seq) {
              expect(ahead.at - behind.at).toBeLessThan(overtakeWindowMs(behind.lane, lanes));
              expect(mayOvertake(behind, ahead)).toBe(true);
            }
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it("keeps arrival order within a lane at equal priority", () => {
    fc.assert(
      fc.property(scenarioArb, ({ lanes, callers }) => {
        const flat = callers.map((c) => ({ ...c, priority: 0 }));
        const { order } = rank(lanes, flat);
        for (const l of lanes) {
          const seqs = order.filter((c) => c.lane === l).map((c) => c.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
      }),
    );
  });

  it("gives the lane with the largest head start a zero window", () => {
    const lanes = [lane("a", 300_000), lane("b", 60_000), lane("c", 0)];
    expect(lanes.map((l) => overtakeWindowMs(l, lanes))).toEqual([0, 240_000, 300_000]);
  });
});
