/**
 * Load on the PBX simulator over the real wire: the simulator runs in a child process
 * (bench/sim-load-server.ts) and places synthetic calls into the inbound dialplan at a fixed rate; this
 * process is a minimal Stasis app over ARI (event WebSocket + REST): on StasisStart it answers and
 * plays a prompt, on PlaybackFinished it hangs up.
 *
 *   npx tsx bench/sim-load.ts [--rate 250] [--seconds 30] [--prompt-ms 10000]
 *
 * Prints: peak concurrent channels, calls/s started and completed (steady state), ARI event latency
 * (event timestamp -> frame parsed by the app) and REST round trips (median, p99), memory per channel
 * (heap and RSS growth at peak over an idle baseline, after a GC, divided by the channels up), and the
 * simulator's event-loop delay. Stops by itself within about a minute.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as hdr from "hdr-histogram-js";
import WebSocket from "ws";
import { arg } from "./args.js";

const RATE = arg("rate", 250, "positive number");
const SECONDS = Math.min(arg("seconds", 30, "positive number"), 40);
const PROMPT_MS = arg("prompt-ms", 10_000, "positive number");
const HARD_STOP_MS = 60_000;

type Stats = { channels: number; liveCalls: number; placed: number; ended: number; rss: number; heapUsed: number; loopP99Ms: number; loopMaxMs: number };
type Message = { type: "ready"; ariUrl: string; baseline: Stats } | ({ type: "stats" } & Stats) | { type: "loadDone"; placed: number };

const child: ChildProcess = fork(new URL("./sim-load-server.ts", import.meta.url), [], {
  execArgv: ["--import", "tsx", "--expose-gc"],
  env: { ...process.env, SIM_LOAD_PROMPT_MS: String(PROMPT_MS) },
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const hardStop = setTimeout(() => {
  process.stderr.write("sim-load: hard stop after 60 s\n");
  child.kill("SIGKILL");
  process.exit(1);
}, HARD_STOP_MS);

const waiters: Array<(m: Message) => boolean> = [];
child.on("message", (m: Message) => {
  const i = waiters.findIndex((w) => w(m));
  if (i >= 0) waiters.splice(i, 1);
});
function next<T extends Message["type"]>(type: T): Promise<Extract<Message, { type: T }>> {
  return new Promise((resolve) => waiters.push((m) => (m.type === type ? (resolve(m as Extract<Message, { type: T }>), true) : false)));
}
async function stats(gc = false): Promise<Stats> {
  const p = next("stats");
  child.send({ cmd: "stats", gc });
  return p;
}

const ready = await next("ready");
const auth = `Basic ${Buffer.from("bench:bench").toString("base64")}`;
const eventLatency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000, numberOfSignificantValueDigits: 3 });
const restLatency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let started = 0;
let completed = 0;
let restErrors = 0;
const completions: number[] = [];

async function rest(method: string, path: string, body?: unknown): Promise<void> {
  const t0 = process.hrtime.bigint();
  const res = await fetch(`${ready.ariUrl}/ari${path}`, {
    method,
    headers: { Authorization: auth, ...(body ? { "Content-Type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  restLatency.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
  if (res.status >= 300) restErrors++;
}

// ARI timestamps: 2026-11-22T11:06:12.632+0000
const parseTs = (ts: string): number => Date.parse(ts.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));

const ws = new WebSocket(`${ready.ariUrl.replace(/^http/, "ws")}/ari/events?app=switchboard&api_key=bench:bench`);
await new Promise<void>((resolve, reject) => {
  ws.once("open", () => resolve());
  ws.once("error", reject);
});
ws.on("message", (data) => {
  const e = JSON.parse(String(data)) as { type: string; timestamp: string; channel?: { id: string }; playback?: { target_uri: string } };
  eventLatency.recordValue(Math.max(0, Date.now() - parseTs(e.timestamp)));
  if (e.type === "StasisStart" && e.channel) {
    started++;
    const id = e.channel.id;
    void rest("POST", `/channels/${id}/answer`)
      .then(() => rest("POST", `/channels/${id}/play`, { media: "sound:bench/prompt" }))
      .catch(() => restErrors++);
  } else if (e.type === "PlaybackFinished" && e.playback) {
    void rest("DELETE", `/channels/${e.playback.target_uri.slice("channel:".length)}`).catch(() => restErrors++);
  } else if (e.type === "StasisEnd") {
    completed++;
    completions.push(Date.now());
  }
});

const t0 = Date.now();
const loadDone = next("loadDone");
child.send({ cmd: "load", rate: RATE, seconds: SECONDS });
let peak: Stats | undefined;
let loopP99 = 0;
let loopMax = 0;
const progress = setInterval(() => {
  void stats().then((s) => {
    loopP99 = Math.max(loopP99, s.loopP99Ms);
    loopMax = Math.max(loopMax, s.loopMaxMs);
    if (!peak || s.channels > peak.channels) peak = s;
    if (Math.round((Date.now() - t0) / 1000) % 5 === 0)
      process.stderr.write(`t=${Math.round((Date.now() - t0) / 1000)}s channels=${s.channels} placed=${s.placed} started=${started} completed=${completed}\n`);
  });
}, 1000);
// memory at steady state: after the prompt length plus a margin, channels are at their plateau
await new Promise((r) => setTimeout(r, Math.min(PROMPT_MS + 5000, SECONDS * 1000 - 1000)));
const steady = await stats(true);
await loadDone;
const loadEnd = Date.now();
// drain: wait for the calls still up, at most 15 s
const drainUntil = Date.now() + 15_000;
while (completed < started && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 200));
clearInterval(progress);
const final = await stats();

// steady window: from the first completion + 2 s to the end of the load phase
const firstDone = completions[0] ?? loadEnd;
const windowStart = firstDone + 2000;
const inWindow = completions.filter((t) => t >= windowStart && t <= loadEnd).length;
const completedPerSec = inWindow / Math.max(0.001, (loadEnd - windowStart) / 1000);
const base = ready.baseline;
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

const out = [
  `sim-load: rate ${RATE}/s for ${SECONDS} s, prompt ${PROMPT_MS} ms (answer + play + hangup per call, ARI over loopback)`,
  `  calls placed ${final.placed}, started in the app ${started}, completed ${completed}, REST errors ${restErrors}`,
  `  peak concurrent channels ${peak?.channels ?? 0} (at steady state ${steady.channels})`,
  `  new calls/s started ${(started / ((loadEnd - t0) / 1000)).toFixed(0)}, completed in steady state ${completedPerSec.toFixed(0)}/s`,
  `  ARI event latency (event timestamp -> app): median ${eventLatency.getValueAtPercentile(50)} ms, p99 ${eventLatency.getValueAtPercentile(99)} ms, max ${eventLatency.maxValue} ms (${eventLatency.totalCount} events)`,
  `  REST round trip: median ${(restLatency.getValueAtPercentile(50) / 1000).toFixed(1)} ms, p99 ${(restLatency.getValueAtPercentile(99) / 1000).toFixed(1)} ms (${restLatency.totalCount} requests)`,
  `  memory per channel: heap ${((steady.heapUsed - base.heapUsed) / Math.max(1, steady.channels) / 1024).toFixed(1)} KB, RSS ${((steady.rss - base.rss) / Math.max(1, steady.channels) / 1024).toFixed(1)} KB (heap ${mb(base.heapUsed)} -> ${mb(steady.heapUsed)}, RSS ${mb(base.rss)} -> ${mb(steady.rss)} at ${steady.channels} channels)`,
  `  simulator event-loop delay: p99 up to ${loopP99.toFixed(1)} ms, max ${loopMax.toFixed(1)} ms`,
];
process.stdout.write(`${out.join("\n")}\n`);

ws.close();
child.send({ cmd: "stop" });
await new Promise((r) => child.once("exit", r));
clearTimeout(hardStop);
