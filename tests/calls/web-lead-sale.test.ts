/**
 * A web lead converted by a sale, end to end: the shop's signed lead is for a number the CRM knows
 * (Carla Diaz, c-1003, reached at a Berlin number ending in her stored 5551003), so the pop of the call
 * back has her offers; the agent, on the line over the desk's WebSocket, marks one "sold". The lead reads
 * `converted` in the admin API and the signed sale job reaches the sales webhook on loopback. A shopper
 * the CRM does not know gets the cart itself as the pop's offer, and closing it converts their lead too.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { verifySignature } from "../../src/jobs/index.js";
import { signWebLead } from "../../src/outbound/web-auth.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { ADMIN, daemon, setup, stopAll, waitFor } from "./harness.js";

const SHOP_SECRET = "web-shop-secret-for-the-sale-test-0123456789";
const SALES_SECRET = "test-sales-webhook-secret-for-web-leads";
/** Carla's number as the shop has it: E.164, its last digits her CRM phone "5551003". */
const CARLA = "+49305551003";
/** A shopper the CRM does not know. */
const STRANGER = "+49305559876";
const always = ["00:00-24:00"];

const clients: AgentClient[] = [];
let webhook: http.Server | undefined;
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
  await new Promise((r) => (webhook ? webhook.close(r) : r(undefined)));
  webhook = undefined;
}, 60_000);

/** A sales webhook on loopback that keeps what arrives with a valid signature. */
async function salesWebhook(): Promise<{ url: string; received: Array<{ event: string; body: Record<string, any> }> }> {
  const received: Array<{ event: string; body: Record<string, any> }> = [];
  webhook = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      if (!verifySignature(raw, req.headers["x-switchboard-signature"] as string | undefined, SALES_SECRET)) return void res.writeHead(401).end();
      received.push({ event: String(req.headers["x-switchboard-event"]), body: JSON.parse(raw) as Record<string, any> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => webhook!.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/sales`, received };
}

async function postLead(url: string, body: unknown) {
  const raw = JSON.stringify(body);
  return fetch(`${url}/api/web/leads`, { method: "POST", headers: { "content-type": "application/json", "x-switchboard-signature": signWebLead(raw, SHOP_SECRET, Math.floor(Date.now() / 1000)) }, body: raw });
}

/** `p`, or a failure saying what was awaited (and how things stand) after `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => void what().then((w) => reject(new Error(`timed out waiting for ${w}`)), reject), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Pop {
  callId: string;
  customer: { id: string } | null;
  offers: Array<{ id: string; value: number }>;
  callback: { purpose: { kind: string; leadId: string } | null } | null;
}

const CASES = [
  { who: "a known customer: one of her record's offers", number: CARLA, customerId: "c-1003" as string | null, offerId: "upgrade-outdated-version", amount: 45 },
  { who: "a shopper the CRM does not know: the cart itself", number: STRANGER, customerId: null, offerId: "web-cart", amount: 249 },
];

describe("web lead sold", () => {
  test.each(CASES)("the agent marks an offer sold on a web lead's call ($who): the lead is converted and the sale reaches the sales webhook", async ({ number, customerId, offerId, amount }) => {
    const hook = await salesWebhook();
    const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
    const s = await setup(
      [{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }],
      // generous rings and answers: a slow machine must not turn the one attempt into a miss
      { ringTimeout: 10, callbacks: { answerTimeout: 15, acceptTimeout: 10, maxAttempts: 1 } },
      {
        cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
        jobs: { webhooks: { sales: { url: hook.url, secretEnv: "TEST_SALES_SECRET" } }, backoff: { delayMs: 100 } },
        // calling hours that hold at any time of the test run
        outbound: { compliance: { callingHours: { default: { hours: { sun: always, mon: always, tue: always, wed: always, thu: always, fri: always, sat: always }, closedOnHolidays: false } } }, webLeads: { secretEnv: "TEST_SHOP_SECRET", agentQueue: "support" } },
      },
    );
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    s.sim.control.addCustomer({ number, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SECRET, TEST_SHOP_SECRET: SHOP_SECRET, TEST_SALES_SECRET: SALES_SECRET });
    const leadOf = async (id: string) => (await (await fetch(`${d.url}/admin/outbound/leads/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as Record<string, any>;
    const desk = await AgentClient.login(d.url, "1001");
    clients.push(desk);
    desk.send({ type: "state", id: "avail", state: "available" });
    await desk.next("ok", (m) => m.id === "avail");

    const res = await postLead(d.url, {
      eventId: "evt-cart-sale-1",
      kind: "abandoned-cart",
      occurredAt: new Date().toISOString(),
      customer: { phone: number, name: "Carla Diaz" },
      consent: { given: true, at: new Date().toISOString(), version: "checkout-v3", source: "checkout" },
      cart: { items: [{ sku: "PRO5", name: "Pro 5.0 licence", quantity: 1, price: 249 }], value: 249, currency: "EUR" },
    });
    expect(res.status).toBe(202);
    const { leadId } = (await res.json()) as { leadId: string };
    if (customerId) expect((await leadOf(leadId)).lead).toMatchObject({ crmCustomerId: customerId });

    // the pop of the connected call (the one put up while ringing comes as "ringing"): the cart first, then the record's offers
    const { pop } = (await within(desk.next("pop"), 60_000, async () => `the pop of the connected call; the lead is ${JSON.stringify((await leadOf(leadId)).lead)}`)) as unknown as { pop: Pop };
    expect(pop.callback?.purpose).toMatchObject({ kind: "web-lead", leadId });
    expect(pop.customer?.id ?? null).toBe(customerId);
    expect(pop.offers[0]).toMatchObject({ id: "web-cart", value: 249 });
    const offer = pop.offers.find((o) => o.id === offerId);
    expect(offer).toBeDefined();

    desk.send({ type: "outcome", id: "sold", callId: pop.callId, offerId: offer!.id, outcome: "sold", amount });
    // the answer to the request: ok, or the error saying why not
    const answer = await within(Promise.race([desk.next("ok", (m) => m.id === "sold"), desk.next("error", (m) => m.id === "sold")]), 20_000, async () => "the answer to the outcome");
    expect(answer).toMatchObject({ type: "ok" });
    const recorded = await desk.next("recorded", (m) => m.callId === pop.callId);
    expect(recorded).toMatchObject({ what: "outcome", offerId: offer!.id, outcome: "sold" });

    const converted = await waitFor("the lead converted", async () => {
      const r = await leadOf(leadId);
      return r.lead?.status === "converted" && r;
    });
    expect(converted.lead).toMatchObject({ statusReason: `sold ${offer!.id}` });
    const sale = await waitFor("the sale at the webhook", () => hook.received.find((r) => r.event === "sale"), 20_000);
    expect(sale.body).toMatchObject({ kind: "sale", data: { callId: pop.callId, offer: { id: offer!.id }, customer: { id: customerId ?? `phone:${number}` }, agent: { id: "1001" }, amount, currency: "EUR" } });
  }, 120_000);
});
