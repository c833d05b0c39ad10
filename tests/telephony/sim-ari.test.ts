/**
 * AriGateway against the PBX simulator (src/sim) over real loopback sockets: the same ari-client
 * code path as against Asterisk 22, with the simulator's own API declarations.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { AriGateway, AriNotFoundError, type AriEvent, type AriGatewayOptions } from "../../src/telephony/ari/index.js";
import { captureLog } from "./helpers/log.js";
import { next, sleep, waitFor } from "./helpers/wait.js";

const TIME_SCALE = 0.1;
let sims: Simulator[] = [];
let gateways: AriGateway[] = [];
const requests: Array<{ method: string; path: string }> = [];

afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.stop();
  for (const sim of sims.splice(0)) await sim.stop();
  requests.length = 0;
});

async function simulator(): Promise<Simulator> {
  const sim = await startSimulator({ users: { cti: "cti" }, timeScale: TIME_SCALE, ari: { onRequest: (e) => requests.push(e) } });
  sims.push(sim);
  return sim;
}

function gateway(sim: Simulator, overrides: Partial<AriGatewayOptions> = {}): AriGateway {
  const gw = new AriGateway({
    serverId: "sim1",
    url: sim.ariUrl,
    username: "cti",
    password: "cti",
    app: "cti",
    connectTimeoutMs: 3000,
    requestTimeoutMs: 2000,
    heartbeatIntervalMs: 200,
    heartbeatMisses: 2,
    reconnect: { initialDelayMs: 50, maxDelayMs: 300, jitter: 0.5 },
    logger: captureLog().logger,
    ...overrides,
  });
  gateways.push(gw);
  return gw;
}

/** Every event the gateway emits, in order. */
function record(gw: AriGateway): AriEvent[] {
  const events: AriEvent[] = [];
  gw.on("event", (e) => void events.push(e));
  return events;
}

