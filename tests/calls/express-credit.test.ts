/**
 * The express promise, broken and kept, end to end: the PBX simulator over real ARI/AMI sockets, a real
 * redis-server, the shipped trees (an express subscriber goes straight to the support queue's express
 * lane), the demo customers in the Redis CRM store and a real signed-webhook receiver for billing. A
 * subscriber answered after the lane's SLA gets one express-credit job (a credit note of the configured
 * amount); one answered within it gets none. Every wait is for a condition, never for a length of time.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import type { Daemon } from "../../src/daemon/index.js";
import { jobIdFor, verifySignature, type DeliveryBody, type ExpressCreditPayload, type KindCounts } from "../../src/jobs/index.js";
import { fastRetries, WebhookServer } from "../jobs/helpers.js";
import { creditFor, type CreditFacts } from "../../src/desk/express-credit.js";
import { ADMIN, daemon, setup, stopAll, waitFor } from "./harness.js";

const SECRET = "whsec-express-credit-test-9a2f";
const A1 = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true };
/** c-1005 (5551005): express by subscription in the demo customers. */
const EVA = { id: "c-1005", phone: "5551005" };
/** c-1010 (5551010): express by the gold tier. */
const GOLD = { id: "c-1010", phone: "5551010" };

const servers: WebhookServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await stopAll();
  for (const w of servers.splice(0)) await w.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}, 60_000);

/** The shipped trees with the express queue node's maximum wait cut to `seconds`. */
function shortExpressWait(seconds: number): Record<string, unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-credit-"));
  dirs.push(dir);
  const trees = path.join(dir, "ivr-trees");
  cpSync("ivr-trees", trees, { recursive: true });
  const main = path.join(trees, "main.yaml");
  const text = readFileSync(main, "utf8");
  const cut = text.replace(/(lane: express\n\s+reason: express customer\n\s+)maxWait: \d+/, `$1maxWait: ${seconds}`);
  if (cut === text) throw new Error("main.yaml's express queue node has changed: update the test");
  writeFileSync(main, cut);
  return { ivr: { treesDir: trees, defaultTree: "main", watch: false, didMap: { "800": "main" } } };
}

/**
 * The simulator, Redis with the demo customers, a billing receiver and the daemon; the express lane's SLA
 * as given. `overflow` "none" keeps an entitled caller in the express lane however long the wait.
 */
async function rig(slaSeconds: number, overflow: "none" | "standard" = "none", extra: Record<string, unknown> = {}) {
  const hook = await WebhookServer.reservePort();
  servers.push(hook);
  await hook.start();
  const jobs = { ...fastRetries, webhooks: { sales: { url: hook.url, secretEnv: "TEST_SALES_SECRET" } } };
  const s = await setup([A1], {}, { crm: { store: "redis" }, cti: { dispositionGrace: 0.3 }, jobs, ...extra });
  s.config.lanes.express!.sla = { seconds: slaSeconds, percent: 80 };
  s.config.express.credit = { amount: 2.5 };
  s.config.queues.support!.admission = { lane: "express", maxShare: 0.25, enabled: true, overflow };
  const customers = new RedisCustomerStore(s.redis.client(), s.redis.prefix);
  await customers.seed(loadCustomersFile("config/customers.yaml", new Date()));
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 5 });
  const d = await daemon(s, { TEST_SALES_SECRET: SECRET });
  await waitFor("a1 to be available", async () => (await d.queue.status("support")).agents.some((a) => a.state === "available" && a.device === "registered"));
  return { s, d, hook, customers };
}

const credits = (hook: WebhookServer) =>
  hook.received.filter((r) => r.status === 200 && r.headers["x-switchboard-event"] === "express-credit").map((r) => JSON.parse(r.raw) as DeliveryBody);

async function creditJobs(d: Daemon): Promise<KindCounts> {
  const res = await fetch(`${d.url}/admin/jobs`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { kinds: Record<string, KindCounts> }).kinds["express-credit"]!;
}

/** Eva calls while a1's phone is busy with another call, and waits in the express lane past its SLA (0.5 s). */
async function waitingPastSla(s: Awaited<ReturnType<typeof rig>>["s"], d: Daemon): Promise<string> {
  s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
  await waitFor("a1's phone in use", async () => (await d.queue.status("support")).agents.some((a) => a.device === "in_use"));
  const { channelId } = s.sim.control.placeCall({ caller: EVA.phone, did: "800", talkTime: 5 });
  await waitFor(
    "the caller waiting in the express lane past its SLA",
    async () => (await d.queue.status("support")).callers.find((w) => w.callId === channelId && w.lane === "express" && w.waitMs > 1000),
    30_000,
  );
  return channelId;
}

