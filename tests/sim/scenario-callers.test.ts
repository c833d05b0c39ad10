/**
 * Synthetic callers and agent phones against the simulator over real sockets, with a Stasis app
 * (ws + fetch) in the daemon's place: per-prompt DTMF lands during its prompt and the app's barge-in
 * shows; patience on hold; talk time once bridged; an agent that never answers; a seeded scenario
 * places the same callers twice.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { parseScenario, planArrivals, ScenarioRunner, scenarioSimulatorOptions } from "../../src/sim/scenario/index.js";
import { channelOf, TestAriApp, type AriEvent } from "./scenario-ari-app.js";

const USERS = { switchboard: "sim-secret" };
let sim: Simulator | undefined;
let app: TestAriApp | undefined;

afterEach(async () => {
  await app?.close();
  await sim?.stop();
  app = undefined;
  sim = undefined;
});

async function boot(timeScale = 0.1): Promise<{ sim: Simulator; app: TestAriApp }> {
  sim = await startSimulator({
    users: USERS,
    timeScale,
    ami: false,
    media: { sounds: { "switchboard/welcome": 2000, "switchboard/main-menu": 6000, "switchboard/thanks": 1000 } },
  });
  app = await TestAriApp.connect(sim.ariUrl, "switchboard", "switchboard", "sim-secret", { subscribeAll: true });
  return { sim, app };
}

const isTrunk = (e: AriEvent): boolean => channelOf(e).name.startsWith("PJSIP/trunk");
const mediaOf = (e: AriEvent): string => (e.playback as { media_uri: string }).media_uri;
const playbackIdOf = (e: AriEvent): string => (e.playback as { id: string }).id;

describe("synthetic callers", () => {
  it("press their key during the prompt a rule names; the app stops that prompt on the key (barge-in)", async () => {
    const { sim, app } = await boot();
    const current = new Map<string, string>();
    app.on(async (e) => {
      if (e.type === "StasisStart" && isTrunk(e)) {
        const id = channelOf(e).id;
        await app.request("POST", `/channels/${id}/answer`);
        const pb = await app.request("POST", `/channels/${id}/play`, { media: "sound:switchboard/welcome,sound:switchboard/main-menu" });
        current.set(id, (pb.body as { id: string }).id);
      }
      if (e.type === "ChannelDtmfReceived") {
        const pb = current.get(channelOf(e).id);
        current.delete(channelOf(e).id);
        if (pb) await app.request("DELETE", `/playbacks/${pb}`);
        await app.request("DELETE", `/channels/${channelOf(e).id}`);
      }
    });
    const { channelId } = sim.control.placeCall({
      caller: "5551001",
      did: "800",
      prompts: [
        { prompt: "sound:switchboard/welcome", after: 0.5, press: "5", probability: 0 },
        { prompt: "sound:switchboard/main-menu", after: 1, press: "2" },
      ],
    });
    const record = await sim.control.waitForEnd(channelId);

    // over ARI: the key arrives after the menu started and before the menu finished; the record
    // tells that the app stopped the menu rather than letting it play out
    const mine = app.events.filter((e) => {
      if (e.type === "PlaybackStarted" || e.type === "PlaybackFinished") return (e.playback as { target_uri: string }).target_uri === `channel:${channelId}`;
      return e.type === "ChannelDtmfReceived" && channelOf(e).id === channelId;
    });
    const seq = mine.map((e) => (e.type === "ChannelDtmfReceived" ? `dtmf ${String(e.digit)}` : `${e.type} ${mediaOf(e)}`));
    expect(seq).toEqual(["PlaybackStarted sound:switchboard/welcome", "PlaybackStarted sound:switchboard/main-menu", "dtmf 2", "PlaybackFinished sound:switchboard/main-menu"]);
    expect(record.heard.map((h) => [h.uri, h.outcome])).toEqual([
      ["sound:switchboard/welcome", "done"],
      ["sound:switchboard/main-menu", "stopped"],
    ]);
    expect(record.dtmf.map((d) => d.digit)).toEqual(["2"]);
  });

  it("lose patience on hold and hang up; the app sees the hangup request", async () => {
    const { sim, app } = await boot();
    app.on(async (e) => {
      if (e.type === "StasisStart" && isTrunk(e)) {
        await app.request("POST", `/channels/${channelOf(e).id}/answer`);
        await app.request("POST", `/channels/${channelOf(e).id}/moh`);
      }
    });
    const { channelId } = sim.control.placeCall({ caller: "5551004", did: "800", patience: { total: 100, onHold: 2 } });
    const record = await sim.control.waitForEnd(channelId);
    expect(record.hangup).toMatchObject({ by: "caller", reason: "patience-on-hold", cause: 16 });
    expect(record.heard).toEqual([expect.objectContaining({ uri: "moh:default", outcome: "stopped" })]);
    const request = await app.waitFor((e) => e.type === "ChannelHangupRequest" && channelOf(e).id === channelId);
    expect(request.cause).toBe(16);
    await app.waitFor((e) => e.type === "StasisEnd" && channelOf(e).id === channelId);
  });

  it("talk to the agent the app bridges them with, then hang up after their talk time", async () => {
    const { sim, app } = await boot();
    sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.5, talkTime: 1000 });
    app.on(async (e) => {
      if (e.type === "StasisStart" && isTrunk(e)) {
        const caller = channelOf(e).id;
        await app.request("POST", `/channels/${caller}/answer`);
        const bridge = await app.request("POST", "/bridges", { type: "mixing" });
        const bridgeId = (bridge.body as { id: string }).id;
        await app.request("POST", `/bridges/${bridgeId}/addChannel`, { channel: caller });
        await app.request("POST", "/channels", { endpoint: "PJSIP/1001", app: "switchboard", appArgs: `agent,${bridgeId}` });
      }
      if (e.type === "StasisStart" && !isTrunk(e)) {
        const [, bridgeId] = e.args as string[];
        await app.request("POST", `/bridges/${bridgeId}/addChannel`, { channel: channelOf(e).id });
      }
    });
    const { channelId } = sim.control.placeCall({ caller: "5551005", did: "800", talkTime: 3 });
    const record = await sim.control.waitForEnd(channelId);
    expect(record.hangup).toMatchObject({ by: "caller", reason: "talk-time" });
    expect(record.bridges).toHaveLength(1);
    expect(record.bridges[0]!.with.map((w) => w.name)).toEqual([expect.stringMatching(/^PJSIP\/1001-[0-9a-f]{8}$/)]);
    expect(sim.control.getAgent("PJSIP/1001")?.calls).toMatchObject({ offered: 1, answered: 1 });
  });
});

describe("agent phones", () => {
  it("an agent with noAnswerProbability 1 rings but never answers; one with 0 answers", async () => {
    const { sim, app } = await boot();
    sim.control.addAgent({ endpoint: "PJSIP/1002", noAnswerProbability: 1, answerDelay: 0.2 });
    sim.control.addAgent({ endpoint: "PJSIP/1003", noAnswerProbability: 0, answerDelay: 0.2 });
    const originate = async (endpoint: string): Promise<string> => {
      const r = await app.request("POST", "/channels", { endpoint, app: "switchboard", timeout: 2 });
      expect(r.status).toBe(200);
      return (r.body as { id: string }).id;
    };
    const silent: string[] = [];
    for (let i = 0; i < 5; i++) silent.push(await originate("PJSIP/1002"));
    const answering = await originate("PJSIP/1003");
    for (const id of silent) {
      const gone = await app.waitFor((e) => e.type === "ChannelDestroyed" && channelOf(e).id === id);
      expect(gone.cause).toBe(19);
    }
    await app.waitFor((e) => e.type === "StasisStart" && channelOf(e).id === answering);
    expect(app.events.some((e) => e.type === "StasisStart" && silent.includes(channelOf(e).id))).toBe(false);
    expect(app.events.some((e) => e.type === "ChannelStateChange" && silent.includes(channelOf(e).id) && channelOf(e).state === "Up")).toBe(false);
    // the phone rang: its device state went RINGING (as ARI reports to subscribeAll apps)
    expect(app.events.some((e) => e.type === "DeviceStateChanged" && (e.device_state as { name: string; state: string }).name === "PJSIP/1002" && (e.device_state as { state: string }).state === "RINGING")).toBe(true);
    expect(sim.control.getAgent("PJSIP/1002")?.calls).toMatchObject({ offered: 5, answered: 0, notAnswered: 5 });
    await app.request("DELETE", `/channels/${answering}`);
  });
});

describe("scenarios", () => {
  const scenario = (seed: number) =>
    parseScenario(`
seed: ${seed}
duration: 20
timeScale: 0.02
arrivals: { rate: 60 }
callers:
  mix:
    - { profile: known, weight: 2, numbers: ["5551001", "5551002", "5551003"], did: "800", patience: { total: 10 } }
    - { profile: retention, weight: 1, numbers: ["5551004"], did: "801", patience: { total: 10 } }
    - { profile: unknown, weight: 1, unknownNumbers: { prefix: "555", length: 7 }, did: "800", patience: { total: 10 } }
agents:
  - { endpoint: PJSIP/1001 }
`);

  async function run(seed: number): Promise<{ seen: string[]; summary: ReturnType<ScenarioRunner["summary"]>; planned: string[] }> {
    const s = scenario(seed);
    const { sim, app } = await boot(s.timeScale);
    app.on(async (e) => {
      if (e.type === "StasisStart" && isTrunk(e)) await app.request("POST", `/channels/${channelOf(e).id}/answer`);
    });
    const runner = new ScenarioRunner(sim.control, s);
    runner.start();
    await runner.done;
    while (sim.control.liveCalls > 0) await new Promise((r) => setTimeout(r, 10));
    const seen = app.events.filter((e) => e.type === "StasisStart" && isTrunk(e)).map((e) => `${channelOf(e).caller.number}>${(e.args as string[]).join(",")}`);
    const summary = runner.summary();
    runner.stop();
    await app.close();
    await sim.stop();
    return { seen, summary, planned: planArrivals(s).map((p) => `${p.spec.caller}>${p.spec.did === "801" ? "retention" : "main"},${p.spec.did}`) };
  }

  it("a seeded scenario places the same callers, in the same order, on every run", async () => {
    const first = await run(11);
    const second = await run(11);
    const other = await run(12);
    expect(first.seen.length).toBeGreaterThan(5);
    expect(second.seen).toEqual(first.seen);
    expect(first.seen).toEqual(first.planned);
    expect(other.seen).not.toEqual(first.seen);
    expect(first.summary).toMatchObject({ placed: first.seen.length, reachedApp: first.seen.length, hungUpByCaller: first.seen.length, live: 0 });
    expect(first.summary.answeredByApp).toBeGreaterThan(0);
    expect(first.summary.callerHangups).toEqual({ "patience-total": first.seen.length });
  });
});