describe("AriGateway with the simulator", () => {
  it("inbound call: StasisStart with args, answer, play, DTMF, variables, hangup", async () => {
    const sim = await simulator();
    const gw = gateway(sim);
    const events = record(gw);
    await gw.start();

    const started = next<{ id: string; args: string[]; state: string }>("StasisStart", (d) =>
      gw.on("StasisStart", (e) => d({ id: e.channel.id, args: e.args, state: e.channel.state })),
    );
    const call = sim.pbx.placeCall({ from: "PJSIP/2000", context: "inbound-stasis", exten: "s", callerId: "Inbound Caller <5551234>" });
    const start = await started;
    expect(start).toMatchObject({ args: ["inbound", "5551234"], state: "Ring" });
    const id = start.id;

    expect((await gw.listChannels()).map((c) => c.id)).toContain(id);
    await gw.answer(id);
    expect((await gw.getChannel(id)).state).toBe("Up");

    const finished = next<string>("PlaybackFinished", (d) => gw.on("PlaybackFinished", (e) => d(`${e.playback.id}:${e.playback.state}`)));
    expect(await gw.play(id, ["sound:demo-welcome"], { playbackId: "pb-1" })).toBe("pb-1");
    expect(await finished).toBe("pb-1:done");

    const digits: string[] = [];
    gw.on("ChannelDtmfReceived", (e) => void digits.push(e.digit));
    await call.sendDtmf("1#");
    await waitFor("DTMF", () => digits.length === 2);
    expect(digits).toEqual(["1", "#"]);

    await gw.setVariable(id, "CTI_TAG", "hello world");
    expect(await gw.getVariable(id, "CTI_TAG")).toBe("hello world");
    expect(await gw.getVariable(id, "CALLERID(num)")).toBe("5551234");
    expect(await gw.getVariable(id, "NOT_SET_ANYWHERE")).toBeUndefined();

    const ended = next<string>("StasisEnd", (d) => gw.on("StasisEnd", (e) => d(e.channel.id)));
    await gw.hangup(id, { reason: "normal" });
    expect(await ended).toBe(id);
    await call.done;
    await expect(gw.getChannel(id)).rejects.toBeInstanceOf(AriNotFoundError);

    const types = events.filter((e) => "channel" in e && e.channel?.id === id).map((e) => e.type);
    expect(types[0]).toBe("StasisStart");
    expect(types).toEqual(expect.arrayContaining(["ChannelStateChange", "ChannelDtmfReceived", "ChannelHangupRequest", "StasisEnd"]));
    expect(types.indexOf("ChannelHangupRequest")).toBeLessThan(types.indexOf("StasisEnd"));
  });

  it("agent leg: MOH, originate into the app with our own channel id, bridge both, destroy the bridge", async () => {
    const sim = await simulator();
    const gw = gateway(sim);
    await gw.start();
    const starts: Array<{ id: string; args: string[] }> = [];
    gw.on("StasisStart", (e) => void starts.push({ id: e.channel.id, args: e.args }));
    sim.pbx.placeCall({ from: "PJSIP/2001", context: "inbound-stasis", exten: "s", callerId: "Queue Caller <5553000>" });
    await waitFor("caller in Stasis", () => starts.length === 1);
    const caller = starts[0]!.id;
    await gw.answer(caller);
    await gw.startMoh(caller);

    const bridge = await gw.createBridge({ bridgeId: "call-1", name: "call-1" });
    expect(bridge).toMatchObject({ id: "call-1", channels: [] });
    const agent = await gw.originate({
      endpoint: "Local/agent1@agents",
      appArgs: ["agent", caller],
      callerId: "Queue Caller <5553000>",
      timeoutSeconds: 15,
      channelId: "agent-1",
      variables: { AGENT_TALK: "3" },
    });
    expect(agent.id).toBe("agent-1");
    await waitFor("agent answered into Stasis", () => starts.some((s) => s.id === "agent-1"), 5000);
    expect(starts.find((s) => s.id === "agent-1")!.args).toEqual(["agent", caller]);

    await gw.stopMoh(caller);
    const entered: string[] = [];
    gw.on("ChannelEnteredBridge", (e) => void entered.push(`${e.bridge.id}:${e.channel.id}`));
    await gw.addChannel("call-1", [caller, "agent-1"]);
    await waitFor("both in the bridge", () => entered.length === 2);
    expect((await gw.getBridge("call-1")).channels.sort()).toEqual([caller, "agent-1"].sort());

    // a bridge destroyed with channels in it: they leave it, and their app gets no BridgeDestroyed (ws-14)
    const left: string[] = [];
    gw.on("ChannelLeftBridge", (e) => void left.push(`${e.bridge.id}:${e.channel.id}`));
    await gw.destroyBridge("call-1");
    await waitFor("both out of the bridge", () => left.length === 2);
    expect(left.sort()).toEqual([`call-1:${caller}`, "call-1:agent-1"].sort());
    await expect(gw.getBridge("call-1")).rejects.toBeInstanceOf(AriNotFoundError);
    await gw.hangup(caller);
  });

  it("simulator restart (connections dropped, port refused, back on the same port): the supervisor rebuilds", async () => {
    const sim = await simulator();
    const gw = gateway(sim);
    await gw.start();
    const lost = next<{ willReconnect: boolean }>("disconnected", (d) => gw.on("disconnected", d));
    const back = next<{ downtimeMs: number }>("reconnected", (d) => gw.on("reconnected", d));
    const restarted = sim.restart(300);
    expect(await lost).toMatchObject({ willReconnect: true });
    const sim2 = await restarted;
    sims = [sim2];
    expect((await back).downtimeMs).toBeGreaterThan(0);
    expect(gw.state).toBe("connected");
    // the app is registered again on the fresh PBX and events flow
    const started = next<string>("StasisStart", (d) => gw.on("StasisStart", (e) => d(e.args.join(","))));
    sim2.pbx.placeCall({ from: "PJSIP/2002", context: "inbound-stasis", exten: "s", callerId: "After Restart <5550009>" });
    expect(await started).toBe("inbound,5550009");
    expect(await gw.listChannels()).toHaveLength(1);
  });

  it("stop() while the simulator is down: nothing reaches the restarted simulator", async () => {
    const sim = await simulator();
    const gw = gateway(sim, { reconnect: { initialDelayMs: 400, maxDelayMs: 400, jitter: 0 } });
    await gw.start();
    const lost = next("disconnected", (d) => gw.on("disconnected", d));
    const restarted = sim.restart(50);
    await lost;
    await gw.stop();
    sims = [await restarted];
    requests.length = 0;
    await sleep(700);
    expect(requests).toEqual([]);
    expect(sims[0]!.pbx.getApp("cti")).toBeUndefined();
  });
});
