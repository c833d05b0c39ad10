/**
 * The simulator side of bench/sim-load.ts, in its own process so the bench's Stasis app does not
 * share its core: starts the simulator, places synthetic calls at the rate the parent asks for
 * (through sim.control, as scenarios do) and reports channels, memory and event-loop delay.
 * Not meant to be run by hand.
 */
import { startSimulator } from "../src/sim/index.js";
import { loopDelay } from "./loop-delay.js";

type Command = { cmd: "load"; rate: number; seconds: number } | { cmd: "stats"; gc?: boolean } | { cmd: "stop" };

const HOLD_MS = Number(process.env.SIM_LOAD_PROMPT_MS ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;

const sim = await startSimulator({
  users: { bench: "bench" },
  media: { sounds: { "bench/prompt": HOLD_MS } },
  control: { keepEndedCalls: 500 },
});
const loop = loopDelay();
let placed = 0;
let ended = 0;
sim.control.onCallEnded(() => ended++);

function stats(collect = false): Record<string, number> {
  if (collect) gc?.();
  const m = process.memoryUsage();
  const s = {
    channels: sim.pbx.listChannels().length,
    liveCalls: sim.control.liveCalls,
    placed,
    ended,
    rss: m.rss,
    heapUsed: m.heapUsed,
    loopP99Ms: loop.p99(),
    loopMaxMs: loop.max(),
  };
  loop.reset();
  return s;
}

function load(rate: number, seconds: number): void {
  const tickMs = 10;
  const start = Date.now();
  let due = 0;
  const timer = setInterval(() => {
    const elapsed = Date.now() - start;
    if (elapsed >= seconds * 1000) {
      clearInterval(timer);
      process.send?.({ type: "loadDone", placed });
      return;
    }
    // place what the schedule owes so far, so a late tick catches up
    const owed = Math.floor((elapsed / 1000) * rate) - due;
    for (let i = 0; i < owed; i++) {
      sim.control.placeCall({ caller: String(5550000 + (placed % 10_000)), did: "800", hangupAfter: 60 });
      placed++;
    }
    due += owed;
  }, tickMs);
}

process.on("message", (m: Command) => {
  if (m.cmd === "load") load(m.rate, m.seconds);
  else if (m.cmd === "stats") process.send?.({ type: "stats", ...stats(m.gc === true) });
  else if (m.cmd === "stop") void sim.stop().then(() => process.exit(0));
});
process.send?.({ type: "ready", ariUrl: sim.ariUrl, baseline: stats(true) });
