/**
 * A tree's transfer to an endpoint across a daemon killed with SIGKILL and started again: the daemon as
 * its own process, the simulator over real sockets, a real redis-server. What the caller notices: a
 * conversation with the target goes on through the restart and either side's hangup still ends the other;
 * a target that was ringing (still ringing at the restart, or answered while no daemon ran, whose leg
 * ends: Stasis fails without a connected app) is rung again and the caller put through when it answers.
 * Each test waits for conditions, never for time.
 */
import { afterEach, expect, test } from "vitest";
import type { Document } from "yaml";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import type { HeardSpan, SimCall, Simulator } from "../../src/sim/index.js";
import { waitFor } from "./harness.js";
import { processRig, type ProcessRig } from "./process-rig.js";

const TARGET = "PJSIP/2001";
/** The main menu's operator (key 0) is a phone the daemon rings, instead of a dialplan context. */
const operatorIsAPhone = (doc: Document): void =>
  doc.setIn(["nodes", "operator"], doc.createNode({ type: "transfer", prompt: "sound:switchboard/connecting-operator", endpoint: TARGET }));
/** Carla (c-1003, silver tier: the main menu) presses 0 for the operator and stays on the line. */
const CARLA = { caller: "5551003", did: "800", prompts: [{ prompt: "sound:switchboard/main-menu", after: 0.1, press: "0" }], hangupAfter: 3600 };

let rig: ProcessRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
}, 60_000);

/** A rig whose CRM is the Redis store with the demo customers (the history entries are written there). */
async function transferRig(): Promise<{ r: ProcessRig; customers: RedisCustomerStore }> {
  // the target rings long enough for any restart: a ring is ended by the test, never by the clock
  rig = await processRig({ mainTree: operatorIsAPhone, config: { crm: { store: "redis" }, calls: { transferTimeout: 300, reconcileInterval: 1 } } });
  const customers = new RedisCustomerStore(rig.redis, rig.prefix);
  await customers.seed(loadCustomersFile("config/customers.yaml", new Date()));
  return { r: rig, customers };
}

/** The target's phone: rings on every call and does nothing more; the test answers. */
function ringingPhone(sim: Simulator): SimCall[] {
  const calls: SimCall[] = [];
  sim.pbx.addEndpoint({
    tech: "PJSIP",
    resource: TARGET.slice("PJSIP/".length),
    onCall: (c) => {
      calls.push(c);
      c.ring();
    },
  });
  return calls;
}

type Bridged = Extract<HeardSpan, { kind: "bridged" }>;
/** The caller's bridge with channel `legId`, once there is one (music still on would be heard instead). */
const bridgedWith = (sim: Simulator, callerId: string, legId: string): Bridged | undefined =>
  sim.pbx.hearing(callerId)?.spans.find((x): x is Bridged => x.kind === "bridged" && x.parties.some((p) => p.id === legId));

/** Carla's call, waiting while the target's leg (as her session names it) rings and she hears the music. */
async function ringing(r: ProcessRig, phone: SimCall[]) {
  const { channelId } = r.sim.control.placeCall(CARLA);
  const legId = await waitFor("the target to ring while Carla hears the music", async () => {
    const leg = (await r.sessions.get(channelId))?.transfer?.channelId;
    const heard = r.sim.pbx.hearing(channelId)?.spans.at(-1);
    return leg && phone.some((c) => c.channelId === leg) && heard?.kind === "moh" ? leg : undefined;
  });
  return { channelId, legId };
}

const historyOf = (customers: RedisCustomerStore, callId: string) =>
  waitFor(`the history entry of ${callId}`, async () => (await customers.findById("c-1003"))?.history.find((h) => h.callId === callId), 30_000);

/** The calls the daemon has in memory (GET /admin/calls): a recovered call is listed once taken up. */
async function callsOf(r: ProcessRig): Promise<string[]> {
  const res = await fetch(`${r.url}/admin/calls`, { headers: { authorization: "Bearer process-rig-admin-token" } });
  return ((await res.json()) as { calls: Array<{ callId: string }> }).calls.map((c) => c.callId);
}

