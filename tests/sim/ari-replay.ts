/**
 * Replays recorded ARI scenarios (shared/asterisk-fixtures/ari-ws/*.jsonl) against the simulator
 * over real sockets and collects what it sends back.
 *
 * Each client action (WebSocket connect/close, HTTP request) is anchored to the last thing the
 * recording client had observed before it (a frame, a reply, a WebSocket open): the replay waits
 * until the simulator produced the same observation (the k-th frame on that connection, the
 * reply to that request), then waits the recorded gap scaled by `timeScale`, then acts. Ids the
 * recording used are replaced by the ids the simulator assigned (learned from replies and from
 * frames at the same position).
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import WebSocket from "ws";
import { get, parseStream, RawAmi, type Msg } from "./ami-test-client.js";
import { IdMap } from "./fidelity.js";

export const FIXTURES = new URL("../fixtures/asterisk/", import.meta.url);

export interface WsRecord {
  seq: number;
  t_ms: number;
  kind: string;
  conn?: string;
  path?: string;
  auth?: string | null;
  id?: string;
  method?: string;
  body?: unknown;
  body_text?: string;
  status?: number;
  code?: number;
  frame?: Record<string, unknown>;
  text?: string;
}

/**
 * The AMI side of a timeline with `ami-recv` records (second batch on): an AMI session the replay opens
 * before the first record, logs in with the recorded session's first action and ends with the rest of
 * its actions (Logoff) once the timeline is done. Its messages become anchors too: an action that
 * followed an AMI message in the recording waits for the same message (the n-th of that event name)
 * from the simulator. Events Asterisk publishes from other threads are not waited for.
 */
export interface AmiSide {
  port: number;
  /** The recorded session's actions (`loadRecording(name).sent` of ami-replay.ts). */
  sent: string[];
  /** Recorded messages the simulator is not expected to send (called once per message, in order): never anchors, not counted. */
  skip?: (m: Msg) => boolean;
}

/** AMI events whose place among the others varies from run to run: never anchors. */
const UNANCHORED_AMI = new Set(["DeviceStateChange", "Cdr", "OriginateResponse", "QueueMemberStatus"]);

/** `Event:Newchannel` / `Response:Success`: what an AMI anchor counts. */
const amiLabel = (m: Msg): string => `${m[0]?.[0] ?? ""}:${m[0]?.[1] ?? ""}`;

export function readJsonl<T>(relPath: string): T[] {
  return readFileSync(new URL(relPath, FIXTURES), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

export interface HttpResult {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  text: string;
  json: unknown;
}

/** One HTTP request over a fresh keep-alive-less connection. */
export function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  opts: { auth?: string | null; body?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, baseUrl);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    if (opts.body !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(opts.body));
    } else if (method === "POST" || method === "PUT") headers["Content-Length"] = "0";
    // recorded clients used keep-alive connections: ask for one, then drop the socket ourselves
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "connection")) headers.Connection = "keep-alive";
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const raw = res.rawHeaders;
        const hdrs: Array<[string, string]> = [];
        for (let i = 0; i < raw.length; i += 2) hdrs.push([raw[i]!, raw[i + 1]!]);
        res.socket?.destroy();
        resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? "", headers: hdrs, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

interface SimConn {
  ws: WebSocket;
  frames: Array<Record<string, unknown>>;
  opened: boolean;
  closed: boolean;
}

export interface ReplayOutcome {
  /** Recorded frames per connection name. */
  recordedFrames: Map<string, Array<Record<string, unknown>>>;
  /** Simulator frames per connection name. */
  simFrames: Map<string, Array<Record<string, unknown>>>;
  /** Recorded and simulator replies by request id. */
  responses: Array<{ id: string; method: string; path: string; recorded: WsRecord; sim: HttpResult | undefined; sentAt: number }>;
  idMap: IdMap;
  /** Anchors that never happened in the simulator (the replay went on after a timeout). */
  missedAnchors: string[];
  /** With `ami`: the recorded AMI messages of the timeline (`ami-recv`, in order) and the simulator's session. */
  recordedAmi: Msg[];
  ami?: RawAmi;
}

