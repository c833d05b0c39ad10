/**
 * The paid express upgrade end to end: the PBX simulator over real ARI/AMI sockets, a real redis-server,
 * the shipped trees (main.yaml's key 9 goes into express-upgrade.yaml), the shipped config's price
 * (express.upgrade: 1.99 EUR, key 1, prompt v1), a real signed-webhook receiver on 127.0.0.1 for
 * billing, and the demo customers in the Redis CRM store (their history shows each call's path). Every
 * wait is for a condition, never for a length of time.
 */
import { afterEach, describe, expect, test } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import type { Daemon } from "../../src/daemon/index.js";
import { jobIdFor, verifySignature, type DeliveryBody, type ExpressUpgradePayload, type KindCounts } from "../../src/jobs/index.js";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { fastRetries, WebhookServer } from "../jobs/helpers.js";
import { ADMIN, daemon, MEDIA, setup, stopAll, waitFor, type Setup } from "./harness.js";
import { processRig, type ProcessRig } from "./process-rig.js";

const SECRET = "whsec-express-test-5c1e";
const MENU = "sound:switchboard/main-menu";
const OFFER = "sound:switchboard/express-offer";
const CONFIRM = "sound:switchboard/express-confirm";
/** Simulated ms: a prompt that outlasts any test. */
const HOUR_MS = 3_600_000;
const A1 = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true };

const heard = (r: CallRecord | undefined) => (r?.heard ?? []).map((h) => h.uri);
const timesHeard = (s: Setup, channelId: string, uri: string) => heard(s.sim.control.getCall(channelId)).filter((u) => u === uri).length;

const servers: WebhookServer[] = [];
let processes: ProcessRig | undefined;
afterEach(async () => {
  await stopAll();
  await processes?.close();
  processes = undefined;
  for (const w of servers.splice(0)) await w.stop();
}, 60_000);

/** Admission control on the support queue's express lane (docs/queue.md): no agent staffed, no offer. */
function controlExpress(config: Config): void {
  config.queues.support!.admission = { lane: "express", maxShare: 0.25, enabled: true, overflow: "standard" };
}

/** The simulator, Redis with the demo customers, a billing receiver (up unless told) and the daemon. */
async function rig(agents: Array<Record<string, unknown>>, opts: { billingUp?: boolean; sounds?: Record<string, number> } = {}) {
  const hook = await WebhookServer.reservePort();
  servers.push(hook);
  if (opts.billingUp ?? true) await hook.start();
  const jobs = { ...fastRetries, webhooks: { sales: { url: hook.url, secretEnv: "TEST_SALES_SECRET" } } };
  const media = { ...MEDIA, sounds: { ...MEDIA.sounds, ...opts.sounds } };
  const s = await setup(agents, {}, { crm: { store: "redis" }, cti: { dispositionGrace: 0.3 }, jobs }, { media });
  controlExpress(s.config);
  const customers = new RedisCustomerStore(s.redis.client(), s.redis.prefix);
  await customers.seed(loadCustomersFile("config/customers.yaml", new Date()));
  if (agents.length) s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const d = await daemon(s, { TEST_SALES_SECRET: SECRET });
  return { s, d, hook, customers };
}

/** The billing deliveries the receiver accepted, as their bodies. */
const billed = (hook: WebhookServer) =>
  hook.received.filter((r) => r.status === 200 && r.headers["x-switchboard-event"] === "express-upgrade").map((r) => JSON.parse(r.raw) as DeliveryBody);

async function jobCounts(d: Daemon): Promise<Record<string, KindCounts>> {
  const res = await fetch(`${d.url}/admin/jobs`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { kinds: Record<string, KindCounts> }).kinds;
}

const nothingBilled = async (d: Daemon) => {
  const c = (await jobCounts(d))["express-upgrade"]!;
  return c.waiting + c.active + c.delayed + c.failed + c.completed === 0;
};

