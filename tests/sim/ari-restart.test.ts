/**
 * `core restart now` as recorded in ari-ws/ws-10-server-restart: the Stasis channel gets
 * ChannelHangupRequest (cause 4, soft) and StasisEnd, the WebSocket drops without a close frame
 * (1006), connections are refused while the server is down, and a new connection after the
 * restart gets nothing on connect and finds no channels.
 */
import { afterEach, expect, it } from "vitest";
import WebSocket from "ws";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { httpRequest } from "./ari-replay.js";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const connect = (s: Simulator): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>>; closed: Promise<number> }> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(`${s.ariUrl.replace("http", "ws")}/ari/events?app=cti`, { headers: { Authorization: `Basic ${Buffer.from("cti:cti").toString("base64")}` } });
    const frames: Array<Record<string, unknown>> = [];
    const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.once("open", () => resolve({ ws, frames, closed }));
    ws.once("error", reject);
  });

const until = async (fn: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

it("reproduces ws-10: restart with a channel in Stasis", async () => {
  sim = await startSimulator({ users: { cti: "cti" }, timeScale: 0.05 });
  const before = await connect(sim);
  await httpRequest(sim.ariUrl, "POST", "/ari/channels?endpoint=Local%2Fs%40inbound-stasis&context=dtmf-driver&extension=s&priority=1&callerId=Restart%20%3C5550009%3E", {
    auth: "cti:cti",
    body: '{"variables":{"DTMF_DELAY":"60"}}',
  });
  await until(() => before.frames.some((f) => f.type === "StasisStart"));
  const id = String((before.frames[0]!.channel as { id: string }).id);
  expect((await httpRequest(sim.ariUrl, "POST", `/ari/channels/${id}/answer`, { auth: "cti:cti" })).status).toBe(204);
  await until(() => before.frames.some((f) => f.type === "ChannelStateChange"));

  const restarting = sim.restart(300);
  const code = await before.closed;
  expect(code).toBe(1006);
  expect(before.frames.map((f) => f.type)).toEqual(["StasisStart", "ChannelStateChange", "ChannelHangupRequest", "StasisEnd"]);
  expect(before.frames[2]).toMatchObject({ cause: 4, soft: true });
  // while down: connection refused
  await expect(httpRequest(sim.ariUrl, "GET", "/ari/asterisk/ping", { auth: "cti:cti" })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  await restarting;
  const after = await connect(sim);
  await new Promise((r) => setTimeout(r, 100));
  expect(after.frames).toEqual([]);
  expect((await httpRequest(sim.ariUrl, "GET", "/ari/channels", { auth: "cti:cti" })).json).toEqual([]);
  expect((await httpRequest(sim.ariUrl, "GET", "/ari/applications/cti", { auth: "cti:cti" })).json).toMatchObject({ name: "cti", channel_ids: [] });
  after.ws.close();
});
