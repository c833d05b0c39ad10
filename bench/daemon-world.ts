/**
 * The world around the daemon in the daemon benchmarks (bench/first-play.ts, bench/pop-latency.ts,
 * bench/queue-join.ts), in its own process so the daemon under test has its core to itself: the PBX
 * simulator with synthetic callers and agent phones, and the agents' desktop WebSockets. Every latency is
 * measured here, on one clock: when the simulator sends StasisStart, when a play request arrives, when a
 * caller's join prompt ends and its agent's phone is originated, when an agent leg enters Stasis (its
 * phone answered) and when that agent's desktop receives the pop.
 * Not meant to be run by hand; the parent talks to it over IPC.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { CTI_SUBPROTOCOL, WS_PATH } from "../src/cti/protocol.js";
import type { CallerSpecInput } from "../src/sim/scenario/caller-spec.js";
import { startSimulator } from "../src/sim/index.js";
import { loopDelay } from "./loop-delay.js";

export type WorldCommand =
  | { cmd: "agents"; endpoints: string[]; answerDelay: number; talkTime: number }
  | { cmd: "desktops"; url: string; tokens: Record<string, string> }
  | { cmd: "place"; calls: CallerSpecInput[]; rate: number }
  /** The media URI whose end is a caller's join (the prompt right before the queue node); see `joinToOriginate`. */
  | { cmd: "joinPrompt"; media: string }
  | { cmd: "stats" }
  | { cmd: "stop" };

export interface WorldStats {
  placed: number;
  live: number;
  ended: number;
  /** StasisStart sent -> first POST /channels/{id}/play received, ms, one per call that got there. */
  firstPlay: number[];
  /** The same split at the answer request: StasisStart -> answer received, and answer received -> play received. */
  toAnswer: number[];
  answerToPlay: number[];
  /** Agent leg in Stasis (phone answered) -> pop frame received by that agent's desktop, ms. */
  pop: number[];
  /** Agent legs answered whose pop has not arrived (yet). */
  popsPending: number;
  /** The join prompt's PlaybackFinished sent -> the originate of the caller's agent leg (`sba-<callId>~...`) received, ms. */
  joinToOriginate: number[];
  /**
   * The same joins' marks on the machine's monotonic clock (daemon-rig's `monoMs`, shared by all processes), for the
   * breakdown bench/queue-join.ts makes with the daemon's own marks: the PlaybackFinished sent, the
   * originate request at the simulator's HTTP server (headers parsed), the agent leg created.
   */
  joinMarks: Array<{ callId: string; finished: number; request?: number; created: number }>;
  /** This process's event-loop delay over the run, ms. */
  loopP99: number;
  loopMax: number;
}

export type WorldMessage = { type: "ready"; ariUrl: string; amiPort: number } | { type: "ok" } | { type: "placed" } | ({ type: "stats" } & WorldStats);

const password = process.env.BENCH_ARI_PASSWORD ?? "";
const sim = await startSimulator({
  users: { switchboard: password },
  timeScale: Number(process.env.BENCH_TIME_SCALE ?? 1),
  control: { keepEndedCalls: 10 },
  ari: { onRequest: (r) => requested(r) },
});

