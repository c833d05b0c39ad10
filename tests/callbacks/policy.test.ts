import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  afterAttempt,
  attemptOutcomeSchema,
  callbackSettingsSchema,
  mayRelease,
  promiseKept,
  quoteFor,
  shouldOfferCallback,
  type AttemptOutcome,
  type CallbackSettings,
} from "../../src/callbacks/policy.js";

const defaults = callbackSettingsSchema.parse({});
const settingsArb: fc.Arbitrary<CallbackSettings> = fc
  .record({
    enabled: fc.boolean(),
    offerAfterSeconds: fc.integer({ min: 0, max: 3600 }),
    maxAttempts: fc.integer({ min: 1, max: 10 }),
    retryDelaySeconds: fc.integer({ min: 0, max: 3600 }),
    quotedWithinSeconds: fc.option(fc.integer({ min: 1, max: 120 }).map((m) => m * 60), { nil: undefined }),
  })
  .map((s) => callbackSettingsSchema.parse(s));
const ewtArb = fc.integer({ min: 0, max: 4 * 3600_000 });
const FAILURES = attemptOutcomeSchema.options.filter((o) => o !== "answered-accepted") as Exclude<AttemptOutcome, "answered-accepted">[];

describe("callback settings", () => {
  it("fills in the defaults", () => {
    expect(defaults).toEqual({ enabled: true, offerAfterSeconds: 120, key: "5", maxAttempts: 3, retryDelaySeconds: 300 });
  });

  it("refuses what would make no sense", () => {
    const bad = [{ key: "55" }, { key: "a" }, { maxAttempts: 0 }, { maxAttempts: 1.5 }, { retryDelaySeconds: -1 }, { offerAfterSeconds: -5 }, { quotedWithinSeconds: 90 }, { quotedWithinSeconds: 0 }, { other: 1 }];
    for (const s of bad) expect(callbackSettingsSchema.safeParse(s).success, JSON.stringify(s)).toBe(false);
    expect(callbackSettingsSchema.parse({ key: "#", quotedWithinSeconds: 1800 })).toMatchObject({ key: "#", quotedWithinSeconds: 1800 });
  });
});

describe("shouldOfferCallback", () => {
  it("offers above the threshold, not at or below it", () => {
    expect(shouldOfferCallback({ ewtMs: 120_001, settings: defaults, alreadyOffered: false })).toBe(true);
    expect(shouldOfferCallback({ ewtMs: 120_000, settings: defaults, alreadyOffered: false })).toBe(false);
    expect(shouldOfferCallback({ ewtMs: 0, settings: defaults, alreadyOffered: false })).toBe(false);
  });

  it("repeats an offer made before at every later announcement, never when nobody is staffed or disabled", () => {
    expect(shouldOfferCallback({ ewtMs: 30_000, settings: defaults, alreadyOffered: true })).toBe(true);
    expect(shouldOfferCallback({ ewtMs: null, settings: defaults, alreadyOffered: true })).toBe(false);
    expect(shouldOfferCallback({ ewtMs: 10 * 3600_000, settings: { ...defaults, enabled: false }, alreadyOffered: true })).toBe(false);
  });

  it("is monotone: a longer wait or an earlier offer never withdraws it", () => {
    fc.assert(
      fc.property(settingsArb, ewtArb, ewtArb, fc.boolean(), (settings, a, b, already) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        if (shouldOfferCallback({ ewtMs: lo, settings, alreadyOffered: already })) expect(shouldOfferCallback({ ewtMs: hi, settings, alreadyOffered: already })).toBe(true);
        if (shouldOfferCallback({ ewtMs: lo, settings, alreadyOffered: false })) expect(shouldOfferCallback({ ewtMs: lo, settings, alreadyOffered: true })).toBe(true);
      }),
    );
  });

  it("refuses an impossible wait", () => {
    expect(() => shouldOfferCallback({ ewtMs: -1, settings: defaults, alreadyOffered: false })).toThrow();
    expect(() => shouldOfferCallback({ ewtMs: Number.NaN, settings: defaults, alreadyOffered: false })).toThrow();
  });
});

describe("quoteFor", () => {
  it("rounds the expected wait up to the minute, at least one", () => {
    expect(quoteFor(0, defaults)).toEqual({ minutes: 1, withinMs: 60_000, capped: false });
    expect(quoteFor(60_000, defaults)).toEqual({ minutes: 1, withinMs: 60_000, capped: false });
    expect(quoteFor(60_001, defaults)).toEqual({ minutes: 2, withinMs: 120_000, capped: false });
    expect(quoteFor(121_000, defaults).minutes).toBe(3);
  });

  it("is capped by quotedWithinSeconds", () => {
    const s = callbackSettingsSchema.parse({ quotedWithinSeconds: 900 });
    expect(quoteFor(20 * 60_000, s)).toEqual({ minutes: 15, withinMs: 900_000, capped: true });
    expect(quoteFor(14 * 60_000 + 1, s)).toEqual({ minutes: 15, withinMs: 900_000, capped: false });
  });

  it("is whole minutes, never below the expected wait unless capped, less than a minute above it, monotone", () => {
    fc.assert(
      fc.property(settingsArb, ewtArb, ewtArb, (settings, a, b) => {
        const q = quoteFor(a, settings);
        expect(Number.isInteger(q.minutes) && q.minutes >= 1).toBe(true);
        expect(q.withinMs).toBe(q.minutes * 60_000);
        if (settings.quotedWithinSeconds !== undefined) expect(q.withinMs).toBeLessThanOrEqual(settings.quotedWithinSeconds * 1000);
        if (!q.capped) {
          expect(q.withinMs).toBeGreaterThanOrEqual(a);
          expect(q.withinMs).toBeLessThan(Math.max(a, 1) + 60_000);
        }
        if (a <= b) expect(quoteFor(b, settings).minutes).toBeGreaterThanOrEqual(q.minutes);
      }),
    );
  });
});

