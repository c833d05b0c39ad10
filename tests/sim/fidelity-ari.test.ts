/**
 * Fidelity of the simulator's ARI side against recordings of a real Asterisk 22.10.1
 * (shared/asterisk-fixtures): every ari-ws scenario but the server restart is replayed request by
 * request and the WebSocket frames are compared (event types in order, field names, JSON types,
 * values after id mapping); ari-rest exchanges are replayed in one session and compared (status,
 * reason, header names, content type, body shape, exact error bodies).
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { httpRequest, readJsonl, replayWsScenario } from "./ari-replay.js";
import {
  compareSequences,
  compareStructure,
  DEFAULT_IGNORED_VALUES,
  formatDifferences,
  IdMap,
  normalizeChannelName,
  type Difference,
} from "./fidelity.js";

const TIME_SCALE = 0.25;
/**
 * ws-02's hangup lands 46 ms before the next prompt would start; scaled to 12 ms that is within a busy
 * machine's timer jitter, so it replays in real time.
 */
const SCALE_FOR: Record<string, number> = { "ws-02-caller-hangup-during-playback.jsonl": 1 };

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
      const scale = SCALE_FOR[file] ?? TIME_SCALE;
      sim = await startSimulator({ users: { cti: "cti" }, timeScale: scale, media: { unknownSound: "fail" } });
      const out = await replayWsScenario(file, sim.ariUrl, scale);
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

interface RestRecord {
  comment?: string;
  method: string;
  path: string;
  auth: string | null;
  request_body?: unknown;
  request_body_text?: string;
  request_content_type?: string;
  status: number;
  reason: string;
  content_type: string | null;
  response_headers: Array<[string, string]>;
  response_body?: unknown;
  response_body_text?: string;
}

