/**
 * The queued callback ("keep my place") under load, in virtual time (docs/callbacks-fairness.md).
 *
 *   node --import tsx bench/callbacks.ts [--calls 100000] [--seed 1] [--replay 3000] [--patience 120]
 *     [--accept 0.6] [--offer-after 120] [--reach 0.8] [--peak 1.5] [--agents 50] [--dial-scale 1] [--budget 600]
 *
 * The same callers (seeded: arrivals, lanes, patience) meet the same queue (lanes from
 * config/switchboard.yaml, 50 agents, exponential handle times of 180 s, the real queue code: the
 * in-memory twin of the Lua scripts, src/queue/model.ts) without and with queued callbacks, whose rules
 * are src/callbacks/policy.ts. Callers on hold hang up after an exponential patience. At 85/90/95%
 * offered load, and on a day with a one-hour peak: abandonment, waits, the callbacks' fate and promise,
 * and the place guarantee checked on every dispatch decision (bench/queue/places.ts). The callbacks run
 * with the default offer threshold and the issue's release rule, and, to see what moves the figures, with
 * a lower threshold, without the release rule, and with kept places served last (a control that breaks
 * the guarantee on purpose). Then a prefix of the 95% run with callbacks goes through the real
 * CallerQueue and its scripts on a local redis-server (loopback) and every reply is compared.
 * Bounded: --calls callers per run, --budget seconds of wall clock per run; exits 1 when a check fails.
 */
import { Redis } from "ioredis";
import { callbackSettingsSchema } from "../src/callbacks/policy.js";
import { loadConfig } from "../src/config/load.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { queueSchema, type LaneConfig } from "../src/queue/config.js";
import { CallerQueue } from "../src/queue/index.js";
import { QueueModel } from "../src/queue/model.js";
import { resolveSite } from "../src/queue/settings.js";
import { arg } from "./args.js";
import { callbackEngineOf, simulateCallbacks, type CallbackRun, type CallbackScenario, type DialModel, type ReleaseMode } from "./queue/callback-sim.js";
import { quantile } from "./queue/sim.js";

const CALLS = arg("calls", 100_000);
const SEED = arg("seed", 1, "number");
const REPLAY = arg("replay", 3000, "number");
const PATIENCE_S = arg("patience", 120, "positive number");
const ACCEPT = arg("accept", 0.6, "positive number");
const OFFER_AFTER_S = arg("offer-after", 120, "number");
const REACH = arg("reach", 0.8, "positive number");
const BUDGET_S = arg("budget", 600, "positive number");
const PEAK_OCCUPANCY = arg("peak", 1.5, "positive number");
const AGENTS = arg("agents", 50);
/** Scales every duration of an attempt (the agent's ring, the customer's): 0 makes dials instantaneous (what agent-first costs). */
const DIAL_SCALE = arg("dial-scale", 1, "number");
const HANDLE_S = 180;
const EXPRESS_SHARE = 0.15;
const ANNOUNCE_EVERY_S = 45; // calls.announceEvery in config/switchboard.yaml
if (ACCEPT > 1 || REACH > 1) throw new Error("--accept and --reach are chances (at most 1)");

const cfg = loadConfig("config/switchboard.yaml", {});
const lanes: Record<string, LaneConfig> = { express: cfg.lanes.express!, standard: cfg.lanes.standard! };
// scanDepth deep enough that kept places passed over (the control) never hide a caller on hold; without skips it changes nothing
const QUEUES = { q: { lanes: ["express", "standard"], wrapUp: 0, scanDepth: 10_000, agentScan: 200 } };
const settings = callbackSettingsSchema.parse({ offerAfterSeconds: OFFER_AFTER_S });

