/**
 * How fast the daemon greets a caller: StasisStart sent by the simulator -> the daemon's first play
 * request received by it (the daemon answers the channel and starts the tree in between), while the
 * calls build up to --calls concurrent callers who stay in the IVR. Also prints the daemon's heap per live
 * call (after a GC, over the idle baseline) and Redis memory per call.
 *
 *   node --expose-gc --import tsx bench/first-play.ts [--calls 1000] [--rate 200]
 *
 * The simulator runs in its own process (bench/daemon-world.ts), the daemon in this one; both latency
 * timestamps are taken in the simulator's process. Uses REDIS_URL when set, else starts redis-server.
 * Stops by itself (at most 2 minutes).
 */
import { arg } from "./args.js";
import { startRig, summary } from "./daemon-rig.js";

const CALLS = arg("calls", 1000);
const RATE = arg("rate", 200, "positive number");

const rig = await startRig("first-play", { timeScale: 1, hardStopMs: 120_000 });
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await rig.redis.info("memory"))?.[1] ?? 0);
const heapBefore = rig.heapAfterGc();
const redisBefore = await usedMemory();

// callers the CRM does not know (the lookup still runs while they are greeted) who press nothing, so they
// all stay in the main menu (greeting, three menu rounds) for about 20 s
const calls = Array.from({ length: CALLS }, (_, i) => ({ caller: String(5_590_000 + i), did: "800", hangupAfter: 100 }));
const { stats: s, seconds: rampSeconds } = await rig.place(calls, RATE, { done: (w) => w.firstPlay.length >= CALLS, timeoutMs: 10_000, pollMs: 100 });
const loops = rig.loops(s);
const live = rig.daemon.calls.size;
const heapPerCall = (rig.heapAfterGc() - heapBefore) / Math.max(1, live);
const redisPerCall = ((await usedMemory()) - redisBefore) / Math.max(1, live);
const tail = s.firstPlay.slice(Math.floor(s.firstPlay.length * 0.9));

const out = [
  `first-play: ${CALLS} calls placed at ${RATE}/s (ramp ${rampSeconds.toFixed(1)} s), ${live} live in the daemon at the end`,
  `  StasisStart -> first play request: ${summary(s.firstPlay)}`,
  `    of which StasisStart -> answer request: ${summary(s.toAnswer)}`,
  `    and answer request -> play request (the answer's round trip): ${summary(s.answerToPlay)}`,
  `  the last 10% (arriving with ~${Math.round(CALLS * 0.9)}+ calls live): ${summary(tail)}`,
  `  ${loops}`,
  `  daemon heap per live call ${(heapPerCall / 1024).toFixed(1)} KB, Redis per call ${(redisPerCall / 1024).toFixed(1)} KB`,
];
process.stdout.write(`${out.join("\n")}\n`);
await rig.stop();
