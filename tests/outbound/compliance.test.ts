import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RULES, checkAttempt, localTime, nextAllowedAt, type Decision, type Rule } from "../../src/outbound/compliance.js";
import { COUNTRY_ZONES } from "../../src/outbound/number.js";
import { BERLIN, NEW_YORK, at, config, input } from "./compliance-helpers.js";

const cfg = config();
const check = (d: Decision, rule: Rule) => d.checks.find((c) => c.rule === rule)!;
const hoursOk = (number: string, iso: string, recordZone?: string) =>
  check(checkAttempt(input({ number, now: at(iso), ...(recordZone && { recordZone }) }), cfg), "hours").ok;

describe("checkAttempt", () => {
  it("allows an attempt nothing speaks against, and reports every rule", () => {
    const d = checkAttempt(input(), cfg);
    expect(d.allowed).toBe(true);
    expect(d.checks.map((c) => c.rule)).toEqual([...RULES]);
    expect(d).toMatchObject({ blockedBy: [], e164: "+49301234567", country: "DE", zones: ["Europe/Berlin"], zoneSource: "number", pace: 1 });
  });

  it("evaluates every rule, not only the first that fails", () => {
    const d = checkAttempt(
      input({
        now: at("2026-12-27T10:00:00Z"), // a Sunday, and a holiday below
        kind: "web-lead",
        mode: "predictive",
        dnc: true,
        attempts: { total: 10, recent: [at("2026-12-27T09:00:00Z"), at("2026-12-27T09:10:00Z"), at("2026-12-27T09:20:00Z")] },
        abandon: { connected: 100, abandoned: 3 },
      }),
      config({ holidays: { DE: ["2026-12-27"] } }),
    );
    expect(d.allowed).toBe(false);
    expect(d.blockedBy).toEqual(["dnc", "consent", "hours", "holiday", "attempts-day", "attempts-total", "abandon"]);
    expect(d.checks).toHaveLength(RULES.length);
  });

  it("blocks a number it cannot read, and one with no zone to check the hours in", () => {
    const bad = checkAttempt(input({ number: "not a number" }), cfg);
    expect(bad.blockedBy).toEqual(["number", "hours"]);
    expect(check(bad, "number").detail).toMatch(/not a phone number/);
    const freephone = checkAttempt(input({ number: "+800 1234 5678" }), cfg);
    expect(freephone.blockedBy).toEqual(["hours"]);
    expect(check(freephone, "hours").detail).toMatch(/no country/);
    expect(checkAttempt(input({ number: "+81 3 1234 5678" }), cfg).blockedBy).toEqual(["hours"]);
  });

  it("never dials a number on the do-not-call list", () => {
    const d = checkAttempt(input({ dnc: true }), cfg);
    expect(d).toMatchObject({ allowed: false, blockedBy: ["dnc"] });
  });

  it("never dials a web lead without recorded consent", () => {
    expect(checkAttempt(input({ kind: "web-lead" }), cfg).blockedBy).toEqual(["consent"]);
    expect(checkAttempt(input({ kind: "web-lead", consent: false }), cfg).blockedBy).toEqual(["consent"]);
    expect(checkAttempt(input({ kind: "web-lead", consent: true }), cfg).allowed).toBe(true);
    // campaigns need consent only where the config says so
    expect(checkAttempt(input({ kind: "campaign" }), cfg).allowed).toBe(true);
    expect(checkAttempt(input({ kind: "campaign" }), config({ consentRequiredFor: ["web-lead", "campaign"] })).blockedBy).toEqual(["consent"]);
  });
});

