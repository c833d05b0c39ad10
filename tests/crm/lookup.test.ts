import { describe, expect, test } from "vitest";
import type { Customer } from "../../src/crm/customer.js";
import { parseCustomers } from "../../src/crm/file-store.js";
import { CrmLookup } from "../../src/crm/lookup.js";
import type { CustomerStore } from "../../src/crm/store.js";
import { createLogger } from "../../src/lib/logger.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const logger = createLogger("silent");
const [CARLA] = parseCustomers("x.yaml", 'customers:\n  - { id: c-1003, name: Carla Diaz, phones: ["5551003"], contractEnds: "+20d", products: [{ sku: PRO, name: Pro, version: "4.2", currentVersion: "5.0" }] }\n', NOW) as [Customer];

describe("CrmLookup", () => {
  test("a store that never answers gives an error outcome at the timeout and is told to stop", async () => {
    let signal: AbortSignal | undefined;
    const hung: CustomerStore = {
      name: "hung",
      findByPhone: (_p, s) => {
        signal = s;
        return new Promise(() => {});
      },
    };
    const outcome = await new CrmLookup(hung, { timeoutMs: 50, logger }).lookup("5551001");
    expect(outcome).toEqual({ status: "error", error: "hung CRM timed out after 50 ms" });
    expect(signal?.aborted).toBe(true);
  });

  test("never throws: rejected promises, synchronous throws and odd rejection values become error outcomes", async () => {
    const cases: Array<[CustomerStore["findByPhone"], string]> = [
      [() => Promise.reject(new Error("HTTP 503")), "broken CRM: HTTP 503"],
      [() => { throw new TypeError("boom"); }, "broken CRM: boom"],
      [() => Promise.reject("down"), "broken CRM: down"],
    ];
    for (const [findByPhone, error] of cases) {
      await expect(new CrmLookup({ name: "broken", findByPhone }, { timeoutMs: 500, logger }).lookup("5551001")).resolves.toEqual({ status: "error", error });
    }
  });

  test("returns the enriched view; unknown and withheld numbers are not-found without asking for nobody", async () => {
    const asked: string[] = [];
    const store: CustomerStore = { name: "mem", findByPhone: async (p) => (asked.push(p), p === "5551003" ? CARLA : null) };
    const crm = new CrmLookup(store, { timeoutMs: 500, logger, now: () => NOW });
    expect(await crm.lookup("5551003")).toMatchObject({ status: "found", customer: { name: "Carla Diaz", contractEndsInDays: 20, products: [{ outdated: true }] } });
    expect(await crm.lookup("5550000")).toEqual({ status: "not-found" });
    expect(await crm.lookup("anonymous")).toEqual({ status: "not-found" });
    expect(asked).toEqual(["5551003", "5550000"]);
  });

  test("prefetch is shared per call until forgotten", async () => {
    let calls = 0;
    const counting: CustomerStore = { name: "c", findByPhone: async () => (calls++, CARLA) };
    const crm = new CrmLookup(counting, { timeoutMs: 500, logger });
    const [a, b] = await Promise.all([crm.prefetch("call-1", "5551003"), crm.prefetch("call-1", "5551003")]);
    expect(a).toBe(b);
    expect(await crm.get("call-1")).toBe(a);
    expect(calls).toBe(1);
    crm.forget("call-1");
    expect(crm.get("call-1")).toBeUndefined();
    await crm.prefetch("call-1", "5551003");
    expect(calls).toBe(2);
  });
});
