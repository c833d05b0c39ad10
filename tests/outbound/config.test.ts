import { describe, expect, it } from "vitest";
import { complianceConfigSchema } from "../../src/outbound/config.js";

const problems = (v: unknown): string[] => {
  const r = complianceConfigSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("complianceConfigSchema", () => {
  it("has sensible defaults", () => {
    const c = complianceConfigSchema.parse({});
    expect(c.defaultCountry).toBe("DE");
    expect(c.callingHours.default.hours).toMatchObject({ mon: ["08:00-21:00"], fri: ["08:00-21:00"], sat: ["09:00-20:00"] });
    expect(c.callingHours.default.hours.sun).toBeUndefined();
    expect(c.callingHours.default.closedOnHolidays).toBe(true);
    expect(c.consentRequiredFor).toEqual(["web-lead"]);
    expect(c.attempts).toEqual({ perDay: 3, total: 10 });
    expect(c.abandon).toEqual({ agentWithinMs: 2000, windowDays: 30, limit: 0.03, slowFrom: 0.025, paceAtSlowFrom: 0.75 });
    expect(c.log).toEqual({ maxLen: 1_000_000, leadRetentionDays: 400 });
  });

  it("takes a country's hours, holidays and zones", () => {
    const c = complianceConfigSchema.parse({
      callingHours: { countries: { US: { hours: { mon: ["08:00-21:00"] }, closedOnHolidays: false } } },
      holidays: { US: ["2026-07-03", "2026-11-26"] },
      zones: { JP: ["Asia/Tokyo"] },
    });
    expect(c.callingHours.countries.US).toEqual({ hours: { mon: ["08:00-21:00"] }, closedOnHolidays: false });
    expect(c.callingHours.default.hours.mon).toEqual(["08:00-21:00"]);
  });

  it("refuses what it cannot honour", () => {
    expect(problems({ defaultCountry: "de" })).toEqual([expect.stringMatching(/^defaultCountry: an ISO 3166-1/)]);
    expect(problems({ callingHours: { countries: { DE: { hours: { mon: ["21:00-08:00"] } } } } })[0]).toMatch(/end after it starts/);
    expect(problems({ callingHours: { countries: { DE: { hours: { mon: ["08:00-12:00", "11:00-14:00"] } } } } })[0]).toMatch(/overlap/);
    expect(problems({ callingHours: { countries: { DE: { hours: { monday: ["08:00-12:00"] } } } } })).toHaveLength(1);
    expect(problems({ holidays: { DE: ["25.12.2026"] } })[0]).toMatch(/ISO date/);
    expect(problems({ zones: { US: ["America/Nowhere"] } })[0]).toMatch(/IANA/);
    expect(problems({ consentRequiredFor: ["campaign"] })[0]).toMatch(/web leads always need consent/);
    expect(problems({ abandon: { slowFrom: 0.04 } })[0]).toMatch(/^abandon.slowFrom: slowFrom must be below limit/);
    expect(problems({ attempts: { perDay: 0 } })).toHaveLength(1);
  });
});
