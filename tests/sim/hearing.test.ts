/**
 * What each channel hears (SimPbx.hearing, sim.control.hearing, GET /channels/:id/hearing): prompts,
 * music on hold, the other parties of a bridge and silence, span by span on the simulated clock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { DEFAULT_SOUNDS } from "../../src/sim/model/media.js";
import { SimPbx, spansOf, type HearingTimeline, type PbxEvent } from "../../src/sim/pbx.js";

const PROMPT_MS = 2000;
let pbx: SimPbx | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  pbx?.stop();
  await sim?.stop();
  pbx = undefined;
  sim = undefined;
});

function waitEvent(p: SimPbx, pred: (e: PbxEvent) => boolean, ms = 5000): Promise<PbxEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out waiting for an event")), ms);
    const off = p.onEvent((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** An inbound-style caller in Stasis app `cti` (recorded context inbound-stasis), answered. */
async function caller(p: SimPbx, number: string): Promise<string> {
  const started = waitEvent(p, (e) => e.type === "StasisStart" && e.channel.caller.number === number);
  p.originate({ endpoint: "Local/s@inbound-stasis", context: "caller-hold", exten: "s", priority: 1, callerId: `Caller <${number}>` });
  const id = ((await started) as Extract<PbxEvent, { type: "StasisStart" }>).channel.id;
  p.answer(id);
  return id;
}

/** Lets a moment pass (a span under 1 simulated ms is one burst of changes, not something heard). */
const moment = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

const kinds = (t: HearingTimeline | undefined): string[] =>
  (t?.spans ?? []).map((s) => (s.kind === "prompt" ? `prompt ${s.media}` : s.kind === "moh" ? `moh ${s.mohClass}` : s.kind === "bridged" ? `bridged ${s.parties.map((x) => x.id).join()}` : s.kind));

describe("what each channel hears", () => {
  it("music, a prompt that stops the music for good, the bridge under the music, the other party once the music stops", async () => {
    pbx = new SimPbx({ timeScale: 0.1, media: { sounds: { ...DEFAULT_SOUNDS, "switchboard/welcome": PROMPT_MS } } });
    pbx.registerApp("cti");
    const a = await caller(pbx, "5550001");
    await moment();
    pbx.startMoh(a, "default");
    await moment();
    const finished = waitEvent(pbx, (e) => e.type === "PlaybackFinished");
    pbx.play(a, ["sound:switchboard/welcome"]);
    await finished;
    // the play stopped the music: silence until it is started again
    expect(kinds(pbx.hearing(a)).slice(-3)).toEqual(["moh default", "prompt sound:switchboard/welcome", "silence"]);
    await moment();
    pbx.startMoh(a);
    const b = await caller(pbx, "5550002");
    const bridge = pbx.createBridge({ types: ["mixing"] }).id;
    pbx.addToBridge(bridge, [a, b]);
    // a's music drowns the bridge; b hears a
    expect(kinds(pbx.hearing(a)).at(-1)).toBe("moh default");
    expect(kinds(pbx.hearing(b)).at(-1)).toBe(`bridged ${a}`);
    await moment();
    pbx.stopMoh(a);
    await moment();
    pbx.removeFromBridge(bridge, [b]);
    await moment();
    pbx.hangup(a);
    await waitEvent(pbx, (e) => e.type === "ChannelDestroyed" && e.channel.id === a);

    const t = pbx.hearing(a)!;
    expect(kinds(t)).toEqual(["silence", "moh default", "prompt sound:switchboard/welcome", "silence", "moh default", `bridged ${b}`, "silence"]);
    expect(t.endedAt).toBeDefined();
    // spans follow each other without gaps, on the simulated clock
    t.spans.forEach((s, i) => {
      if (i > 0) expect(s.from).toBe(t.spans[i - 1]!.to);
    });
    const prompt = t.spans.find((s) => s.kind === "prompt")!;
    // a timer never fires early (1 ms of rounding at most): the prompt lasted at least its length
    expect(prompt.to! - prompt.from).toBeGreaterThanOrEqual(PROMPT_MS - 10);
    const silences = spansOf(t, { now: pbx.simNow() });
    expect(silences.length).toBe(3);
    expect(spansOf(t, { now: pbx.simNow() }, ["prompt"])[0]!.ms).toBe(prompt.to! - prompt.from);
    // within the prompt's own window there is no silence at all
    expect(spansOf(t, { from: prompt.from, to: prompt.to!, now: pbx.simNow() })).toEqual([]);
  });

  it("the dialplan's Playback() and a paused playback count too", async () => {
    pbx = new SimPbx({
      timeScale: 0.1,
      media: { sounds: { ...DEFAULT_SOUNDS, "switchboard/please-hold": PROMPT_MS, "switchboard/main-menu": 600_000 } },
      dialplan: { "play-then-wait": { s: [{ app: "Answer" }, { app: "Playback", data: "switchboard/please-hold" }, { app: "Wait", data: "60" }] } },
    });
    const call = pbx.placeCall({ from: "PJSIP/2000", context: "play-then-wait", exten: "s", callerId: "Phone <2000>" });
    const phone = pbx.listChannels()[0]!.id;
    await until(() => kinds(pbx!.hearing(phone)).join() === "silence,prompt sound:switchboard/please-hold,silence");
    call.hangup();

    pbx.registerApp("cti");
    const a = await caller(pbx, "5550004");
    const started = waitEvent(pbx, (e) => e.type === "PlaybackStarted");
    const pb = pbx.play(a, ["sound:switchboard/main-menu"]).id;
    await started;
    await moment();
    pbx.controlPlayback(pb, "pause");
    expect(kinds(pbx.hearing(a)).slice(-2)).toEqual(["prompt sound:switchboard/main-menu", "silence"]);
    await moment();
    pbx.controlPlayback(pb, "unpause");
    expect(kinds(pbx.hearing(a)).slice(-3)).toEqual(["prompt sound:switchboard/main-menu", "silence", "prompt sound:switchboard/main-menu"]);
  });
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("hearing over the control API", () => {
  it("GET /channels/:id/hearing: the spans with the simulated clock; 404 for an unknown channel", async () => {
    sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.1, ami: false, control: { http: { port: 0 } } });
    sim.pbx.registerApp("cti");
    const a = await caller(sim.pbx, "5550003");
    await moment();
    sim.pbx.startMoh(a);
    const res = await fetch(`${sim.controlUrl}/channels/${a}/hearing`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as HearingTimeline & { now: number };
    expect(body).toMatchObject({ channelId: a, spans: [{ kind: "silence" }, { kind: "moh", mohClass: "default" }] });
    expect(body.now).toBeGreaterThanOrEqual(body.spans[1]!.from);
    expect(sim.control.hearing(a)?.spans.at(-1)).toMatchObject({ kind: "moh" });
    expect((await fetch(`${sim.controlUrl}/channels/no-such-channel/hearing`)).status).toBe(404);
  });
});