describe("calling hours in the callee's zone", () => {
  it("holds the window's edges in local time: from 08:00, up to but not at 21:00", () => {
    // Monday 2026-03-30, Berlin on summer time (UTC+2)
    expect(hoursOk(BERLIN, "2026-03-30T05:59:59Z")).toBe(false);
    expect(hoursOk(BERLIN, "2026-03-30T06:00:00Z")).toBe(true);
    expect(hoursOk(BERLIN, "2026-03-30T18:59:59Z")).toBe(true);
    expect(hoursOk(BERLIN, "2026-03-30T19:00:00Z")).toBe(false);
  });

  it("follows the zone across the change to summer time", () => {
    // 06:30 UTC: 07:30 on the Monday before (CET, UTC+1), 08:30 on the Monday after (CEST, UTC+2)
    expect(hoursOk(BERLIN, "2026-03-23T06:30:00Z")).toBe(false);
    expect(hoursOk(BERLIN, "2026-03-30T06:30:00Z")).toBe(true);
    // New York: 12:00 UTC is 07:00 EST on 2 March, 08:00 EDT on 9 March (summer time from 8 March)
    expect(hoursOk(NEW_YORK, "2026-03-02T12:00:00Z", "America/New_York")).toBe(false);
    expect(hoursOk(NEW_YORK, "2026-03-09T12:00:00Z", "America/New_York")).toBe(true);
    // and back in autumn: 19:30 UTC is 21:30 CEST on Friday 23 Oct, 20:30 CET on Friday 30 Oct
    expect(hoursOk(BERLIN, "2026-10-23T19:30:00Z")).toBe(false);
    expect(hoursOk(BERLIN, "2026-10-30T19:30:00Z")).toBe(true);
  });

  it("keeps Saturday's shorter hours and no Sundays", () => {
    expect(hoursOk(BERLIN, "2026-03-28T07:59:00Z")).toBe(false); // Sat 08:59 CET
    expect(hoursOk(BERLIN, "2026-03-28T08:00:00Z")).toBe(true); // Sat 09:00
    expect(hoursOk(BERLIN, "2026-03-28T18:59:00Z")).toBe(true); // Sat 19:59
    expect(hoursOk(BERLIN, "2026-03-28T19:00:00Z")).toBe(false); // Sat 20:00
    expect(hoursOk(BERLIN, "2026-03-29T10:00:00Z")).toBe(false); // Sunday noon
  });

  it("uses the country's own hours over the default", () => {
    const de = config({ callingHours: { countries: { DE: { hours: { mon: ["09:00-12:00", "14:00-18:00"] } } } } });
    const hours = (iso: string) => check(checkAttempt(input({ now: at(iso) }), de), "hours");
    expect(hours("2026-03-30T07:30:00Z").ok).toBe(true); // 09:30
    expect(hours("2026-03-30T10:30:00Z").ok).toBe(false); // 12:30, lunch
    expect(hours("2026-03-30T10:30:00Z").detail).toMatch(/Europe\/Berlin mon 2026-03-30 12:30 \(09:00-12:00,14:00-18:00\)/);
    expect(hours("2026-03-31T07:30:00Z").ok).toBe(false); // Tuesday has none
    expect(check(checkAttempt(input({ number: NEW_YORK, recordZone: "America/New_York", now: at("2026-03-31T14:00:00Z") }), de), "hours").ok).toBe(true);
  });

  it("in a country of several zones and no record zone, needs the window in every zone and says so", () => {
    // Tuesday 16 June 2026: 08:00 in Honolulu (UTC-10) is 18:00 UTC; 21:00 in New York (UTC-4) is 01:00 UTC
    const us = (iso: string) => checkAttempt(input({ number: NEW_YORK, now: at(iso) }), cfg);
    expect(us("2026-06-16T17:59:00Z").blockedBy).toEqual(["hours"]);
    expect(check(us("2026-06-16T17:59:00Z"), "hours").detail).toMatch(/most restrictive.*Pacific\/Honolulu tue 2026-06-16 07:59/);
    expect(us("2026-06-16T18:00:00Z").allowed).toBe(true);
    expect(us("2026-06-17T00:59:00Z").allowed).toBe(true);
    expect(us("2026-06-17T01:00:00Z").blockedBy).toEqual(["hours"]);
    expect(us("2026-06-16T14:00:00Z")).toMatchObject({ allowed: false, zoneSource: "country-all", zones: COUNTRY_ZONES.US });
    // the same moment with the record's zone: 10:00 in New York
    expect(checkAttempt(input({ number: NEW_YORK, recordZone: "America/New_York", now: at("2026-06-16T14:00:00Z") }), cfg)).toMatchObject({ allowed: true, zoneSource: "record" });
  });

  it("ignores a record zone that is no IANA zone, and says so", () => {
    const d = checkAttempt(input({ number: NEW_YORK, recordZone: "Mars/Olympus", now: at("2026-06-16T14:00:00Z") }), cfg);
    expect(d).toMatchObject({ allowed: false, zoneSource: "country-all" });
    expect(check(d, "hours").detail).toMatch(/"Mars\/Olympus" is no IANA zone/);
  });

  it("blocks public holidays in the callee's local date unless the country calls on them", () => {
    const xmas = config({ holidays: { DE: ["2026-12-25"] } });
    const d = checkAttempt(input({ now: at("2026-12-25T10:00:00Z") }), xmas); // a Friday
    expect(d.blockedBy).toEqual(["holiday"]);
    expect(check(d, "holiday").detail).toMatch(/2026-12-25 in Europe\/Berlin/);
    // 23:30 UTC on the 24th is already the 25th in Berlin (and outside hours)
    expect(check(checkAttempt(input({ now: at("2026-12-24T23:30:00Z") }), xmas), "holiday").ok).toBe(false);
    const open = config({ holidays: { DE: ["2026-12-25"] }, callingHours: { countries: { DE: { hours: { fri: ["08:00-21:00"] }, closedOnHolidays: false } } } });
    expect(checkAttempt(input({ now: at("2026-12-25T10:00:00Z") }), open).allowed).toBe(true);
    // several zones: a holiday in any of them blocks (still the 4th in Honolulu)
    const july4 = config({ holidays: { US: ["2026-07-04"] }, callingHours: { default: { hours: { sat: ["00:00-24:00"], sun: ["00:00-24:00"] } } } });
    expect(checkAttempt(input({ number: NEW_YORK, now: at("2026-07-05T06:00:00Z") }), july4).blockedBy).toEqual(["holiday"]);
  });
});

