import { describe, expect, it } from "vitest";
import { COUNTRY_ZONES, calleeZones, normalizeNumber } from "../../src/outbound/number.js";

describe("normalizeNumber", () => {
  it("writes every format of one number as the same E.164", () => {
    for (const raw of ["+49 30 1234567", "030 1234567", "0049 30 1234567", "+49 (30) 123-4567", "  030/1234567 "]) {
      expect(normalizeNumber(raw, "DE")).toEqual({ ok: true, e164: "+49301234567", country: "DE", national: "301234567" });
    }
    expect(normalizeNumber("(212) 555-0123", "US")).toMatchObject({ ok: true, e164: "+12125550123", country: "US" });
  });

  it("says why a number is refused", () => {
    expect(normalizeNumber("", "DE")).toEqual({ ok: false, reason: "empty" });
    expect(normalizeNumber("call me", "DE")).toEqual({ ok: false, reason: "not a phone number" });
    expect(normalizeNumber("+49 1", "DE")).toEqual({ ok: false, reason: "too short" });
    expect(normalizeNumber("+358 1234", "DE")).toMatchObject({ ok: false, reason: expect.stringContaining("not a valid number") });
    expect(normalizeNumber("1".repeat(80), "DE")).toEqual({ ok: false, reason: "too long" });
  });

  it("knows every country the table lists", () => {
    const samples: Record<string, string> = {
      DE: "+49 30 1234567", AT: "+43 1 5123456", CH: "+41 44 123 45 67", FR: "+33 1 23 45 67 89", GB: "+44 20 7946 0958",
      IE: "+353 1 234 5678", NL: "+31 20 123 4567", BE: "+32 2 123 45 67", ES: "+34 912 345 678", IT: "+39 06 1234 5678",
      PT: "+351 212 345 678", PL: "+48 22 123 45 67", SE: "+46 8 123 456 78", DK: "+45 32 12 34 56", NO: "+47 22 12 34 56",
      FI: "+358 9 1234567", US: "+1 212 555 0123", CA: "+1 613 555 0123", AU: "+61 2 9876 5432",
    };
    for (const [country, raw] of Object.entries(samples)) {
      expect(normalizeNumber(raw, "DE"), raw).toMatchObject({ ok: true, country });
      expect(COUNTRY_ZONES[country]?.length, country).toBeGreaterThan(0);
    }
  });

  it("lists only zones Intl knows", () => {
    for (const zones of Object.values(COUNTRY_ZONES)) for (const z of zones) expect(() => new Intl.DateTimeFormat("en", { timeZone: z })).not.toThrow();
  });
});

describe("calleeZones", () => {
  it("takes the record's zone over the number", () => {
    expect(calleeZones("US", "2125550123", "America/Chicago")).toMatchObject({ zones: ["America/Chicago"], source: "record" });
  });

  it("has one zone for a one-zone country", () => {
    expect(calleeZones("DE", "301234567", undefined)).toMatchObject({ zones: ["Europe/Berlin"], source: "number" });
  });

  it("finds the zone of fixed-line prefixes it is sure of", () => {
    expect(calleeZones("ES", "922123456", undefined).zones).toEqual(["Atlantic/Canary"]);
    expect(calleeZones("ES", "912345678", undefined).zones).toEqual(["Europe/Madrid"]);
    expect(calleeZones("PT", "296123456", undefined).zones).toEqual(["Atlantic/Azores"]);
    expect(calleeZones("AU", "298765432", undefined).zones).toEqual(["Australia/Sydney"]);
    expect(calleeZones("AU", "265632000", undefined).zones).toEqual(["Australia/Lord_Howe"]);
    expect(calleeZones("AU", "731234567", undefined).zones).toEqual(["Australia/Brisbane"]);
  });

  it("falls back to every zone of the country and says so", () => {
    const us = calleeZones("US", "2125550123", undefined);
    expect(us.source).toBe("country-all");
    expect(us.zones).toEqual(COUNTRY_ZONES.US);
    expect(us.note).toMatch(/most restrictive/);
    expect(calleeZones("AU", "412345678", undefined).zones).toHaveLength(COUNTRY_ZONES.AU!.length);
    expect(calleeZones("ES", "612345678", undefined).zones).toEqual(["Europe/Madrid", "Atlantic/Canary"]);
  });

  it("has no zone for an unknown country or a non-geographic number, and takes configured zones", () => {
    expect(calleeZones("JP", "312345678", undefined)).toMatchObject({ zones: [], source: "none" });
    expect(calleeZones(undefined, "80012345678", undefined)).toMatchObject({ zones: [], source: "none" });
    expect(calleeZones("JP", "312345678", undefined, { JP: ["Asia/Tokyo"] })).toMatchObject({ zones: ["Asia/Tokyo"], source: "number" });
    expect(calleeZones("US", "2125550123", undefined, { US: ["America/New_York"] })).toMatchObject({ zones: ["America/New_York"], source: "number" });
  });
});