export interface WsReplayOptions {
  ami?: AmiSide;
  /**
   * A `note` of the timeline (what the recording client did besides REST and WebSocket, e.g.
   * "starting baresip for 1002 (registers)"), at its recorded moment: after the observation before
   * it and the recorded gap. The replay goes on once the hook has finished.
   */
  onNote?: (text: string, side: { ami?: RawAmi }) => void | Promise<void>;
  /**
   * Recorded frames the simulator is not expected to send (what it does not model, named in the
   * scenario): never anchors, not counted when frames are matched up, left out of `recordedFrames`.
   * Called once per recorded frame, in order.
   */
  skipFrame?: (frame: Record<string, unknown>) => boolean;
  /**
   * The first record of a part of the timeline the simulator does not model (named in the scenario): it
   * and everything after it are neither replayed nor compared.
   */
  until?: (record: WsRecord) => boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function replayWsScenario(file: string, baseUrl: string, timeScale: number, anchorTimeoutMs = 4000, opts: WsReplayOptions = {}): Promise<ReplayOutcome> {
  const all = readJsonl<WsRecord>(`ari-ws/${file}`);
  const cut = opts.until ? all.findIndex(opts.until) : -1;
  const records = cut >= 0 ? all.slice(0, cut) : all;
  const recordedAmi = records.filter((r) => r.kind === "ami-recv" && r.text).flatMap((r) => parseStream(r.text!));
  const ami = opts.ami ? await RawAmi.connect(opts.ami.port) : undefined;
  if (ami && opts.ami?.sent[0]) {
    ami.send(opts.ami.sent[0]);
    await ami.waitFor((m) => get(m, "Response") !== undefined);
  }
  const recordedFrames = new Map<string, Array<Record<string, unknown>>>();
  const skipped = new Set<WsRecord>(records.filter((r) => r.kind === "ws-frame" && r.frame && opts.skipFrame?.(r.frame)));
  for (const r of records) {
    if (r.kind === "ws-frame" && r.conn && r.frame && !skipped.has(r)) {
      const list = recordedFrames.get(r.conn) ?? [];
      list.push(r.frame);
      recordedFrames.set(r.conn, list);
    }
  }
  const idMap = new IdMap();
  const conns = new Map<string, SimConn>();
  const responses: ReplayOutcome["responses"] = [];
  const pending = new Map<string, Promise<HttpResult | undefined>>();
  const missedAnchors: string[] = [];
  const recordedResponses = new Map<string, WsRecord>();
  for (const r of records) if (r.kind === "http-response" && r.id) recordedResponses.set(r.id, r);

  type Anchor =
    | { kind: "start" }
    | { kind: "frame"; conn: string; count: number; type: string }
    | { kind: "response"; id: string }
    | { kind: "open"; conn: string }
    | { kind: "ami"; label: string; count: number };
  let anchor: Anchor = { kind: "start" };
  let anchorT = 0;
  const frameCounts = new Map<string, number>();
  const amiCounts = new Map<string, number>();

  const anchorReached = (a: Anchor): boolean => {
    switch (a.kind) {
      case "start":
        return true;
      case "frame":
        return (conns.get(a.conn)?.frames.length ?? 0) >= a.count;
      case "open":
        return conns.get(a.conn)?.opened ?? false;
      case "response":
        return responses.some((r) => r.id === a.id && r.sim !== undefined);
      case "ami":
        return (ami?.messages.filter((m) => amiLabel(m) === a.label).length ?? 0) >= a.count;
    }
  };
  const waitAnchor = async (a: Anchor): Promise<void> => {
    const deadline = Date.now() + anchorTimeoutMs;
    while (!anchorReached(a)) {
      if (Date.now() > deadline) {
        missedAnchors.push(JSON.stringify(a));
        return;
      }
      await sleep(2);
    }
  };

  const authHeader = (auth: string | null | undefined): Record<string, string> =>
    auth ? { Authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {};

  for (const rec of records) {
    switch (rec.kind) {
      case "ws-frame": {
        if (skipped.has(rec)) break;
        const n = (frameCounts.get(rec.conn!) ?? 0) + 1;
        frameCounts.set(rec.conn!, n);
        anchor = { kind: "frame", conn: rec.conn!, count: n, type: String(rec.frame?.type) };
        anchorT = rec.t_ms;
        break;
      }
      case "ws-open":
        anchor = { kind: "open", conn: rec.conn! };
        anchorT = rec.t_ms;
        break;
      case "http-response":
        anchor = { kind: "response", id: rec.id! };
        anchorT = rec.t_ms;
        break;
      case "ami-recv": {
        if (!ami) break;
        for (const m of parseStream(rec.text ?? "")) {
          // the simulator sends no skipped message: they are not counted either
          if (opts.ami?.skip?.(m)) continue;
          const label = amiLabel(m);
          const n = (amiCounts.get(label) ?? 0) + 1;
          amiCounts.set(label, n);
          // replies answer our own actions; events from other threads come when they come
          if (get(m, "Event") === undefined || UNANCHORED_AMI.has(get(m, "Event")!)) continue;
          anchor = { kind: "ami", label, count: n };
          anchorT = rec.t_ms;
        }
        break;
      }
      case "ws-connect": {
        await waitAnchor(anchor);
        await sleep((rec.t_ms - anchorT) * timeScale);
        const name = rec.conn!;
        const ws = new WebSocket(new URL(rec.path!, baseUrl.replace(/^http/, "ws")).href, { headers: authHeader(rec.auth) });
        const c: SimConn = { ws, frames: [], opened: false, closed: false };
        conns.set(name, c);
        ws.on("open", () => (c.opened = true));
        ws.on("message", (data) => {
          const frame = JSON.parse(String(data)) as Record<string, unknown>;
          const i = c.frames.length;
          c.frames.push(frame);
          const recFrame = recordedFrames.get(name)?.[i];
          if (recFrame && recFrame.type === frame.type) idMap.learnFrom(recFrame, frame);
        });
        ws.on("close", () => (c.closed = true));
        ws.on("error", () => (c.closed = true));
        break;
      }
      case "ws-close": {
        const c = conns.get(rec.conn!);
        if (!c || rec.code !== 1000) break;
        await waitAnchor(anchor);
        await sleep((rec.t_ms - anchorT) * timeScale);
        if (!c.closed) c.ws.close(1000);
        break;
      }
      case "http-request": {
        await waitAnchor(anchor);
        await sleep((rec.t_ms - anchorT) * timeScale);
        const id = rec.id!;
        const path = idMap.rewriteToSim(rec.path!);
        const body = rec.body !== undefined ? idMap.rewriteToSim(JSON.stringify(rec.body)) : undefined;
        const entry = { id, method: rec.method!, path, recorded: recordedResponses.get(id)!, sim: undefined as HttpResult | undefined, sentAt: Date.now() };
        responses.push(entry);
        const p = httpRequest(baseUrl, rec.method!, path, { auth: rec.auth ?? null, ...(body !== undefined ? { body } : {}) })
          .then((res) => {
            if (entry.recorded && entry.recorded.status === res.status) idMap.learnFrom(entry.recorded.body, res.json);
            entry.sim = res;
            return res;
          })
          .catch(() => {
            entry.sim = { status: 0, reason: "error", headers: [], text: "", json: undefined };
            return undefined;
          });
        pending.set(id, p);
        break;
      }
      case "note": {
        if (!opts.onNote) break;
        await waitAnchor(anchor);
        await sleep((rec.t_ms - anchorT) * timeScale);
        await opts.onNote(rec.text ?? "", ami ? { ami } : {});
        break;
      }
      default:
        break;
    }
  }
  await Promise.all(pending.values());
  if (ami) {
    // the events the recording's AMI session saw last, then its remaining actions (Logoff)
    await waitAnchor(anchor);
    for (const action of opts.ami?.sent.slice(1) ?? []) ami.send(action);
    await Promise.race([ami.closed, sleep(anchorTimeoutMs)]);
  }
  await sleep(50);
  for (const c of conns.values()) if (!c.closed) c.ws.terminate();
  const simFrames = new Map<string, Array<Record<string, unknown>>>();
  for (const [name, c] of conns) simFrames.set(name, c.frames);
  return { recordedFrames, simFrames, responses, idMap, missedAnchors, recordedAmi, ...(ami ? { ami } : {}) };
}
