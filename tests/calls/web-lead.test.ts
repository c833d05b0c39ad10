/**
 * Web-to-call end to end: the web shop's signed lead reaches the daemon, passes the compliance check,
 * joins the agents' queue as a call back at once (speed to lead), the agent is rung first and sees the
 * cart, the customer is dialled through the simulator's trunk and presses 1. A lead without consent is
 * stored and never dialled. Waits are for conditions only.
 */
import { afterEach, describe, expect, test } from "vitest";
import { hashPassword } from "../../src/cti/password.js";
import { signWebLead } from "../../src/outbound/web-auth.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { ADMIN, daemon, setup, stopAll, waitFor } from "./harness.js";

const SHOP_SECRET = "web-shop-secret-for-the-lead-test-0123456789";
const NUMBER = "+4930123456";
const BUSY = "+4930123499";
const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
}, 60_000);

const always = ["00:00-24:00"];
const lead = (eventId: string, consent: boolean, phone = NUMBER) => ({
  eventId,
  kind: "abandoned-cart",
  occurredAt: new Date().toISOString(),
  customer: { phone, name: "Mia Web" },
  consent: { given: consent, at: new Date().toISOString(), version: "checkout-v3", source: "checkout" },
  cart: { items: [{ sku: "PRO5", name: "Pro 5.0 licence", quantity: 1, price: 249 }], value: 249, currency: "EUR" },
});

async function post(url: string, body: unknown) {
  const raw = JSON.stringify(body);
  return fetch(`${url}/api/web/leads`, { method: "POST", headers: { "content-type": "application/json", "x-switchboard-signature": signWebLead(raw, SHOP_SECRET, Math.floor(Date.now() / 1000)) }, body: raw });
}

describe("web-to-call", () => {
  test("a signed abandoned-cart lead becomes a call to the customer, bridged with an agent whose pop shows the cart", async () => {
    const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
    // one attempt per lead: a busy customer's lead is given up at once
    const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }], { callbacks: { answerTimeout: 5, acceptTimeout: 3, maxAttempts: 1 } }, {
      cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
      // calling hours that hold at any time of the test run
      outbound: { compliance: { callingHours: { default: { hours: { sun: always, mon: always, tue: always, wed: always, thu: always, fri: always, sat: always }, closedOnHolidays: false } } }, webLeads: { secretEnv: "TEST_SHOP_SECRET", agentQueue: "support" } },
    });
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    s.sim.control.addCustomer({ number: NUMBER, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    s.sim.control.addCustomer({ number: BUSY, answer: "busy", answerDelay: 0.3 });
    const d = await daemon(s, { TEST_SESSION_SECRET: SECRET, TEST_SHOP_SECRET: SHOP_SECRET });
    const admin = async (path: string) => (await fetch(`${d.url}/admin/outbound${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as Promise<Record<string, any>>;
    const desk = await AgentClient.login(d.url, "1001");
    clients.push(desk);
    desk.send({ type: "state", id: "avail", state: "available" });
    await desk.next("ok", (m) => m.id === "avail");

    // without consent: stored, never dialled
    const refused = await post(d.url, lead("evt-no-consent", false));
    expect(refused.status).toBe(202);
    expect(await refused.json()).toMatchObject({ dialable: false });

    // a busy customer: one attempt, then the lead is given up, and says why
    const busy = (await (await post(d.url, lead("evt-busy-1", true, BUSY))).json()) as { leadId: string };
    const failed = await waitFor("the busy lead given up", async () => {
      const r = await admin(`/leads/${busy.leadId}`);
      return r.lead?.status === "failed" && r;
    });
    expect(failed.lead).toMatchObject({ attempts: 1, statusReason: expect.stringMatching(/busy/) });
    expect(failed.attempts.map((e: { type: string; outcome?: string; allowed?: boolean }) => e.outcome ?? `decision ${e.allowed}`)).toEqual(["busy", "decision true"]);

    const res = await post(d.url, lead("evt-cart-1", true));
    expect(res.status).toBe(202);
    const { leadId } = (await res.json()) as { leadId: string };
    const { pop } = (await desk.next("pop")) as unknown as { pop: { callId: string; callback: { number: string; purpose: { kind: string; leadId: string; cart: { value: number; items: Array<{ name: string }> } } } } };
    expect(pop.callback.purpose).toMatchObject({ kind: "web-lead", leadId, cart: { value: 249, items: [{ name: "Pro 5.0 licence" }] } });
    await waitFor("the customer connected", async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === pop.callId), 30_000);
    const calls = s.sim.control.customerCalls(NUMBER);
    // one call: the lead without consent was never dialled
    expect(calls).toHaveLength(1);
    expect(calls[0]!.dtmf.map((k) => k.digit)).toEqual(["1"]);
    // the lead's status follows the call, and the attempt log has the decision and the outcome under one id
    const contacted = await waitFor("the lead contacted", async () => {
      const r = await admin(`/leads/${leadId}`);
      return r.lead?.status === "contacted" && r;
    });
    expect(contacted.lead).toMatchObject({ attempts: 1, statusReason: "accepted (attempt 1)" });
    const [outcome, decision] = contacted.attempts as Array<{ type: string; id: string; outcome?: string; allowed?: boolean }>;
    expect(outcome).toMatchObject({ type: "outcome", outcome: "connected" });
    expect(decision).toMatchObject({ type: "decision", allowed: true, id: outcome!.id });
    const refusedId = ((await admin("/leads?status=new")).leads as Array<{ id: string; dialable: boolean }>).map((l) => [l.dialable, l.id]);
    expect(refusedId).toEqual([[false, expect.stringMatching(/^wl-/)]]);
  }, 120_000);

  test("the outbound admin API: the do-not-call list, campaigns' checks, the attempt log; the token is required", async () => {
    const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }]);
    const d = await daemon(s);
    const admin = (method: string, path: string, body?: string, type = "application/json") =>
      fetch(`${d.url}/admin/outbound${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { "content-type": type }) }, ...(body === undefined ? {} : { body }) });
    expect((await fetch(`${d.url}/admin/outbound/campaigns`)).status).toBe(401);
    expect((await admin("POST", "/dnc", JSON.stringify({ number: "030 1234567" }))).status).toBe(201);
    expect((await admin("POST", "/dnc", JSON.stringify({ number: "030 1234567" }))).status).toBe(200);
    const imported = (await (await admin("POST", "/dnc/import", "+4930555000\nnot a number\n", "text/csv")).json()) as { added: number; invalid: unknown[] };
    expect(imported.added).toBe(1);
    expect(imported.invalid).toHaveLength(1);
    expect((await admin("DELETE", "/dnc/+4930555000")).status).toBe(200);
    const bad = await admin("POST", "/campaigns", JSON.stringify({ id: "Bad Id" }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toMatch(/at .*\.ts:\d+/);
    const window = { from: new Date().toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    expect((await admin("POST", "/campaigns", JSON.stringify({ id: "c1", name: "C", audience: "nope", queue: "support", script: { title: "T" }, window }))).status).toBe(404);
    expect((await admin("POST", "/campaigns/nope/start")).status).toBe(404);
    expect((await admin("GET", "/attempts?limit=5")).status).toBe(200);
  }, 60_000);
});
