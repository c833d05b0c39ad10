import { describe, expect, it } from "vitest";
import { AbandonCounter, abandonPace, classifyAnswer, sumWindow, utcDay, windowDays } from "../../src/outbound/abandon.js";
import { redisPerFile } from "../setup/redis.js";
import { at, config } from "./compliance-helpers.js";

const DAY = 86_400_000;
const cfg = config().abandon;

describe("the 2-second rule", () => {
  it("counts a live answer without an agent within 2 s as abandoned", () => {
    expect(classifyAnswer({ answeredAt: 1000, agentAt: 3000 }, 2000)).toBe("connected");
    expect(classifyAnswer({ answeredAt: 1000, agentAt: 3001 }, 2000)).toBe("abandoned");
    expect(classifyAnswer({ answeredAt: 1000 }, 2000)).toBe("abandoned"); // hung up first, or no agent ever
    expect(classifyAnswer({ answeredAt: 1000, live: false }, 2000)).toBe("not-live");
    expect(classifyAnswer({ answeredAt: 1000, agentAt: 1500, live: true }, 2000)).toBe("connected");
  });
});

describe("abandonPace", () => {
  it("is 1 under slowFrom, 0.75 at it, linear to 0 at the limit", () => {
    expect(abandonPace({ connected: 0, abandoned: 0 }, cfg)).toEqual({ rate: 0, pace: 1, atLimit: false });
    expect(abandonPace({ connected: 1000, abandoned: 24 }, cfg).pace).toBe(1);
    expect(abandonPace({ connected: 1000, abandoned: 25 }, cfg).pace).toBeCloseTo(0.75, 12);
    expect(abandonPace({ connected: 1000, abandoned: 29 }, cfg).pace).toBeCloseTo(0.15, 12);
    expect(abandonPace({ connected: 1000, abandoned: 30 }, cfg)).toEqual({ rate: 0.03, pace: 0, atLimit: true });
    // more abandoned than answered is bad data: read as 100%
    expect(abandonPace({ connected: 0, abandoned: 2 }, cfg)).toMatchObject({ rate: 1, atLimit: true });
  });
});

describe("the rolling window", () => {
  it("sums the days of the window and names the stale ones", () => {
    const now = at("2026-03-31T12:00:00Z");
    expect(windowDays(now, 3)).toEqual(["2026-03-31", "2026-03-30", "2026-03-29"]);
    const sum = sumWindow({ "2026-03-31:c": "10", "2026-03-31:a": "1", "2026-03-29:c": 5, "2026-03-28:c": "100", "2026-03-28:a": "50", "2026-04-01:c": "7" }, now, 3);
    expect(sum).toEqual({ connected: 15, abandoned: 1, stale: ["2026-03-28:c", "2026-03-28:a"] });
  });
});

describe("AbandonCounter", () => {
  const { env, redis } = redisPerFile();

  it("counts live answers and abandoned calls per campaign over 30 days", async () => {
    const counter = new AbandonCounter({ redis: redis(), keyPrefix: env.prefix, site: "main", windowDays: 30 });
    const now = at("2026-03-31T12:00:00Z");
    for (let i = 0; i < 97; i++) await counter.record("spring", "connected", now - (i % 40) * DAY);
    for (let i = 0; i < 3; i++) await counter.record("spring", "abandoned", now - i * DAY);
    await counter.record("spring", "not-live", now);
    await counter.record("spring", "abandoned", now - 31 * DAY); // outside the window
    await counter.record("autumn", "abandoned", now);
    const f = await counter.figures("spring", now);
    // the 97 answers fall on days i % 40 back; those 30 or more days back are outside
    const inWindow = Array.from({ length: 97 }, (_, i) => i % 40).filter((d) => d < 30).length;
    expect(f).toEqual({ connected: inWindow + 3, abandoned: 3 });
    expect(utcDay(now - 31 * DAY)).toBe("2026-02-28");
    // the read dropped the stale buckets
    expect(Object.keys(await redis().hgetall(counter.key("spring"))).some((k) => k.startsWith("2026-02-28"))).toBe(false);
    expect(await counter.figures("autumn", now)).toEqual({ connected: 1, abandoned: 1 });
    expect(await redis().pttl(counter.key("spring"))).toBeGreaterThan(31 * DAY);
    expect(counter.key("spring")).toBe(`${env.prefix}{main}:abandon:spring`);
  });

  it("refuses braces in the prefix", () => {
    expect(() => new AbandonCounter({ redis: redis(), keyPrefix: "x{y}", site: "main", windowDays: 30 })).toThrow(/braces/);
  });
});