/** The customer's side of an attempt: the stated assumptions (docs/callbacks-fairness.md). */
const unreached = 1 - REACH;
const DIAL: DialModel = {
  agentRingS: 4 * DIAL_SCALE,
  outcomes: { "answered-accepted": REACH, "no-answer": unreached * 0.6, "answered-no-key": unreached * 0.2, busy: unreached * 0.15, failed: unreached * 0.05 },
  answerAfterS: [3 * DIAL_SCALE, 15 * DIAL_SCALE],
  keyS: 5 * DIAL_SCALE,
  noKeyS: 10 * DIAL_SCALE,
  noAnswerS: 25 * DIAL_SCALE,
  busyS: 2 * DIAL_SCALE,
  failedS: 2 * DIAL_SCALE,
};

/** One run of a scenario: without callbacks, or with them offered after `offerAfterS` and released as `release` says. */
interface RunSpec {
  label: string;
  offerAfterS?: number;
  release?: ReleaseMode;
}
const WITHOUT: RunSpec = { label: "without callbacks" };
const DESIGN: RunSpec = { label: `callbacks, offer after ${OFFER_AFTER_S} s`, offerAfterS: OFFER_AFTER_S, release: "hold" };
const STEADY_RUNS: RunSpec[] = [
  WITHOUT,
  DESIGN,
  { label: "callbacks, offer after 30 s", offerAfterS: 30, release: "hold" },
  { label: "  same, release unpaced", offerAfterS: 30, release: "unpaced" },
  { label: "  same, kept places last (control)", offerAfterS: 30, release: "last" },
  { label: "callbacks, offer after 0 s, unpaced", offerAfterS: 0, release: "unpaced" },
];
const PEAK_RUNS: RunSpec[] = [
  WITHOUT,
  DESIGN,
  { label: "  same, release unpaced", offerAfterS: OFFER_AFTER_S, release: "unpaced" },
  { label: "callbacks, offer after 30 s", offerAfterS: 30, release: "hold" },
  { label: "  same, release unpaced", offerAfterS: 30, release: "unpaced" },
  { label: "  same, kept places last (control)", offerAfterS: 30, release: "last" },
];

function scenario(occupancy: number, calls: number, spec: RunSpec, peak?: CallbackScenario["peak"]): CallbackScenario {
  return {
    agents: AGENTS,
    handleTimeS: HANDLE_S,
    occupancy,
    ...(peak && { peak }),
    expressShare: EXPRESS_SHARE,
    calls,
    warmup: Math.min(1000, Math.floor(calls / 10)),
    seed: SEED,
    patienceS: PATIENCE_S,
    announceEveryS: ANNOUNCE_EVERY_S,
    budgetMs: BUDGET_S * 1000,
    ...(spec.offerAfterS !== undefined && {
      callbacks: { settings: { ...settings, offerAfterSeconds: spec.offerAfterS }, acceptRate: ACCEPT, dial: DIAL, release: spec.release ?? "hold" },
    }),
  };
}

function modelEngine(clock: { t: number }) {
  const queues = Object.fromEntries(Object.entries(QUEUES).map(([n, q]) => [n, queueSchema.parse(q)]));
  return callbackEngineOf(new QueueModel(resolveSite("main", lanes, queues), { now: () => clock.t }));
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : "-");
const l = (v: string, n: number) => v.padStart(n);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const W = 38;

function callsTable(runs: [RunSpec, CallbackRun][]): void {
  console.log(`  ${"calls".padEnd(W)}${l("offered", 8)}${l("abandoned", 15)}${l("+ given up", 15)}${l("wait: mean", 11)}${l("p50", 7)}${l("p90", 7)}${l("max s", 8)}${l("busy %", 8)}`);
  for (const [spec, r] of runs) {
    const w = sorted(r.liveWaits);
    const lost = r.abandoned + r.cb.givenUp;
    console.log(
      `  ${spec.label.padEnd(W)}${l(String(r.counted), 8)}${l(`${r.abandoned} (${pct(r.abandoned, r.counted)})`, 15)}${l(`${lost} (${pct(lost, r.counted)})`, 15)}` +
        `${l(f1(mean(w)), 11)}${l(f1(quantile(w, 0.5)), 7)}${l(f1(quantile(w, 0.9)), 7)}${l(f1(w.at(-1) ?? Number.NaN), 8)}${l((100 * r.busyShare).toFixed(1), 8)}`,
    );
  }
}

