/**
 * What a caller, an agent and the customer's history notice of a daemon that is killed (SIGKILL: no
 * shutdown code runs) or stopped (SIGTERM) and started again, the daemon running as its own process
 * against the simulator and a real redis-server. Each test waits for conditions, never for time.
 */
import { afterEach, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { hashPassword } from "../../src/cti/password.js";
import { openQueue } from "../../src/daemon/queue.js";
import type { CallerQueue } from "../../src/queue/index.js";
import { AgentClient } from "../cti/helpers.js";
import { supportCaller, waitFor } from "./harness.js";
import { processRig, SESSION_SECRET_ENV, type ProcessRig, type RigOptions } from "./process-rig.js";

const MENU = "sound:switchboard/main-menu";
/** Simulated ms: a prompt that outlasts any test. */
const HOUR_MS = 3_600_000;
/** Callers who stay on the line until the test hangs them up. */
const patient = (caller: string) => supportCaller(caller, { hangupAfter: 3600 });
const agent = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Agent ${id}`, endpoint: `PJSIP/${id}`, queues: ["support"], skills: ["support"], autoAvailable: true, ...extra });

let rig: ProcessRig | undefined;
const clients: AgentClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await rig?.close();
  rig = undefined;
}, 60_000);

/** A rig whose CRM is the Redis store, seeded with the demo customers (history entries are written there). */
async function crmRig(config: Record<string, unknown>, opts: Omit<RigOptions, "config"> = {}): Promise<{ rig: ProcessRig; customers: RedisCustomerStore; queue: CallerQueue }> {
  rig = await processRig({
    ...opts,
    config: {
      crm: { store: "redis" },
      // short wrap-up and sweeps so an agent takes the next call within the test
      queues: { support: { displayName: "Technical support", lanes: ["express", "standard"], wrapUp: 1 } },
      calls: { ringTimeout: 2, announceEvery: 0, sweepInterval: 0.2, reconcileInterval: 1, recoveryInterval: 0.5 },
      ...config,
    },
  });
  const customers = new RedisCustomerStore(rig.redis, rig.prefix);
  await customers.seed(loadCustomersFile("config/customers.yaml", new Date()));
  return { rig, customers, queue: await openQueue(rig.config, rig.redis) };
}

async function standing(queue: CallerQueue, agentId: string) {
  return (await queue.status("support")).agents.find((a) => a.agentId === agentId);
}

const historyOf = (customers: RedisCustomerStore, customerId: string, callId: string) =>
  waitFor(`the history entry of ${callId}`, async () => (await customers.findById(customerId))?.history.find((h) => h.callId === callId), 30_000);

/** The caller is talking to the agent: returns the call, the agent's leg and their bridge as the session has them. */
async function talking(r: ProcessRig, caller: string) {
  const { channelId } = r.sim.control.placeCall(patient(caller));
  const session = await waitFor(`${caller} to be connected to an agent`, async () => {
    const s = await r.sessions.get(channelId);
    return s?.agent?.channelId && s.agent.bridgeId && r.sim.control.getCall(channelId)?.phase === "bridged" ? s : undefined;
  });
  // the pop is on the agent's desk (its record in Redis, which the history entry is written from): a kill
  // before that moment loses the entry, a window these tests are not about
  await waitFor(`${caller}'s call to be on the agent's desk`, async () => (await r.redis.exists(`${r.prefix}desk:{${channelId}}`)) === 1);
  return { channelId, agentId: session.agent!.agentId, agentLeg: session.agent!.channelId!, bridgeId: session.agent!.bridgeId! };
}

/** The agent is free again and the next caller reaches them. */
async function takesNextCall(r: ProcessRig, queue: CallerQueue, agentId: string, caller: string): Promise<void> {
  await waitFor(`agent ${agentId} to be available again`, async () => (await standing(queue, agentId))?.state === "available", 30_000);
  const next = await talking(r, caller);
  expect(next.agentId).toBe(agentId);
}

test("kill -9 while the menu prompt plays: the next daemon stops it and the caller hears the menu again at once", async () => {
  // the menu's first prompt lasts an hour: queued behind it, the resumed menu would never be heard
  rig = await processRig({ sim: { media: { sounds: { "switchboard/main-menu": HOUR_MS } } } });
  const r = rig;
  const first = await r.start();
  const { channelId } = r.sim.control.placeCall({ caller: "5557001", did: "800", hangupAfter: 3600 });
  const menus = () => (r.sim.control.getCall(channelId)?.heard ?? []).filter((h) => h.uri === MENU);
  await waitFor("the caller to hear the main menu", () => menus()[0]?.outcome === "playing");
  await waitFor("the session to be at the main menu", async () => (await r.sessions.get(channelId))?.engine.node === "main#main-menu");

  await r.end(first, "SIGKILL");
  await r.start();
  const [before, after] = await waitFor("the main menu to start again", () => (menus().length === 2 ? menus() : undefined));
  expect(before).toMatchObject({ outcome: "stopped" });
  expect(after).toMatchObject({ outcome: "playing" });
  // nothing of the old daemon's is left on the channel: the new menu is what the caller hears
  expect(r.sim.control.getCall(channelId)?.heard.filter((h) => h.outcome === "playing")).toEqual([after]);
}, 60_000);

test("kill -9 while a known caller waits in the queue: after the restart her pop has her record, history and offers, and her history entry is written", async () => {
  const passwordHash = await hashPassword("alex-password", { N: 1024, r: 8, p: 1 });
  const { rig: r, customers, queue } = await crmRig({ agents: [agent("1001", { passwordHash })], cti: { sessionSecret: SESSION_SECRET_ENV } });
  // the agent's phone is busy with another call: staffed, so Carla queues, but not offered calls
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  r.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
  const first = await r.start();
  await waitFor("the queue to see the phone busy", async () => (await standing(queue, "1001"))?.device === "in_use");
  const { channelId } = r.sim.control.placeCall(patient("5551003"));
  // in the queue, and her session says so (a kill between the two is another test's matter)
  await waitFor("Carla to wait in the queue", async () => (await queue.position(channelId))?.state === "waiting" && (await r.sessions.get(channelId))?.engine.status === "queued");

  await r.end(first, "SIGKILL");
  await r.start();
  const desk = await AgentClient.login(r.url, "1001");
  clients.push(desk);
  r.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
  const { pop } = (await desk.next("pop")) as unknown as { pop: { callId: string; customer: { id: string } | null; history: unknown[]; offers: Array<{ id: string }> } };
  expect(pop.callId).toBe(channelId);
  expect(pop.customer).toMatchObject({ id: "c-1003", name: "Carla Diaz" });
  expect(pop.history.length).toBeGreaterThan(0);
  expect(pop.offers.map((o) => o.id)).toContain("upgrade-outdated-version");

  desk.send({ type: "disposition", id: "d1", callId: channelId, disposition: "resolved", notes: "after the restart" });
  await desk.next("ok", (m) => m.id === "d1");
  expect(await historyOf(customers, "c-1003", channelId)).toMatchObject({ agent: "1001", disposition: "resolved", notes: "after the restart", queue: "support" });
}, 60_000);

test("a caller whose place is already in the queue (a daemon killed between joining and saving the session) keeps that place and reaches the agent", async () => {
  const { rig: r, queue } = await crmRig({ agents: [agent("1001")] });
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  r.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
  await r.start();
  await waitFor("the queue to see the phone busy", async () => (await standing(queue, "1001"))?.device === "in_use");
  // what the killed daemon left: the place, under the call's id, that its session never recorded
  const channelId = "resumed-call-1";
  await queue.enqueue({ callId: channelId, queue: "support", lane: "standard", skills: ["support"] });
  r.sim.control.placeCall({ ...patient("5551003"), channelId });
  await waitFor("the caller to wait in the queue", async () => (await r.sessions.get(channelId))?.engine.status === "queued" && r.sim.control.getCall(channelId)?.phase === "on-hold");
  r.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
  await waitFor("the caller to be connected to the agent", async () => (await r.sessions.get(channelId))?.agent?.agentId === "1001" && r.sim.control.getCall(channelId)?.phase === "bridged");
}, 60_000);

test("kill -9 while a finished call waits for its disposition: the next daemon writes its history entry when the grace is over", async () => {
  const GRACE_SECONDS = 8;
  const { rig: r, customers, queue } = await crmRig({ agents: [agent("1001")], cti: { dispositionGrace: GRACE_SECONDS } });
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const first = await r.start();
  const call = await talking(r, "5551003");
  r.sim.pbx.hangup(call.channelId);
  // the call is over (its session gone) and the agent in wrap-up: only the disposition's grace timer is left
  await waitFor("the call to be over", async () => (await r.sessions.get(call.channelId)) === null && (await standing(queue, "1001"))?.state !== "oncall");

  await r.end(first, "SIGKILL");
  // the old daemon did not get to write it (if this fails, the machine took longer than the grace to get here)
  expect((await customers.findById("c-1003"))?.history.find((h) => h.callId === call.channelId)).toBeUndefined();
  await r.start();
  expect(await historyOf(customers, "c-1003", call.channelId)).toMatchObject({ agent: "1001", disposition: "not recorded", queue: "support" });
}, 60_000);

test("kill -9 during a conversation that goes on: when the caller hangs up, the agent's leg and the bridge go, the agent wraps up and takes the next call", async () => {
  const { rig: r, customers, queue } = await crmRig({ agents: [agent("1001")], cti: { dispositionGrace: 0 } });
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const first = await r.start();
  const call = await talking(r, "5551003");

  await r.end(first, "SIGKILL");
  await r.start();
  r.sim.pbx.hangup(call.channelId);
  await waitFor("the agent's leg to be hung up", () => r.sim.pbx.getChannel(call.agentLeg) === undefined);
  await waitFor("the bridge to be destroyed", () => r.sim.pbx.getBridge(call.bridgeId) === undefined);
  expect(await historyOf(customers, "c-1003", call.channelId)).toMatchObject({ agent: "1001", disposition: "not recorded" });
  await takesNextCall(r, queue, "1001", "5551001");
}, 60_000);

test("kill -9 during a conversation the agent ends while no daemon runs: the next daemon hangs up the caller, the agent wraps up and takes the next call", async () => {
  const { rig: r, customers, queue } = await crmRig({ agents: [agent("1001")], cti: { dispositionGrace: 0 } });
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const first = await r.start();
  const call = await talking(r, "5551003");

  await r.end(first, "SIGKILL");
  r.sim.pbx.hangup(call.agentLeg);
  await waitFor("the agent's leg to be gone", () => r.sim.pbx.getChannel(call.agentLeg) === undefined);
  await r.start();
  await waitFor("the caller to be hung up", () => r.sim.control.getCall(call.channelId)?.phase === "ended");
  expect(await historyOf(customers, "c-1003", call.channelId)).toMatchObject({ agent: "1001", disposition: "not recorded" });
  await takesNextCall(r, queue, "1001", "5551001");
}, 60_000);

test("SIGTERM during a conversation that ends while no daemon runs: the next daemon ends it, the agent wraps up and takes the next call", async () => {
  const { rig: r, customers, queue } = await crmRig({ agents: [agent("1001")], cti: { dispositionGrace: 0 } });
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  const first = await r.start();
  const call = await talking(r, "5551003");

  await r.end(first, "SIGTERM");
  r.sim.pbx.hangup(call.channelId);
  await waitFor("the caller to be gone", () => r.sim.control.getCall(call.channelId)?.phase === "ended");
  await r.start();
  await waitFor("the agent's leg to be hung up", () => r.sim.pbx.getChannel(call.agentLeg) === undefined);
  await waitFor("the bridge to be destroyed", () => r.sim.pbx.getBridge(call.bridgeId) === undefined);
  expect(await historyOf(customers, "c-1003", call.channelId)).toMatchObject({ agent: "1001", disposition: "not recorded" });
  await takesNextCall(r, queue, "1001", "5551001");
}, 60_000);

test("agents the queue holds on a call or ringing for a call no daemon has a session of are released and take the next calls", async () => {
  const { rig: r, queue } = await crmRig({ agents: [agent("1001"), agent("1002")] });
  for (const id of ["1001", "1002"]) r.sim.control.addAgent({ endpoint: `PJSIP/${id}`, answerDelay: 0.2, talkTime: 600 });
  // a daemon that died without a trace: 1001 is on a call and 1002 rung for a call nobody knows of
  for (const ghost of ["ghost-oncall", "ghost-ringing"]) await queue.enqueue({ callId: ghost, queue: "support", lane: "standard", skills: ["support"] });
  const offers = [await queue.dispatch("support"), await queue.dispatch("support")];
  const oncall = offers.find((o) => o?.callId === "ghost-oncall")!;
  await queue.answered(oncall.callId, oncall.agentId);
  const ringing = offers.find((o) => o?.callId === "ghost-ringing")!;
  expect(await standing(queue, oncall.agentId)).toMatchObject({ state: "oncall", callId: "ghost-oncall" });
  expect(await standing(queue, ringing.agentId)).toMatchObject({ state: "ringing", callId: "ghost-ringing" });

  await r.start();
  await waitFor("both agents to be available", async () => {
    const { agents } = await queue.status("support");
    return agents.every((a) => a.state === "available");
  }, 30_000);
  const [a, b] = await Promise.all([talking(r, "5551001"), talking(r, "5551002")]);
  expect([a.agentId, b.agentId].sort()).toEqual(["1001", "1002"]);
}, 60_000);
