/**
 * What the OpenAPI tests hold the document against: the admin router's own route table, and a real
 * daemon (simulator, redis-server) with something in every list: a caller waiting in a queue, a paused
 * agent, a failed webhook job, a call back and an appointment.
 */
import { adminRouter } from "../../src/http/admin.js";
import { openApiPath } from "../../src/http/openapi.js";
import { EXAMPLE_AUDIENCE_ID, EXAMPLE_CAMPAIGN_ID, EXAMPLE_LEAD_EVENT } from "../../src/http/openapi-outbound.js";
import { outboundRouter } from "../../src/http/outbound.js";
import { webLeadsRouter } from "../../src/http/web-leads.js";
import { createLogger } from "../../src/lib/logger.js";
import { signWebLead } from "../../src/outbound/web-auth.js";
import { webLeadsConfigSchema } from "../../src/outbound/web-config.js";
import { JobHub } from "../../src/jobs/index.js";
import type { Daemon } from "../../src/daemon/index.js";
import { ADMIN, daemon, setup, supportCaller, waitFor } from "../calls/harness.js";
import { lead, WebhookServer } from "../jobs/helpers.js";
import { CallbackStore, type Callback } from "../../src/callbacks/callback-store.js";
import { EXAMPLE_APPOINTMENT_ID, EXAMPLE_CALLBACK_ID } from "../../src/http/openapi-operations.js";

type Stack = { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
const routesOf = (router: unknown, prefix = ""): string[] =>
  (router as Stack).stack.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]).map((m) => `${m.toUpperCase()} ${prefix}${openApiPath(layer.route!.path)}`) : [],
  );

/**
 * Every route the document is to describe as `METHOD /path` in OpenAPI's path syntax: the admin router's and
 * the outbound router's (mounted at /admin/outbound) relative to /admin, the web shop's leads at the root.
 */
export function routerRoutes(): string[] {
  // the route tables do not depend on the deps' values, only on a token being set
  const stub = {} as never;
  const admin = adminRouter({ token: "any", queue: stub, calls: stub, registry: stub, jobs: stub, kpis: stub, callbacks: stub, appointments: stub });
  const outbound = outboundRouter({ token: "any", campaigns: stub, feeder: stub, members: stub, tally: stub, audiences: stub, index: stub, dnc: stub, attempts: stub, currency: "EUR" });
  const web = webLeadsRouter({ config: webLeadsConfigSchema.parse({ secretEnv: "UNSET" }), store: stub, defaultCountry: "DE", log: createLogger("silent") });
  return [...routesOf(admin), ...routesOf(outbound, "/outbound"), ...routesOf(web)];
}

export interface Rig {
  d: Daemon;
  url: string;
  webhook: WebhookServer;
  publisher: JobHub;
  /** The failed lead's job id. */
  failedJob: string;
  stop(): Promise<void>;
}

const SECRET = "openapi-test-leads-secret";
export const SHOP_SECRET = "openapi-test-shop-secret-0123456789";