function callbacksTable(runs: [RunSpec, CallbackRun][]): void {
  console.log(
    `  ${"callbacks".padEnd(W)}${l("offered to", 16)}${l("accepted", 10)}${l("completed", 10)}${l("given up", 9)}${l("tries", 6)}` +
      `${l("promise kept", 15)}${l("dial p50/p90 s", 16)}${l("held (agent-h idle)", 21)}`,
  );
  for (const [spec, r] of runs) {
    if (spec.offerAfterS === undefined) continue;
    const c = r.cb;
    const d = sorted(c.acceptToDial);
    console.log(
      `  ${spec.label.padEnd(W)}${l(`${c.offeredCallers} (${pct(c.offeredCallers, r.counted)})`, 16)}${l(String(c.accepted), 10)}${l(String(c.completed), 10)}${l(String(c.givenUp), 9)}` +
        `${l(c.accepted ? (c.attempts / c.accepted).toFixed(2) : "-", 6)}${l(c.accepted ? pct(c.promiseKept, c.accepted) : "-", 15)}` +
        `${l(`${f1(quantile(d, 0.5))}/${f1(quantile(d, 0.9))}`, 16)}${l(`${r.holds} (${f1(r.holdIdleAgentS / 3600)})`, 21)}`,
    );
  }
}

/** The place guarantee on every dispatch decision (bench/queue/places.ts); the control is expected to break it. */
function placesTable(runs: [RunSpec, CallbackRun][]): boolean {
  console.log(`  ${"position".padEnd(W)}${l("offers", 8)}${l("lane overtakes", 16)}${l("place overtakes", 17)}${l("not first", 11)}  verdict`);
  let ok = true;
  for (const [spec, r] of runs) {
    const o = r.order;
    const met = o.laneOvertakes === 0 && o.placeOvertakes === 0;
    const control = spec.release === "last";
    if (!control) ok &&= met;
    console.log(
      `  ${spec.label.padEnd(W)}${l(String(o.offers), 8)}${l(String(o.laneOvertakes), 16)}${l(String(o.placeOvertakes), 17)}${l(String(o.notFirst), 11)}  ` +
        (control ? (met ? "no violation (the control did not bite)" : "violated, as expected of the control") : met ? "met" : "MISSED"),
    );
    if (!met && !control) for (const e of o.examples) console.log(`    ${e}`);
  }
  return ok;
}

async function block(title: string, occupancy: number, calls: number, specs: RunSpec[], peak?: CallbackScenario["peak"]): Promise<boolean> {
  const s = scenario(occupancy, calls, WITHOUT, peak);
  console.log(`\n${title}`);
  console.log(
    `  ${AGENTS} agents, handle time exp(mean ${HANDLE_S} s), express ${EXPRESS_SHARE * 100}% of calls, patience exp(mean ${PATIENCE_S} s), ` +
      `${s.calls} calls${peak ? " plus the peak's" : ""} (first ${s.warmup} not counted), seed ${SEED}`,
  );
  const runs: [RunSpec, CallbackRun][] = [];
  for (const spec of specs) {
    const clock = { t: 0 };
    runs.push([spec, await simulateCallbacks(modelEngine(clock), clock, scenario(occupancy, calls, spec, peak))]);
  }
  callsTable(runs);
  callbacksTable(runs);
  const ok = placesTable(runs);
  const rate = (r: CallbackRun) => r.abandoned / r.counted;
  const [base, design] = [runs[0]![1], runs[1]![1]];
  const best = runs.filter(([spec]) => spec.release !== "last" && spec.offerAfterS !== undefined).reduce((a, b) => (rate(b[1]) < rate(a[1]) ? b : a));
  console.log(
    `  abandonment at least halved: ${DESIGN.label}: ${pct(base.abandoned, base.counted)} -> ${pct(design.abandoned, design.counted)}: ${rate(design) <= rate(base) / 2 ? "met" : "MISSED"}; ` +
      `best run with the place kept (offer after ${best[0].offerAfterS} s, ${best[0].release === "hold" ? "paced by mayRelease" : "release unpaced"}): ` +
      `${pct(best[1].abandoned, best[1].counted)}: ${rate(best[1]) <= rate(base) / 2 ? "met" : "MISSED"}`,
  );
  return ok;
}

