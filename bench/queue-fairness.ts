/**
 * Fairness of the caller queue under load, in virtual time.
 *
 *   npx tsx bench/queue-fairness.ts [--calls 40000] [--seed 1] [--replay 3000]
 *
 * Compares, on identical arrival and handle-time streams (seeded), three orderings of the same queue:
 *   - this design: score = arrival - headStart(lane) (lanes from config/switchboard.yaml), plus the
 *     same with the reserved share;
 *   - FIFO: no head start;
 *   - strict priority, as Asterisk's QUEUE_PRIO behaves: express always first (head start of one day,
 *     longer than any wait here).
 * Each is driven through the real scoring (scoring.ts) and the in-memory twin of the dispatch script
 * (src/queue/model.ts), which tests/queue/model-equivalence.test.ts checks against the Lua on Redis.
 * At the end a prefix of one run is replayed through the real Lua scripts on a real Redis with the same
 * virtual clock, and every decision is compared.
 *
 * Then admission control in the loop (bench/queue/admission.ts, docs/express-fairness.md): subscribers
 * (express whatever happens) and standard callers who buy express when offered, with the upgrade offered
 * always or only when src/queue/admission.ts admits, at 85/90/95% and in the express surge; a prefix is
 * replayed through CallerQueue.admission on Redis.
 *
 *   [--subscribers 0.05] [--take 0.2] [--max-share 0.25]   the callers and the cap
 *   [--admission-only | --orderings-only]                    one half of the run
 */
import { Redis } from "ioredis";
import { loadConfig } from "../src/config/load.js";
import { queueSchema, type LaneConfig } from "../src/queue/config.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { CallerQueue } from "../src/queue/index.js";
import { QueueModel } from "../src/queue/model.js";
import { resolveSite } from "../src/queue/settings.js";
import { engineOf, laneStats, longestStarvation, simulate, type Engine, type LaneStats, type Scenario, type Served } from "./queue/sim.js";
import { arg } from "./args.js";
import { admissionReplay, admissionScenario, type AdmissionBench } from "./queue/admission.js";

const CALLS = arg("calls", 100_000, "number");
const SEED = arg("seed", 1, "number");
const REPLAY = arg("replay", 3000, "number");
const AGENTS = 50;
const HANDLE_S = 180;
const EXPRESS_SHARE = 0.15;
const STRICT_HEAD_START_S = 86_400;
const SUBSCRIBERS = arg("subscribers", 0.05, "number");
const TAKE_RATE = arg("take", 0.2, "number");
const MAX_SHARE = arg("max-share", 0.25, "positive number");
const ORDERINGS = !process.argv.includes("--admission-only");
const ADMISSION = !process.argv.includes("--orderings-only");

const cfg = loadConfig("config/switchboard.yaml", {});
if (!cfg.lanes.express || !cfg.lanes.standard) throw new Error("config/switchboard.yaml must define lanes express and standard");
const express: LaneConfig = cfg.lanes.express;
const standard: LaneConfig = cfg.lanes.standard;
const H = express.headStart - standard.headStart;

interface Policy {
  name: string;
  lanes: Record<string, LaneConfig>;
  reserve?: { share: number; lanes: string[] };
}
const policies: Policy[] = [
  { name: `head start ${H} s`, lanes: { express, standard } },
  { name: `head start + reserve 10%`, lanes: { express, standard }, reserve: { share: 0.1, lanes: ["express"] } },
  { name: "FIFO", lanes: { express: { ...express, headStart: 0 }, standard: { ...standard, headStart: 0 } } },
  { name: "strict priority", lanes: { express: { ...express, headStart: STRICT_HEAD_START_S }, standard: { ...standard, headStart: 0 } } },
];

function queueConfig(p: Policy) {
  return { q: { lanes: ["express", "standard"], wrapUp: 0, scanDepth: 100, agentScan: 200, ...(p.reserve && { reserve: p.reserve }) } };
}

function modelEngine(p: Policy, clock: { t: number }): { engine: Engine; model: QueueModel } {
  const queues = Object.fromEntries(Object.entries(queueConfig(p)).map(([n, q]) => [n, queueSchema.parse(q)]));
  const settings = resolveSite("main", p.lanes, queues);
  const model = new QueueModel(settings, { now: () => clock.t });
  const engine = engineOf(model);
  return { engine, model };
}

