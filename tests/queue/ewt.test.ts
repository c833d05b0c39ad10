import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { expectedWait, nextHandleTime } from "../../src/queue/ewt.js";

describe("expected wait", () => {
  it("is zero while idle agents outnumber the callers ahead", () => {
    expect(expectedWait({ ahead: 0, idleAgents: 1, staffedAgents: 3, handleTimeMs: 180_000 })).toBe(0);
    expect(expectedWait({ ahead: 2, idleAgents: 3, staffedAgents: 3, handleTimeMs: 180_000 })).toBe(0);
  });

  it("counts agents freeing up at staffed / handle time once idle agents are taken", () => {
    // 10 staffed, none idle, 4 ahead: the 5th agent to free up takes this caller
    expect(expectedWait({ ahead: 4, idleAgents: 0, staffedAgents: 10, handleTimeMs: 200_000 })).toBe(100_000);
    // 2 idle take the first two of 3 ahead; then two more must free up
    expect(expectedWait({ ahead: 3, idleAgents: 2, staffedAgents: 4, handleTimeMs: 120_000 })).toBe(60_000);
  });

  it("has no estimate when nobody is staffed", () => {
    expect(expectedWait({ ahead: 0, idleAgents: 0, staffedAgents: 0, handleTimeMs: 1000 })).toBeNull();
  });

  it("rejects negative or non-finite inputs", () => {
    expect(() => expectedWait({ ahead: -1, idleAgents: 0, staffedAgents: 1, handleTimeMs: 1 })).toThrow(/ahead/);
    expect(() => expectedWait({ ahead: 0, idleAgents: 0, staffedAgents: 1, handleTimeMs: Number.NaN })).toThrow(/handleTimeMs/);
  });

  it("grows with callers ahead and shrinks with staff", () => {
    const arb = fc.record({
      ahead: fc.integer({ min: 0, max: 500 }),
      idleAgents: fc.integer({ min: 0, max: 50 }),
      staffedAgents: fc.integer({ min: 1, max: 100 }),
      handleTimeMs: fc.integer({ min: 1000, max: 3_600_000 }),
    });
    fc.assert(
      fc.property(arb, (i) => {
        const base = expectedWait(i)!;
        expect(expectedWait({ ...i, ahead: i.ahead + 1 })!).toBeGreaterThanOrEqual(base);
        expect(expectedWait({ ...i, staffedAgents: i.staffedAgents + 1 })!).toBeLessThanOrEqual(base);
        expect(base).toBeLessThanOrEqual(Math.round(((i.ahead + 1) * i.handleTimeMs) / i.staffedAgents));
      }),
    );
  });

  it("moves the handle-time average a fifth of the way to each new call", () => {
    expect(nextHandleTime(null, 90_000)).toBe(90_000);
    expect(nextHandleTime(100_000, 200_000)).toBe(120_000);
  });
});