test("kill -9 while the caller talks to the transfer target: the conversation goes on, and the target's hangup ends the caller's call", async () => {
  const { r, customers } = await transferRig();
  r.sim.control.addAgent({ endpoint: TARGET, answerDelay: 0.2, talkTime: 3600 });
  const first = await r.start();
  const { channelId } = r.sim.control.placeCall(CARLA);
  const { legId, bridge } = await waitFor("Carla bridged with the target, and her session saying so", async () => {
    const t = (await r.sessions.get(channelId))?.transfer;
    const b = t?.answeredAt !== undefined ? bridgedWith(r.sim, channelId, t.channelId) : undefined;
    return t && b ? { legId: t.channelId, bridge: b } : undefined;
  });

  await r.end(first, "SIGKILL");
  await r.start();
  await waitFor("the new daemon to have taken the call up", async () => (await callsOf(r)).includes(channelId));
  const hungUpAt = r.sim.pbx.simNow();
  r.sim.pbx.hangup(legId);
  await waitFor("Carla's call to be ended", () => r.sim.control.getCall(channelId)?.phase === "ended");
  // what she heard from the bridge on: the target, in the same bridge, until the target hung up
  const after = r.sim.pbx.hearing(channelId)!.spans.filter((x) => x.from >= bridge.from);
  expect(after[0]).toMatchObject({ kind: "bridged", bridgeId: bridge.bridgeId });
  expect(after[0]!.to ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(hungUpAt);
  await waitFor("the bridge to be destroyed", () => r.sim.pbx.getBridge(bridge.bridgeId) === undefined);
  expect(await historyOf(customers, channelId)).toMatchObject({ disposition: `transferred to ${TARGET}` });
}, 90_000);

test("kill -9 while the target rings and it answers while no daemon runs (the PBX hangs it up: no app to enter): the next daemon rings it again and puts the caller through; her hangup ends the target's leg", async () => {
  const { r, customers } = await transferRig();
  const phone = ringingPhone(r.sim);
  const first = await r.start();
  const { channelId, legId } = await ringing(r, phone);

  await r.end(first, "SIGKILL");
  phone.find((c) => c.channelId === legId)!.answer();
  await waitFor("the answered leg to be hung up by the PBX", () => r.sim.pbx.getChannel(legId) === undefined);
  await r.start();
  const again = await waitFor("the target to be rung again", () => phone[1]);
  again.answer();
  await waitFor("Carla bridged with the target (the music stopped)", () => bridgedWith(r.sim, channelId, again.channelId), 30_000);
  r.sim.pbx.hangup(channelId);
  await waitFor("the target's leg to be hung up", () => r.sim.pbx.getChannel(again.channelId) === undefined);
  expect(phone).toHaveLength(2);
  expect(await historyOf(customers, channelId)).toMatchObject({ disposition: `transferred to ${TARGET}` });
}, 90_000);

test("kill -9 while the target rings and it still rings after the restart: the old ring is ended, the target rung again, and its answer puts the caller through", async () => {
  const { r } = await transferRig();
  const phone = ringingPhone(r.sim);
  const first = await r.start();
  const { channelId, legId } = await ringing(r, phone);

  await r.end(first, "SIGKILL");
  await r.start();
  const again = await waitFor("the target to be rung again", () => phone[1]);
  await waitFor("the old ring to be ended", () => r.sim.pbx.getChannel(legId) === undefined);
  again.answer();
  await waitFor("Carla bridged with the target", () => bridgedWith(r.sim, channelId, again.channelId), 30_000);
  expect(phone).toHaveLength(2);
  r.sim.pbx.hangup(again.channelId);
  await waitFor("Carla's call to be ended", () => r.sim.control.getCall(channelId)?.phase === "ended");
}, 90_000);
