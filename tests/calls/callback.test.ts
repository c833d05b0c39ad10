/**
 * A queued call back end to end: the PBX simulator over real ARI/AMI sockets (its customers answer, are
 * busy or do not answer the trunk), a real redis-server, the shipped trees (main.yaml's support queue
 * offers call backs, callback.yaml books them) and an agent logged in over the desk's WebSocket. A caller
 * waiting while the only agent is busy presses the key, confirms the number and hangs up; when the agent
 * is free they are rung first, the customer is dialled and presses 1, and the pop says "call back".
 * Every wait is for a condition, never for a length of time.
 */
import { afterEach, describe, expect, test } from "vitest";
import { CallbackStore } from "../../src/callbacks/callback-store.js";
import { hashPassword } from "../../src/cti/password.js";
import type { Daemon } from "../../src/daemon/index.js";
import { AgentClient, SECRET } from "../cti/helpers.js";
import { ADMIN, daemon, setup, stopAll, supportCaller, waitFor } from "./harness.js";

const CARLA = "5551003";
const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await stopAll();
}, 60_000);

/** A waiting support caller who takes the call-back offer and confirms the number calling. */
const takesCallback = (caller: string) =>
  supportCaller(caller, {
    prompts: [
      ...supportCaller(caller).prompts,
      { prompt: "sound:switchboard/callback-keep-place", after: 0.1, press: "5" },
      { prompt: "sound:switchboard/callback-confirm", after: 0.1, press: "1" },
    ],
  });

async function rig(retryDelaySeconds = 300) {
  const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
  const s = await setup([{ id: "1001", name: "Alex Morgan", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], passwordHash }], { callbacks: { offerAfterSeconds: 0, retryDelaySeconds, maxAttempts: 2, answerTimeout: 5, acceptTimeout: 3 } }, {
    cti: { sessionSecret: { env: "TEST_SESSION_SECRET" } },
  });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
  const desk = await AgentClient.login(d.url, "1001");
  clients.push(desk);
  desk.send({ type: "state", id: "avail", state: "available" });
  await desk.next("ok", (m) => m.id === "avail");
  const store = new CallbackStore(s.redis.client(), d.queue.keys.base);
  return { s, d, desk, store };
}

/** The caller books a call back while the agent's phone is busy, and hangs up after the thanks. */
async function booked(r: Awaited<ReturnType<typeof rig>>, caller = CARLA): Promise<string> {
  r.s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
  await waitFor("the agent's phone in use", async () => (await r.d.queue.status("support")).agents.some((a) => a.device === "in_use"));
  const { channelId } = r.s.sim.control.placeCall(takesCallback(caller));
  const cb = await waitFor("the call back booked", () => r.store.get(channelId), 30_000);
  expect(cb).toMatchObject({ number: caller, queue: "support", lane: "standard", state: "waiting", source: "queue" });
  await r.s.sim.control.waitForEnd(channelId);
  // the place is still in the queue after the caller hung up, at its first join time
  const place = (await r.d.queue.status("support")).callers.find((w) => w.callId === channelId);
  expect(place).toBeDefined();
  return channelId;
}

const answeredBy = async (d: Daemon, callId: string) => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === callId);

