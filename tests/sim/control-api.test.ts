/**
 * The simulator's control API over HTTP on loopback, with a Stasis app (ws + fetch) playing the
 * daemon: one precise call placed by POST /calls, what it heard reported by GET /calls/:id, agent
 * phones steered by POST /agents/:endpoint, and malformed requests refused with a reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import type { CallRecord } from "../../src/sim/scenario/index.js";
import { channelOf, TestAriApp, type AriEvent } from "./scenario-ari-app.js";

const TOKEN = "control-test-token";
let sim: Simulator;
let app: TestAriApp;

async function control(method: string, path: string, body?: string | object, token: string | null = TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(`${sim.controlUrl}${path}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  sim = await startSimulator({
    users: { switchboard: "sim-secret" },
    // a short welcome and a long menu: the key at 1.2 s lands in the menu with room for REST delays
    timeScale: 0.1,
    ami: false,
    media: { sounds: { "switchboard/welcome": 500, "switchboard/main-menu": 8000, "switchboard/goodbye": 500 } },
    control: { http: { port: 0, token: TOKEN } },
  });
  app = await TestAriApp.connect(sim.ariUrl, "switchboard", "switchboard", "sim-secret", { subscribeAll: true });
  // the "daemon": answer, welcome + menu; a key stops the menu (barge-in), says goodbye and hangs up
  const playing = new Map<string, string>();
  app.on(async (e: AriEvent) => {
    if (e.type === "StasisStart") {
      const id = channelOf(e).id;
      if (channelOf(e).name.startsWith("PJSIP/trunk")) {
        await app.request("POST", `/channels/${id}/answer`);
        const pb = await app.request("POST", `/channels/${id}/play`, { media: "sound:switchboard/welcome,sound:switchboard/main-menu" });
        playing.set(id, (pb.body as { id: string }).id);
      }
    }
    if (e.type === "ChannelDtmfReceived") {
      const id = channelOf(e).id;
      const pb = playing.get(id);
      playing.delete(id);
      if (pb) await app.request("DELETE", `/playbacks/${pb}`);
      await app.request("POST", `/channels/${id}/play`, { media: "sound:switchboard/goodbye" });
    }
    if (e.type === "PlaybackFinished" && (e.playback as { media_uri: string }).media_uri === "sound:switchboard/goodbye") {
      await app.request("DELETE", `/channels/${String((e.playback as { target_uri: string }).target_uri).slice(8)}`);
    }
  });
});

afterAll(async () => {
  await app?.close();
  await sim?.stop();
});

describe("control API", () => {
  it("places a precise call (caller 5551234 dials 800, presses 9 after 1.2 s, hangs up after 40 s) and reports what it heard", async () => {
    const placed = await control("POST", "/calls", { caller: "5551234", callerName: "Test Caller", did: "800", dtmf: [{ after: 1.2, press: "9" }], hangupAfter: 40 });
    expect(placed.status).toBe(201);
    const id = placed.body.channelId as string;
    expect(placed.body.channelName).toMatch(/^PJSIP\/trunk-[0-9a-f]{8}$/);

    const start = await app.waitFor((e) => e.type === "StasisStart" && channelOf(e).id === id);
    expect(start.args).toEqual(["main", "800"]);
    expect(channelOf(start).caller).toEqual({ name: "Test Caller", number: "5551234" });

    const record = await until(async () => {
      const r = await control("GET", `/calls/${id}`);
      return r.body.phase === "ended" ? (r.body as CallRecord) : undefined;
    });
    expect(record.heard.map((h) => [h.uri, h.outcome])).toEqual([
      ["sound:switchboard/welcome", "done"],
      ["sound:switchboard/main-menu", "stopped"],
      ["sound:switchboard/goodbye", "done"],
    ]);
    expect(record.dtmf.map((d) => d.digit)).toEqual(["9"]);
    // the key landed while the menu was playing
    const menu = record.heard[1]!;
    expect(Date.parse(record.dtmf[0]!.at)).toBeGreaterThanOrEqual(Date.parse(menu.startedAt));
    expect(Date.parse(record.dtmf[0]!.at)).toBeLessThanOrEqual(Date.parse(menu.finishedAt!));
    expect(record.stasis).toMatchObject({ app: "switchboard", args: ["main", "800"] });
    expect(record.answeredBy).toBe("app");
    // the app hung up (normal clearing), not the caller
    expect(record.hangup).toMatchObject({ by: "pbx", cause: 16 });
  });

  it("the caller hangs up on its own after hangupAfter, and the record says so", async () => {
    const placed = await control("POST", "/calls", { caller: "5551001", did: "801", hangupAfter: 0.5 });
    const record = await until(async () => {
      const r = await control("GET", `/calls/${placed.body.channelId}`);
      return r.body.phase === "ended" ? (r.body as CallRecord) : undefined;
    });
    expect(record.hangup).toMatchObject({ by: "caller", reason: "hangup-after", cause: 16 });
    expect(record.stasis?.args).toEqual(["retention", "801"]);
    expect(app.events.some((e) => e.type === "ChannelHangupRequest" && channelOf(e).id === placed.body.channelId)).toBe(true);
  });

  it("lists channels and bridges, and steers an agent phone whose device state reaches ARI", async () => {
    const agent = await control("POST", `/agents/${encodeURIComponent("PJSIP/1001")}`, { registered: true, answerDelay: 0.5, talkTime: 30 });
    expect(agent).toMatchObject({ status: 200, body: { endpoint: "PJSIP/1001", registered: true } });
    await app.waitFor((e) => e.type === "DeviceStateChanged" && (e.device_state as { name: string }).name === "PJSIP/1001" && (e.device_state as { state: string }).state === "NOT_INUSE");
    const off = await control("POST", "/agents/PJSIP/1001", { registered: false });
    expect(off.body).toMatchObject({ registered: false, deviceState: "UNAVAILABLE" });
    await app.waitFor((e) => e.type === "DeviceStateChanged" && (e.device_state as { name: string }).name === "PJSIP/1001" && (e.device_state as { state: string }).state === "UNAVAILABLE");

    const placed = await control("POST", "/calls", { caller: "5551002", did: "800", hangupAfter: 30 });
    await app.waitFor((e) => e.type === "StasisStart" && channelOf(e).id === placed.body.channelId);
    const bridge = await app.request("POST", "/bridges", { type: "mixing" });
    const bridgeId = (bridge.body as { id: string }).id;
    await app.request("POST", `/bridges/${bridgeId}/addChannel`, { channel: placed.body.channelId });
    const channels = await control("GET", "/channels");
    expect(channels.body.map((c: { id: string }) => c.id)).toContain(placed.body.channelId);
    const bridges = await control("GET", "/bridges");
    expect(bridges.body.find((b: { id: string }) => b.id === bridgeId)?.channels).toEqual([placed.body.channelId]);
    await app.request("DELETE", `/channels/${placed.body.channelId}`);
    await app.request("DELETE", `/bridges/${bridgeId}`);
  });

  it("refuses malformed requests with 400 and a reason, unknown calls with 404, missing tokens with 401", async () => {
    const broken = await control("POST", "/calls", '{"caller": "5551234", "did": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/malformed JSON/);
    const badDid = await control("POST", "/calls", { caller: "5551234", did: "eight hundred" });
    expect(badDid.status).toBe(400);
    expect(badDid.body.error).toMatch(/^did: /);
    const unknownField = await control("POST", "/calls", { caller: "5551234", did: "800", presses: "9" });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error).toMatch(/presses/);
    const badKey = await control("POST", "/calls", { caller: "5551234", did: "800", dtmf: [{ after: 1, press: "x" }] });
    expect(badKey).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^dtmf\.0\.press: DTMF digits/) } });
    const badAgent = await control("POST", "/agents/PJSIP/1002", { noAnswerProbability: 2 });
    expect(badAgent).toMatchObject({ status: 400, body: { error: expect.stringMatching(/noAnswerProbability/) } });
    expect((await control("GET", "/calls/no-such-call")).status).toBe(404);
    expect((await control("GET", "/calls", undefined, null)).status).toBe(401);
    expect((await control("GET", "/calls", undefined, "wrong-token")).status).toBe(401);
    expect((await control("DELETE", "/calls")).status).toBe(405);
  });

  it("offers the same operations in-process (sim.control)", async () => {
    const placed = sim.control.placeCall({ caller: "5551003", did: "800", dtmf: [{ after: 1.2, press: "1" }] });
    const record = await sim.control.waitForEnd(placed.channelId);
    expect(record.dtmf.map((d) => d.digit)).toEqual(["1"]);
    expect(record.heard[1]).toMatchObject({ uri: "sound:switchboard/main-menu", outcome: "stopped" });
    // run-time validation also guards callers that bypass the types (e.g. JSON from elsewhere)
    expect(() => sim.control.placeCall({ caller: "5551003" } as never)).toThrow(/did/);
  });
});
