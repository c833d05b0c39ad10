/**
 * The simulator's ARI side never crashes on bad input: unknown ids, malformed JSON, clients that
 * vanish mid-request, garbage on the HTTP port and on the event WebSocket; and stop() leaves no
 * timers or sockets behind.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SeededRandom } from "../../src/lib/seeded-random.js";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { httpRequest } from "./ari-replay.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const AUTH = "cti:cti";
const start = async (): Promise<Simulator> => (sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.05 }));
const ping = async (s: Simulator): Promise<number> => (await httpRequest(s.ariUrl, "GET", "/ari/asterisk/ping", { auth: AUTH })).status;

function openWs(s: Simulator, query = "app=cti"): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.ariUrl.replace("http", "ws")}/ari/events?${query}&api_key=${AUTH}`);
    const frames: Array<Record<string, unknown>> = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.once("open", () => resolve({ ws, frames }));
    ws.once("error", reject);
  });
}

function rawSend(port: number, data: string | Buffer, waitMs = 200): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    let buf = "";
    sock.on("connect", () => sock.write(data));
    sock.on("data", (d) => (buf += d.toString("latin1")));
    sock.on("error", () => undefined);
    setTimeout(() => {
      sock.destroy();
      resolve(buf);
    }, waitMs);
  });
}

describe("ARI bad input", () => {
  it("answers unknown channels, bridges and playbacks with the recorded errors", async () => {
    const s = await start();
    const cases: Array<[string, string, number, string]> = [
      ["POST", "/ari/channels/nope/answer", 404, '{"message":"Channel not found"}'],
      ["DELETE", "/ari/channels/nope", 404, '{"message":"Channel not found"}'],
      ["GET", "/ari/channels/nope/variable?variable=X", 404, '{"message":"Provided channel was not found"}'],
      ["POST", "/ari/channels/nope/play?media=sound:x", 404, '{"message":"Channel not found"}'],
      ["GET", "/ari/bridges/nope", 404, '{"message":"Bridge not found"}'],
      ["POST", "/ari/bridges/nope/addChannel?channel=x", 404, '{"message":"Bridge not found"}'],
      ["GET", "/ari/playbacks/nope", 404, '{"message":"Playback not found"}'],
      ["POST", "/ari/playbacks/nope/control?operation=pause", 404, '{"message":"Playback not found"}'],
      ["GET", "/ari/applications/nope", 404, '{"message":"Application not found"}'],
      ["GET", "/ari/channels/%E0%A4%A", 404, '{"message":"Channel not found"}'],
      ["PATCH", "/ari/channels", 405, '{"message":"Invalid method"}'],
      ["GET", "/ari/no/such/thing", 404, '{"message":"Resource not found"}'],
    ];
    for (const [method, path, status, body] of cases) {
      const r = await httpRequest(s.ariUrl, method, path, { auth: AUTH });
      expect([method, path, r.status, r.text]).toEqual([method, path, status, body]);
    }
  });

  it("rejects malformed JSON with 400 and ignores non-object bodies", async () => {
    const s = await start();
    for (const body of ['{"variables": {"A": "1"', "{", "nul", '{"a":}', "\u0000\u0001"]) {
      const r = await httpRequest(s.ariUrl, "POST", "/ari/channels?endpoint=Local%2Fs%40caller-hold&app=cti", { auth: AUTH, body });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ message: "Error parsing request body" });
    }
    for (const body of ["[1,2]", '"text"', "42", "null", '{"variables": [1]}', '{"variables": {"A": {"nested": 1}}}']) {
      const r = await httpRequest(s.ariUrl, "POST", "/ari/bridges?type=mixing", { auth: AUTH, body });
      expect(r.status).toBe(200);
    }
    expect(await ping(s)).toBe(200);
  });

  it("survives clients that disconnect mid-request and garbage on the port", async () => {
    const s = await start();
    // headers promise a body that never comes
    await rawSend(s.ariPort, "POST /ari/bridges HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Y3RpOmN0aQ==\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"type\":", 50);
    // chunked body cut in the middle
    await rawSend(s.ariPort, "POST /ari/bridges HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Y3RpOmN0aQ==\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n10\r\n{\"type\"", 50);
    // half a request line
    await rawSend(s.ariPort, "GET /ari/asterisk/pi", 50);
    // not HTTP at all
    const junk = await rawSend(s.ariPort, Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]), 100);
    expect(junk.startsWith("HTTP/1.1 400")).toBe(true);
    // an upgrade with a broken key and one without credentials
    const badUpgrade = await rawSend(
      s.ariPort,
      "GET /ari/events?app=cti HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Y3RpOmN0aQ==\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    expect(badUpgrade.startsWith("HTTP/1.1 400")).toBe(true);
    const noAuth = await rawSend(
      s.ariPort,
      "GET /ari/events?app=cti HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    expect(noAuth.startsWith("HTTP/1.1 401 Unauthorized")).toBe(true);
    expect(await ping(s)).toBe(200);
  });

  it("ignores garbage WebSocket frames and keeps delivering events", async () => {
    const s = await start();
    const a = await openWs(s);
    a.ws.send("not json at all");
    a.ws.send(Buffer.from([0xff, 0x00, 0x13, 0x37]), { binary: true });
    a.ws.send(JSON.stringify({ type: "StasisStart", fake: true }));
    a.ws.ping();
    // a second socket sends an invalid UTF-8 text frame: ws closes that one (1007), the server lives on
    const b = await openWs(s, "app=other");
    const closed = new Promise<number>((resolve) => b.ws.on("close", (code) => resolve(code)));
    (b.ws as unknown as { _socket: net.Socket })._socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0xfe ^ 1, 0xff ^ 2]));
    expect(await closed).toBeGreaterThanOrEqual(1000);
    await httpRequest(s.ariUrl, "POST", "/ari/channels?endpoint=Local%2Fs%40inbound-stasis&extension=s&context=caller-hold", { auth: AUTH });
    const deadline = Date.now() + 3000;
    while (!a.frames.some((f) => f.type === "StasisStart") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(a.frames.map((f) => f.type)).toContain("StasisStart");
    a.ws.close();
    expect(await ping(s)).toBe(200);
  });

  it("answers random junk requests without crashing (bounded fuzz)", async () => {
    const s = await start();
    const rnd = new SeededRandom(7);
    const methods = ["GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD"];
    const segments = ["channels", "bridges", "playbacks", "applications", "asterisk", "api-docs", "events", "x", "%00", "..", "answer", "play", "addChannel", "variable", "continue"];
    const bodies = [undefined, "{}", "[]", '{"variables":{"A":"1"}}', "{bad", '{"type":"holding"}', "x".repeat(2000)];
    for (let i = 0; i < 250; i++) {
      const depth = 1 + Math.floor(rnd.next() * 4);
      const parts = Array.from({ length: depth }, () => segments[Math.floor(rnd.next() * segments.length)]!);
      const query = rnd.next() < 0.5 ? "" : `?endpoint=${rnd.next() < 0.5 ? "Local/s@dtmf-driver" : "Foo/1"}&app=cti&media=sound:x&channel=a,b&operation=pause&variable=X&reason=busy`;
      const method = methods[Math.floor(rnd.next() * methods.length)]!;
      const body = bodies[Math.floor(rnd.next() * bodies.length)];
      const r = await httpRequest(s.ariUrl, method, `/ari/${parts.join("/")}${query}`, { auth: AUTH, ...(body !== undefined ? { body } : {}) });
      expect(r.status, `${method} /ari/${parts.join("/")}${query}`).toBeGreaterThanOrEqual(200);
      expect(r.status).toBeLessThan(600);
      // a 500 is only ever one of the recorded ones, never an exception escaping a handler
      if (r.status === 500) expect(r.text, `${method} /ari/${parts.join("/")}${query}`).not.toContain("Internal Server Error");
    }
    expect(await ping(s)).toBe(200);
  });

  it("stop() leaves no timers, immediates or sockets behind", async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    const s = await startSimulator({ users: { cti: "cti" }, timeScale: 0.05 });
    const { ws } = await openWs(s);
    await httpRequest(s.ariUrl, "POST", "/ari/channels?endpoint=Local%2Fs%40inbound-stasis&extension=s&context=dtmf-driver", { auth: AUTH, body: '{"variables":{"DTMF_DELAY":"100"}}' });
    await httpRequest(s.ariUrl, "POST", "/ari/channels?endpoint=Local%2Fagent9%40agents-noanswer&app=cti&timeout=100", { auth: AUTH });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.pbx.listChannels().length).toBe(4);
    await s.stop();
    ws.terminate();
    await new Promise((r) => setTimeout(r, 50));
    const after = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    const count = (list: string[], kind: string): number => list.filter((r) => r === kind).length;
    for (const kind of ["Timeout", "Immediate", "TCPServerWrap", "TCPSocketWrap"]) expect(count(after, kind), kind).toBeLessThanOrEqual(count(before, kind));
  });
});