describe("attempt caps", () => {
  it("caps attempts per lead per day, the day being the callee's", () => {
    const now = at("2026-03-31T10:00:00Z");
    // 22:30 UTC on the 30th is 00:30 on the 31st in Berlin, but 18:30 on the 30th in New York
    const recent = [at("2026-03-30T22:30:00Z"), at("2026-03-31T06:00:00Z"), at("2026-03-30T12:00:00Z")];
    const two = config({ attempts: { perDay: 2 } });
    const berlin = checkAttempt(input({ now, attempts: { total: 3, recent } }), two);
    expect(berlin.blockedBy).toEqual(["attempts-day"]);
    expect(check(berlin, "attempts-day").detail).toMatch(/2 attempts today \(2026-03-31 in Europe\/Berlin\), the most is 2/);
    const ny = checkAttempt(input({ number: NEW_YORK, recordZone: "America/New_York", now: at("2026-03-31T14:00:00Z"), attempts: { total: 3, recent } }), two);
    expect(ny.allowed).toBe(true);
    expect(check(ny, "attempts-day").detail).toMatch(/1 of 2 attempts today \(2026-03-31 in America\/New_York\)/);
  });

  it("counts the day in every zone when the zone is unknown and takes the largest count", () => {
    // 2026-06-17 03:00 UTC is still the 16th west of New York; two attempts on the 16th in Honolulu's day
    const recent = [at("2026-06-16T20:00:00Z"), at("2026-06-17T00:30:00Z")];
    const d = checkAttempt(input({ number: NEW_YORK, now: at("2026-06-17T00:50:00Z"), attempts: { total: 2, recent } }), config({ attempts: { perDay: 2 } }));
    expect(d.blockedBy).toEqual(["attempts-day"]);
  });

  it("caps attempts per lead in all", () => {
    expect(checkAttempt(input({ attempts: { total: 9, recent: [] } }), cfg).allowed).toBe(true);
    const d = checkAttempt(input({ attempts: { total: 10, recent: [] } }), cfg);
    expect(d.blockedBy).toEqual(["attempts-total"]);
    expect(check(d, "attempts-total").detail).toBe("10 attempts placed, the most is 10");
  });
});

describe("abandon limit", () => {
  const campaign = (abandoned: number, connected = 1000, mode?: "predictive" | "progressive") =>
    checkAttempt(input({ abandon: { connected, abandoned }, ...(mode && { mode }) }), cfg);

  it("runs at full pace under 2.5%", () => {
    expect(campaign(24)).toMatchObject({ allowed: true, pace: 1 });
    expect(campaign(0, 0)).toMatchObject({ allowed: true, pace: 1 });
  });

  it("slows down from 2.5% on", () => {
    expect(campaign(25)).toMatchObject({ allowed: true, pace: 0.75 });
    expect(campaign(275, 10_000).pace).toBeCloseTo(0.375, 9);
    expect(campaign(29).pace).toBeCloseTo(0.15, 9);
    expect(check(campaign(25), "abandon").detail).toMatch(/slow down to pace 0.750/);
  });

  it("blocks predictive dialling at 3% and over, but not agent-first dialling", () => {
    expect(campaign(30)).toMatchObject({ allowed: false, blockedBy: ["abandon"], pace: 0 });
    expect(campaign(3, 100)).toMatchObject({ allowed: false, pace: 0 });
    expect(campaign(31)).toMatchObject({ allowed: false, pace: 0 });
    expect(campaign(30, 1000, "progressive")).toMatchObject({ allowed: true, pace: 0 });
  });

  it("blocks a predictive campaign attempt without figures", () => {
    expect(checkAttempt(input({ abandon: undefined }), cfg).blockedBy).toEqual(["abandon"]);
    expect(checkAttempt(input({ abandon: undefined, mode: "preview" }), cfg).allowed).toBe(true);
    expect(checkAttempt(input({ abandon: undefined, kind: "callback" }), cfg)).toMatchObject({ allowed: true });
    expect(checkAttempt(input({ abandon: undefined, kind: "callback" }), cfg).pace).toBeUndefined();
  });
});

