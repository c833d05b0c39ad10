/**
 * The pure parts of the web-lead intake: the body's schema and its messages, the signature scheme and the
 * score formula (docs/outbound-web-leads.md). No sockets, no Redis.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { customerSchema, enrichCustomer } from "../../src/crm/customer.js";
import { loadOffers } from "../../src/offers/load.js";
import { customerPoints, fittingOffers, offerPoints, scoreLead, valuePoints } from "../../src/outbound/lead-score.js";
import { checkSignature, parseSignatureHeader, signWebLead, webLeadSecrets } from "../../src/outbound/web-auth.js";
import { webLeadsConfigSchema } from "../../src/outbound/web-config.js";
import { fieldPath, parseWebLead, type WebLeadInput } from "../../src/outbound/web-lead.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NOW = new Date("2026-03-10T12:00:00Z");

export function body(over: Partial<WebLeadInput> = {}): WebLeadInput {
  return {
    eventId: "evt-1001",
    kind: "abandoned-cart",
    occurredAt: "2026-03-10T11:55:00Z",
    customer: { phone: "+49 30 123456", name: "Dana Weber", email: "dana@example.com", customerId: "shop-77" },
    consent: { given: true, at: "2026-03-10T11:50:00+01:00", version: "checkout-call-consent-v3", source: "checkout-page" },
    cart: { items: [{ sku: "PRO-5", name: "Pro 5.0", quantity: 1, price: 249 }], value: 249, currency: "EUR" },
    ...over,
  };
}

const problems = (b: unknown) => {
  const p = parseWebLead(b, "DE");
  if (p.ok) throw new Error("expected problems");
  return p.problems;
};

describe("the request body", () => {
  test("a full body parses; the phone comes out in E.164, national numbers read with the default country", () => {
    const p = parseWebLead(body(), "DE");
    expect(p.ok && p.phone).toBe("+4930123456");
    const national = parseWebLead(body({ customer: { phone: "030 123456" } }), "DE");
    expect(national.ok && national.phone).toBe("+4930123456");
    const us = parseWebLead(body({ customer: { phone: "(201) 555-0123" } }), "US");
    expect(us.ok && us.phone).toBe("+12015550123");
  });

  test("a call-me needs no cart, an abandoned cart does", () => {
    const { cart: _c, ...rest } = body({ kind: "call-me" });
    expect(parseWebLead(rest, "DE").ok).toBe(true);
    expect(problems({ ...rest, kind: "abandoned-cart" })).toEqual([{ field: "cart", message: '"cart": an "abandoned-cart" lead needs its "cart"' }]);
  });

  test("problems name the field as the shop writes it", () => {
    const b = body();
    const bad = { ...b, cart: { ...b.cart!, items: [{ sku: "X", name: "X", quantity: 0, price: -1 }] } };
    const fields = problems(bad).map((p) => p.field);
    expect(fields).toEqual(["cart.items[0].quantity", "cart.items[0].price"]);
    expect(problems(bad)[1]!.message).toMatch(/price.*at least 0/);
    expect(problems({ ...b, consnet: {} })[0]).toMatchObject({ field: "consnet", message: expect.stringContaining('unknown field "consnet"') });
    const { consent: _consent, ...noConsent } = b;
    expect(problems(noConsent)[0]).toEqual({ field: "consent", message: 'missing required field "consent" in the body' });
    expect(problems({ ...b, customer: { name: "x" } })[0]).toEqual({ field: "customer.phone", message: 'missing required field "phone" in "customer"' });
    expect(problems([])[0]).toMatchObject({ field: "", message: expect.stringContaining("the body must be a mapping") });
    expect(problems({ ...b, consent: { given: true, at: "2026-03-10T11:50:00Z", source: "x" } })[0]!.message).toMatch(/"text" or "version"/);
    expect(problems({ ...b, occurredAt: "yesterday" })[0]).toMatchObject({ field: "occurredAt", message: expect.stringContaining("ISO 8601") });
    expect(problems({ ...b, occurredAt: "2026-03-10T11:55:00" })[0]!.field).toBe("occurredAt"); // no offset: ambiguous
    expect(problems({ ...b, kind: "browse" })[0]!.message).toMatch(/one of "abandoned-cart", "call-me"/);
    expect(problems({ ...b, eventId: "has space" })[0]!.field).toBe("eventId");
    expect(problems({ ...b, cart: { ...b.cart!, currency: "euro" } })[0]!.field).toBe("cart.currency");
  });

  test("a phone that is no callable number is refused with the reason", () => {
    expect(problems(body({ customer: { phone: "12" } }))[0]!.field).toBe("customer.phone");
    expect(problems(body({ customer: { phone: "+49 30" } }))[0]).toMatchObject({ field: "customer.phone", message: expect.stringContaining("not a number we can call") });
    expect(problems(body({ customer: { phone: "call me maybe" } }))[0]!.field).toBe("customer.phone");
  });

  test("the digest is of the parsed event: other spacing is the same event, another value is not", () => {
    const a = parseWebLead(JSON.parse(JSON.stringify(body(), null, 2)), "DE");
    const b = parseWebLead(body(), "DE");
    const c = parseWebLead(body({ cart: { ...body().cart!, value: 250 } }), "DE");
    expect(a.ok && b.ok && c.ok).toBe(true);
    if (a.ok && b.ok && c.ok) {
      expect(a.digest).toBe(b.digest);
      expect(c.digest).not.toBe(b.digest);
    }
  });

  test("fieldPath writes list items in brackets", () => {
    expect(fieldPath(["cart", "items", 2, "sku"])).toBe("cart.items[2].sku");
    expect(fieldPath([])).toBe("");
  });
});

describe("the signature", () => {
  const raw = Buffer.from(JSON.stringify(body()));
  const secret = "s3cr3t-for-tests-only-0123456789abcdef";
  const t = 1_773_000_000;

  test("t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\">, as openssl computes it", () => {
    const header = signWebLead(raw, secret, t);
    expect(header).toMatch(/^t=1773000000,v1=[0-9a-f]{64}$/);
    expect(checkSignature(raw, header, [secret], t + 10, 300)).toEqual({ ok: true, t });
  });

  test("the wrong secret, a changed body or a changed t do not verify", () => {
    const header = signWebLead(raw, secret, t);
    expect(checkSignature(raw, header, ["another-secret"], t, 300)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(checkSignature(Buffer.concat([raw, Buffer.from(" ")]), header, [secret], t, 300)).toMatchObject({ ok: false, reason: "mismatch" });
    // a replayer moving t into the window breaks the signature: t is signed
    const moved = header.replace(`t=${t}`, `t=${t + 1000}`);
    expect(checkSignature(raw, moved, [secret], t + 1000, 300)).toMatchObject({ ok: false, reason: "mismatch" });
  });

  test("outside the tolerance, either way, it is stale; only a right signature is ever called stale", () => {
    const header = signWebLead(raw, secret, t);
    expect(checkSignature(raw, header, [secret], t + 301, 300)).toMatchObject({ ok: false, reason: "stale" });
    expect(checkSignature(raw, header, [secret], t - 301, 300)).toMatchObject({ ok: false, reason: "stale" });
    expect(checkSignature(raw, header, [secret], t + 300, 300).ok).toBe(true);
    expect(checkSignature(raw, signWebLead(raw, "forged", t), [secret], t + 5000, 300)).toMatchObject({ reason: "mismatch" });
  });

  test("missing and malformed headers", () => {
    expect(checkSignature(raw, undefined, [secret], t, 300)).toMatchObject({ reason: "missing" });
    for (const h of ["v1=abc", "t=abc,v1=00", "t=1,t=2,v1=00", "sha256=00", "t=1"]) expect(checkSignature(raw, h, [secret], t, 300), h).toMatchObject({ ok: false });
    expect(parseSignatureHeader("t=5, v1=AA ,v0=zz,v1=bb")).toEqual({ t: 5, v1: ["aa", "bb"] });
  });

  test("rotation: either secret verifies, and the header may carry one v1 per secret", () => {
    const old = "old-secret-0123456789";
    const both = `${signWebLead(raw, old, t)},v1=${signWebLead(raw, secret, t).split("v1=")[1]}`;
    expect(checkSignature(raw, both, [secret], t, 300).ok).toBe(true);
    expect(checkSignature(raw, signWebLead(raw, old, t), [secret, old], t, 300).ok).toBe(true);
    expect(webLeadSecrets({ secretEnv: "A", previousSecretEnv: "B" }, { A: "x", B: "" })).toEqual(["x"]);
    expect(checkSignature(raw, signWebLead(raw, "", t), [""], t, 300)).toMatchObject({ reason: "mismatch" });
  });

  test("the config section's defaults", () => {
    expect(webLeadsConfigSchema.parse({ secretEnv: "SB_WEB_LEADS_SECRET" })).toMatchObject({ toleranceSeconds: 300, queue: "web-leads", site: "main", maxBodyBytes: 65_536, keepDays: 30, rateLimit: { perMinute: 120, burst: 30 } });
    expect(webLeadsConfigSchema.safeParse({ secretEnv: "lower" }).success).toBe(false);
    expect(webLeadsConfigSchema.safeParse({ secretEnv: "X", secret: "inline" }).success).toBe(false);
  });
});

describe("the score", () => {
  const customer = (fields: Record<string, unknown> = {}) => enrichCustomer(customerSchema.parse({ id: "c-1", name: "Dana", phones: ["+4930123456"], ...fields }), NOW);
  const rules = (() => {
    const r = loadOffers(path.join(root, "config/offers.yaml"));
    if (!r.ok) throw new Error("offers");
    return r.rules;
  })();

  test("value: a log scale to fullValue, capped at 40", () => {
    expect(valuePoints(undefined, 1000)).toBe(0);
    expect(valuePoints(0, 1000)).toBe(0);
    expect(valuePoints(1000, 1000)).toBe(40);
    expect(valuePoints(5000, 1000)).toBe(40);
    expect(valuePoints(31, 1000)).toBeCloseTo((40 * Math.log(32)) / Math.log(1001), 6); // ~20
    expect(valuePoints(100, 1000)).toBeGreaterThan(valuePoints(50, 1000));
  });

  test("customer: known 5, tier, express 5, sold before 5, products up to 3", () => {
    expect(customerPoints(undefined)).toBe(0);
    expect(customerPoints(customer())).toBe(5);
    const best = customer({
      tier: "platinum",
      express: true,
      products: [1, 2, 3, 4].map((i) => ({ sku: `P${i}`, name: `P${i}` })),
      history: [{ at: "2026-01-01T10:00:00Z", offers: [{ offer: "x", outcome: "sold", amount: 10 }] }],
    });
    expect(customerPoints(best)).toBe(30);
    expect(customerPoints(customer({ tier: "gold" }))).toBe(13);
  });

  test("offers: 5 when any fits, plus up to 10 by the best one's value", () => {
    expect(offerPoints([], 1000)).toBe(0);
    const o = { id: "a", title: "A", kind: "sell-in-call" as const, value: 500, currency: "EUR", priority: 1, facts: [], pitch: "" };
    expect(offerPoints([o], 1000)).toBe(10);
    expect(offerPoints([o, { ...o, value: 2000 }], 1000)).toBe(15);
  });

  test("the sum, rounded and within 0-100; call-me outranks the same abandoned cart", () => {
    const cart = scoreLead({ kind: "abandoned-cart", cartValue: 1000, offers: [] }, { fullValue: 1000 });
    expect(cart).toEqual({ score: 45, parts: { value: 40, intent: 5, customer: 0, offers: 0 } });
    expect(scoreLead({ kind: "call-me", offers: [] }, { fullValue: 1000 }).score).toBe(15);
    expect(scoreLead({ kind: "call-me", cartValue: 1000, offers: [] }, { fullValue: 1000 }).score).toBeGreaterThan(cart.score);
    const o = { id: "a", title: "A", kind: "sell-in-call" as const, value: 5000, currency: "EUR", priority: 1, facts: [], pitch: "" };
    const top = customer({ tier: "platinum", express: true, products: [1, 2, 3].map((i) => ({ sku: `P${i}`, name: `P${i}` })), history: [{ at: "2026-01-01T10:00:00Z", offers: [{ offer: "x", outcome: "sold" }] }] });
    expect(scoreLead({ kind: "call-me", cartValue: 9999, customer: top, offers: [o] }, { fullValue: 1000 }).score).toBe(100);
  });

  test("the offer rules apply to a record without a call: rules on the record fit, rules on the IVR do not", () => {
    const c = customer({ tier: "gold", products: [{ sku: "PRO", name: "Pro", version: "4.2", currentVersion: "5.0", serviceContract: true }] });
    const fit = fittingOffers(rules, c, { kind: "abandoned-cart", phone: "+4930123456", cart: body().cart! });
    expect(fit.map((o) => o.id)).toContain("upgrade-outdated-version");
    expect(fit.find((o) => o.id === "upgrade-outdated-version")!.facts).toContain("Pro 4.2 installed, 5.0 current");
    // a cap used up keeps the offer out, as in a pop
    const capped = fittingOffers(rules, c, { kind: "call-me", phone: "+4930123456" }, { capsUsed: { "upgrade-outdated-version": 99 } });
    expect(capped.map((o) => o.id)).not.toContain("upgrade-outdated-version");
    expect(fittingOffers(rules, customer(), { kind: "call-me", phone: "+4930123456" }, { limit: 1 }).length).toBeLessThanOrEqual(1);
  });
});
