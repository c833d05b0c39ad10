/** The driver's side of the express upgrade, without a PBX: terms, consent, billing payload, retries. */
import { describe, expect, test } from "vitest";
import { ExpressDriver, type AdmissionSource } from "../../src/calls/express-driver.js";
import { consentOf, saleTermsFor, upgradePayload } from "../../src/calls/express-sale.js";
import type { CallSession } from "../../src/calls/session-store.js";
import { expressConfigSchema } from "../../src/crm/express-config.js";
import type { CallState, StepResult } from "../../src/ivr/engine/index.js";
import { expressUpgradePayloadSchema, type ExpressUpgradePayload } from "../../src/jobs/index.js";
import { createLogger } from "../../src/lib/logger.js";

const CONFIG = expressConfigSchema.parse({ tiers: ["gold"], upgrade: { price: 1.99, currency: "EUR", confirmKey: "1", promptVersion: "v1" } });
const logger = createLogger("silent");
const PURCHASE = { type: "purchase", product: "express-upgrade", price: 1.99, currency: "EUR", digits: "1", promptVersion: "v1", node: "express-upgrade#quote" } as const;
const AT = Date.parse("2026-11-22T10:04:31.000Z");

function state(customer: Record<string, unknown> | null = { id: "c-1003", name: "Carla Diaz", express: true }): CallState {
  return { callId: "1732270000.42", version: "v", tree: "main", node: "express-upgrade#thanks", status: "waiting", waiting: null, attempt: 0, digits: "", seq: 9, call: { callId: "1732270000.42", callerNumber: "5551003" }, customer, vars: {}, path: [] };
}
const session = (): CallSession => ({ callId: "1732270000.42", serverId: "pbx1", channelId: "1732270000.42", startedAt: AT - 60_000, engine: state() });
const step = (): StepResult => ({ state: state(), actions: [PURCHASE, { type: "play", id: "pb-10", media: ["sound:switchboard/express-thanks"], bargeIn: false }], trace: [] });

describe("terms and consent", () => {
  test("a call's terms come from the config; none without an upgrade configured or for a withheld number", () => {
    expect(saleTermsFor(CONFIG, "5551003")).toEqual({
      "express-upgrade": {
        price: 1.99,
        currency: "EUR",
        confirmKey: "1",
        promptVersion: "v1",
        priceMedia: ["number:1", "sound:switchboard/currency-eur", "number:99", "sound:switchboard/currency-eur-cents"],
        grants: { express: true, expressReason: "upgrade bought in this call" },
      },
    });
    expect(saleTermsFor(expressConfigSchema.parse({}), "5551003")).toBeUndefined();
    expect(saleTermsFor(CONFIG, "anonymous")).toBeUndefined();
    expect(saleTermsFor(CONFIG, "")).toBeUndefined();
  });

  test("the consent names what was heard, pressed, when and where; the payload is the schema's, keyed by the call id", () => {
    const c = consentOf("1732270000.42", state(), PURCHASE, AT);
    expect(c).toEqual({ product: "express-upgrade", price: 1.99, currency: "EUR", digits: "1", promptVersion: "v1", at: AT, callId: "1732270000.42", tree: "express-upgrade", node: "quote", customer: { id: "c-1003", name: "Carla Diaz", phone: "5551003" } });
    const p = upgradePayload(c);
    expect(expressUpgradePayloadSchema.parse(p)).toEqual(p);
    expect(p).toMatchObject({ idempotencyKey: "1732270000.42", occurredAt: "2026-11-22T10:04:31.000Z" });
    // an unknown caller: the number is all billing gets
    expect(consentOf("x", state({ express: true }), PURCHASE, AT).customer).toEqual({ phone: "5551003" });
  });
});

describe("billing", () => {
  test("kept before anything is performed, published once; published again only when asked (after a restart)", async () => {
    const published: ExpressUpgradePayload[] = [];
    const driver = new ExpressDriver({ config: CONFIG, jobs: { publish: async (_k, p) => (published.push(p as ExpressUpgradePayload), { id: "j" }) }, logger });
    const s = session();
    driver.keep(s, step(), AT);
    expect(s.consents).toHaveLength(1);
    expect(await driver.bill(s)).toBe(true);
    expect(s.consents![0]!.publishedAt).toEqual(expect.any(Number));
    expect(await driver.bill(s)).toBe(false);
    expect(await driver.bill(s, { again: true })).toBe(true);
    expect(published.map((p) => p.idempotencyKey)).toEqual(["1732270000.42", "1732270000.42"]);
  });

  test("a publish that fails leaves the consent unpublished, for the next try; without a hub nothing is lost either", async () => {
    let up = false;
    const driver = new ExpressDriver({ config: CONFIG, jobs: { publish: async () => { if (!up) throw new Error("redis down"); return { id: "j" }; } }, logger });
    const s = session();
    driver.keep(s, step(), AT);
    expect(await driver.bill(s)).toBe(false);
    expect(s.consents![0]!.publishedAt).toBeUndefined();
    up = true;
    expect(await driver.bill(s)).toBe(true);
    const none = new ExpressDriver({ config: CONFIG, logger });
    const t = session();
    none.keep(t, step(), AT);
    expect(await none.bill(t)).toBe(false);
    expect(t.consents).toHaveLength(1);
  });
});

describe("admission", () => {
  const ask = { type: "admission", id: "adm-3", queue: "support", lane: "express" } as const;
  test("the queue's answer becomes the engine's event, its reason as the queue gives it", async () => {
    const queue: AdmissionSource = { admission: async () => ({ admit: true, reason: "forecast express wait 4.2 s <= 20 s target", forecastWaitMs: 4200 }) };
    expect(await new ExpressDriver({ config: CONFIG, queue, logger }).admission(ask)).toEqual({ type: "admissionResult", id: "adm-3", admit: true, reason: "forecast express wait 4.2 s <= 20 s target" });
  });

  test("an error, or no queue to ask, is closed and says why", async () => {
    const queue: AdmissionSource = { admission: async () => Promise.reject(new Error("SBQ_INVALID_INPUT: unknown queue")) };
    expect(await new ExpressDriver({ config: CONFIG, queue, logger }).admission(ask)).toEqual({ type: "admissionResult", id: "adm-3", admit: false, reason: "error: SBQ_INVALID_INPUT: unknown queue" });
    expect(await new ExpressDriver({ config: CONFIG, logger }).admission(ask)).toMatchObject({ admit: false, reason: "no queue to ask" });
  });
});