describe("the paid express upgrade", () => {
  test("confirm: one signed express-upgrade job with price, currency, key, prompt version and call id; the caller waits in the express lane", async () => {
    const { s, d, hook, customers } = await rig([A1]);
    const { channelId } = s.sim.control.placeCall({
      caller: "5551003",
      did: "800",
      prompts: [
        { prompt: MENU, after: 0.1, press: "9" },
        { prompt: CONFIRM, after: 0.1, press: "1" },
        { prompt: "sound:switchboard/enter-account", after: 0.1, press: "12345678#" },
      ],
      talkTime: 5,
    });
    const [body] = await waitFor("the billing delivery", () => (billed(hook).length ? billed(hook) : undefined));
    const data = body!.data as ExpressUpgradePayload;
    expect(data).toEqual({
      idempotencyKey: channelId,
      occurredAt: expect.any(String),
      callId: channelId,
      customer: { id: "c-1003", name: "Carla Diaz", phone: "5551003" },
      price: 1.99,
      currency: "EUR",
      consent: { digits: "1", promptVersion: "v1", tree: "express-upgrade", node: "quote" },
    });
    expect(body!.delivery).toBe(jobIdFor("express-upgrade", channelId));
    const r = hook.received.find((x) => x.headers["x-switchboard-event"] === "express-upgrade")!;
    expect(verifySignature(r.raw, r.headers["x-switchboard-signature"] as string, SECRET)).toBe(true);

    // the caller heard the offer and the price from the config to their end, then pressed 1 while told how to accept
    const media = s.sim.control.getCall(channelId)!.heard;
    const at = media.findIndex((h) => h.uri === OFFER);
    const offer = media.slice(at, at + 5);
    expect(offer.map((h) => h.uri)).toEqual([OFFER, "number:1", "sound:switchboard/currency-eur", "number:99", "sound:switchboard/currency-eur-cents"]);
    expect(offer.every((h) => h.outcome === "done")).toBe(true);
    expect(media.slice(at + 5, at + 7).map((h) => h.uri)).toEqual([CONFIRM, "sound:switchboard/express-thanks"]);
    // ...and waits in the express lane
    await waitFor("the caller to join the express lane", async () => (await d.queue.events()).some((e) => e.type === "joined" && e.callId === channelId && e.lane === "express"));

    // the consent is in the call's history: price, key and wording
    await s.sim.control.waitForEnd(channelId);
    const entry = await waitFor("Carla's history entry", async () => (await customers.findById("c-1003"))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.path).toEqual(expect.arrayContaining(["main-menu=express upgrade", "quote=accepted 1.99 EUR, key 1, prompt v1", "support-queue=express"]));
    expect(entry.lane).toBe("express");
    await waitFor("the call to be cleaned up", () => d.calls.size === 0);
    // billed once: the call's end tried again (the consent was published already), still one job
    expect((await jobCounts(d))["express-upgrade"]).toMatchObject({ completed: 1, waiting: 0, delayed: 0, failed: 0 });
    expect(billed(hook)).toHaveLength(1);
  });

  // callers press 9 whenever the menu starts (so again after a decline: the test hangs up at the second menu)
  test.each([
    ["another key (2)", "2", "c-1001", "5551001"],
    ["a key that is no option at all (*): treated as a decline, not as a retry", "*", "c-1009", "5551009"],
  ])("decline with %s: no job, nothing granted, back to the menu", async (_what, key, customerId, caller) => {
    const { s, d, customers } = await rig([A1]);
    const prompts = [
      { prompt: MENU, after: 0.1, press: "9" },
      { prompt: CONFIRM, after: 0.1, press: key },
    ];
    const { channelId } = s.sim.control.placeCall({ caller, did: "800", prompts, hangupAfter: 3600 });
    await waitFor("the menu again after the offer", () => timesHeard(s, channelId, MENU) === 2);
    expect(heard(s.sim.control.getCall(channelId))).toContain("sound:switchboard/express-declined");
    s.sim.pbx.hangup(channelId);
    // the history entry is written after the call's end, which is where a consent would have been billed
    const entry = await waitFor("the history entry", async () => (await customers.findById(customerId))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.path).toEqual(expect.arrayContaining([`quote=declined (key ${key})`]));
    expect(entry.path!.some((p) => p.startsWith("quote=accepted"))).toBe(false);
    expect(await nothingBilled(d)).toBe(true);
  });

  test("silence declines too: no job, back to the menu", async () => {
    const { s, d, customers } = await rig([A1]);
    const { channelId } = s.sim.control.placeCall({ caller: "5551002", did: "800", prompts: [{ prompt: MENU, after: 0.1, press: "9" }], hangupAfter: 3600 });
    await waitFor("the menu again after the offer", () => timesHeard(s, channelId, MENU) === 2);
    s.sim.pbx.hangup(channelId);
    const entry = await waitFor("the history entry", async () => (await customers.findById("c-1002"))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.path).toEqual(expect.arrayContaining(["quote=declined (no key)"]));
    expect(await nothingBilled(d)).toBe(true);
  });

  test("a caller who hangs up while asked to confirm is not charged", async () => {
    // the confirm prompt lasts an hour: the hangup certainly comes while it plays
    const { s, d, customers } = await rig([A1], { sounds: { "switchboard/express-confirm": HOUR_MS } });
    const { channelId } = s.sim.control.placeCall({ caller: "5551004", did: "800", prompts: [{ prompt: MENU, after: 0.1, press: "9" }], hangupAfter: 3600 });
    await waitFor("the confirm prompt", () => s.sim.control.getCall(channelId)?.heard.some((h) => h.uri === CONFIRM && h.outcome === "playing"));
    s.sim.pbx.hangup(channelId);
    const entry = await waitFor("the history entry", async () => (await customers.findById("c-1004"))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.disposition).toBe("hung up in the IVR");
    expect(entry.path!.some((p) => p.startsWith("quote="))).toBe(false);
    expect(await nothingBilled(d)).toBe(true);
  });

  test("admission closed (nobody staffed): the upgrade is not offered; the caller hears so and is back at the menu", async () => {
    const { s, d, customers } = await rig([]);
    const { channelId } = s.sim.control.placeCall({ caller: "5551008", did: "800", prompts: [{ prompt: MENU, after: 0.1, press: "9" }], hangupAfter: 3600 });
    await waitFor("the menu again", () => timesHeard(s, channelId, MENU) === 2);
    const order = heard(s.sim.control.getCall(channelId));
    expect(order).toContain("sound:switchboard/express-unavailable");
    expect(order).not.toContain(OFFER);
    s.sim.pbx.hangup(channelId);
    const entry = await waitFor("the history entry", async () => (await customers.findById("c-1008"))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.path).toEqual(expect.arrayContaining([expect.stringMatching(/^offer=closed \(nobody staffed/)]));
    expect(await nothingBilled(d)).toBe(true);
  });

  test("the billing receiver down, then up: the consent is billed exactly once", async () => {
    const { s, d, hook } = await rig([A1], { billingUp: false });
    const { channelId } = s.sim.control.placeCall({
      caller: "5551006",
      did: "800",
      prompts: [
        { prompt: MENU, after: 0.1, press: "9" },
        { prompt: CONFIRM, after: 0.1, press: "1" },
        { prompt: "sound:switchboard/enter-account", after: 0.1, press: "12345678#" },
      ],
      talkTime: 5,
    });
    // the job is there and being retried while nothing listens; the caller goes on all the same
    await waitFor("the billing job, undelivered", async () => {
      const c = (await jobCounts(d))["express-upgrade"]!;
      return c.waiting + c.active + c.delayed > 0;
    });
    await waitFor("the caller to join the express lane", async () => (await d.queue.events()).some((e) => e.type === "joined" && e.callId === channelId && e.lane === "express"));
    await hook.start();
    await waitFor("the delivery", async () => (await jobCounts(d))["express-upgrade"]!.completed === 1);
    await s.sim.control.waitForEnd(channelId);
    await waitFor("the call to be cleaned up", () => d.calls.size === 0);
    expect(billed(hook)).toHaveLength(1);
    expect(billed(hook)[0]!.data).toMatchObject({ callId: channelId, price: 1.99, currency: "EUR" });
    expect((await jobCounts(d))["express-upgrade"]).toMatchObject({ completed: 1, waiting: 0, delayed: 0, active: 0, failed: 0 });
  });
});

test("kill -9 after the consent was billed, then the receiver comes up: the next daemon bills it again, and it is delivered once", async () => {
  const hook = await WebhookServer.reservePort();
  servers.push(hook);
  // the thanks after the consent lasts an hour: the caller is still there when the next daemon starts
  processes = await processRig({
    sim: { media: { sounds: { "switchboard/express-thanks": HOUR_MS } } },
    config: {
      log: { level: "info" },
      // the rig's environment has no secret of its own for the receiver: the admin token's stands in.
      // A refused attempt waits 3 s for the next: the daemon is killed while the job waits, not while a
      // worker holds it (that one BullMQ takes back only after its stalled-job check, up to a minute)
      jobs: { attempts: 100, backoff: { delayMs: 3000, maxDelayMs: 3000 }, webhooks: { sales: { url: hook.url, secretEnv: "RIG_ADMIN_TOKEN" } } },
    },
  });
  const r = processes;
  const counts = async () => {
    const res = await fetch(`${r.url}/admin/jobs`, { headers: { authorization: "Bearer process-rig-admin-token" } });
    return ((await res.json()) as { kinds: Record<string, KindCounts> }).kinds["express-upgrade"]!;
  };
  const first = await r.start();
  const prompts = [
    { prompt: MENU, after: 0.1, press: "9" },
    { prompt: CONFIRM, after: 0.1, press: "1" },
  ];
  const { channelId } = r.sim.control.placeCall({ caller: "5551003", did: "800", prompts, hangupAfter: 3600 });
  await waitFor("the billing job waiting for its next attempt (the receiver is down)", async () => (await counts()).delayed === 1, 30_000);
  const session = await waitFor("the consent in the session", async () => (await r.sessions.get(channelId))?.consents?.[0]);
  expect(session).toMatchObject({ product: "express-upgrade", price: 1.99, currency: "EUR", digits: "1", promptVersion: "v1", tree: "express-upgrade", node: "quote", callId: channelId });

  await r.end(first, "SIGKILL");
  const second = await r.start();
  // the new daemon takes the call up and publishes the kept consent again: the same job
  await waitFor("the consent published again", () => second.output().split("\n").some((l) => l.includes("express upgrade billing job published") && l.includes(channelId)), 30_000);
  await hook.start();
  // within the backoff, or BullMQ's stalled-job check had the old daemon held the job when killed
  await waitFor("the delivery", async () => (await counts()).completed === 1, 90_000);
  expect(await counts()).toMatchObject({ completed: 1, waiting: 0, active: 0, delayed: 0, failed: 0 });
  const deliveries = billed(hook);
  expect(deliveries).toHaveLength(1);
  expect(deliveries[0]).toMatchObject({ delivery: jobIdFor("express-upgrade", channelId), data: { callId: channelId, price: 1.99, consent: { digits: "1", promptVersion: "v1" } } });
  // the resumed caller was not offered the upgrade again: the session was past the offer
  expect(heard(r.sim.control.getCall(channelId)).filter((u) => u === OFFER)).toHaveLength(1);
  r.sim.pbx.hangup(channelId);
}, 180_000);