const admin = (d: Daemon, method: string, path: string, body?: unknown) =>
  fetch(`${d.url}/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe("queued call back", () => {
  test("booked in the queue, the agent rung first, the customer dialled, presses 1: the pop says call back", async () => {
    const r = await rig();
    r.s.sim.control.addCustomer({ number: CARLA, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    const callId = await booked(r);

    r.s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    const { pop } = (await r.desk.next("pop", (m) => (m as { pop?: { callId?: string } }).pop?.callId === callId)) as unknown as { pop: { callId: string; callback: { number: string; attempt: number } | null; waitSeconds: number; reason: string | null } };
    expect(pop.callback).toEqual({ number: CARLA, attempt: 1, purpose: null });
    expect(pop.reason).toBe("technical support");
    await waitFor("the customer connected", () => answeredBy(r.d, callId), 30_000);
    // the customer heard who calls, pressed 1, and their call went into the daemon's app
    const call = await waitFor("the customer's call", () => r.s.sim.control.customerCalls(CARLA)[0]);
    expect(call.stasis?.args).toEqual(["callback-customer", callId]);
    expect(call.heard.map((h) => h.uri)).toContain("sound:switchboard/callback-greeting");
    expect(call.dtmf.map((k) => k.digit)).toEqual(["1"]);
    expect((await r.store.get(callId))?.state).toBe("connected");
  }, 120_000);

  test("a customer who does not answer is tried again at the same place, then reached", async () => {
    const r = await rig(1);
    r.s.sim.control.addCustomer({ number: CARLA, answer: "no-answer" });
    const callId = await booked(r);
    r.s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    await waitFor("the first attempt over", async () => (await r.store.get(callId))?.attempts.some((a) => a.outcome === "no answer"), 60_000);
    const after = await r.store.get(callId);
    expect(after).toMatchObject({ state: "waiting" });
    expect(after!.notBefore).toBeGreaterThan(after!.attempts[0]!.at);
    // the place was kept all along
    expect((await r.d.queue.status("support")).callers.some((w) => w.callId === callId)).toBe(true);
    r.s.sim.control.updateCustomer(CARLA, { answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    await waitFor("the second attempt connected", () => answeredBy(r.d, callId), 60_000);
    expect((await r.store.get(callId))?.attempts.map((a) => a.outcome)).toEqual(["no answer", "accepted"]);
  }, 120_000);

  test("a busy customer is tried up to maxAttempts (2 here), then the call back is given up and its place leaves the queue", async () => {
    const r = await rig(1);
    r.s.sim.control.addCustomer({ number: CARLA, answer: "busy", answerDelay: 0.2 });
    const callId = await booked(r);
    r.s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    const cb = await waitFor("the call back given up", async () => {
      const c = await r.store.get(callId);
      return c?.state === "gave-up" ? c : undefined;
    }, 60_000);
    expect(cb.attempts.map((a) => a.outcome)).toEqual(["busy", "busy"]);
    expect((await r.d.queue.status("support")).callers.some((w) => w.callId === callId)).toBe(false);
    // never two dials to the number at once: each call ended before the next was placed
    const calls = r.s.sim.control.customerCalls(CARLA);
    expect(calls).toHaveLength(2);
    expect(Date.parse(calls[1]!.dialedAt)).toBeGreaterThanOrEqual(Date.parse(calls[0]!.endedAt!));
  }, 120_000);

  test("asked for by the admin API: dialled when an agent is free, the pop has the customer's record; cancel; bad requests", async () => {
    const r = await rig();
    r.s.sim.control.addCustomer({ number: CARLA, answer: "answer", answerDelay: 0.3, pressKey: "1", pressAfter: 0.3 });
    r.s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
    await waitFor("the agent's phone in use", async () => (await r.d.queue.status("support")).agents.some((a) => a.device === "in_use"));
    expect((await admin(r.d, "POST", "/callbacks", { queue: "support" })).status).toBe(400);
    const bad = await admin(r.d, "POST", "/callbacks", { queue: "support", number: "not a number" });
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/^number: /) });
    expect((await admin(r.d, "POST", "/callbacks", { queue: "nope", number: CARLA })).status).toBe(404);

    // one asked for and cancelled: its place leaves the queue
    const other = (await (await admin(r.d, "POST", "/callbacks", { queue: "support", number: "5551004" })).json()) as { callback: { id: string } };
    expect((await admin(r.d, "DELETE", `/callbacks/${other.callback.id}`)).status).toBe(200);
    expect((await admin(r.d, "DELETE", `/callbacks/${other.callback.id}`)).status).toBe(409);
    expect((await r.d.queue.status("support")).callers.some((w) => w.callId === other.callback.id)).toBe(false);

    const res = await admin(r.d, "POST", "/callbacks", { queue: "support", number: CARLA, reason: "web request" });
    expect(res.status).toBe(201);
    const { callback } = (await res.json()) as { callback: { id: string; state: string; source: string } };
    expect(callback).toMatchObject({ state: "waiting", source: "admin" });
    r.s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
    const { pop } = (await r.desk.next("pop", (m) => (m as { pop?: { callId?: string } }).pop?.callId === callback.id)) as unknown as { pop: { callback: unknown; customer: { id: string } | null; reason: string | null } };
    expect(pop).toMatchObject({ callback: { number: CARLA, attempt: 1 }, customer: { id: "c-1003" }, reason: "web request" });
    await waitFor("the customer connected", () => answeredBy(r.d, callback.id), 30_000);
  }, 120_000);
});
