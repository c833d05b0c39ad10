/**
 * `POST /api/web/leads` over a real socket (express on 127.0.0.1, port 0) into a real redis-server: what
 * the shop gets back for each kind of request, and what the lead store holds afterwards
 * (docs/outbound-web-leads.md).
 */
import express from "express";
import type { AddressInfo } from "node:net";
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { customerSchema } from "../../src/crm/customer.js";
import { CrmLookup } from "../../src/crm/lookup.js";
import { normalizePhone, phonesMatch, type CustomerStore } from "../../src/crm/store.js";
import { webLeadsRouter } from "../../src/http/web-leads.js";
import { loadOffers } from "../../src/offers/load.js";
import { LeadStore } from "../../src/outbound/lead-store.js";
import { signWebLead } from "../../src/outbound/web-auth.js";
import { webLeadsConfigSchema, type WebLeadsConfigInput } from "../../src/outbound/web-config.js";
import type { WebLeadInput } from "../../src/outbound/web-lead.js";
import { testRedis } from "../setup/redis.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SECRET = "web-leads-test-secret-7f3a9c1e5b2d4f6a8c0e";
const ENV = { SB_WEB_LEADS_SECRET: SECRET };

function body(over: Partial<WebLeadInput> = {}): WebLeadInput {
  return {
    eventId: `evt-${Math.random().toString(36).slice(2, 10)}`,
    kind: "abandoned-cart",
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    customer: { phone: "+49 30 123456", name: "Dana Weber", email: "dana@example.com", customerId: "shop-77" },
    consent: { given: true, at: new Date(Date.now() - 120_000).toISOString(), text: "Yes, call me about my cart.", version: "v3", source: "checkout-page" },
    cart: { items: [{ sku: "PRO-5", name: "Pro 5.0", quantity: 2, price: 249 }, { sku: "DOCK", name: "Dock", quantity: 1, price: 49 }], value: 547, currency: "EUR" },
    ...over,
  };
}

/** A CRM that knows Dana (gold, an outdated Pro: the upgrade offer fits). */
const dana = customerSchema.parse({ id: "C-1001", name: "Dana Weber", phones: ["+4930123456"], tier: "gold", products: [{ sku: "PRO", name: "Pro", version: "4.2", currentVersion: "5.0", serviceContract: true }] });
const crmStore: CustomerStore = { name: "memory", findByPhone: async (p) => (phonesMatch(normalizePhone(p), "+4930123456") ? dana : null) };

interface Rig {
  url: string;
  store: LeadStore;
  redis: Redis;
  logs: string[];
  close(): Promise<void>;
}

