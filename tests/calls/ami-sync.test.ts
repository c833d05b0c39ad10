/**
 * What the daemon reads over AMI, end to end against the simulator: agent phone states (the full list
 * when AMI connects, then each change) and the channel list that ends callers whose hangup ARI missed.
 */
import { afterEach, describe, expect, test } from "vitest";
import { SessionStore } from "../../src/calls/session-store.js";
import { daemon, setup, supportCaller as support, waitFor } from "./harness.js";
import { stopAllAndProxies, throughProxies } from "./outage-rig.js";

afterEach(stopAllAndProxies);

const agent = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true };
/** An unknown caller for technical support who stays on. */
const supportCaller = (caller: string) => support(caller, { hangupAfter: 600 });

describe("AMI in the daemon", () => {
  test("a phone that unregistered before the daemon started is not offered calls until it registers again", async () => {
    const s = await setup([agent]);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    s.sim.control.updateAgent("PJSIP/1001", { registered: false });
    const d = await daemon(s);
    const a1 = async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1");
    await waitFor("the phone's state from DeviceStateList", async () => (await a1())?.device === "unavailable");

    // nobody reachable: the caller hears the after-hours message instead of ringing a dead phone
    const first = s.sim.control.placeCall(supportCaller("5559101"));
    await waitFor("the after-hours message", () => s.sim.control.getCall(first.channelId)?.heard.some((h) => h.uri === "sound:switchboard/after-hours"));
    expect(s.sim.control.getCall(first.channelId)?.bridges.filter((b) => b.bridgeType !== "holding")).toEqual([]);

    s.sim.control.updateAgent("PJSIP/1001", { registered: true });
    await waitFor("the phone's state from DeviceStateChange", async () => (await a1())?.device === "registered");
    const second = s.sim.control.placeCall(supportCaller("5559102"));
    const answered = await waitFor("the agent to answer", async () => (await d.queue.events()).find((e) => e.type === "answered"));
    expect(answered).toMatchObject({ callId: second.channelId, agentId: "a1" });
  });

  test("a caller who hangs up while ARI is cut off leaves the queue and Redis through the AMI channel list", async () => {
    const s = await throughProxies(await setup([agent], { reconcileInterval: 0.3 }));
    // the one agent's phone turns calls away as busy: the agent ends up paused and the caller waits
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    s.sim.control.updateAgent("PJSIP/1001", { busy: true });
    const d = await daemon(s);
    const { channelId } = s.sim.control.placeCall(supportCaller("5559102"));
    await waitFor("the caller to wait in the support queue", async () => (await d.queue.status("support")).waiting === 1);
    s.ariProxy.cut();
    s.sim.pbx.hangup(channelId);
    await waitFor("the caller to leave the queue while ARI is down", async () => (await d.queue.status("support")).waiting === 0 && d.calls.size === 0);
    const store = new SessionStore(s.redis.client(), `${s.redis.prefix}sim:`);
    await waitFor("the session to leave Redis", async () => (await store.list("sim")).length === 0);
    expect(d.servers.get("sim")!.ari.isConnected).toBe(false);
    s.ariProxy.restore();
  });
});