type Stats = LaneStats & { starvedS: number };

function statsOf(served: Served[], warmup: number): { express: Stats; standard: Stats; all: LaneStats } {
  const kept = served.filter((s) => Number(s.callId.slice(1)) >= warmup);
  const waits = (lane?: string) => kept.filter((s) => lane === undefined || s.lane === lane).map((s) => s.waitS);
  return {
    express: { ...laneStats(waits("express"), express.sla.seconds), starvedS: longestStarvation(kept, "express") },
    standard: { ...laneStats(waits("standard"), standard.sla.seconds), starvedS: longestStarvation(kept, "standard") },
    all: laneStats(waits(), standard.sla.seconds),
  };
}

const f1 = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(1));
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

async function runScenario(title: string, s: Scenario, steady: boolean): Promise<void> {
  console.log(`\n${title}`);
  console.log(
    `  ${AGENTS} agents, handle time exp(mean ${HANDLE_S} s), express ${EXPRESS_SHARE * 100}% of calls, ${s.calls} calls ` +
      `(first ${s.warmup} not counted), seed ${s.seed}`,
  );
  console.log(
    `  ${pad("policy", 26)}${pad("lane", 10)}${lpad("n", 7)}${lpad("p50 s", 9)}${lpad("p90 s", 9)}${lpad("max s", 9)}${lpad("SL %", 8)}` +
      `${lpad("starved s", 11)}  SL target`,
  );
  const results = new Map<string, ReturnType<typeof statsOf>>();
  for (const p of policies) {
    const clock = { t: 0 };
    const { engine } = modelEngine(p, clock);
    const served = await simulate(engine, clock, s);
    const st = statsOf(served, s.warmup);
    results.set(p.name, st);
    for (const lane of ["express", "standard"] as const) {
      const l = st[lane];
      const sla = cfg.lanes[lane]!.sla;
      console.log(
        `  ${pad(lane === "express" ? p.name : "", 26)}${pad(lane, 10)}${lpad(String(l.n), 7)}${lpad(f1(l.p50), 9)}${lpad(f1(l.p90), 9)}` +
          `${lpad(f1(l.max), 9)}${lpad(f1(l.sl), 8)}${lpad(f1(l.starvedS), 11)}  ${sla.percent}% in ${sla.seconds} s`,
      );
    }
  }
  const ours = results.get(policies[0]!.name)!;
  const fifo = results.get("FIFO")!;
  const strict = results.get("strict priority")!;
  const fifoMax = fifo.all.max;
  const ok = (b: boolean) => (b ? "met" : "MISSED");
  console.log(`  checks:`);
  if (steady) {
    console.log(`    express p90 ${f1(ours.express.p90)} s within its SLA of ${express.sla.seconds} s: ${ok(ours.express.p90 <= express.sla.seconds)}`);
  }
  console.log(
    `    standard max ${f1(ours.standard.max)} s <= FIFO max ${f1(fifoMax)} s + head start ${H} s = ${f1(fifoMax + H)} s: ` +
      ok(ours.standard.max <= fifoMax + H + 1e-9),
  );
  // the fairness-cost KPI (docs/kpis.md) estimates the FIFO wait as every caller's mean (conservation law): checked here against the FIFO run
  console.log(
    `    fairness cost of standard callers' mean wait: KPI estimate (standard mean - all callers' mean) ${f1(ours.standard.mean - ours.all.mean)} s, ` +
      `measured against FIFO's run ${f1(ours.standard.mean - fifo.standard.mean)} s`,
  );
  console.log(
    `    strict priority: standard max ${f1(strict.standard.max)} s (${(strict.standard.max / fifoMax).toFixed(2)} x FIFO max, ` +
      `${strict.standard.max > fifoMax + H ? `${f1(strict.standard.max - fifoMax - H)} s beyond` : "within"} this design's bound); ` +
      `standard callers went unanswered for up to ${f1(strict.standard.starvedS)} s (this design: ${f1(ours.standard.starvedS)} s, FIFO: ${f1(fifo.standard.starvedS)} s)`,
  );
}