describe("when to try again", () => {
  it("marks attempts blocked by what waiting cannot change as final", () => {
    expect(checkAttempt(input(), cfg).final).toBe(false);
    expect(checkAttempt(input({ dnc: true }), cfg).final).toBe(true);
    expect(checkAttempt(input({ kind: "web-lead" }), cfg).final).toBe(true);
    expect(checkAttempt(input({ attempts: { total: 10, recent: [] } }), cfg).final).toBe(true);
    expect(checkAttempt(input({ number: "nope" }), cfg).final).toBe(true);
    expect(checkAttempt(input({ now: at("2026-03-29T10:00:00Z") }), cfg).final).toBe(false); // Sunday
    expect(checkAttempt(input({ abandon: { connected: 100, abandoned: 5 } }), cfg).final).toBe(false);
  });

  it("finds the next opening of the window in the callee's zone", () => {
    const next = (over: Parameters<typeof input>[0], c = cfg) => {
      const t = nextAllowedAt(input(over), c);
      return t === undefined ? undefined : new Date(t).toISOString();
    };
    expect(next({})).toBe(new Date(at("2026-03-30T08:00:00Z")).toISOString()); // allowed now
    // Saturday 21:00 in Berlin, Sunday closed: Monday 08:00 CEST (summer time began on Sunday)
    expect(next({ now: at("2026-03-28T20:00:00Z") })).toBe("2026-03-30T06:00:00.000Z");
    // the US with no zone: the window opens at 08:00 in Honolulu
    expect(next({ number: NEW_YORK, now: at("2026-06-16T14:00:00Z") })).toBe("2026-06-16T18:00:00.000Z");
    // per-day cap reached: tomorrow's first window
    const three = [at("2026-03-30T07:00:00Z"), at("2026-03-30T07:10:00Z"), at("2026-03-30T07:20:00Z")];
    expect(next({ attempts: { total: 3, recent: three } })).toBe("2026-03-31T06:00:00.000Z");
    // a holiday on Monday: Tuesday
    expect(next({}, config({ holidays: { DE: ["2026-03-30"] } }))).toBe("2026-03-31T06:00:00.000Z");
    expect(next({ dnc: true })).toBeUndefined();
    expect(next({ abandon: { connected: 100, abandoned: 5 } })).toBeUndefined();
    expect(next({}, config({ callingHours: { default: { hours: {} } } }))).toBeUndefined();
  });
});

