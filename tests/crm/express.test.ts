/**
 * Who is express, in one place (src/crm/express.ts): a dated subscription checked against the call's day
 * in the configured time zone, the old `express: true` flag, the tiers the config names. The lookup's view
 * carries the outcome as `customer.express` and the reason as `customer.expressReason`.
 */
import { describe, expect, test } from "vitest";
import { customerSchema, enrichCustomer, type Customer } from "../../src/crm/customer.js";
import { expressConfigSchema } from "../../src/crm/express-config.js";
import { dayIn, expressStatus, spokenPrice } from "../../src/crm/express.js";
import { loadCustomersFile, parseCustomers } from "../../src/crm/file-store.js";
import { CrmLookup } from "../../src/crm/lookup.js";
import { createLogger } from "../../src/lib/logger.js";

const UTC = expressConfigSchema.parse({});
const GOLD = expressConfigSchema.parse({ tiers: ["gold"] });
const record = (over: Partial<Customer> = {}): Customer => customerSchema.parse({ id: "c-1", name: "Test", phones: ["5550001"], ...over });
const until = (to: string, from = "2026-03-01") => record({ subscription: { express: { from, to } } });
/** Noon UTC on a day: the same calendar day in UTC and in Europe/Berlin. */
const noon = (day: string) => new Date(`${day}T12:00:00Z`);