async function rig(over: Partial<WebLeadsConfigInput> = {}, env: NodeJS.ProcessEnv = ENV): Promise<Rig> {
  const r = testRedis();
  const redis = r.client();
  const config = webLeadsConfigSchema.parse({ secretEnv: "SB_WEB_LEADS_SECRET", maxBodyBytes: 4096, ...over });
  const store = new LeadStore({ redis, keyPrefix: r.prefix, config });
  const logs: string[] = [];
  const log = pino({ level: "debug" }, new Writable({ write: (chunk, _e, done) => (logs.push(String(chunk)), done()) }));
  const offers = loadOffers(path.join(root, "config/offers.yaml"));
  if (!offers.ok) throw new Error("offers");
  const app = express();
  app.use(webLeadsRouter({ config, store, defaultCountry: "DE", crm: new CrmLookup(crmStore, { timeoutMs: 500, logger: log }), offers: { rules: () => offers.rules }, log, env }));
  app.use((_req, res) => void res.status(404).json({ error: "not found" }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/web/leads`,
    store,
    redis,
    logs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

const now = () => Math.floor(Date.now() / 1000);

/** Every answer the tests get, for the no-stack-trace check at the end. */
const answers: Array<{ status: number; type: string; text: string }> = [];

async function post(url: string, raw: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: raw });
  const text = await res.text();
  answers.push({ status: res.status, type: res.headers.get("content-type") ?? "", text });
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

/** Signs like the shop: t now (or given), over the exact bytes sent. */
function signed(url: string, b: unknown, opts: { t?: number; secret?: string } = {}) {
  const raw = typeof b === "string" ? b : JSON.stringify(b);
  return post(url, raw, { "x-switchboard-signature": signWebLead(raw, opts.secret ?? SECRET, opts.t ?? now()) });
}

let main: Rig;
beforeAll(async () => {
  main = await rig();
});
afterAll(() => main.close());

describe("POST /api/web/leads", () => {
  test("accepted: 202 with the lead id and score; the lead keeps cart, consent, customer, offers and waits in the queue", async () => {
    const b = body();
    const res = await signed(main.url, b);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ leadId: expect.stringMatching(/^wl-[0-9a-f]{24}$/), score: expect.any(Number), dialable: true });
    const lead = (await main.store.get(String(res.json.leadId)))!;
    expect(lead).toMatchObject({
      eventId: b.eventId,
      kind: "abandoned-cart",
      status: "new",
      dialable: true,
      phone: "+4930123456",
      queue: "web-leads",
      crmCustomerId: "C-1001",
      customer: b.customer,
      consent: b.consent,
      cart: b.cart,
      attempts: 0,
    });
    // 547 EUR: 36.5 value + 5 intent + (5 known + 8 gold + 1 product) + the upgrade offer (5 + 10 * 49/1000)
    expect(lead.offers.map((o) => o.id)).toEqual(["upgrade-outdated-version"]);
    expect(lead.scoreParts).toEqual({ value: 36.5, intent: 5, customer: 14, offers: 5.5 });
    expect(lead.score).toBe(61);
    expect(res.json.score).toBe(61);
    expect(lead.dueAt).toBeLessThanOrEqual(Date.now());
    expect(await main.store.waiting("web-leads")).toEqual({ ready: 1, later: 0 });
    expect((await main.store.nextDue("web-leads"))?.id).toBe(lead.id);
  });

  test("a national number is stored in E.164; an unknown customer still becomes a lead, scored lower", async () => {
    const res = await signed(main.url, body({ kind: "call-me", cart: undefined, customer: { phone: "0221 9876543" } }));
    expect(res.status).toBe(202);
    const lead = (await main.store.get(String(res.json.leadId)))!;
    expect(lead.phone).toBe("+492219876543");
    expect(lead.crmCustomerId).toBeUndefined();
    expect(lead.scoreParts).toEqual({ value: 0, intent: 15, customer: 0, offers: 0 });
  });

  test("bad or missing signatures are 401 and store nothing", async () => {
    const r = await rig();
    try {
      const b = body();
      const raw = JSON.stringify(b);
      expect((await signed(r.url, b, { secret: "not-the-secret" })).status).toBe(401);
      expect((await post(r.url, raw)).json).toEqual({ error: "missing X-Switchboard-Signature header" });
      expect((await post(r.url, raw, { "x-switchboard-signature": `sha256=${"0".repeat(64)}` })).status).toBe(401);
      // signed, then changed on the way: the cart's value doubled
      const header = signWebLead(raw, SECRET, now());
      const tampered = await post(r.url, raw.replace('"value":547', '"value":1094'), { "x-switchboard-signature": header });
      expect(tampered).toMatchObject({ status: 401, json: { error: "signature does not match" } });
      expect(await r.store.list()).toEqual([]);
    } finally {
      await r.close();
    }
  });

  test("a timestamp outside the tolerance is 401, however right its signature", async () => {
    const b = body();
    const stale = await signed(main.url, b, { t: now() - 301 });
    expect(stale.status).toBe(401);
    expect(String(stale.json.error)).toMatch(/timestamp t is more than 300 s from our clock/);
    expect((await signed(main.url, b, { t: now() + 400 })).status).toBe(401);
    expect(await main.store.getByEvent(b.eventId)).toBeUndefined();
    // the same event signed now goes in
    expect((await signed(main.url, b)).status).toBe(202);
  });

  test("replay: the identical event again is 200 with the same lead (nothing written); the eventId with other content is 409", async () => {
    const b = body();
    const raw = JSON.stringify(b);
    const header = signWebLead(raw, SECRET, now());
    const first = await post(main.url, raw, { "x-switchboard-signature": header });
    expect(first.status).toBe(202);
    const before = await main.store.waiting("web-leads");
    // byte for byte the same request (a retry after a lost answer, or a copy inside the window)
    const again = await post(main.url, raw, { "x-switchboard-signature": header });
    expect(again).toMatchObject({ status: 200, json: { leadId: first.json.leadId, score: first.json.score, dialable: true, duplicate: true } });
    // the shop re-signs its retry later, serialised with other spacing: still the same event
    const pretty = JSON.stringify(b, null, 2);
    const resigned = await post(main.url, pretty, { "x-switchboard-signature": signWebLead(pretty, SECRET, now() + 5) });
    expect(resigned).toMatchObject({ status: 200, json: { leadId: first.json.leadId, duplicate: true } });
    // the same eventId for a different cart: refused, the first lead stays as it was
    const changed = await signed(main.url, { ...b, cart: { ...b.cart!, value: 9999 } });
    expect(changed.status).toBe(409);
    expect(changed.json).toMatchObject({ error: expect.stringContaining("already used for a different event"), leadId: first.json.leadId });
    expect((await main.store.get(String(first.json.leadId)))!.cart!.value).toBe(547);
    expect(await main.store.waiting("web-leads")).toEqual(before);
  });

  test("the same new event sent five times at once is one lead: one 202, four 200", async () => {
    const raw = JSON.stringify(body());
    const header = signWebLead(raw, SECRET, now());
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => post(main.url, raw, { "x-switchboard-signature": header })));
    expect(all.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(all.map((a) => a.json.leadId)).size).toBe(1);
    const leads = await main.store.list({ limit: 500 });
    expect(leads.filter((l) => l.id === all[0]!.json.leadId)).toHaveLength(1);
  });

  test("an invalid body is 400 naming the field; nothing is stored", async () => {
    const b = body();
    const { consent: _c, ...noConsent } = b;
    const missing = await signed(main.url, noConsent);
    expect(missing).toMatchObject({ status: 400, json: { error: 'missing required field "consent" in the body', field: "consent" } });
    const price = await signed(main.url, { ...b, cart: { ...b.cart!, items: [{ sku: "X", name: "X", quantity: 1, price: -5 }] } });
    expect(price).toMatchObject({ status: 400, json: { field: "cart.items[0].price", error: expect.stringMatching(/"price" of "cart.items" item 1 must be at least 0/) } });
    expect((await signed(main.url, { ...b, customer: { phone: "+49 30" } })).json).toMatchObject({ field: "customer.phone" });
    expect((await signed(main.url, { ...b, coupon: "X" })).json).toMatchObject({ field: "coupon", error: expect.stringContaining('unknown field "coupon"') });
    expect((await signed(main.url, { ...b, preferredTime: "2099-01-01T10:00:00Z" })).json).toMatchObject({ field: "preferredTime" });
    expect(await signed(main.url, "{not json")).toMatchObject({ status: 400, json: { error: "request body must be JSON" } });
    expect(await main.store.getByEvent(b.eventId)).toBeUndefined();
  });

  test("consent not given: accepted and kept with its consent, but not dialable and never queued", async () => {
    const b = body({ consent: { given: false, at: new Date().toISOString(), version: "v3", source: "checkout-page" } });
    const before = await main.store.waiting("web-leads");
    const res = await signed(main.url, b);
    expect(res).toMatchObject({ status: 202, json: { dialable: false } });
    const lead = (await main.store.get(String(res.json.leadId)))!;
    expect(lead).toMatchObject({ dialable: false, blockedReason: "no-consent", status: "new", consent: { given: false, version: "v3" } });
    expect(await main.store.waiting("web-leads")).toEqual(before);
    expect(await main.store.updateStatus(lead.id, "dialing")).toEqual({ ok: false, reason: "not-dialable", from: "new" });
    expect(await main.store.nextDue("web-leads", { claim: true }).then((l) => l?.id)).not.toBe(lead.id);
  });

  test("a body over maxBodyBytes is 413, without being stored", async () => {
    const b = body({ cart: { items: Array.from({ length: 60 }, (_, i) => ({ sku: `SKU-${i}`, name: `An item with a long name ${i}`, quantity: 1, price: 1 })), value: 60, currency: "EUR" } });
    expect(JSON.stringify(b).length).toBeGreaterThan(4096);
    const res = await signed(main.url, b);
    expect(res).toMatchObject({ status: 413, json: { error: "request body too large" } });
    expect(await main.store.getByEvent(b.eventId)).toBeUndefined();
  });

  test("not JSON by its content type: 415", async () => {
    const raw = JSON.stringify(body());
    const res = await post(main.url, raw, { "content-type": "text/plain", "x-switchboard-signature": signWebLead(raw, SECRET, now()) });
    expect(res).toMatchObject({ status: 415, json: { error: "Content-Type must be application/json" } });
  });

  test("too many requests from one address: 429 with Retry-After", async () => {
    const r = await rig({ rateLimit: { perMinute: 6, burst: 2 } });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await signed(r.url, body())).status);
      expect(codes).toEqual([202, 202, 429, 429]);
      const res = await signed(r.url, body());
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      await r.close();
    }
  });

  test("with the secret's environment variable unset: 503, one warning naming the variable", async () => {
    const r = await rig({}, {});
    try {
      expect((await signed(r.url, body())).status).toBe(503);
      expect((await signed(r.url, body())).status).toBe(503);
      expect(r.logs.filter((l) => l.includes("SB_WEB_LEADS_SECRET is not set"))).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  test("no answer carries a stack trace or internals; the logs carry neither the secret nor a signature", async () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const a of answers) {
      expect(a.type).toMatch(/^application\/json/);
      expect(a.text).not.toMatch(/\bat\s+\S+\s+\(|Error:|node_modules|\/src\/|<pre>|<html/i);
      if (a.status >= 400) expect(JSON.parse(a.text)).toEqual(expect.objectContaining({ error: expect.any(String) }));
    }
    const logs = main.logs.join("\n");
    expect(logs).toContain("web lead accepted");
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toMatch(/v1=|[0-9a-f]{64}/);
    expect(logs).not.toContain("+4930123456"); // nor the customer's number
  });
});
