/**
 * The unmodified ari-client 2.2.0 against the simulator over real loopback sockets: connect
 * (unauthenticated reachability GET, then the API declarations with Basic auth), subscribe to the
 * app, take a call, answer, play, collect DTMF, hang up; bridge a caller with an agent.
 */
import ari from "ari-client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";

const TIME_SCALE = 0.1;

let sim: Simulator;
let client: ari.Client;
const requests: Array<{ method: string; path: string; status: number; authenticated: boolean }> = [];

function waitFor<T>(fn: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = fn();
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() > deadline) return reject(new Error("timed out"));
      setTimeout(tick, 5);
    };
    tick();
  });
}

beforeAll(async () => {
  sim = await startSimulator({ users: { cti: "cti" }, timeScale: TIME_SCALE, ari: { onRequest: (e) => requests.push(e) } });
  // swagger-client prints a deprecation notice with console.log on every connect
  const log = console.log;
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes("deprecated version of Swagger")) log(...args);
  });
  try {
    client = await ari.connect(sim.ariUrl, "cti", "cti");
  } finally {
    spy.mockRestore();
  }
  await client.start("cti");
});

afterAll(async () => {
  client?.stop();
  await sim?.stop();
});

describe("ari-client against the simulator", () => {
  it("connects like it does to Asterisk: unauthenticated probe, then resources and declarations with auth", () => {
    expect(requests[0]).toMatchObject({ method: "GET", path: "/ari/api-docs/resources.json", status: 401, authenticated: false });
    const docs = requests.filter((r) => r.authenticated && r.path.startsWith("/ari/api-docs/")).map((r) => r.path);
    expect(docs).toContain("/ari/api-docs/resources.json");
    expect(docs).toEqual(expect.arrayContaining(["/ari/api-docs/channels.json", "/ari/api-docs/events.json", "/ari/api-docs/bridges.json"]));
    expect(typeof client.channels.originate).toBe("function");
    expect(typeof client.bridges.addChannel).toBe("function");
  });

  it("takes an inbound call: StasisStart, answer, play, DTMF, hangup", async () => {
    const seen: string[] = [];
    let stasisChannel: ari.Channel | undefined;
    let playbackDone = false;
    const onStart = async (event: ari.StasisStart, channel: ari.Channel): Promise<void> => {
      if (event.args[0] !== "inbound") return;
      stasisChannel = channel;
      seen.push(`start:${([] as string[]).concat(event.args).join("|")}:${channel.state}`);
      await channel.answer();
      const playback = client.Playback();
      playback.once("PlaybackFinished", (e: ari.PlaybackFinished) => {
        playbackDone = true;
        seen.push(`finished:${e.playback.state}`);
      });
      await channel.play({ media: "sound:demo-welcome" }, playback);
    };
    const onDtmf = async (event: ari.ChannelDtmfReceived, channel: ari.Channel): Promise<void> => {
      seen.push(`dtmf:${event.digit}`);
      if (event.digit === "#") await channel.hangup({ reason: "normal" });
    };
    const onEnd = (_e: ari.StasisEnd, channel: ari.Channel): void => {
      seen.push(`end:${channel.id === stasisChannel?.id}`);
    };
    client.on("StasisStart", onStart);
    client.on("ChannelDtmfReceived", onDtmf);
    client.on("StasisEnd", onEnd);
    try {
      const caller = await client.channels.originate({
        endpoint: "Local/s@inbound-stasis",
        context: "dtmf-driver",
        extension: "s",
        priority: 1,
        callerId: "Test Caller <5551234>",
        variables: { DTMF_DIGITS: "12#", DTMF_DELAY: "2", DTMF_HOLD: "5" },
      });
      expect(caller.name).toMatch(/^Local\/s@inbound-stasis-[0-9a-f]{8};1$/);
      expect(caller.state).toBe("Down");
      await waitFor(() => seen.includes("end:true"));
      expect(playbackDone).toBe(true);
      // the playback's end and the first key race on a loaded machine (both are timed in simulated time):
      // the keys keep their order, and the playback ends before the call does
      expect(seen.filter((s) => !s.startsWith("finished"))).toEqual(["start:inbound|5551234:Ring", "dtmf:1", "dtmf:2", "dtmf:#", "end:true"]);
      expect(seen.indexOf("finished:done")).toBeGreaterThan(0);
      expect(seen.indexOf("finished:done")).toBeLessThan(seen.indexOf("end:true"));
      await expect(client.channels.get({ channelId: stasisChannel!.id })).rejects.toThrow('{"message":"Channel not found"}');
    } finally {
      client.removeListener("StasisStart", onStart);
      client.removeListener("ChannelDtmfReceived", onDtmf);
      client.removeListener("StasisEnd", onEnd);
    }
  });

  it("bridges a caller on hold with an agent that answers after ringing", async () => {
    const starts = new Map<string, ari.Channel>();
    const entered: string[] = [];
    const onStart = (event: ari.StasisStart, channel: ari.Channel): void => {
      starts.set(event.args[0] ?? "", channel);
    };
    const onEnter = (event: ari.ChannelEnteredBridge): void => {
      entered.push(event.channel.id);
    };
    client.on("StasisStart", onStart);
    client.on("ChannelEnteredBridge", onEnter);
    try {
      await client.channels.originate({
        endpoint: "Local/s@inbound-stasis",
        context: "dtmf-driver",
        extension: "s",
        callerId: "Queue Caller <5553000>",
        variables: { DTMF_DELAY: "30" },
      });
      const caller = await waitFor(() => starts.get("inbound"));
      await caller.answer();
      await caller.startMoh({ mohClass: "default" });
      const bridge = await client.bridges.create({ type: "mixing", name: `call-${caller.id}` });
      await client.channels.originate({
        endpoint: "Local/agent1@agents",
        app: "cti",
        appArgs: `agent,${caller.id}`,
        callerId: "Queue Caller <5553000>",
        timeout: 20,
        variables: { AGENT_TALK: "3" },
      });
      const agent = await waitFor(() => starts.get("agent"));
      expect(agent.state).toBe("Up");
      await caller.stopMoh();
      await bridge.addChannel({ channel: [caller.id, agent.id] });
      const b = await client.bridges.get({ bridgeId: bridge.id });
      expect(b.channels).toEqual([caller.id, agent.id]);
      expect(entered).toEqual([caller.id, agent.id]);
      const peer = await client.channels.getChannelVar({ channelId: caller.id, variable: "BRIDGEPEER" });
      expect(peer.value).toBe(agent.name);
      await caller.hangup();
      await bridge.destroy();
      await expect(client.bridges.get({ bridgeId: bridge.id })).rejects.toThrow("Bridge not found");
    } finally {
      client.removeListener("StasisStart", onStart);
      client.removeListener("ChannelEnteredBridge", onEnter);
    }
  });

  it("calls a simulated phone endpoint (PJSIP/1001) that rings and answers", async () => {
    sim.pbx.addEndpoint({ tech: "PJSIP", resource: "1001", ringAfterMs: 100, answerAfterMs: 1000 });
    const events: string[] = [];
    const onStart = (event: ari.StasisStart, channel: ari.Channel): void => {
      if (event.args[0] === "phone") events.push(`start:${channel.name}:${channel.state}`);
    };
    const onState = (_e: ari.ChannelStateChange, channel: ari.Channel): void => {
      if (channel.name.startsWith("PJSIP/1001-")) events.push(`state:${channel.state}`);
    };
    client.on("StasisStart", onStart);
    client.on("ChannelStateChange", onState);
    try {
      const ch = await client.channels.originate({ endpoint: "PJSIP/1001", app: "cti", appArgs: "phone", callerId: "Switchboard <100>" });
      expect(ch.name).toMatch(/^PJSIP\/1001-[0-9a-f]{8}$/);
      await waitFor(() => events.some((e) => e.startsWith("start:")));
      expect(events).toEqual(["state:Ringing", "state:Up", `start:${ch.name}:Up`]);
      expect(sim.pbx.computeDeviceState("PJSIP/1001")).toBe("INUSE");
      await client.channels.hangup({ channelId: ch.id });
      await waitFor(() => sim.pbx.computeDeviceState("PJSIP/1001") === "NOT_INUSE" || undefined);
      await expect(client.channels.originate({ endpoint: "PJSIP/9999", app: "cti" })).rejects.toThrow('{"error":"Allocation failed"}');
    } finally {
      client.removeListener("StasisStart", onStart);
      client.removeListener("ChannelStateChange", onState);
    }
  });
});
