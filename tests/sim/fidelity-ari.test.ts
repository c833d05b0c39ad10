/**
 * Fidelity of the simulator's ARI side against recordings of a real Asterisk 22.10.1
 * (shared/asterisk-fixtures): every ari-ws scenario but the server restart is replayed request by
 * request and the WebSocket frames are compared (event types in order, field names, JSON types,
 * values after id mapping); ari-rest exchanges are replayed in one session and compared (status,
 * reason, header names, content type, body shape, exact error bodies).
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { replayWsScenario } from "./ari-replay.js";
import { compareSequences, compareStructure, formatDifferences, normalizeChannelName, type Difference } from "./fidelity.js";

const TIME_SCALE = 0.1;

const SCENARIOS = [
  "ws-01-inbound-answer-play-dtmf-app-hangup.jsonl",
  "ws-01b-originate-into-app-play-dtmf-app-hangup.jsonl",
  "ws-02-caller-hangup-during-playback.jsonl",
  "ws-03-agent-bridge-moh-agent-hangup.jsonl",
  "ws-04-agent-no-answer-timeout.jsonl",
  "ws-05-reconnect-with-channels-in-app.jsonl",
  "ws-06-second-connection-same-app.jsonl",
  "ws-07-continue-to-dialplan.jsonl",
  "ws-08-playback-unknown-sound-and-failed-originate.jsonl",
  "ws-09-subscribeAll-bridge-events.jsonl",
  "ws-11-hangup-reasons.jsonl",
];

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const types = (frames: Array<Record<string, unknown>>): string[] => frames.map((f) => String(f.type));
const notDevice = (f: Record<string, unknown>): boolean => f.type !== "DeviceStateChanged";

describe("ARI WebSocket scenarios replayed against the simulator", () => {
  for (const file of SCENARIOS) {
    it(file.replace(/\.jsonl$/, ""), async () => {
      sim = await startSimulator({ users: { cti: "cti" }, timeScale: TIME_SCALE, media: { unknownSound: "fail" } });
      const out = await replayWsScenario(file, sim.ariUrl, TIME_SCALE);
      expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
      for (const [conn, recorded] of out.recordedFrames) {
        const actual = out.simFrames.get(conn) ?? [];
        const rec = recorded.filter(notDevice);
        const act = actual.filter(notDevice);
        const seq = compareSequences(types(rec), types(act));
        expect(seq.equal, `event order on connection ${conn}:\n${seq.report}`).toBe(true);
        // device states are computed asynchronously in Asterisk: compare them as their own sequence
        const devRec = recorded.filter((f) => !notDevice(f)).map((f) => JSON.stringify(f.device_state));
        const devAct = actual.filter((f) => !notDevice(f)).map((f) => JSON.stringify(f.device_state));
        expect(devAct, `device states on ${conn}`).toEqual(devRec);
        const diffs: Difference[] = [];
        rec.forEach((r, i) => {
          diffs.push(
            ...compareStructure(r, act[i], {
              values: true,
              normalizeExpected: (s) => normalizeChannelName(s),
              normalizeActual: (s) => normalizeChannelName(out.idMap.rewriteToRecorded(s)),
            }, `${conn}[${i}]<${String(r.type)}>`),
          );
        });
        expect(formatDifferences(diffs), `frames on ${conn}`).toBe("");
      }
      for (const r of out.responses) {
        expect(r.sim?.status, `${r.method} ${r.path}`).toBe(r.recorded.status);
        const recBody = (r.recorded as unknown as { body?: unknown }).body;
        if (recBody !== undefined) {
          // a play reply shows "queued" or, when the playback won the race, already "playing"
          const raceState = (s: string, key: string): string => (key === "state" && /\/play/.test(r.path) && s === "playing" ? "queued" : s);
          const diffs = compareStructure(recBody, r.sim?.json, {
            values: true,
            normalizeExpected: (s, key) => raceState(normalizeChannelName(s), key),
            normalizeActual: (s, key) => raceState(normalizeChannelName(out.idMap.rewriteToRecorded(s)), key),
          });
          expect(formatDifferences(diffs), `reply to ${r.method} ${r.path}`).toBe("");
        }
      }
    });
  }
});