/** The ari-rest files in the order they were recorded (one server session; later files use earlier state). */
const REST_ORDER = [
  "get-api-docs-resources-noauth.jsonl",
  "get-api-docs-resources-auth.jsonl",
  "get-asterisk-info.jsonl",
  "get-asterisk-ping.jsonl",
  "auth-401.jsonl",
  "get-channels-empty.jsonl",
  "app-not-registered.jsonl",
  "post-channels-originate.jsonl",
  "post-channels-originate-to-dialplan.jsonl",
  "get-channels-with-channels.jsonl",
  "channel-ring.jsonl",
  "channel-answer.jsonl",
  "get-applications.jsonl",
  "channel-play.jsonl",
  "playback-control-and-stop.jsonl",
  "channel-moh.jsonl",
  "channel-variable.jsonl",
  "post-bridges.jsonl",
  "bridge-addChannel.jsonl",
  "bridge-removeChannel.jsonl",
  "errors-bridges.jsonl",
  "delete-bridges.jsonl",
  "errors-404-unknown-channel.jsonl",
  "errors-bad-parameters.jsonl",
  "channel-continue.jsonl",
  "errors-409-conflict.jsonl",
  "errors-routing.jsonl",
  "channel-hangup.jsonl",
];

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("ARI REST exchanges replayed against the simulator", () => {
  it("every recorded exchange: status, reason, headers, content type, body", async () => {
    // Answer() waits up to 500 ms for media from the peer; the recording's requests were seconds
    // apart, the replay's are 25 ms apart: shorten that wait so the states match the recording.
    sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.5, media: { unknownSound: "fail" }, answerMediaWaitMs: 20 });
    const idMap = new IdMap();
    const failures: string[] = [];
    let ws: WebSocket | undefined;
    for (const file of REST_ORDER) {
      if (file === "post-channels-originate.jsonl") {
        // the recording client registered app "cti" over a WebSocket from here on
        ws = new WebSocket(`${sim.ariUrl.replace("http", "ws")}/ari/events?app=cti&api_key=cti:cti`);
        await new Promise((resolve, reject) => {
          ws!.once("open", resolve);
          ws!.once("error", reject);
        });
      }
      for (const rec of readJsonl<RestRecord>(`ari-rest/${file}`)) {
        const where = `${file}: ${rec.method} ${rec.path} (${rec.comment ?? ""})`;
        const path = idMap.rewriteToSim(rec.path);
        // a playback the recording found playing (or controlled successfully) had started by then
        const pbId = /^\/ari\/playbacks\/([^/?]+)/.exec(path)?.[1];
        const recState = (rec.response_body as { state?: string } | undefined)?.state;
        if (pbId && (recState === "playing" || recState === "paused" || (path.includes("/control") && rec.status === 204))) {
          for (let i = 0; i < 300 && sim.pbx.getPlayback(pbId)?.state === "queued"; i++) await pause(10);
        }
        const body = rec.request_body !== undefined ? idMap.rewriteToSim(JSON.stringify(rec.request_body)) : rec.request_body_text;
        const res = await httpRequest(sim.ariUrl, rec.method, path, {
          auth: rec.auth,
          ...(body !== undefined ? { body, contentType: rec.request_content_type ?? "application/json" } : {}),
        });
        if (res.status !== rec.status) {
          failures.push(`${where}: status ${res.status}, recorded ${rec.status} (${res.text})`);
          continue;
        }
        if (res.reason !== rec.reason) failures.push(`${where}: reason "${res.reason}", recorded "${rec.reason}"`);
        const names = (h: Array<[string, string]>): string => h.map(([k]) => k).join(",");
        if (names(res.headers) !== names(rec.response_headers))
          failures.push(`${where}: headers ${names(res.headers)}, recorded ${names(rec.response_headers)}`);
        const ct = res.headers.find(([k]) => k === "Content-type")?.[1] ?? null;
        if (ct !== rec.content_type) failures.push(`${where}: content type ${ct}, recorded ${rec.content_type}`);
        for (const h of ["Location", "Allow", "WWW-Authenticate", "Cache-Control", "Server"]) {
          const recorded = rec.response_headers.find(([k]) => k === h)?.[1];
          const actual = res.headers.find(([k]) => k === h)?.[1];
          if (recorded !== undefined && idMap.rewriteToRecorded(actual ?? "") !== recorded)
            if (!(h === "Location" && /[0-9a-f]{8}-/.test(recorded))) failures.push(`${where}: ${h} "${actual}", recorded "${recorded}"`);
        }
        if (rec.response_body_text !== undefined) {
          if (res.text !== rec.response_body_text) failures.push(`${where}: body ${JSON.stringify(res.text)}, recorded ${JSON.stringify(rec.response_body_text)}`);
          continue;
        }
        if (rec.response_body !== undefined && !Array.isArray(rec.response_body)) idMap.learnFrom(rec.response_body, res.json);
        // learn the ;2 half of an originated Local channel: recorded with the next unique id (or otherChannelId)
        if (rec.method === "POST" && rec.path.startsWith("/ari/channels?") && rec.status === 200) {
          const recId = String((rec.response_body as { id: string }).id);
          const other = /otherChannelId=([^&]+)/.exec(rec.path)?.[1];
          const m = /^(\d+)\.(\d+)$/.exec(recId);
          const recOther = other ? decodeURIComponent(other) : m ? `${m[1]}.${Number(m[2]) + 1}` : undefined;
          const simOther = sim.pbx.localPeerOf(String((res.json as { id: string }).id));
          if (recOther && simOther) idMap.learn(recOther, simOther);
        }
        let expected = rec.response_body;
        let actual = res.json;
        if (Array.isArray(expected) && Array.isArray(actual) && rec.path.startsWith("/ari/channels")) {
          // GET /channels order is a hash order on Asterisk: compare sorted by (recorded) id
          const byId = (x: unknown, y: unknown): number => String((x as { id: string }).id).localeCompare(String((y as { id: string }).id));
          expected = [...expected].sort(byId);
          actual = (JSON.parse(idMap.rewriteToRecorded(JSON.stringify(actual))) as unknown[]).sort(byId);
        }
        const raceState = (s: string, key: string): string => (key === "state" && /\/play/.test(rec.path) && s === "playing" ? "queued" : s);
        const apiDocs = rec.path.startsWith("/ari/api-docs/");
        const diffs = compareStructure(expected, actual, {
          // the simulator describes its own subset of the API: compare the shape only
          values: !apiDocs,
          ...(apiDocs ? { optionalFields: new Set(["_copyright", "_author", "_svn_revision"]) } : {}),
          ignoreValues: new Set([...DEFAULT_IGNORED_VALUES, "id"].filter((k) => !(rec.status >= 400 && k === "id"))),
          normalizeExpected: (s, key) => raceState(normalizeChannelName(s), key),
          normalizeActual: (s, key) => raceState(normalizeChannelName(idMap.rewriteToRecorded(s)), key),
        });
        if (diffs.length) failures.push(`${where}:\n${formatDifferences(diffs)}`);
        await pause(25);
      }
    }
    ws?.terminate();
    expect(failures.join("\n\n")).toBe("");
  });

  it("raw wire bytes of selected exchanges (headers, order, bodies, WebSocket handshakes)", async () => {
    sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.2 });
    const records = readJsonl<{ comment: string; request_raw: string; response_raw: string; connection_end: string }>("ari-rest/raw-http-wire.jsonl");
    const normalize = (s: string): string =>
      s
        .replace(/Date: [^\r]+/g, "Date: <date>")
        .replace(/"timestamp":"[^"]+"/g, '"timestamp":"<ts>"')
        .replace(/"creationtime":"[^"]+"/g, '"creationtime":"<ts>"')
        .replace(/Host: [^\r]+/g, "Host: <host>");
    for (const r of records) {
      const got = await rawExchange(sim.ariPort, r.request_raw.replace(/Host: [^\r]+/, `Host: 127.0.0.1:${sim.ariPort}`), r.response_raw.length);
      expect(normalize(got.slice(0, r.response_raw.length)), r.comment).toBe(normalize(r.response_raw));
      if (r.connection_end === "server closed the connection") expect(got.length, r.comment).toBe(r.response_raw.length);
    }
  });
});

/** Sends raw bytes, collects what comes back until `expectLen` bytes arrived or the server closed. */
function rawExchange(port: number, request: string, expectLen: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = "";
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(buf);
    };
    const timer = setTimeout(finish, 1500);
    sock.on("connect", () => sock.write(request));
    sock.on("data", (d) => {
      buf += d.toString("utf8");
      if (buf.length >= expectLen) setTimeout(finish, 50);
    });
    sock.on("end", finish);
    sock.on("error", finish);
  });
}
