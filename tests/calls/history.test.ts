/**
 * Every call leaves a history entry on the customer's record: calls handled by a phone-only agent once
 * wrap-up and the disposition grace are over (with the talk time measured from the bridge), calls that end in the IVR with the path they took.
 */
import { afterEach, describe, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { daemon, setup, stopAll, supportCaller, waitFor } from "./harness.js";

afterEach(stopAll);

/** The set-up with the demo customers in the Redis store, so the test can read back what the daemon wrote. */
async function withRedisCustomers(agents: Array<Record<string, unknown>>) {
  const s = await setup(agents, {}, { crm: { store: "redis" }, cti: { dispositionGrace: 0.3 } });
  const store = new RedisCustomerStore(s.redis.client(), s.redis.prefix);
  await store.seed(loadCustomersFile("config/customers.yaml", new Date()));
  return { s, store };
}

describe("call history", () => {
  test("a call answered by a phone-only agent is written with agent, queue, wait and path after wrap-up", async () => {
    const { s, store } = await withRedisCustomers([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }]);
    // 30 simulated seconds are 3 real ones: the talk time counts real time (Asterisk's event timestamps)
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 30 });
    await daemon(s);
    const { channelId } = s.sim.control.placeCall(supportCaller("5551003"));
    await s.sim.control.waitForEnd(channelId);
    const entry = await waitFor("Carla's history entry", async () => (await store.findById("c-1003"))?.history.find((h) => h.callId === channelId));
    expect(entry).toMatchObject({ agent: "a1", queue: "support", lane: "standard", disposition: "not recorded", reason: "technical support" });
    expect(entry.path).toEqual(expect.arrayContaining(["main-menu=technical support", "account-number=8 digits", "support-queue=standard"]));
    expect(entry.waitSeconds).toBeGreaterThanOrEqual(0);
    // from the bridge, not the agent leg's CDR (0 s on a real PBX); talk-time.test.ts holds it to the bridge's events
    expect(entry.talkSeconds).toBeGreaterThanOrEqual(2);
  });

  test("a customer who hangs up in the menu leaves an entry saying so", async () => {
    const { s, store } = await withRedisCustomers([]);
    await daemon(s);
    const { channelId } = s.sim.control.placeCall({ caller: "5551001", did: "800", hangupAfter: 600 });
    await waitFor("the main menu", () => s.sim.control.getCall(channelId)?.heard.some((h) => h.uri === "sound:switchboard/main-menu"));
    s.sim.pbx.hangup(channelId);
    const entry = await waitFor("the history entry", async () => (await store.findById("c-1001"))?.history.find((h) => h.callId === channelId));
    expect(entry).toMatchObject({ disposition: "hung up in the IVR" });
    expect(entry.agent).toBeUndefined();
  });
});