describe("promiseKept", () => {
  const quote = { withinMs: 180_000 };
  it("is the first dial within the quote of accepting", () => {
    expect(promiseKept({ acceptedAt: 1000, firstDialAt: 181_000, quote })).toBe(true);
    expect(promiseKept({ acceptedAt: 1000, firstDialAt: 181_001, quote })).toBe(false);
    expect(promiseKept({ acceptedAt: 1000, firstDialAt: null, quote })).toBe(false);
    expect(promiseKept({ acceptedAt: 1000, firstDialAt: 999, quote })).toBe(false);
  });
});

describe("afterAttempt", () => {
  it("is done once connected, whatever the attempt", () => {
    for (const attempt of [1, 2, 3, 99]) expect(afterAttempt({ outcome: "answered-accepted", attempt, settings: defaults })).toEqual({ kind: "done" });
  });

  it("retries after the delay, then gives up after maxAttempts, saying why", () => {
    expect(afterAttempt({ outcome: "no-answer", attempt: 1, settings: defaults })).toEqual({ kind: "retry", delayMs: 300_000 });
    expect(afterAttempt({ outcome: "busy", attempt: 2, settings: defaults })).toEqual({ kind: "retry", delayMs: 300_000 });
    expect(afterAttempt({ outcome: "answered-no-key", attempt: 3, settings: defaults })).toEqual({ kind: "give-up", reason: "answered without pressing the key on attempt 3 of 3" });
    expect(() => afterAttempt({ outcome: "busy", attempt: 0, settings: defaults })).toThrow();
  });

  it("makes exactly maxAttempts attempts for a customer never reached, and stops at the first connection", () => {
    fc.assert(
      fc.property(settingsArb, fc.array(fc.constantFrom(...attemptOutcomeSchema.options), { minLength: 1, maxLength: 12 }), (settings, outcomes) => {
        let attempts = 0;
        let last: ReturnType<typeof afterAttempt> | undefined;
        for (const outcome of outcomes) {
          attempts += 1;
          last = afterAttempt({ outcome, attempt: attempts, settings });
          if (last.kind !== "retry") break;
          expect(last.delayMs).toBe(settings.retryDelaySeconds * 1000);
        }
        const firstConnect = outcomes.indexOf("answered-accepted");
        if (firstConnect >= 0 && firstConnect < settings.maxAttempts) {
          expect(last).toEqual({ kind: "done" });
          expect(attempts).toBe(firstConnect + 1);
        } else if (outcomes.length >= settings.maxAttempts) {
          expect(last?.kind).toBe("give-up");
          expect(attempts).toBe(settings.maxAttempts);
        } else {
          expect(last?.kind).toBe("retry");
        }
      }),
    );
  });

  it("treats every unreached outcome alike", () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: 1, max: 12 }), (settings, attempt) => {
        const kinds = FAILURES.map((outcome) => afterAttempt({ outcome, attempt, settings }).kind);
        expect(new Set(kinds).size).toBe(1);
      }),
    );
  });
});

describe("mayRelease", () => {
  it("releases only while fewer are in progress than agents free", () => {
    expect(mayRelease({ inProgress: 0, freeAgents: 1 })).toBe(true);
    expect(mayRelease({ inProgress: 1, freeAgents: 1 })).toBe(false);
    expect(mayRelease({ inProgress: 0, freeAgents: 0 })).toBe(false);
    expect(mayRelease({ inProgress: 2, freeAgents: 3 })).toBe(true);
    expect(() => mayRelease({ inProgress: -1, freeAgents: 3 })).toThrow();
    expect(() => mayRelease({ inProgress: 0.5, freeAgents: 3 })).toThrow();
  });

  it("is monotone and never releases without a free agent", () => {
    const n = fc.integer({ min: 0, max: 500 });
    fc.assert(
      fc.property(n, n, n, (inProgress, freeAgents, more) => {
        const yes = mayRelease({ inProgress, freeAgents });
        if (freeAgents === 0) expect(yes).toBe(false);
        if (yes) expect(mayRelease({ inProgress, freeAgents: freeAgents + more })).toBe(true);
        if (!yes) expect(mayRelease({ inProgress: inProgress + more, freeAgents })).toBe(false);
      }),
    );
  });

  it("lets a burst book at most half the free agents, rounded up", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (free) => {
        let inProgress = 0;
        let freeAgents = free;
        while (mayRelease({ inProgress, freeAgents })) {
          inProgress += 1; // each release books one free agent for the dial
          freeAgents -= 1;
        }
        expect(inProgress).toBe(Math.ceil(free / 2));
      }),
    );
  });
});
