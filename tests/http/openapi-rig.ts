/**
 * What the OpenAPI tests hold the document against: the admin router's own route table, and a real
 * daemon (simulator, redis-server) with something in every list: a caller waiting in a queue, a paused
 * agent, a failed webhook job, a call back and an appointment.
 */
import { adminRouter } from "../../src/http/admin.js";
import { openApiPath } from "../../src/http/openapi.js";
import { JobHub } from "../../src/jobs/index.js";
import type { Daemon } from "../../src/daemon/index.js";
import { ADMIN, daemon, setup, supportCaller, waitFor } from "../calls/harness.js";
import { lead, WebhookServer } from "../jobs/helpers.js";
import { CallbackStore, type Callback } from "../../src/callbacks/callback-store.js";
import { EXAMPLE_APPOINTMENT_ID, EXAMPLE_CALLBACK_ID } from "../../src/http/openapi-operations.js";

/** Every route of the admin router as `METHOD /path` in OpenAPI's path syntax, relative to /admin. */
export function routerRoutes(): string[] {
  // the route table does not depend on the deps' values, only on a token being set and the KPIs being there
  const stub = {} as never;
  const router = adminRouter({ token: "any", queue: stub, calls: stub, registry: stub, jobs: stub, kpis: stub, callbacks: stub, appointments: stub }) as unknown as {
    stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }>;
  };
  return router.stack.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m]).map((m) => `${m.toUpperCase()} ${openApiPath(layer.route!.path)}`) : [],
  );
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
    { jobs: { webhooks: { leads: { url: webhook.url, secretEnv: "TEST_LEADS_SECRET" } }, attempts: 1 } },
  );
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const d = await daemon(s, { TEST_LEADS_SECRET: SECRET });
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
