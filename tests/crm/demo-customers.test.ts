import { describe, expect, test } from "vitest";
import { enrichCustomer, type CustomerView } from "../../src/crm/customer.js";
import { FileCustomerStore, loadCustomersFile } from "../../src/crm/file-store.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const views = loadCustomersFile("config/customers.yaml", NOW).map((c) => enrichCustomer(c, NOW));
const one = (what: string, pred: (c: CustomerView) => boolean) => {
  const found = views.filter(pred);
  expect(found.length, what).toBeGreaterThan(0);
  return found[0]!;
};

describe("config/customers.yaml (the demo's customers)", () => {
  test("c-1001..c-1010 answer on 5551001..5551010, other numbers are unknown callers", async () => {
    const store = FileCustomerStore.open("config/customers.yaml", NOW);
    for (let i = 1; i <= 10; i++) {
      const n = String(i).padStart(2, "0");
      expect((await store.findByPhone(`55510${n}`))?.id).toBe(`c-10${n}`);
    }
    expect(await store.findByPhone("5551011")).toBeNull();
    expect((await store.findByPhone("+1 555-1003"))?.name).toBe("Carla Diaz");
  });

  test("every offer situation the demo shows has a customer", () => {
    const carla = views.find((c) => c.phones.includes("5551003"))!;
    expect(carla.name).toBe("Carla Diaz");
    expect(carla.products[0]).toMatchObject({ name: "Pro", version: "4.2", currentVersion: "5.0", outdated: true });
    one("warranty ending in 12 days", (c) => c.products.some((p) => p.warrantyEndsInDays === 12));
    one("prepaid balance 1.80 EUR", (c) => c.prepaid?.balance === 1.8 && c.prepaid.currency === "EUR");
    one("product without service contract nor add-ons", (c) => c.products.some((p) => !p.serviceContract && p.addOns.length === 0 && !p.competitor));
    one("competitor's product", (c) => c.products.some((p) => p.competitor && p.vendor !== undefined));
    const waited = one("long past waits without express", (c) => !c.express && c.history.filter((h) => (h.waitSeconds ?? 0) >= 300).length >= 2);
    expect(waited.avgWaitSeconds).toBeGreaterThanOrEqual(300);
    one("contract ending in 20 days", (c) => c.contractEndsInDays === 20);
    const ivy = one("Ivy: bought 5 days ago, no add-ons", (c) => c.name.startsWith("Ivy") && c.products.some((p) => p.purchasedDaysAgo === 5 && p.addOns.length === 0));
    expect(ivy.phones).toEqual(["5551009"]);
    one("express subscriber on gold", (c) => c.express && c.tier === "gold");
    one("platinum tier", (c) => c.tier === "platinum");
    one("a name that is HTML", (c) => c.name === "<img src=x onerror=alert(1)>");
  });

  test("records look real: 8-digit account numbers, e-mails, history with dispositions", () => {
    expect(views).toHaveLength(10);
    for (const c of views) expect(c.accountNumber).toMatch(/^\d{8}$/);
    expect(views.filter((c) => c.email?.includes("@")).length).toBeGreaterThanOrEqual(9);
    const history = views.flatMap((c) => c.history);
    expect(history.length).toBeGreaterThanOrEqual(5);
    expect(history.every((h) => h.disposition !== undefined)).toBe(true);
  });
});