const stasisAt = new Map<string, { start: number; answer?: number }>();
const firstPlay: number[] = [];
const toAnswer: number[] = [];
const answerToPlay: number[] = [];
// agent legs: answered time by the caller's call id (the daemon originates them with args agent,<callId>)
const answeredAt = new Map<string, number>();
const pop: number[] = [];
// joins: when each caller's join prompt ended, until its first agent leg is originated
let joinPrompt: string | undefined;
const joinedAt = new Map<string, number>();
const joinToOriginate: number[] = [];
/** ms on CLOCK_MONOTONIC, the same clock in every process of the machine (performance.now() is per process); as daemon-rig's. */
const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const joinMarks: WorldStats["joinMarks"] = [];
const finishedMono = new Map<string, number>();
const requestMono = new Map<string, number>();
// the originate's arrival (POST /ari/channels?...channelId=sba-<callId>~...), as the HTTP server emits it
const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === "request" && joinPrompt !== undefined) {
    const req = args[0] as http.IncomingMessage;
    if (req.method === "POST" && req.url?.startsWith("/ari/channels?")) {
      const callId = /[?&]channelId=sba-([^&~]+)~/.exec(decodeURIComponent(req.url))?.[1];
      if (callId && finishedMono.has(callId)) requestMono.set(callId, monoMs());
    }
  }
  return (serverEmit as (this: http.Server, ...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof serverEmit;
let placed = 0;
let ended = 0;
const loop = loopDelay();
sim.control.onCallEnded(() => ended++);

/** Answer and first play requests of each caller, timed against its StasisStart. */
function requested(r: { method: string; path: string }): void {
  const m = r.method === "POST" ? /^\/ari\/channels\/([^/]+)\/(answer|play)/.exec(r.path) : null;
  const call = m ? stasisAt.get(m[1]!) : undefined;
  if (!m || !call) return;
  const now = performance.now();
  if (m[2] === "answer") {
    call.answer = now;
    toAnswer.push(now - call.start);
    return;
  }
  firstPlay.push(now - call.start);
  if (call.answer !== undefined) answerToPlay.push(now - call.answer);
  stasisAt.delete(m[1]!);
}

sim.pbx.onEvent((e) => {
  if (e.type === "PlaybackFinished" && joinPrompt !== undefined && e.playback.mediaUri === joinPrompt) {
    const callId = e.playback.targetUri.replace(/^channel:/, "");
    joinedAt.set(callId, performance.now());
    finishedMono.set(callId, monoMs());
  } else if (e.type === "ChannelCreated" && e.channel.id.startsWith("sba-")) {
    // the daemon's agent legs carry their call's id; created while the originate request is handled
    const callId = /^sba-(.+)~/.exec(e.channel.id)?.[1] ?? "";
    const at = joinedAt.get(callId);
    if (at !== undefined) {
      joinToOriginate.push(performance.now() - at);
      joinMarks.push({ callId, finished: finishedMono.get(callId)!, created: monoMs(), ...(requestMono.has(callId) && { request: requestMono.get(callId)! }) });
    }
    joinedAt.delete(callId);
    finishedMono.delete(callId);
    requestMono.delete(callId);
  } else if (e.type === "ChannelDestroyed") {
    joinedAt.delete(e.channel.id);
    finishedMono.delete(e.channel.id);
  }
  if (e.type !== "StasisStart") return;
  if (e.args[0] === "agent" && e.args[1]) answeredAt.set(e.args[1], performance.now());
  else stasisAt.set(e.channel.id, { start: performance.now() });
});

function openDesktop(url: string, token: string): Promise<void> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}${WS_PATH}`, [CTI_SUBPROTOCOL], { origin: url });
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data) => {
      const m = JSON.parse(String(data)) as { type: string; id?: string; pop?: { callId: string } };
      if (m.type === "welcome") ws.send(JSON.stringify({ type: "state", id: "avail", state: "available" }));
      else if (m.type === "ok" && m.id === "avail") resolve();
      else if (m.type === "pop" && m.pop) {
        const at = answeredAt.get(m.pop.callId);
        if (at === undefined) return;
        pop.push(performance.now() - at);
        answeredAt.delete(m.pop.callId);
        ws.send(JSON.stringify({ type: "ack", callId: m.pop.callId }));
      } else if (m.type === "error") reject(new Error(`desktop refused: ${JSON.stringify(m)}`));
    });
    ws.once("open", () => ws.send(JSON.stringify({ type: "auth", id: "auth", token })));
  });
}

/** Places the calls at `rate` per second, aimed at absolute times so a busy loop catches up. */
async function place(calls: CallerSpecInput[], rate: number): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < calls.length; i++) {
    const due = start + (i * 1000) / rate - performance.now();
    if (due > 1) await new Promise((r) => setTimeout(r, due));
    sim.control.placeCall(calls[i]!);
    placed++;
  }
}

function stats(): WorldStats {
  return { placed, live: sim.control.liveCalls, ended, firstPlay, toAnswer, answerToPlay, pop, popsPending: answeredAt.size, joinToOriginate, joinMarks, loopP99: loop.p99(), loopMax: loop.max() };
}

const reply = (m: WorldMessage): void => void process.send?.(m);
process.on("message", (m: WorldCommand) => {
  void (async () => {
    if (m.cmd === "agents") {
      for (const endpoint of m.endpoints) sim.control.addAgent({ endpoint, answerDelay: m.answerDelay, talkTime: m.talkTime });
      reply({ type: "ok" });
    } else if (m.cmd === "desktops") {
      await Promise.all(Object.values(m.tokens).map((t) => openDesktop(m.url, t)));
      reply({ type: "ok" });
    } else if (m.cmd === "place") {
      await place(m.calls, m.rate);
      reply({ type: "placed" });
    } else if (m.cmd === "joinPrompt") {
      joinPrompt = m.media;
      reply({ type: "ok" });
    } else if (m.cmd === "stats") reply({ type: "stats", ...stats() });
    else if (m.cmd === "stop") {
      await sim.stop();
      process.exit(0);
    }
  })().catch((err: Error) => {
    process.stderr.write(`bench world: ${err.message}\n`);
    process.exit(1);
  });
});
reply({ type: "ready", ariUrl: sim.ariUrl, amiPort: sim.amiPort! });
