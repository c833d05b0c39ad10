import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { enrichCustomer } from "../../src/crm/customer.js";
import { CustomerFileError, FileCustomerStore, HISTORY_CAP, loadCustomersFile, parseCustomers } from "../../src/crm/file-store.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const dir = mkdtempSync(path.join(tmpdir(), "sb-crm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a broken file and returns every message loading it gives, exactly as an admin sees them. */
function errorsOf(name: string, text: string): string[] {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  try {
    loadCustomersFile(file, NOW);
  } catch (err) {
    if (!(err instanceof CustomerFileError)) throw err;
    return err.message.split("\n").map((line) => line.replace(`${dir}${path.sep}`, ""));
  }
  throw new Error(`${name} loaded without error`);
}

const ONE = 'customers:\n  - id: a\n    name: A\n    phones: ["5551001"]\n';

describe("customer file", () => {
  test("relative dates resolve against the load time and feed the derived facts", () => {
    const [c] = parseCustomers(
      "x.yaml",
      `${ONE}    contractEnds: "+20d"\n    products: [{ sku: P, name: Pro, version: "4.2", currentVersion: "5.0", purchased: -5d, warrantyEnds: "+12d" }]\n    history: [{ at: today, waitSeconds: 30 }, { at: "-30d", waitSeconds: 400 }]\n`,
      NOW,
    );
    expect(c!.contractEnds).toBe("2026-12-12");
    expect(c!.products[0]).toMatchObject({ purchased: "2026-11-17", warrantyEnds: "2026-12-04" });
    expect(c!.history.map((h) => h.at)).toEqual(["2026-11-22T10:00:00.000Z", "2026-10-23T10:00:00.000Z"]);
    const view = enrichCustomer(c!, NOW);
    expect(view).toMatchObject({ contractEndsInDays: 20, maxWaitSeconds: 400, callsLast90Days: 2 });
    expect(view.products[0]).toMatchObject({ outdated: true, warrantyEndsInDays: 12, purchasedDaysAgo: 5 });
  });

  test("only date fields take relative dates: a customer may be called 'today'", () => {
    const [c] = parseCustomers("x.yaml", 'customers:\n  - { id: a, name: today, phones: ["1"], tags: ["+12d"] }\n', NOW);
    expect(c).toMatchObject({ name: "today", tags: ["+12d"] });
  });

  test("history is kept newest first whatever the file's order", () => {
    const [c] = parseCustomers("x.yaml", `${ONE}    history: [{ at: "-80d" }, { at: "-10d" }, { at: "2026-10-01T08:00:00Z" }]\n`, NOW);
    expect(c!.history.map((h) => h.at.slice(0, 10))).toEqual(["2026-11-12", "2026-10-01", "2026-09-03"]);
  });

  test("every problem names file:line:column and the field", () => {
    expect(errorsOf("tier.yaml", `${ONE}    tier: diamond\n`)).toEqual([
      'tier.yaml:5:11: error: "tier" of customer "a" must be one of "standard", "silver", "gold", "platinum", not "diamond"',
    ]);
    expect(errorsOf("typo.yaml", `${ONE}    tire: gold\n`)).toEqual(['typo.yaml:5:5: error: unknown field "tire" in customer "a" (did you mean "tier"?)']);
    expect(errorsOf("missing.yaml", 'customers:\n  - id: a\n    phones: ["1"]\n')).toEqual(['missing.yaml:2:5: error: missing required field "name" in customer "a"']);
    expect(errorsOf("date.yaml", `${ONE}    contractEnds: "+12x"\n`)).toEqual([
      'date.yaml:5:19: error: "contractEnds" of customer "a" must be a date like 2026-12-31, not "+12x" (or relative to load time: today, +12d, -30d)',
    ]);
    expect(errorsOf("version.yaml", `${ONE}    products:\n      - { sku: P, name: Pro, version: 4.2 }\n`)).toEqual([
      'version.yaml:6:39: error: "version" of "products" item 1 of customer "a" must be text, not 4.2',
    ]);
    expect(errorsOf("at.yaml", `${ONE}    history:\n      - { at: yesterday, disposition: resolved }\n`)).toEqual([
      'at.yaml:6:15: error: "at" of history entry 1 of customer "a" must be a time like 2026-11-02T14:30:00Z (or relative: today, -30d), not "yesterday"',
    ]);
    expect(errorsOf("balance.yaml", `${ONE}    prepaid: { balance: "lots" }\n`)).toEqual(['balance.yaml:5:25: error: "prepaid.balance" of customer "a" must be a number, not "lots"']);
    expect(errorsOf("phone.yaml", 'customers:\n  - id: a\n    name: A\n    phones: ["n/a"]\n')).toEqual([
      'phone.yaml:4:14: error: "phones" item 1 of customer "a" must be a phone number (digits), not "n/a"',
    ]);
  });

  test("a duplicate id, a number shared by two customers and a repeated key are errors", () => {
    expect(errorsOf("dup-id.yaml", `${ONE}  - id: a\n    name: B\n    phones: ["5551002"]\n`)).toEqual([
      'dup-id.yaml:5:9: error: customer id "a" is used twice (first by customer 1 of the list)',
    ]);
    // The same subscriber number written with a country code still identifies one caller.
    expect(errorsOf("dup-phone.yaml", `${ONE}  - id: b\n    name: B\n    phones: ["5551002", "+1 555-1001"]\n`)).toEqual([
      'dup-phone.yaml:7:25: error: phone "+1 555-1001" of customer "b" matches 5551001 of customer "a": a caller must identify one customer',
    ]);
    expect(errorsOf("dup-key.yaml", 'customers:\n  - id: a\n    name: A\n    name: B\n    phones: ["1"]\n')).toEqual([
      'dup-key.yaml:4:5: error: key "name" appears twice in customers (first at line 3); only one of them would be used',
    ]);
  });

  test("broken YAML, an empty file and a wrong top level are reported, not thrown raw", () => {
    expect(errorsOf("syntax.yaml", "customers: [\n")).toEqual([
      "syntax.yaml:2:1: error: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
    expect(errorsOf("empty.yaml", "")).toEqual(["empty.yaml:1:1: error: the file is empty: it needs `customers:` with a list of customers"]);
    expect(errorsOf("top.yaml", "customer:\n  - id: a\n")).toEqual([
      'top.yaml:1:1: error: missing required field "customers" in the file',
      'top.yaml:1:1: error: unknown field "customer" in the file (did you mean "customers"?)',
    ]);
  });
});

describe("FileCustomerStore", () => {
  test("finds customers by any formatting of their number and keeps appended history in memory, capped", async () => {
    const store = new FileCustomerStore(parseCustomers("x.yaml", `${ONE}    history: [{ at: "-1d", disposition: resolved }]\n`, NOW));
    expect((await store.findByPhone("+1 (555) 100-1"))?.id).toBe("a");
    expect(await store.findByPhone("5551002")).toBeNull();
    for (let i = 0; i < HISTORY_CAP + 5; i++) await store.appendHistory("a", { at: new Date(NOW.getTime() + i * 1000).toISOString(), callId: `call-${i}` });
    const a = await store.findByPhone("5551001");
    expect(a!.history).toHaveLength(HISTORY_CAP);
    expect(a!.history[0]!.callId).toBe(`call-${HISTORY_CAP + 4}`);
    await expect(store.appendHistory("nobody", { at: NOW.toISOString() })).rejects.toThrow('no customer "nobody"');
  });

  test("a caller changing the returned record does not change the store", async () => {
    const store = new FileCustomerStore(parseCustomers("x.yaml", ONE, NOW));
    const first = await store.findByPhone("5551001");
    first!.name = "changed";
    expect((await store.findByPhone("5551001"))!.name).toBe("A");
  });
});
