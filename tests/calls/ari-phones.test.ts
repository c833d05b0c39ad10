/**
 * Agent phone states over ARI (GET /endpoints, EndpointStateChange), end to end against the simulator
 * and a real redis-server: the only source of registration when a server has no AMI, and a second one
 * that agrees with AMI's device states when it has.
 */
import { afterEach, describe, expect, test } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { daemon, setup, stopAll, supportCaller as support, waitFor, type Setup } from "./harness.js";

afterEach(stopAll);

const agent = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true };
/** An unknown caller for technical support who stays on. */
const supportCaller = (caller: string) => support(caller, { hangupAfter: 600 });

/** The set-up without AMI: ARI is all the daemon has of the server. */
function withoutAmi(s: Setup): Setup {
  const config: Config = { ...s.config, asterisk: s.config.asterisk.map(({ ami: _ami, ...server }) => server) };
  return { ...s, config };
}

describe("agent phones over ARI", () => {
  test("without AMI, an agent whose phone is unregistered is not rung; once it registers it is", async () => {
    const s = withoutAmi(await setup([agent]));
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    s.sim.control.updateAgent("PJSIP/1001", { registered: false });
    const d = await daemon(s);
    expect(d.servers.get("sim")!.ami).toBeUndefined();
    const a1 = async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1");
    await waitFor("the phone's state from GET /endpoints", async () => (await a1())?.device === "unavailable");

    // nobody reachable: the caller hears the after-hours message, and the phone never rang
    const first = s.sim.control.placeCall(supportCaller("5559201"));
    await waitFor("the after-hours message", () => s.sim.control.getCall(first.channelId)?.heard.some((h) => h.uri === "sound:switchboard/after-hours"));
    expect(s.sim.control.getAgent("PJSIP/1001")?.calls.offered).toBe(0);

    s.sim.control.updateAgent("PJSIP/1001", { registered: true });
    await waitFor("the phone's state from EndpointStateChange", async () => (await a1())?.device === "registered");
    const second = s.sim.control.placeCall(supportCaller("5559202"));
    const answered = await waitFor("the agent to answer", async () => (await d.queue.events()).find((e) => e.type === "answered"));
    expect(answered).toMatchObject({ callId: second.channelId, agentId: "a1" });
    expect(s.sim.control.getAgent("PJSIP/1001")?.calls.offered).toBe(1);
    // on the call the phone is in use (its endpoint has a channel)
    await waitFor("the phone in use", async () => (await a1())?.device === "in_use");
  });

  test("with AMI, both sources agree: every change of the phone is one change of its state", async () => {
    const s = await setup([agent]);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 1 });
    const d = await daemon(s);
    const device = async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.device;
    await waitFor("the phone registered", async () => (await device()) === "registered");

    s.sim.control.updateAgent("PJSIP/1001", { registered: false });
    await waitFor("the phone unavailable", async () => (await device()) === "unavailable");
    s.sim.control.updateAgent("PJSIP/1001", { registered: true });
    await waitFor("the phone registered again", async () => (await device()) === "registered");

    // a call: rung, answered, the agent hangs up after a second
    const call = s.sim.control.placeCall(supportCaller("5559203"));
    await waitFor("the agent to answer", async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === call.channelId));
    await waitFor("the agent's phone free again", async () => s.sim.control.getAgent("PJSIP/1001")?.deviceState === "NOT_INUSE" && (await device()) === "registered");

    const changes = (await d.queue.events()).filter((e) => e.type === "device" && e.agentId === "a1").map((e) => (e.type === "device" ? `${e.from}>${e.to}` : ""));
    expect(changes).toEqual(["unknown>registered", "registered>unavailable", "unavailable>registered", "registered>in_use", "in_use>registered"]);
  });
});