describe("properties", () => {
  it("reads local time as Intl does, across every zone of the table and their clock changes", () => {
    const zones = [...new Set(Object.values(COUNTRY_ZONES).flat()), "Pacific/Chatham", "Asia/Kathmandu"];
    const byIntl = (ms: number, zone: string) => {
      const p: Record<string, string> = {};
      const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short" });
      for (const part of f.formatToParts(ms)) p[part.type] = part.value;
      return { zone, date: `${p.year}-${p.month}-${p.day}`, weekday: p.weekday!.toLowerCase(), minute: Number(p.hour) * 60 + Number(p.minute) };
    };
    fc.assert(
      fc.property(fc.integer({ min: at("2000-01-01T00:00:00Z"), max: at("2037-12-31T00:00:00Z") }), fc.constantFrom(...zones), (ms, zone) => {
        expect(localTime(ms, zone)).toEqual(byIntl(ms, zone));
      }),
      { numRuns: 3_000 },
    );
    // a minute either side of this year's changes
    for (const [zone, iso] of [["Europe/Berlin", "2026-03-29T01:00:00Z"], ["Europe/Berlin", "2026-10-25T01:00:00Z"], ["America/New_York", "2026-03-08T07:00:00Z"], ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"], ["Australia/Adelaide", "2026-10-03T16:30:00Z"]] as const) {
      for (const d of [-60_000, -1, 0, 1, 60_000]) expect(localTime(at(iso) + d, zone)).toEqual(byIntl(at(iso) + d, zone));
    }
  });


  it("finds no earlier opening than the one it names, and the one it names is allowed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-12-31T00:00:00Z") }),
        fc.constantFrom(BERLIN, NEW_YORK, "+61 8 9123 4567"),
        fc.integer({ min: 0, max: 999 }),
        (now, number, permille) => {
          const t = nextAllowedAt(input({ number, now }), cfg);
          expect(t).toBeDefined();
          expect(checkAttempt(input({ number, now: t! }), cfg).allowed).toBe(true);
          // a minute before it, and any moment between now and it, is still closed
          if (t! - 60_000 >= now) expect(checkAttempt(input({ number, now: t! - 60_000 }), cfg).allowed).toBe(false);
          const probe = now + Math.floor(((t! - now) * permille) / 1000);
          if (probe < t!) expect(checkAttempt(input({ number, now: probe }), cfg).allowed).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  const numbers = ["+49 30 1234567", "030 1234567", "+1 212 555 0123", "+61 412 345 678", "+34 922 123 456", "+44 20 7946 0958", "+800 1234 5678", "bogus", "+49 1"];
  const zones = [undefined, "Europe/Berlin", "America/New_York", "Pacific/Honolulu", "Australia/Perth", "Nope/Nowhere"];
  const arbInput = fc.record({
    number: fc.constantFrom(...numbers),
    recordZone: fc.constantFrom(...zones),
    now: fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-12-31T23:59:59Z") }),
    kind: fc.constantFrom("campaign" as const, "web-lead" as const, "callback" as const),
    consent: fc.option(fc.boolean(), { nil: undefined }),
    total: fc.integer({ min: 0, max: 12 }),
    recentAgo: fc.array(fc.integer({ min: 0, max: 48 * 3_600_000 }), { maxLength: 5 }),
    abandon: fc.option(fc.record({ connected: fc.integer({ min: 0, max: 5000 }), abandoned: fc.integer({ min: 0, max: 200 }) }), { nil: undefined }),
    mode: fc.option(fc.constantFrom("preview" as const, "progressive" as const, "predictive" as const), { nil: undefined }),
    dnc: fc.boolean(),
  });
  type Drawn = typeof arbInput extends fc.Arbitrary<infer T> ? T : never;
  const build = (a: Drawn) =>
    input({
      number: a.number,
      now: a.now,
      kind: a.kind,
      dnc: a.dnc,
      attempts: { total: a.total, recent: a.recentAgo.map((d) => a.now - d) },
      abandon: a.abandon,
      ...(a.recordZone && { recordZone: a.recordZone }),
      ...(a.consent !== undefined && { consent: a.consent }),
      ...(a.mode && { mode: a.mode }),
    });

  it("allows exactly when every check is ok, and reports every rule once", () => {
    fc.assert(
      fc.property(arbInput, (a) => {
        const d = checkAttempt(build(a), cfg);
        expect(d.checks.map((c) => c.rule)).toEqual([...RULES]);
        expect(d.allowed).toBe(d.checks.every((c) => c.ok));
        expect(d.blockedBy).toEqual(d.checks.filter((c) => !c.ok).map((c) => c.rule));
        if (a.dnc || a.total >= 10 || (a.kind === "web-lead" && a.consent !== true)) expect(d.allowed).toBe(false);
        if (d.pace !== undefined) expect(d.pace).toBeGreaterThanOrEqual(0);
        if (d.final) expect(d.allowed).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it("allows a zone-less US call only when every US zone would", () => {
    fc.assert(
      fc.property(fc.integer({ min: at("2026-01-01T00:00:00Z"), max: at("2027-12-31T23:59:59Z") }), (now) => {
        const all = checkAttempt(input({ number: NEW_YORK, now }), cfg);
        const each = COUNTRY_ZONES.US!.map((z) => checkAttempt(input({ number: NEW_YORK, now, recordZone: z }), cfg));
        expect(check(all, "hours").ok).toBe(each.every((d) => check(d, "hours").ok));
        if (all.allowed) for (const d of each) expect(d.allowed).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it("never speeds up as the abandon rate rises, and is under 1 from 2.5% on", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 100 }), (connected, abandoned, more) => {
        const lo = checkAttempt(input({ abandon: { connected, abandoned } }), cfg);
        const hi = checkAttempt(input({ abandon: { connected, abandoned: abandoned + more } }), cfg);
        expect(hi.pace!).toBeLessThanOrEqual(lo.pace!);
        const rate = Math.min(1, abandoned / connected);
        if (rate >= 0.025 + 1e-12) expect(lo.pace!).toBeLessThan(1);
        if (rate < 0.025 - 1e-12) expect(lo.pace).toBe(1);
        if (rate < 0.03 - 1e-12) expect(lo.allowed).toBe(true);
        if (rate >= 0.03 - 1e-12) expect(lo.blockedBy).toEqual(["abandon"]);
      }),
      { numRuns: 2_000 },
    );
  });
});
