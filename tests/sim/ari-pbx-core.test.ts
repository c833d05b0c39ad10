/**
 * The SimPbx core without sockets: the event contract the AMI side builds on (queue calls as in
 * ami-10/ami-11, AMI-style hangups, CDRs, originate results, device states) and the simulated
 * phones later scenarios use.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SimPbx, type PbxEvent } from "../../src/sim/pbx.js";

let pbx: SimPbx | undefined;
afterEach(() => {
  pbx?.stop();
  pbx = undefined;
});

function record(p: SimPbx): PbxEvent[] {
  const events: PbxEvent[] = [];
  p.onEvent((e) => events.push(e));
  return events;
}

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const QUEUE_TYPES = new Set(["QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete"]);

describe("SimPbx core", () => {
  it("runs a ringall queue call as in ami-10: both agents rung, agent1 answers, talks, hangs up", async () => {
    // hold and ring times are whole simulated seconds, rounded: at 0.5 only a stall of 250 ms in this
    // process moves them (at 0.02 a loaded machine's 10 ms did)
    pbx = new SimPbx({ timeScale: 0.5 });
    const events = record(pbx);
    const h = pbx.originate({ endpoint: "Local/s@queue-entry", context: "caller-hold", exten: "s", callerId: "Queue Caller <5551111>", variables: { AGENT_TALK: "3" }, originateId: "queue-call-1" });
    expect(await h.result).toMatchObject({ success: true, reason: 4 });
    await until(() => events.some((e) => e.type === "ChannelDestroyed" && e.channel.id === h.channel.id), 30_000);
    const queue = events.filter((e) => QUEUE_TYPES.has(e.type));
    expect(queue.map((e) => e.type)).toEqual(["QueueCallerJoin", "AgentCalled", "AgentCalled", "QueueCallerLeave", "AgentConnect", "AgentComplete"]);
    const connect = queue.find((e) => e.type === "AgentConnect");
    expect(connect).toMatchObject({ queue: "support", member: { interface: "Local/agent1@agents", name: "Agent One" }, holdTime: 2, ringTime: 2 });
    expect(queue.at(-1)).toMatchObject({ type: "AgentComplete", reason: "agent", member: { interface: "Local/agent1@agents" } });
    // the other agent is cancelled as answered elsewhere (26)
    const agent2 = events.find((e) => e.type === "ChannelDestroyed" && e.channel.name.startsWith("Local/agent2@agents-") && e.channel.name.endsWith(";1"));
    expect(agent2).toMatchObject({ cause: 26, causeTxt: "Answered elsewhere" });
    const dialEnds = events.filter((e) => e.type === "Dial" && e.phase === "end" && e.caller).map((e) => (e.type === "Dial" ? e.dialstatus : ""));
    expect(dialEnds).toEqual(["ANSWER", "CANCEL"]);
    const support = pbx.listQueues().find((q) => q.name === "support")!;
    expect(support.completed).toBe(1);
    expect(support.members.find((m) => m.interface === "Local/agent1@agents")).toMatchObject({ callsTaken: 1, status: 1, inCall: false });
    expect(support.entries).toEqual([]);
    // a basic bridge joined caller and agent
    expect(events.some((e) => e.type === "BridgeCreated" && e.bridge.bridgeType === "basic")).toBe(true);
  });

  it("reports ring timeouts and an abandoning caller as in ami-11 (AMI hangup: no request event of its own)", async () => {
    pbx = new SimPbx({ timeScale: 0.01 });
    pbx.queuePauseMember("Local/agent1@agents", true, { queue: "support", reason: "fixture" });
    pbx.queuePauseMember("Local/agent2@agents", true, { queue: "support", reason: "fixture" });
    const added = pbx.queueAddMember("support", { interface: "Local/agent9@agents-noanswer", name: "Agent Nine" });
    expect(added).toMatchObject({ membership: "dynamic", status: 1, paused: false });
    const events = record(pbx);
    const h = pbx.originate({ endpoint: "Local/s@queue-entry", context: "caller-hold", exten: "s", callerId: "Abandoning Caller <5552222>" });
    await until(() => events.filter((e) => e.type === "AgentCalled").length === 2);
    expect(pbx.listQueues()[0]!.entries).toHaveLength(1);
    pbx.hangup(h.channel.id, 16, { via: "ami" });
    await until(() => events.some((e) => e.type === "QueueCallerLeave"));
    const queue = events.filter((e) => QUEUE_TYPES.has(e.type)).map((e) => e.type);
    expect(queue).toEqual(["QueueCallerJoin", "AgentCalled", "AgentRingNoAnswer", "AgentCalled", "QueueCallerAbandon", "QueueCallerLeave"]);
    const noAnswer = events.find((e) => e.type === "AgentRingNoAnswer");
    expect(noAnswer && noAnswer.type === "AgentRingNoAnswer" ? noAnswer.ringTime : 0).toBeGreaterThanOrEqual(15_000);
    const requests = events.filter((e) => e.type === "ChannelHangupRequest" && e.channel.id === h.channel.id);
    expect(requests.map((e) => (e.type === "ChannelHangupRequest" ? [e.cause, e.soft] : []))).toEqual([[16, true]]);
    expect(() => pbx!.queueRemoveMember("support", "Local/agent1@agents")).toThrow("Not dynamic");
    pbx.queueRemoveMember("support", "Local/agent9@agents-noanswer");
    // (followed by the queue's availability, published again as in ami-11)
    expect(events.find((e) => e.type === "QueueMemberRemoved")).toMatchObject({ member: { interface: "Local/agent9@agents-noanswer" } });
  });

  it("reports originate failures like AMI: missing context (0), no answer after ringing (3), unknown technology (throws)", async () => {
    pbx = new SimPbx({ timeScale: 0.01 });
    const events = record(pbx);
    const noctx = pbx.originate({ endpoint: "Local/s@no-such-context", context: "after-stasis", exten: "s", originateId: "a" });
    expect(await noctx.result).toMatchObject({ success: false, reason: 0, channel: null });
    const ring = pbx.originate({ endpoint: "Local/agent9@agents-noanswer", context: "after-stasis", exten: "s", timeoutMs: 3000, originateId: "b" });
    expect(await ring.result).toMatchObject({ success: false, reason: 3, cause: 19 });
    expect(() => pbx!.originate({ endpoint: "Bogus/123", context: "x", exten: "s" })).toThrow("Allocation failed");
    const results = events.filter((e) => e.type === "OriginateResult");
    expect(results.map((e) => (e.type === "OriginateResult" ? [e.originateId, e.success, e.reason] : []))).toEqual([
      ["a", false, 0],
      ["b", false, 3],
    ]);
    // one CDR per channel, posted when each is destroyed
    await until(() => events.filter((e) => e.type === "Cdr").length === 4);
    await until(() => events.some((e) => e.type === "DeviceStateChanged" && e.device === "Local/s@no-such-context"));
    expect(events.find((e) => e.type === "DeviceStateChanged" && e.device === "Local/s@no-such-context")).toMatchObject({ state: "INVALID" });
  });

  it("lets a simulated phone call in, send DTMF and hang up", async () => {
    pbx = new SimPbx({ timeScale: 0.05, dialplan: { "from-phones": { _1XXX: [{ app: "Answer" }, { app: "Wait", data: "10" }, { app: "Hangup" }] } } });
    const events = record(pbx);
    const call = pbx.placeCall({ from: "PJSIP/2000", context: "from-phones", exten: "1234", callerId: "Alice <2000>" });
    let answered = false;
    call.on("answered", () => (answered = true));
    await until(() => answered);
    expect(call.snapshot()).toMatchObject({ state: "Up", caller: { name: "Alice", number: "2000" }, dialplan: { context: "from-phones", exten: "1234" } });
    expect(pbx.computeDeviceState("PJSIP/2000")).toBe("INUSE");
    await call.sendDtmf("42");
    const digits = events.filter((e) => e.type === "DtmfEnd" && e.direction === "Received").map((e) => (e.type === "DtmfEnd" ? e.digit : ""));
    expect(digits).toEqual(["4", "2"]);
    call.hangup();
    expect(await call.done).toBe(16);
    expect(events.filter((e) => e.type === "ChannelHangupRequest").map((e) => (e.type === "ChannelHangupRequest" ? [e.cause, e.soft] : []))).toEqual([
      [16, false],
      [16, true],
    ]);
    const cdr = events.find((e) => e.type === "Cdr");
    expect(cdr).toMatchObject({ cdr: { source: "2000", destination: "1234", destinationContext: "from-phones", disposition: "ANSWERED", callerId: '"Alice" <2000>' } });
  });

  it("drives agent phones: no answer (timeout 19), busy (17), offline (no channel: Allocation failed, UNAVAILABLE)", async () => {
    pbx = new SimPbx({ timeScale: 0.01 });
    pbx.addEndpoint({ tech: "PJSIP", resource: "1001", answerAfterMs: null });
    pbx.addEndpoint({ tech: "PJSIP", resource: "1002", busy: true });
    pbx.addEndpoint({ tech: "PJSIP", resource: "1003", online: false });
    const r1 = await pbx.originate({ endpoint: "PJSIP/1001", context: "caller-hold", exten: "s", timeoutMs: 2000 }).result;
    const r2 = await pbx.originate({ endpoint: "PJSIP/1002", context: "caller-hold", exten: "s" }).result;
    expect([r1.cause, r1.reason]).toEqual([19, 3]);
    expect([r2.cause, r2.reason]).toEqual([17, 5]);
    // an endpoint without a contact gets no channel at all (ws-20 D)
    expect(() => pbx!.originate({ endpoint: "PJSIP/1003", context: "caller-hold", exten: "s" })).toThrow(expect.objectContaining({ code: "allocation-failed", message: "Allocation failed" }));
    expect(pbx.computeDeviceState("PJSIP/1003")).toBe("UNAVAILABLE");
    expect(pbx.listChannels()).toEqual([]);
  });

  it("keeps very long waits waiting (no setTimeout overflow) and stop() ends them", async () => {
    pbx = new SimPbx({ timeScale: 1, dialplan: { long: { s: [{ app: "Wait", data: "3000000" }, { app: "Hangup" }] } } });
    const events = record(pbx);
    pbx.placeCall({ from: "PJSIP/3000", context: "long", exten: "s" });
    await new Promise((r) => setTimeout(r, 60));
    expect(events.filter((e) => e.type === "ChannelDialplan").map((e) => (e.type === "ChannelDialplan" ? e.app : ""))).toEqual(["Wait"]);
    expect(pbx.listChannels()).toHaveLength(1);
  });
});