/** A web shop's request to POST /api/web/leads, signed now. */
export function signedLead(url: string, body: unknown, secret = SHOP_SECRET): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${url}/api/web/leads`, { method: "POST", headers: { "content-type": "application/json", "x-switchboard-signature": signWebLead(raw, secret, Math.floor(Date.now() / 1000)) }, body: raw });
}

/** A lead the shop sends without consent: stored, never dialled (nothing joins a queue). */
export const leadWithoutConsent = (eventId: string) => ({
  eventId,
  kind: "call-me",
  // fixed: the same event sent again is the same event
  occurredAt: "2026-03-02T10:15:00Z",
  customer: { phone: "+49 30 1234567", name: "Dana Weber" },
  consent: { given: false, at: "2026-03-02T10:12:41Z", version: "call-me-v1", source: "call-me-widget" },
});

export async function startRig(): Promise<Rig> {
  const webhook = await WebhookServer.reservePort();
  webhook.respond = () => ({ status: 400, body: "unknown offer" });
  await webhook.start();
  const s = await setup(
    [
      { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true },
      { id: "a2", name: "Agent Two", endpoint: "PJSIP/1002", queues: ["support", "billing"], skills: ["support", "billing"] },
    ],
    {},
    { jobs: { webhooks: { leads: { url: webhook.url, secretEnv: "TEST_LEADS_SECRET" } }, attempts: 1 }, outbound: { webLeads: { secretEnv: "TEST_SHOP_SECRET", agentQueue: "support" } } },
  );
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const d = await daemon(s, { TEST_LEADS_SECRET: SECRET, TEST_SHOP_SECRET: SHOP_SECRET });
  // a caller who waits: the only agent's phone is busy (once AMI's first reading is in, so it stays busy)
  await waitFor("the phone's state from AMI", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.device === "registered");
  await d.queue.deviceState("PJSIP/1001", "in_use");
  s.sim.control.placeCall(supportCaller("5559001"));
  await waitFor("the caller to queue", async () => (await d.queue.status("support")).waiting === 1);
  await d.queue.agentState("a2", { to: "paused", reason: "training" });
  const get = (path: string) => fetch(`${d.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  // a call back, with the id the document gives as its example
  const booked = await fetch(`${d.url}/admin/callbacks`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ queue: "support", number: "5551003" }) });
  if (booked.status !== 201) throw new Error(`call back not booked: ${booked.status} ${await booked.text()}`);
  const { callback } = (await booked.json()) as { callback: Callback };
  const store = new CallbackStore(s.redis.client(), d.queue.keys.base);
  await store.create({ ...callback, id: EXAMPLE_CALLBACK_ID });
  await d.queue.enqueue({ callId: EXAMPLE_CALLBACK_ID, queue: "support", lane: callback.lane, skills: [], priority: 0 });
  // an appointment, with the id the document gives as its example: the first slot with room hours
  // ahead, so its call back does not join the queue during the test (the shipped support calendar is
  // open on weekdays: one is within the horizon whatever the day)
  const slots = await get(`/admin/appointments/slots?queue=support`);
  const open = ((await slots.json()) as { slots: Array<{ start: number; room: { standard: number } }> }).slots.find((x) => x.room.standard > 0 && x.start > Date.now() + 3 * 3_600_000);
  if (!open) throw new Error("no open appointment slot in the support calendar");
  const appointment = await fetch(`${d.url}/admin/appointments`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ id: EXAMPLE_APPOINTMENT_ID, queue: "support", slotStart: open.start, number: "5551004", express: false }),
  });
  if (appointment.status !== 201) throw new Error(`appointment not booked: ${appointment.status} ${await appointment.text()}`);
  // outbound, with the ids the document gives as examples: an audience, a campaign over it (a draft: nothing
  // is dialled), and a web lead without consent (never queued)
  const post = (path: string, body: unknown) => fetch(`${d.url}/admin/outbound${path}`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const audience = await post("/audiences", { id: EXAMPLE_AUDIENCE_ID, name: "Pro 4 support callers", condition: 'calls.exists(c, c.reason == "technical support")' });
  if (audience.status !== 201) throw new Error(`audience not saved: ${audience.status} ${await audience.text()}`);
  const window = { from: new Date().toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };
  const campaign = await post("/campaigns", { id: EXAMPLE_CAMPAIGN_ID, name: "Pro 5 for Pro 4 users", audience: EXAMPLE_AUDIENCE_ID, queue: "support", script: { title: "Pro 5.0 upgrade" }, window });
  if (campaign.status !== 201) throw new Error(`campaign not created: ${campaign.status} ${await campaign.text()}`);
  const webLead = await signedLead(d.url, leadWithoutConsent(EXAMPLE_LEAD_EVENT));
  if (webLead.status !== 202) throw new Error(`web lead not taken: ${webLead.status} ${await webLead.text()}`);
  // a lead the receiver turns away: a failed job
  const publisher = new JobHub({ redisUrl: s.redis.url, prefix: s.redis.prefix, env: {}, deliver: false });
  const { id } = await publisher.publish("lead", lead(1));
  await waitFor("the failed lead", async () => ((await (await get("/admin/jobs")).json()) as { kinds: { lead: { failed: number } } }).kinds.lead.failed === 1);
  return {
    d,
    url: d.url,
    webhook,
    publisher,
    failedJob: id,
    async stop() {
      await publisher.close();
      await webhook.stop();
    },
  };
}