describe("a broken express promise is credited", () => {
  test("a subscriber answered after the express lane's SLA: one express-credit job, a credit note of the configured amount", async () => {
    const { s, d, hook, customers } = await rig(0.5);
    const channelId = await waitingPastSla(s, d);
    s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    await waitFor("the caller answered", async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === channelId), 30_000);

    const [body] = await waitFor("the credit's delivery", () => (credits(hook).length ? credits(hook) : undefined), 30_000);
    const data = body!.data as ExpressCreditPayload;
    expect(data).toEqual({
      idempotencyKey: `${channelId}:credit`,
      occurredAt: expect.any(String),
      callId: channelId,
      queue: "support",
      broken: "late",
      customer: { id: EVA.id, name: "Eva Lindqvist", phone: EVA.phone },
      waitSeconds: expect.any(Number),
      slaSeconds: 0.5,
      amount: 2.5,
      currency: "EUR",
      kind: "credit-note",
    });
    expect(data.waitSeconds).toBeGreaterThan(0.5);
    expect(body!.delivery).toBe(jobIdFor("express-credit", `${channelId}:credit`));
    const r = hook.received.find((x) => x.headers["x-switchboard-event"] === "express-credit")!;
    expect(verifySignature(r.raw, r.headers["x-switchboard-signature"] as string, SECRET)).toBe(true);

    // the call's history entry says what the caller was credited
    await s.sim.control.waitForEnd(channelId);
    const entry = await waitFor("Eva's history entry", async () => (await customers.findById(EVA.id))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.lane).toBe("express");
    expect(entry.credit).toEqual({ kind: "credit-note", amount: 2.5, currency: "EUR" });
    // exactly one
    expect(await creditJobs(d)).toMatchObject({ completed: 1, waiting: 0, delayed: 0, failed: 0 });
    expect(credits(hook)).toHaveLength(1);
  }, 90_000);

  test("a subscriber who gives up in the express lane after its SLA is credited too", async () => {
    const { s, d, hook, customers } = await rig(0.5);
    const channelId = await waitingPastSla(s, d);
    s.sim.pbx.hangup(channelId);
    const [body] = await waitFor("the credit's delivery", () => (credits(hook).length ? credits(hook) : undefined), 30_000);
    expect(body!.data).toMatchObject({ callId: channelId, kind: "credit-note", amount: 2.5, slaSeconds: 0.5 });
    const entry = await waitFor("Eva's history entry", async () => (await customers.findById(EVA.id))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry).toMatchObject({ disposition: "abandoned in queue", credit: { kind: "credit-note", amount: 2.5, currency: "EUR" } });
    expect(credits(hook)).toHaveLength(1);
  }, 90_000);

  test("a subscriber whose maximum wait in the express lane runs out after its SLA is credited for the time in the queue", async () => {
    const { s, d, hook, customers } = await rig(0.5, "none", shortExpressWait(2));
    s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
    await waitFor("a1's phone in use", async () => (await d.queue.status("support")).agents.some((a) => a.device === "in_use"));
    const { channelId } = s.sim.control.placeCall({ caller: EVA.phone, did: "800", talkTime: 5 });
    await waitFor("the caller's maximum wait to run out", async () => (await d.queue.events()).some((e) => e.type === "timeout" && e.callId === channelId), 30_000);
    const [body] = await waitFor("the credit's delivery", () => (credits(hook).length ? credits(hook) : undefined), 30_000);
    const data = body!.data as ExpressCreditPayload;
    expect(data).toMatchObject({ callId: channelId, queue: "support", broken: "late", kind: "credit-note", amount: 2.5 });
    // the wait is the time in the queue (2 s), not the call's length after it left
    expect(data.waitSeconds).toBeGreaterThanOrEqual(2);
    expect(data.waitSeconds).toBeLessThan(10);
    const entry = await waitFor("Eva's history entry", async () => (await customers.findById(EVA.id))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.credit).toEqual({ kind: "credit-note", amount: 2.5, currency: "EUR" });
    expect(credits(hook)).toHaveLength(1);
  }, 90_000);

  test("a subscriber whose promise cannot be kept at join (the express lane full) waits in the standard lane and is credited when answered", async () => {
    const { s, d, hook, customers } = await rig(0.5, "standard");
    // a1 busy: the forecast (one agent, the queue's handle time) is far past a 0.5 s SLA
    s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
    await waitFor("a1's phone in use", async () => (await d.queue.status("support")).agents.some((a) => a.device === "in_use"));
    // the first express caller is next whatever the forecast: it keeps the lane
    const first = s.sim.control.placeCall({ caller: GOLD.phone, did: "800", talkTime: 5 }).channelId;
    await waitFor("the gold customer waiting in the express lane", async () => (await d.queue.status("support")).callers.find((w) => w.callId === first && w.lane === "express"), 30_000);
    const { channelId } = s.sim.control.placeCall({ caller: EVA.phone, did: "800", talkTime: 5 });
    await waitFor("Eva waiting in the standard lane", async () => (await d.queue.status("support")).callers.find((w) => w.callId === channelId && w.lane === "standard"), 30_000);
    s.sim.pbx.hangup(first);
    s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    const mine = () => credits(hook).filter((b) => (b.data as ExpressCreditPayload).callId === channelId);
    const [body] = await waitFor("Eva's credit's delivery", () => (mine().length ? mine() : undefined), 30_000);
    expect(body!.data).toMatchObject({ callId: channelId, queue: "support", broken: "moved to standard", kind: "credit-note", amount: 2.5, slaSeconds: 0.5 });
    await s.sim.control.waitForEnd(channelId);
    const entry = await waitFor("Eva's history entry", async () => (await customers.findById(EVA.id))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry).toMatchObject({ lane: "standard", credit: { kind: "credit-note", amount: 2.5, currency: "EUR" } });
    expect(mine()).toHaveLength(1);
  }, 90_000);

  test("a subscriber answered within the SLA: no credit", async () => {
    const { s, d, hook, customers } = await rig(20);
    const { channelId } = s.sim.control.placeCall({ caller: EVA.phone, did: "800", talkTime: 5 });
    await waitFor("the caller answered", async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === channelId), 30_000);
    await s.sim.control.waitForEnd(channelId);
    // the entry is written after the answer, where a credit would have been published
    const entry = await waitFor("Eva's history entry", async () => (await customers.findById(EVA.id))?.history.find((h) => h.callId === channelId), 30_000);
    expect(entry.lane).toBe("express");
    expect(entry.waitSeconds).toBeLessThan(20);
    expect(entry.credit).toBeUndefined();
    const c = await creditJobs(d);
    expect(c.waiting + c.active + c.delayed + c.failed + c.completed).toBe(0);
    expect(credits(hook)).toHaveLength(0);
  }, 90_000);
});