async function replayOnRedis(s: Scenario): Promise<void> {
  const p = policies[1]!; // head start + reserve: exercises the most logic
  const clock = { t: 0 };
  const { engine } = modelEngine(p, clock);
  const fromModel = await simulate(engine, clock, s);

  const external = process.env.REDIS_URL;
  const local = external ? undefined : await startLocalRedis();
  const redis = new Redis(external ?? local!.url);
  try {
    const rclock = { t: 0 };
    const cq = new CallerQueue({
      redis,
      keyPrefix: `bench:fair:${process.pid}:${Date.now()}:`,
      clock: { now: () => rclock.t },
      lanes: p.lanes,
      queues: queueConfig(p),
    });
    const fromRedis = await simulate(cq, rclock, s);
    const same = fromModel.length === fromRedis.length && fromModel.every((m, i) => {
      const r = fromRedis[i]!;
      return m.callId === r.callId && m.agentId === r.agentId && m.waitS === r.waitS;
    });
    console.log(
      `\nreplay on Redis (${external ? "REDIS_URL" : "local redis-server"}): "${p.name}" at ${s.occupancy * 100}% occupancy, ${s.calls} calls: ` +
        `${fromRedis.length} dispatch decisions through the Lua scripts, ${same ? "identical to the model" : "DIFFERENT from the model"}`,
    );
    if (!same) process.exitCode = 1;
  } finally {
    await redis.quit();
    await local?.stop();
  }
}

const started = Date.now();
/** The surge sits in the middle of the run: steady callers keep arriving before, during and after it. */
function surgeScenario(): Scenario {
  const occupancy = 0.85;
  const calls = Math.min(CALLS, 20_000);
  const midS = calls / ((occupancy * AGENTS) / HANDLE_S) / 2;
  return {
    agents: AGENTS,
    handleTimeS: HANDLE_S,
    occupancy,
    expressShare: EXPRESS_SHARE,
    calls,
    warmup: 1000,
    seed: SEED,
    surge: { atS: Math.round(midS), forS: 3600, expressLoad: 1.1 },
  };
}
const steady = (occupancy: number, calls = CALLS): Scenario => ({ agents: AGENTS, handleTimeS: HANDLE_S, occupancy, expressShare: EXPRESS_SHARE, calls, warmup: 1000, seed: SEED });

if (ORDERINGS) {
  console.log(`queue fairness (virtual time; lanes from config/switchboard.yaml: express head start ${express.headStart} s, SLA ${express.sla.percent}% in ${express.sla.seconds} s; standard head start ${standard.headStart} s, SLA ${standard.sla.percent}% in ${standard.sla.seconds} s)`);
  for (const occupancy of [0.85, 0.9, 0.95]) await runScenario(`occupancy ${occupancy * 100}%`, steady(occupancy), true);
  await runScenario(`express surge: occupancy 85%, plus one hour in which extra express callers alone arrive at 110% of capacity`, surgeScenario(), false);
  if (REPLAY > 0) await replayOnRedis({ ...steady(0.95, REPLAY), warmup: 0 });
}

if (ADMISSION) {
  const bench: AdmissionBench = { express, standard, agents: AGENTS, handleTimeS: HANDLE_S, subscriberShare: SUBSCRIBERS, takeRate: TAKE_RATE, maxShare: MAX_SHARE };
  const mix = { subscriberShare: SUBSCRIBERS, takeRate: TAKE_RATE };
  console.log(`\n\nadmission control (virtual time; the upgrade to express is offered always, or only when src/queue/admission.ts admits on the simulated queue's state)`);
  for (const occupancy of [0.85, 0.9, 0.95]) await admissionScenario(bench, `occupancy ${occupancy * 100}%`, { ...steady(occupancy), mix });
  await admissionScenario(bench, `express surge: occupancy 85%, plus one hour in which extra subscribers alone arrive at 110% of capacity`, { ...surgeScenario(), mix });
  if (REPLAY > 0 && !(await admissionReplay(bench, { ...steady(0.95, REPLAY), warmup: 0, mix }))) process.exitCode = 1;
}
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
