/**
 * IVR engine speed and footprint: steps/s on one core, per-step p50/p99, heap bytes per live session.
 *
 *   node --expose-gc --import tsx bench/engine.ts [--sessions 10000] [--steps 2000000]
 *
 * Drives the shipped ivr-trees with the same pure step() the daemon runs: `sessions` calls side by side,
 * each answering its prompts, pressing keys from one of a few caller journeys (express upgrade, billing,
 * silence to the operator, cancellation), getting lookups answered and the queue's result, and starting
 * over when it ends. Throughput is timed over the whole run; latency per step with hrtime on a sample.
 */
import * as hdr from "hdr-histogram-js";
import { startCall, step, type CallState, type EngineEvent } from "../src/ivr/engine/index.js";
import { loadTreeSources, readTreeDir } from "../src/ivr/load.js";
import { arg } from "./args.js";

const SESSIONS = arg("sessions", 10_000);
const STEPS = arg("steps", 2_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn("run with node --expose-gc for the memory figures");

const { set } = loadTreeSources(readTreeDir("ivr-trees"));
if (!set) throw new Error("ivr-trees does not validate");

const JOURNEYS = [["9", "1", "12345678#"], ["1", "2", "12345678#"], [], ["3", "1"], ["2", "1234", "12345678#"]];
/** A CRM record of the demo's size, so the memory figure includes what a real session carries. */
const CUSTOMER = {
  id: "c-1003",
  name: "Carla Diaz",
  phones: ["5551003"],
  tier: "silver",
  express: false,
  accountNumber: "40031003",
  products: [{ sku: "PRO", name: "Pro", version: "4.2", currentVersion: "5.0", outdated: true, warrantyEndsInDays: 12, addOns: [] }],
  prepaid: { balance: 1.8, currency: "EUR" },
  callsLast90Days: 3,
  avgWaitSeconds: 210,
  maxWaitSeconds: 420,
};

interface Session {
  state: CallState;
  journey: string[];
  token: number;
  pending: string[];
}

let calls = 0;
function fresh(i: number): Session {
  calls++;
  const number = `555${String(1000 + (i % 9000)).padStart(4, "0")}`;
  const r = startCall(set!, "main", { callId: `bench-${i}-${calls}`, callerNumber: number });
  return { state: r.state, journey: JOURNEYS[i % JOURNEYS.length]!, token: 0, pending: [] };
}

/** The event a caller, the PBX, the CRM or the queue would send next. */
function nextEvent(s: Session, i: number): EngineEvent {
  const w = s.state.waiting!;
  if (w.kind === "playback") return { type: "playbackFinished", id: w.playbackId };
  if (w.kind === "queue") return { type: "queueResult", outcome: i % 7 === 0 ? "timeout" : "answered" };
  if (w.kind === "agent") return i % 2 === 0 ? { type: "agentEnded" } : { type: "hangup" };
  // an admission node waits like a lookup: the queue's answer, open on every other call
  if (w.kind === "lookup" && set!.nodes.get(s.state.node)?.node.type === "admission") return { type: "admissionResult", id: w.lookupId, admit: i % 2 === 0, reason: "bench" };
  if (w.kind === "lookup") return i % 2 === 0 ? { type: "lookupResult", id: w.lookupId, ok: true, found: true, data: CUSTOMER } : { type: "lookupResult", id: w.lookupId, ok: true, found: false };
  if (w.playbackId) return { type: "playbackFinished", id: w.playbackId };
  if (s.pending.length === 0) s.pending = [...(s.journey[s.token++] ?? "")];
  const digit = s.pending.shift();
  return digit === undefined ? { type: "timer", id: w.timerId! } : { type: "dtmf", digit };
}

const sessions = Array.from({ length: SESSIONS }, (_, i) => fresh(i));

function run(steps: number, hist?: hdr.Histogram): number {
  let n = 0;
  const t0 = process.hrtime.bigint();
  while (n < steps) {
    for (let i = 0; i < sessions.length && n < steps; i++, n++) {
      const s = sessions[i]!;
      if (s.state.status === "ended") {
        sessions[i] = fresh(i);
        continue;
      }
      const e = nextEvent(s, i);
      if (hist) {
        const a = process.hrtime.bigint();
        s.state = step(set!, s.state, e).state;
        hist.recordValue(Number(process.hrtime.bigint() - a));
      } else s.state = step(set!, s.state, e).state;
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

run(Math.min(200_000, STEPS)); // warm-up: JIT and CEL caches
const seconds = run(STEPS);
const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e9, numberOfSignificantValueDigits: 3, useWebAssembly: false });
run(Math.min(500_000, STEPS), hist);

/** Heap held by `count` live sessions parked where callers spend their time (menus, gathers, queue). */
function heapPerSession(count: number, customer: boolean): number {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const live: CallState[] = [];
  for (let i = 0; i < count; i++) {
    let r = startCall(set!, "main", { callId: `mem-${i}`, callerNumber: `555${String(i).padStart(4, "0")}` });
    r = step(set!, r.state, { type: "playbackFinished", id: (r.state.waiting as { playbackId: string }).playbackId });
    const w = r.state.waiting as { lookupId: string };
    // each session gets its own copy of the record, as a CRM answer would be
    r = step(set!, r.state, customer ? { type: "lookupResult", id: w.lookupId, ok: true, found: true, data: structuredClone({ ...CUSTOMER, tier: "silver" }) } : { type: "lookupResult", id: w.lookupId, ok: true, found: false });
    live.push(r.state);
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  if (live.length !== count) throw new Error("unreachable");
  return (after - before) / count;
}

sessions.length = 0;
const bare = heapPerSession(SESSIONS, false);
const withCustomer = heapPerSession(SESSIONS, true);
const q = (p: number) => (hist.getValueAtPercentile(p) / 1000).toFixed(2);
console.log(`engine: ${STEPS.toLocaleString("en")} steps over ${SESSIONS.toLocaleString("en")} live sessions (node ${process.version})`);
console.log(`  throughput      ${Math.round(STEPS / seconds).toLocaleString("en")} steps/s (one core)`);
console.log(`  per step        p50 ${q(50)} µs   p99 ${q(99)} µs   max ${(hist.maxValue / 1000).toFixed(1)} µs`);
console.log(`  heap / session  ${Math.round(bare)} B (unknown caller)   ${Math.round(withCustomer)} B (with a CRM record)   at ${SESSIONS.toLocaleString("en")} sessions`);
