import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { customerSchema, enrichCustomer } from "../../src/crm/customer.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { celFields, offerCallSchema, type OfferCallInput } from "../../src/offers/context.js";
import { loadOffers, parseOffers, type OfferRules } from "../../src/offers/load.js";
import { evaluateOffers, rankOffers } from "../../src/offers/rank.js";
import { rankedOfferSchema } from "../../src/offers/ranked.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NOW = new Date("2026-03-10T12:00:00Z");
const day = (offset: number) => new Date(NOW.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

function shipped(): OfferRules {
  const r = loadOffers(path.join(root, "config/offers.yaml"));
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.rules;
}
const rules = shipped();

function customer(fields: Record<string, unknown> = {}) {
  return enrichCustomer(customerSchema.parse({ id: "c-1", name: "Test Caller", phones: ["5550001"], ...fields }), NOW);
}
const call = (fields: Partial<OfferCallInput> = {}) => offerCallSchema.parse({ callerNumber: "5550001", ...fields });
const fired = (c: ReturnType<typeof customer>, cl = call()) => evaluateOffers(rules, { customer: c, call: cl, vars: {} }, { capsUsed: {} });
const ids = (c: ReturnType<typeof customer>, cl = call()) => fired(c, cl).offers.map((o) => o.id);

/** For each shipped rule: a caller it targets (with the facts the agent reads) and a close one it does not. */
const cases: Array<{ id: string; fits: Record<string, unknown>; facts: string[]; doesNotFit: Record<string, unknown> }> = [
  {
    id: "upgrade-outdated-version",
    fits: { products: [{ sku: "PRO", name: "Pro", version: "4.2", currentVersion: "5.0", serviceContract: true }] },
    facts: ["Pro 4.2 installed, 5.0 current"],
    doesNotFit: { products: [{ sku: "PRO", name: "Pro", version: "5.0", currentVersion: "5.0", serviceContract: true }] },
  },
  {
    id: "warranty-extension",
    fits: { products: [{ sku: "TV", name: "Vision TV", warrantyEnds: day(12) }] },
    facts: ["Vision TV warranty ends in 12 days"],
    doesNotFit: { products: [{ sku: "TV", name: "Vision TV", warrantyEnds: day(31) }] },
  },
  {
    id: "contract-renewal",
    fits: { contractEnds: day(45), tier: "gold" },
    facts: ["contract ends in 45 days", "gold customer"],
    doesNotFit: { contractEnds: day(46) },
  },
  {
    id: "prepaid-top-up",
    fits: { prepaid: { balance: 1.8, currency: "EUR" } },
    facts: ["prepaid balance 1.80 EUR"],
    doesNotFit: { prepaid: { balance: 5, currency: "EUR" } },
  },
  {
    id: "accessories-after-purchase",
    fits: { products: [{ sku: "TV", name: "Vision TV", purchased: day(-10) }] },
    facts: ["Vision TV bought 10 days ago, no accessories yet"],
    doesNotFit: { products: [{ sku: "TV", name: "Vision TV", purchased: day(-10), addOns: ["wall-mount"] }] },
  },
  {
    id: "training-after-purchase",
    fits: { products: [{ sku: "PRO", name: "Pro", version: "5.0", currentVersion: "5.0", purchased: day(-20), addOns: ["dock"], serviceContract: true }] },
    facts: ["Pro 5.0 bought 20 days ago, no training booked"],
    doesNotFit: { products: [{ sku: "PRO", name: "Pro", version: "5.0", currentVersion: "5.0", purchased: day(-20), addOns: ["dock", "training"], serviceContract: true }] },
  },
  {
    id: "service-contract",
    fits: { products: [{ sku: "HOME-HUB", name: "Home Hub" }] },
    facts: ["Home Hub has no service contract"],
    doesNotFit: { products: [{ sku: "HOME-HUB", name: "Home Hub", serviceContract: true }] },
  },
  {
    id: "competitor-switch",
    fits: { products: [{ sku: "ROUTER-X2", name: "Router X2", competitor: true, vendor: "Netlink" }] },
    facts: ["uses a competitor's Router X2", "vendor: Netlink"],
    doesNotFit: { products: [{ sku: "ROUTER-X2", name: "Router X2", vendor: "Netlink" }] },
  },
  {
    id: "express-lane-subscription",
    fits: { history: [{ at: `${day(-5)}T10:00:00Z`, waitSeconds: 180 }] },
    facts: ["average wait 180 s, longest 180 s"],
    doesNotFit: { express: true, history: [{ at: `${day(-5)}T10:00:00Z`, waitSeconds: 400 }] },
  },
];

describe("each shipped rule", () => {
  test("the table covers every shipped rule", () => {
    expect(cases.map((c) => c.id).sort()).toEqual(rules.offers.map((o) => o.rule.id).sort());
  });
  for (const c of cases) {
    test(`${c.id} fires for the caller it targets, with its facts, and not for a near miss`, () => {
      const result = fired(customer(c.fits));
      const offer = result.offers.find((o) => o.id === c.id);
      expect(offer?.facts).toEqual(c.facts);
      expect(offer?.pitch.length).toBeGreaterThan(40);
      expect(rankedOfferSchema.parse(offer)).toEqual(offer);
      expect(ids(customer(c.doesNotFit))).not.toContain(c.id);
      expect(fired(customer(c.doesNotFit)).skipped.find((s) => s.id === c.id)?.reason).toBe("condition-false");
    });
  }

  test("a customer nothing fits gets no offers, and every rule says why", () => {
    const r = fired(customer({ express: true, products: [{ sku: "FIBER", name: "Fiber", serviceContract: true, purchased: day(-400) }] }));
    expect(r.offers).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual(rules.offers.map(() => "condition-false"));
  });

  test("facts that read the call appear only when the call gives them", () => {
    const c = customer({ history: [{ at: `${day(-5)}T10:00:00Z`, waitSeconds: 400 }] });
    const express = (cl: ReturnType<typeof call>) => fired(c, cl).offers.find((o) => o.id === "express-lane-subscription")!.facts;
    expect(express(call({ waitSeconds: 30 }))).toEqual(["average wait 400 s, longest 400 s"]);
    expect(express(call({ waitSeconds: 95 }))).toEqual(["average wait 400 s, longest 400 s", "waited 95 s on this call"]);
  });
});

describe("the demo customers", () => {
  test("every shipped rule fires for at least one demo customer", () => {
    const demo = loadCustomersFile(path.join(root, "config/customers.yaml"), NOW);
    const firedFor = new Map<string, string[]>();
    for (const c of demo) {
      for (const o of rankOffers(rules, { customer: enrichCustomer(c, NOW), call: call({ callerNumber: c.phones[0]! }), vars: {} }, { capsUsed: {} })) {
        firedFor.set(o.id, [...(firedFor.get(o.id) ?? []), c.id]);
      }
    }
    for (const o of rules.offers) expect(firedFor.get(o.rule.id), o.rule.id).toBeDefined();
    // The demo's showcase caller: outdated Pro with a warranty about to end.
    expect(firedFor.get("upgrade-outdated-version")).toEqual(["c-1003"]);
  });
});

const rulesText = (offers: string) => `currency: EUR\noffers:\n${offers}`;
const offer = (id: string, extra: string) =>
  `  - id: ${id}\n    title: ${id}\n    kind: sell-in-call\n    facts: [{ text: "fact of ${id}" }]\n    pitch: "pitch of ${id}"\n    cap: { times: 1, days: 7 }\n${extra}`;
function parse(text: string): OfferRules {
  const r = parseOffers("test.yaml", text);
  if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
  return r.rules;
}

describe("ranking", () => {
  const four = parse(
    rulesText(
      offer("low", '    when: "true"\n    value: 500\n    priority: 1\n') +
        offer("high-cheap", '    when: "true"\n    value: 10\n    priority: 9\n') +
        offer("high-dear", '    when: "true"\n    value: 90\n    priority: 9\n') +
        offer("mid", '    when: "true"\n    value: 50\n    priority: 5\n'),
    ),
  );
  const ctx = { customer: customer(), call: call(), vars: {} };

  test("higher priority first, then higher value", () => {
    expect(rankOffers(four, ctx, { capsUsed: {} }).map((o) => o.id)).toEqual(["high-dear", "high-cheap", "mid", "low"]);
  });

  test("limit keeps the top offers and reports the rest as over the limit", () => {
    const r = evaluateOffers(four, ctx, { capsUsed: {}, limit: 2 });
    expect(r.offers.map((o) => o.id)).toEqual(["high-dear", "high-cheap"]);
    expect(r.skipped).toEqual([
      { id: "mid", title: "mid", reason: "over-limit", limit: 2 },
      { id: "low", title: "low", reason: "over-limit", limit: 2 },
    ]);
  });

  test("an offer presented as often as its cap allows is dropped, one below the cap still shows", () => {
    const r = evaluateOffers(four, ctx, { capsUsed: { "high-dear": 1, mid: 0 } });
    expect(r.offers.map((o) => o.id)).toEqual(["high-cheap", "mid", "low"]);
    expect(r.skipped).toEqual([{ id: "high-dear", title: "high-dear", reason: "capped", used: 1, times: 1, days: 7 }]);
  });

  test("a CEL runtime error means the offer does not fit; it is reported, never thrown", () => {
    const r = parse(
      rulesText(
        offer("needs-contract", '    when: customer.contractEndsInDays < 30\n    value: 1\n    priority: 1\n') +
          offer("empty-pick", '    when: "true"\n    product: customer.products[0]\n    value: 1\n    priority: 1\n') +
          offer("fine", '    when: "true"\n    value: 1\n    priority: 1\n'),
      ),
    );
    const result = evaluateOffers(r, ctx, { capsUsed: {} });
    expect(result.offers.map((o) => o.id)).toEqual(["fine"]);
    expect(result.skipped).toEqual([
      { id: "needs-contract", title: "needs-contract", reason: "error", message: "No such key: contractEndsInDays" },
      { id: "empty-pick", title: "empty-pick", reason: "error", message: expect.stringMatching(/index out of bounds/) },
    ]);
  });

  test("templates render caller data as plain text: markup stays literal", () => {
    const r = parse(rulesText(offer("hello", '    when: "true"\n    value: 1\n    priority: 1\n').replace('"pitch of hello"', '"Hello {{ customer.name }}, tags: {{ customer.tags }} & more"')));
    const [o] = rankOffers(r, { customer: customer({ name: "<img src=x onerror=alert(1)>", tags: ["<b>", "a&b"] }), call: call(), vars: {} }, { capsUsed: {} });
    expect(o!.pitch).toBe("Hello <img src=x onerror=alert(1)>, tags: <b>, a&b & more");
  });

  test("conditions can read the IVR path, digits, lane and vars", () => {
    const r = parse(
      rulesText(
        offer("billing", '    when: call.path.exists(s, s.choice == "2") && call.digits["account"] == "1234" && call.lane == "standard" && vars.vip == true\n    value: 1\n    priority: 1\n'),
      ),
    );
    const cl = call({ lane: "standard", path: [{ node: "main#menu", choice: "2", label: "billing" }], digits: { account: "1234" } });
    expect(rankOffers(r, { customer: customer(), call: cl, vars: { vip: true } }, { capsUsed: {} }).map((o) => o.id)).toEqual(["billing"]);
    expect(rankOffers(r, { customer: customer(), call: cl, vars: { vip: false } }, { capsUsed: {} })).toEqual([]);
  });
});

describe("CEL declarations", () => {
  test("every customer and product field of the CRM record is visible to rules", () => {
    const shape = (s: unknown) => Object.keys((s as { shape: Record<string, unknown> }).shape);
    expect(celFields("Customer")).toEqual(expect.arrayContaining([...shape(customerSchema), "contractEndsInDays", "callsLast90Days", "avgWaitSeconds", "maxWaitSeconds"]));
    const view = customer({ contractEnds: day(3), products: [{ sku: "A", name: "A", version: "1", currentVersion: "2", purchased: day(-1), warrantyEnds: day(1) }] });
    expect(celFields("Customer").sort()).toEqual(expect.arrayContaining(Object.keys(view).sort()));
    expect(celFields("Product")).toEqual(expect.arrayContaining(Object.keys(view.products[0]!)));
  });
});