describe("creditFor (pure)", () => {
  const config = {
    lanes: { express: { displayName: "E", headStart: 0, priorityBoost: 0, sla: { seconds: 20, percent: 80 } }, vip: { displayName: "V", headStart: 0, priorityBoost: 0, sla: { seconds: 10, percent: 80 } } },
    queues: { support: {}, sales: { admission: { lane: "vip", maxShare: 0.25, enabled: true } } },
    express: { timeZone: "UTC", tiers: [], upgrade: { price: 1.99, currency: "USD", confirmKey: "1", promptVersion: "v1" } },
    metrics: { currency: "EUR" },
  } as unknown as CreditFacts["config"];
  const consent = { product: "express-upgrade", price: 1.99, currency: "USD", digits: "1", promptVersion: "v1", at: 0, callId: "c1", tree: "t", node: "n", customer: { phone: "555" } };
  const facts = (f: Partial<CreditFacts>): CreditFacts => ({
    config, callId: "c1", queue: "support", lane: "express", waitMs: 25_000, callerNumber: "555", consents: undefined,
    customer: { id: "c-1", name: "N", express: true }, at: new Date(0), ...f,
  });

  test("a subscriber past the SLA: a credit note of the default amount in the upgrade's currency", () => {
    expect(creditFor(facts({}))).toMatchObject({ kind: "credit-note", amount: 1, currency: "USD", slaSeconds: 20, waitSeconds: 25, idempotencyKey: "c1:credit" });
  });
  test("a one-off buyer past the SLA: the price they paid back", () => {
    expect(creditFor(facts({ consents: [consent], customer: null }))).toMatchObject({ kind: "refund", amount: 1.99, currency: "USD", customer: { phone: "555" } });
  });
  test("moved to standard at join: a credit whatever the wait, for the entitled only", () => {
    expect(creditFor(facts({ lane: "standard", promisedLane: "express", waitMs: 1_000 }))).toMatchObject({ kind: "credit-note", broken: "moved to standard", waitSeconds: 1 });
    expect(creditFor(facts({ lane: "standard", promisedLane: "express", customer: { id: "c-1", name: "N", express: false } }))).toBeUndefined();
    expect(creditFor(facts({ lane: "standard", promisedLane: "vip" }))).toBeUndefined();
  });
  test("no credit: within the SLA, not entitled, not the express lane, another queue's sold lane", () => {
    expect(creditFor(facts({ waitMs: 20_000 }))).toBeUndefined();
    expect(creditFor(facts({ customer: { id: "c-1", name: "N", express: false } }))).toBeUndefined();
    expect(creditFor(facts({ lane: "standard" }))).toBeUndefined();
    expect(creditFor(facts({ queue: "sales" }))).toBeUndefined();
    expect(creditFor(facts({ queue: "sales", lane: "vip", waitMs: 11_000 }))).toMatchObject({ slaSeconds: 10 });
  });
});