describe("a subscription with dates", () => {
  test("is express on every day up to and including its end date, and not the day after", () => {
    const c = until("2027-03-01");
    expect(expressStatus(c, UTC, noon("2027-02-28"))).toEqual({ express: true, reason: "subscription until 2027-03-01" });
    expect(expressStatus(c, UTC, noon("2027-03-01"))).toEqual({ express: true, reason: "subscription until 2027-03-01" });
    expect(expressStatus(c, UTC, noon("2027-03-02"))).toEqual({ express: false });
  });

  test("counts from its start date, not before", () => {
    const c = until("2027-03-01", "2026-12-01");
    expect(expressStatus(c, UTC, noon("2026-11-30")).express).toBe(false);
    expect(expressStatus(c, UTC, noon("2026-12-01")).express).toBe(true);
  });

  test("days are the configured time zone's: the end date's last hour in Berlin is 22:00-23:00 UTC", () => {
    const c = until("2027-03-01");
    const berlin = expressConfigSchema.parse({ timeZone: "Europe/Berlin" });
    const lateUtc = new Date("2027-03-01T23:30:00Z"); // 00:30 on 2 March in Berlin
    expect(dayIn(lateUtc, "Europe/Berlin")).toBe("2027-03-02");
    expect(expressStatus(c, UTC, lateUtc).express).toBe(true);
    expect(expressStatus(c, berlin, lateUtc).express).toBe(false);
    const earlyUtc = new Date("2026-02-28T23:30:00Z"); // 00:30 on 1 March in Berlin: the first day
    expect(expressStatus(c, UTC, earlyUtc).express).toBe(false);
    expect(expressStatus(c, berlin, earlyUtc).express).toBe(true);
  });

  test("decides on its own: an expired one is not express, whatever the old flag says", () => {
    const c = record({ express: true, subscription: { express: { from: "2025-01-01", to: "2025-12-31" } } });
    expect(expressStatus(c, UTC, noon("2026-06-01"))).toEqual({ express: false });
  });

  test("a record whose subscription ends before it starts is refused, naming the field", () => {
    const bad = customerSchema.safeParse({ id: "c", name: "n", phones: ["1"], subscription: { express: { from: "2027-03-02", to: "2027-03-01" } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ["subscription", "express", "to"], message: "must not end (to) before it starts (from)" });
  });
});

describe("the other ways to be express", () => {
  test("the old flag is a subscription without an end date", () => {
    expect(expressStatus(record({ express: true }), UTC, noon("2030-01-01"))).toEqual({ express: true, reason: "subscription without an end date" });
  });

  test("a tier the config names is express, any other tier is not; a subscription is named first", () => {
    expect(expressStatus(record({ tier: "gold" }), GOLD, noon("2027-01-01"))).toEqual({ express: true, reason: "tier gold" });
    expect(expressStatus(record({ tier: "platinum" }), GOLD, noon("2027-01-01"))).toEqual({ express: false });
    expect(expressStatus(record({ tier: "gold" }), UTC, noon("2027-01-01"))).toEqual({ express: false });
    expect(expressStatus({ ...until("2027-03-01"), tier: "gold" }, GOLD, noon("2027-01-01"))).toEqual({ express: true, reason: "subscription until 2027-03-01" });
    // the subscription ran out, the tier still holds
    expect(expressStatus({ ...until("2027-03-01"), tier: "gold" }, GOLD, noon("2027-06-01"))).toEqual({ express: true, reason: "tier gold" });
  });
});

describe("the record trees see", () => {
  test("the view has the computed express and its reason (absent when not express)", () => {
    const on = enrichCustomer(until("2027-03-01"), noon("2027-03-01"), GOLD);
    expect(on).toMatchObject({ express: true, expressReason: "subscription until 2027-03-01" });
    const off = enrichCustomer(until("2027-03-01"), noon("2027-03-02"), GOLD);
    expect(off.express).toBe(false);
    expect("expressReason" in off).toBe(false);
  });

  test("the lookup applies the daemon's rule at the call's time", async () => {
    const jonas = record({ tier: "gold" });
    const lookup = new CrmLookup({ name: "mem", findByPhone: async () => jonas }, { timeoutMs: 500, logger: createLogger("silent"), now: () => noon("2027-01-01"), express: GOLD });
    const outcome = await lookup.lookup("5550001");
    expect(outcome).toMatchObject({ status: "found", customer: { express: true, expressReason: "tier gold" } });
  });

  test("the customers file takes relative subscription dates; the demo has one running and one that ran out", () => {
    const now = noon("2026-11-22");
    const [c] = parseCustomers("x.yaml", 'customers:\n  - { id: c-1, name: A, phones: ["5550001"], subscription: { express: { from: "-10d", to: "today" } } }\n', now);
    expect(c!.subscription).toEqual({ express: { from: "2026-11-12", to: "2026-11-22" } });
    const demo = new Map(loadCustomersFile("config/customers.yaml", now).map((d) => [d.id, enrichCustomer(d, now, GOLD)]));
    expect(demo.get("c-1005")).toMatchObject({ express: true, expressReason: "subscription until 2027-08-19" });
    expect(demo.get("c-1006")).toMatchObject({ express: false, subscription: { express: { to: "2026-10-18" } } });
    expect(demo.get("c-1010")).toMatchObject({ express: true, expressReason: "tier gold" });
  });
});

describe("the express config", () => {
  test("a time zone Node does not know, and a price in fractions of a cent, are refused", () => {
    expect(expressConfigSchema.safeParse({ timeZone: "Mars/Olympus" }).success).toBe(false);
    const terms = { currency: "EUR", promptVersion: "v1" };
    expect(expressConfigSchema.safeParse({ upgrade: { ...terms, price: 1.999 } }).success).toBe(false);
    expect(expressConfigSchema.safeParse({ upgrade: { ...terms, price: 1.99, confirmKey: "12" } }).success).toBe(false);
    expect(expressConfigSchema.parse({ upgrade: { ...terms, price: 1.99 } }).upgrade).toEqual({ ...terms, price: 1.99, confirmKey: "1" });
  });

  test("a price is said as whole units and cents with the currency's words", () => {
    expect(spokenPrice(1.99, "EUR")).toEqual(["number:1", "sound:switchboard/currency-eur", "number:99", "sound:switchboard/currency-eur-cents"]);
    expect(spokenPrice(5, "EUR")).toEqual(["number:5", "sound:switchboard/currency-eur"]);
    expect(spokenPrice(0.5, "USD")).toEqual(["number:50", "sound:switchboard/currency-usd-cents"]);
    expect(spokenPrice(2.1, "EUR")).toEqual(["number:2", "sound:switchboard/currency-eur", "number:10", "sound:switchboard/currency-eur-cents"]);
  });
});