/** The replay exercises the most: offers, kept places, holds, retries at the original join time. */
const REPLAY_RUN = STEADY_RUNS[2]!;

/** A prefix of the 95% run with callbacks through the real CallerQueue on Redis: every reply the same. */
async function replayOnRedis(calls: number): Promise<boolean> {
  const s = scenario(0.95, calls, REPLAY_RUN);
  const mclock = { t: 0 };
  const fromModel = await simulateCallbacks(modelEngine(mclock), mclock, s, true);
  const external = process.env.REDIS_URL;
  const local = external ? undefined : await startLocalRedis();
  const redis = new Redis(external ?? local!.url);
  try {
    const rclock = { t: 0 };
    const cq = new CallerQueue({ redis, keyPrefix: `bench:cb:${process.pid}:${Date.now()}:`, clock: { now: () => rclock.t }, lanes, queues: QUEUES });
    const fromRedis = await simulateCallbacks(cq, rclock, s, true);
    const a = fromModel.log!;
    const b = fromRedis.log!;
    const firstDiff = a.findIndex((x, i) => x !== b[i]);
    const same = a.length === b.length && firstDiff < 0;
    const count = (what: string) => b.filter((x) => x.startsWith(`${what} `)).length;
    console.log(
      `\nreplay on Redis (${external ? "REDIS_URL" : "local redis-server, loopback"}): "${REPLAY_RUN.label}" at 95% occupancy, ${calls} calls: ` +
        `${b.length} replies of the real scripts (${count("dispatch")} dispatch decisions, ${count("rejoin")} re-joins at the original join time, ` +
        `${count("position")} position reads, ${count("abandon")} hang-ups), ${same ? "identical to the model" : `DIFFERENT from the model at reply ${firstDiff}: ${a[firstDiff]} vs ${b[firstDiff]}`}; ` +
        `callbacks accepted ${fromRedis.cb.accepted}, releases held by mayRelease ${fromRedis.holds}, place violations ${fromRedis.order.laneOvertakes + fromRedis.order.placeOvertakes}`,
    );
    return same;
  } finally {
    await redis.quit();
    await local?.stop();
  }
}

const started = Date.now();
console.log(`node --import tsx bench/callbacks.ts ${process.argv.slice(2).join(" ")}`.trim());
console.log(
  `queued callbacks (virtual time; lanes from config/switchboard.yaml; seed ${SEED}; callback settings ${JSON.stringify(settings)}; ` +
    `accept ${ACCEPT * 100}% per offer; offers at join and every ${ANNOUNCE_EVERY_S} s; customer reached ${REACH * 100}% per attempt` +
    `${DIAL_SCALE === 1 ? "" : `; attempt durations x ${DIAL_SCALE}`})`,
);
let ok = true;
for (const occupancy of [0.85, 0.9, 0.95]) ok = (await block(`occupancy ${occupancy * 100}% (offered load)`, occupancy, CALLS, STEADY_RUNS)) && ok;
// a day: about 11 hours at 90% (10,000 calls) with one hour at the peak's load from hour 4
const peak = { atS: 4 * 3600, forS: 3600, occupancy: PEAK_OCCUPANCY };
const dayCalls = Math.min(CALLS, 10_000);
ok = (await block(`a day with a peak: occupancy 90%, and ${PEAK_OCCUPANCY * 100}% for one hour (from hour 4)`, 0.9, dayCalls, PEAK_RUNS, peak)) && ok;
if (REPLAY > 0) ok = (await replayOnRedis(REPLAY)) && ok;
if (!ok) process.exitCode = 1;
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
