/**
 * Sizing arrivals from the agents (Erlang): offered load = rate reaching agents x mean handle time,
 * occupancy = load / agents; a scenario gives a rate or an occupancy, never both.
 */
import { describe, expect, it } from "vitest";
import { arrivalRate, loadOf, meanOf, parseScenario, phoneLoads, planArrivals, sizeArrivals, withRate } from "../../src/sim/scenario/index.js";

const agents = [
  { endpoint: "PJSIP/1", talkSeconds: 80, wrapUpSeconds: 10 },
  { endpoint: "PJSIP/2", talkSeconds: 100, wrapUpSeconds: 10 },
];

const scenario = (arrivals: string) => `seed: 1
duration: 600
arrivals: ${arrivals}
callers:
  mix:
    - { profile: a, weight: 1, numbers: ["5551001"], did: "800" }
agents:
  - { endpoint: PJSIP/1001, talkTime: { exponential: 60 } }
  - { endpoint: PJSIP/1002, talkTime: { uniform: [40, 80] } }
  - { endpoint: PJSIP/1003, registered: false, talkTime: 500 }
`;

describe("sizing arrivals", () => {
  it("means of the duration distributions", () => {
    expect([meanOf(5), meanOf({ fixed: 4 }), meanOf({ uniform: [10, 30] }), meanOf({ exponential: 75 }), meanOf({ normal: { mean: 80, sd: 25 } })]).toEqual([5, 4, 20, 75, 80]);
  });

  it("sizes the rate for an occupancy, and works the occupancy out of a rate", () => {
    const s = sizeArrivals(0.85, 0.85, agents);
    expect(s.handleSeconds).toBe(100);
    // 0.85 x 2 agents = 1.7 erlangs = 1.7 / 100 s per second = 1.02 calls/min reaching them, 1.2 placed
    expect(s.erlangs).toBeCloseTo(1.7, 10);
    expect(s.agentRatePerMinute).toBeCloseTo(1.02, 10);
    expect(s.ratePerMinute).toBeCloseTo(1.2, 10);
    expect(s.occupancy).toBeCloseTo(0.85, 10);
    expect(loadOf(1.2, 0.85, agents).occupancy).toBeCloseTo(0.85, 10);
    expect(loadOf(2.4, 1, agents).occupancy).toBeCloseTo(2, 10);
    expect(() => sizeArrivals(0.85, 1, [])).toThrow(/no agents/);
  });

  it("a scenario gives a rate or an occupancy; alone, the simulator sizes for its registered phones", () => {
    expect(arrivalRate(parseScenario(scenario("{ rate: 3 }")))).toBe(3);
    const sized = parseScenario(scenario("{ occupancy: 0.5 }"));
    expect(sized.arrivals).toEqual({ occupancy: 0.5, reach: 1 });
    expect(phoneLoads(sized).map((p) => [p.endpoint, p.talkSeconds])).toEqual([["PJSIP/1001", 60], ["PJSIP/1002", 60]]);
    // 0.5 x 2 phones = 1 erlang over 60 s = 1 call a minute
    expect(arrivalRate(sized)).toBeCloseTo(1, 10);
    expect(arrivalRate(withRate(sized, 7))).toBe(7);
    expect(planArrivals(sized).length).toBeGreaterThan(0);
    for (const bad of ["{ rate: 3, occupancy: 0.5 }", "{ reach: 0.5 }", "{ occupancy: 1.5 }"]) expect(() => parseScenario(scenario(bad))).toThrow(/arrivals/);
  });
});
