import { describe, expect, test } from "vitest";
import { CrmLookup } from "../../src/crm/lookup.js";
import { CustomerFileError, FileCustomerStore, loadCustomersFile, parseCustomers } from "../../src/crm/file-store.js";
import { normalizePhone, type CustomerStore } from "../../src/crm/store.js";
import { createLogger } from "../../src/lib/logger.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const logger = createLogger("silent");

function problems(text: string): string[] {
  try {
    parseCustomers("customers.yaml", text, NOW);
  } catch (err) {
    if (err instanceof CustomerFileError) return err.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    throw err;
  }
  return [];
}

describe("customer file", () => {
  test("relative dates resolve against the load time, and the derived facts follow", async () => {
    const [c] = parseCustomers("x.yaml", 'customers:\n  - id: a\n    name: A\n    phones: ["1"]\n    contractEnds: "+20d"\n    products: [{ sku: P, name: Pro, version: "4.2", currentVersion: "5.0", warrantyEnds: "+12d" }]\n', NOW);
    expect(c!.contractEnds).toBe("2026-12-12");
    const view = await new CrmLookup(new FileCustomerStore([c!]), { timeoutMs: 500, logger, now: () => NOW }).lookup("1");
    expect(view).toMatchObject({ status: "found", customer: { contractEndsInDays: 20, products: [{ outdated: true, warrantyEndsInDays: 12 }] } });
  });

  test("errors name the line, column and field", () => {
    expect(problems('customers:\n  - id: a\n    name: A\n    phones: ["1"]\n    tier: diamond\n')).toEqual([
      '5:11: customers.0.tier: Invalid option: expected one of "standard"|"silver"|"gold"|"platinum"',
    ]);
    expect(problems('customers:\n  - id: a\n    name: A\n    phones: ["1"]\n  - id: a\n    name: B\n    phones: ["+1"]\n')).toEqual([
      '5:9: duplicate customer id "a" (also customer 1)',
    ]);
    expect(problems('customers:\n  - id: a\n    name: A\n    phones: ["555 1001"]\n  - id: b\n    name: B\n    phones: ["5551001"]\n')).toEqual([
      "7:14: phone 5551001 also belongs to customer a",
    ]);
    expect(problems("customers: [\n")[0]).toMatch(/^\d+:\d+: YAML syntax error/);
  });

  test("the shipped demo customers load and cover the demo's cases", () => {
    const all = loadCustomersFile("config/customers.yaml", NOW);
    expect(all.map((c) => c.phones[0])).toEqual(Array.from({ length: 10 }, (_, i) => `55510${String(i + 1).padStart(2, "0")}`));
    const carla = all.find((c) => c.name === "Carla Diaz")!;
    expect(carla.products[0]).toMatchObject({ version: "4.2", currentVersion: "5.0" });
    expect(all.some((c) => c.name === "<img src=x onerror=alert(1)>")).toBe(true);
    expect(all.some((c) => c.express)).toBe(true);
  });

  test("phone numbers match on their digits", async () => {
    expect(normalizePhone("+1 555-555-1002")).toBe("+15555551002");
    expect(normalizePhone(" 555 1002 ")).toBe("5551002");
    const store = FileCustomerStore.open("config/customers.yaml", NOW);
    expect((await store.findByPhone("555-1002"))?.id).toBe("c-1002");
    expect(await store.findByPhone("5559999")).toBeNull();
  });
});

describe("CrmLookup", () => {
  const hung: CustomerStore = { name: "hung", findByPhone: () => new Promise(() => {}) };
  const failing: CustomerStore = { name: "broken", findByPhone: () => Promise.reject(new Error("HTTP 503")) };

  test("a store that never answers gives an error outcome after the timeout, never a throw", async () => {
    const outcome = await new CrmLookup(hung, { timeoutMs: 50, logger }).lookup("5551001");
    expect(outcome).toEqual({ status: "error", error: "hung CRM timed out after 50 ms" });
  });

  test("a failing store gives an error outcome; an unknown caller is not-found", async () => {
    expect(await new CrmLookup(failing, { timeoutMs: 500, logger }).lookup("1")).toEqual({ status: "error", error: "broken CRM: HTTP 503" });
    expect(await new CrmLookup(FileCustomerStore.open("config/customers.yaml"), { timeoutMs: 500, logger }).lookup("5550000")).toEqual({ status: "not-found" });
  });

  test("prefetch is shared per call until forgotten", async () => {
    let calls = 0;
    const counting: CustomerStore = { name: "c", findByPhone: async () => (calls++, null) };
    const crm = new CrmLookup(counting, { timeoutMs: 500, logger });
    await Promise.all([crm.prefetch("call-1", "1"), crm.prefetch("call-1", "1")]);
    expect(calls).toBe(1);
    crm.forget("call-1");
    await crm.prefetch("call-1", "1");
    expect(calls).toBe(2);
  });
});
