/**
 * Fidelity of the simulator's AMI side against the second batch of recordings (systemname `pbx1`,
 * PJSIP endpoints, manager.conf users with read classes and event filters):
 * - ami-15: the AMI side of ws-12, a phone registering and unregistering (security events,
 *   ContactStatus, PeerStatus, DeviceStateChange), then another phone refreshing its registration;
 * - ami-18a/b/c: the same call seen by a user with the `[switchboard]` whitelist, one without a filter
 *   and one with `!Event: DeviceStateChange`: list replies come whole, filters apply to events only;
 * - ami-19: the AMI side of ws-15 (every unsolicited event carries `SystemName: pbx1`, the ids carry
 *   it too) plus CoreSettings and CoreStatus.
 * What happened outside the recorded session (the calls, the phones) is done in the PBX at the moment
 * the recording shows it, through ARI where the recording client used ARI.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startSimulator, type PbxEvent, type Simulator } from "../../src/sim/index.js";
import { DEFAULT_SOUNDS } from "../../src/sim/model/media.js";
import { until, type Msg } from "./ami-test-client.js";
import { compareSessions, replay, type CompareOptions, type ReplayOptions } from "./ami-replay.js";
import { httpRequest, replayWsScenario } from "./ari-replay.js";
import { AUTO_ANSWER, configureEndpoints, FILTER_USERS, idShape, SECOND_BATCH } from "./second-batch.js";

const TIME_SCALE = 0.25;

let sim: Simulator | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await sim?.stop();
  sim = undefined;
});

async function secondBatchSimulator(): Promise<Simulator> {
  sim = await startSimulator({
    users: { rec: "rec" },
    amiUsers: FILTER_USERS,
    ...SECOND_BATCH,
    media: { ...SECOND_BATCH.media, sounds: { ...DEFAULT_SOUNDS, ...SECOND_BATCH.media!.sounds } },
    timeScale: TIME_SCALE,
  });
  configureEndpoints(sim.pbx, AUTO_ANSWER);
  return sim;
}

/** Resolves with the first PBX event `match` accepts (bounded). */
function nextEvent(s: Simulator, match: (e: PbxEvent) => boolean, what: string): Promise<PbxEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${what}`));
    }, 5000);
    const off = s.pbx.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

async function check(s: Simulator, name: string, replayOpts: ReplayOptions, compare: CompareOptions = {}): Promise<ReturnType<typeof compareSessions> & { ids: Array<[string, string]> }> {
  const out = await replay(name, s.amiPort!, replayOpts);
  out.client.destroy();
  expect(out.client.banner).toBe(out.recording.banner);
  expect(out.missedAnchors, "events the recording client waited for").toEqual([]);
  const cmp = compareSessions(out.recorded, out.actual, out.ids, compare);
  return { ...cmp, ids: out.ids.pairs() };
}

describe("second batch: AMI sessions", () => {
  it("ami-15-pjsip-register-unregister: security events, ContactStatus, PeerStatus, device state", async () => {
    const s = await secondBatchSimulator();
    const contact = "sip:1002-0x5638df3192d0@127.0.0.1:5081";
    const cmp = await check(s, "ami-15-pjsip-register-unregister", {
      before: {
        // baresip 1002 started, later stopped; then baresip 1001 refreshed its registration
        1: async () => {
          const qualified = nextEvent(s, (e) => e.type === "ContactStatusChange" && e.contact.status === "Reachable", "the qualified contact");
          s.pbx.registerEndpoint("PJSIP", "1002", { contact, roundtripUsec: 3837 });
          await qualified;
          s.pbx.unregisterEndpoint("PJSIP", "1002");
          s.pbx.registerEndpoint("PJSIP", "1001");
        },
      },
    });
    expect(cmp.problems.join("\n")).toBe("");
  });

  for (const name of ["ami-18a-eventfilter-sbfilter", "ami-18b-eventfilter-nofilter", "ami-18c-eventfilter-blacklist-devicestate"]) {
    it(`${name}: list replies are never filtered, events are`, async () => {
      const s = await secondBatchSimulator();
      await filterScenarioSetup(s);
      const cmp = await check(s, name, {
        before: {
          // between CoreShowChannels and Ping: PJSIP/1001 originated into the app, answered, hung up by the app
          3: () => agentCall(s),
          // before Logoff: the app hangs the caller up
          4: async () => {
            const gone = nextEvent(s, (e) => e.type === "ChannelDestroyed" && e.channel.id === "fx-flt-a1", "the caller's ;1 destroyed");
            expect((await ari(s, "DELETE", "/ari/channels/fx-flt-a2")).status).toBe(204);
            await gone;
          },
        },
      });
      expect(cmp.problems.join("\n")).toBe("");
    });
  }

  it("ami-19-systemname-ids: SystemName on every event, CoreSettings, CoreStatus, prefixed ids", async () => {
    const s = await secondBatchSimulator();
    await appSocket(s);
    const cmp = await check(
      s,
      "ami-19-systemname-ids",
      // the ARI side of the session (ws-15) ran between CoreStatus and Logoff
      { before: { 3: async () => void (await replayWsScenario("ws-15-systemname-ids.jsonl", s.ariUrl, TIME_SCALE)) } },
      { ignoreValue: (_m: Msg, key: string) => /^Core(Startup|Reload)(Date|Time)$|^CoreProcessedCalls$/.test(key) },
    );
    expect(cmp.problems.join("\n")).toBe("");
    const channelIds = cmp.ids.filter(([rec]) => /^pbx1-|^my-own-id/.test(rec));
    expect(channelIds.length).toBeGreaterThanOrEqual(4);
    expect(channelIds.map(([, simId]) => idShape(simId))).toEqual(channelIds.map(([rec]) => idShape(rec)));
  });
});

const ari = (s: Simulator, method: string, path: string) => httpRequest(s.ariUrl, method, path, { auth: "rec:rec" });

/** The app `rec`'s WebSocket (Stasis() needs one). */
async function appSocket(s: Simulator): Promise<void> {
  const ws = new WebSocket(`${s.ariUrl.replace(/^http/, "ws")}/ari/events?app=rec&api_key=rec:rec`);
  ws.on("error", () => {});
  sockets.push(ws);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
}

/**
 * What the recorded server held when the eventfilter sessions logged in: MWI and queue pseudo-devices
 * in its device-state cache, and an inbound-style caller answered in the app (`fx-flt-a1`/`-a2`).
 */
async function filterScenarioSetup(s: Simulator): Promise<void> {
  for (const d of ["MWI:1234@devices@myaliases", "MWI:1234@other", "MWI:1234@default", "Queue:aq-support", "Queue:aq-support_avail", "Queue:aq-support_pause_Local/fast@agents"])
    s.pbx.setDeviceState(d, "NOT_INUSE");
  await appSocket(s);
  const caller = "callerId=Filter%20Caller%20%3C5553300%3E&channelId=fx-flt-a1&otherChannelId=fx-flt-a2";
  expect((await ari(s, "POST", `/ari/channels?endpoint=Local%2Fs%40rec-inbound&context=hold&extension=s&priority=1&${caller}`)).status).toBe(200);
  await until(() => s.pbx.stasisAppOf("fx-flt-a2") === "rec", 3000, "the caller in Stasis");
  expect((await ari(s, "POST", "/ari/channels/fx-flt-a2/answer")).status).toBe(204);
  await until(() => s.pbx.getChannel("fx-flt-a1")?.dialplan.appName === "Wait", 3000, "the caller's ;1 waiting");
}

/** `PJSIP/1001` originated into the app, answered by the phone, hung up by the app. */
async function agentCall(s: Simulator): Promise<void> {
  const started = nextEvent(s, (e) => e.type === "StasisStart" && e.channel.id === "fx-flt-b1", "the agent in Stasis");
  expect((await ari(s, "POST", "/ari/channels?endpoint=PJSIP%2F1001&app=rec&appArgs=agent&channelId=fx-flt-b1")).status).toBe(200);
  await started;
  const gone = nextEvent(s, (e) => e.type === "ChannelDestroyed" && e.channel.id === "fx-flt-b1", "the agent's channel destroyed");
  expect((await ari(s, "DELETE", "/ari/channels/fx-flt-b1")).status).toBe(204);
  await gone;
  // its device state (NOT_INUSE) is published a moment later
  await until(() => s.pbx.computeDeviceState("PJSIP/1001") === "NOT_INUSE", 3000, "PJSIP/1001 idle");
}

