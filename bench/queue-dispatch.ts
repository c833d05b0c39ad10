/**
 * Dispatch decisions per second and their latency, with 10,000 callers waiting and 1,000 agents.
 *
 *   npx tsx bench/queue-dispatch.ts [--rounds 10] [--concurrency 16]
 *
 * Side by side in one run, on the same Redis (a fresh loopback redis-server, or REDIS_URL):
 *   floor     a bare EVALSHA of `return 1`: the round trip no script can beat;
 *   dispatch  the real dispatch script via CallerQueue.dispatch(): lanes with head start and a reserved
 *             share; then the same with skills (half the callers need a skill a third of agents have);
 *   BullMQ    10,000 prioritized jobs (express priority 1, standard 2): a decision is Worker.getNextJob
 *             plus popping the longest-idle agent from a sorted set (two round trips, not atomic).
 * Each is measured one call at a time (latency) and with `concurrency` calls in flight (throughput).
 * A round is 1,000 decisions (every agent gets one call); between rounds, untimed, the agents end their
 * calls and 1,000 new callers join, so every timed decision sees ~10,000 waiting callers.
 * Redis' own time per script call (INFO commandstats of EVALSHA and FCALL, timed windows only) shows how
 * much of the cost is the script itself: the queue's dispatch function; for BullMQ its moveToActive script
 * (the ZPOPMIN of the agent is not included).
 */
import os from "node:os";
import { Queue, Worker, type Job } from "bullmq";
import * as hdr from "hdr-histogram-js";
import { Redis } from "ioredis";
import { loadConfig } from "../src/config/load.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { SeededRandom } from "../src/lib/seeded-random.js";
import { CallerQueue, type Offer } from "../src/queue/index.js";
import { arg } from "./args.js";

const ROUNDS = arg("rounds", 10);
const CONCURRENCY = arg("concurrency", 16);
const CALLERS = 10_000;
const AGENTS = 1_000;
const rng = new SeededRandom(7);

interface Measured {
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
  serverUs: number | null;
}

function histogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/**
 * Runs `op` `total` times with `inFlight` calls outstanding; latency per call in µs. With `pair` (one at
 * a time only), each op is preceded by a timed `pair` call, so the floor is measured under exactly the
 * same conditions (machine load changes wake-up latency on loopback a lot); its time is not in `ms`.
 */
async function measure(
  total: number,
  inFlight: number,
  op: () => Promise<unknown>,
  pair?: () => Promise<unknown>,
): Promise<{ h: hdr.Histogram; ms: number; pairH: hdr.Histogram }> {
  const h = histogram();
  const pairH = histogram();
  let started = 0;
  let ms = 0;
  const worker = async () => {
    while (started < total) {
      started += 1;
      if (pair) {
        const p = performance.now();
        await pair();
        pairH.recordValue(Math.max(1, Math.round((performance.now() - p) * 1000)));
      }
      const t = performance.now();
      await op();
      const dt = performance.now() - t;
      if (pair) ms += dt;
      h.recordValue(Math.max(1, Math.round(dt * 1000)));
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
  return { h, ms: pair ? ms : performance.now() - t0, pairH };
}

/**
 * Calls and µs Redis has spent on script commands so far (INFO commandstats), to take differences: EVALSHA
 * (the floor, BullMQ) and FCALL (the queue's functions).
 */
async function scriptStats(redis: Redis): Promise<{ calls: number; usec: number }> {
  const out = { calls: 0, usec: 0 };
  for (const m of (await redis.info("commandstats")).matchAll(/cmdstat_(?:evalsha|fcall):calls=(\d+),usec=(\d+)/g)) {
    out.calls += Number(m[1]);
    out.usec += Number(m[2]);
  }
  return out;
}

/** measure(), plus Redis' own time per script call during exactly that window. */
async function measureWithServer(redis: Redis, total: number, inFlight: number, op: () => Promise<unknown>) {
  const before = await scriptStats(redis);
  const m = await measure(total, inFlight, op, inFlight === 1 ? floor : undefined);
  const after = await scriptStats(redis);
  return { ...m, n: total, server: { calls: after.calls - before.calls, usec: after.usec - before.usec } };
}

async function inChunks<T>(items: T[], size: number, f: (t: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(f));
}

type Part = { h: hdr.Histogram; pairH: hdr.Histogram; ms: number; n: number; server: { calls: number; usec: number } };

function pairedFloor(parts: Part[]): { p50: number; p99: number } {
  const h = histogram();
  for (const p of parts) h.add(p.pairH);
  return { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
}

function summarize(parts: Part[]): Measured {
  const h = histogram();
  for (const p of parts) h.add(p.h);
  const n = parts.reduce((a, p) => a + p.n, 0);
  const ms = parts.reduce((a, p) => a + p.ms, 0);
  const calls = parts.reduce((a, p) => a + p.server.calls, 0);
  const usec = parts.reduce((a, p) => a + p.server.usec, 0);
  return { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue, perSecond: (n / ms) * 1000, serverUs: calls ? usec / calls : null };
}

// ---------------------------------------------------------------------------------------------------

const cfg = loadConfig("config/switchboard.yaml", {});
const external = process.env.REDIS_URL;
const local = external ? undefined : await startLocalRedis();
const url = external ?? local!.url;
const redis = new Redis(url);
redis.defineCommand("benchFloor", { numberOfKeys: 1, lua: "return 1" });
const floor = () => (redis as unknown as { benchFloor(k: string): Promise<number> }).benchFloor("bench:{floor}");
const results = new Map<string, { seq: Measured; conc: Measured; floor?: { p50: number; p99: number } }>();
const started = Date.now();

try {
  const version = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1];
  console.log(
    `queue dispatch: ${CALLERS} waiting callers, ${AGENTS} agents; Redis ${version} ${external ? "at REDIS_URL" : "on loopback (fresh redis-server)"}; ` +
      `Node ${process.version}; ${os.cpus().length} CPUs; ${ROUNDS} rounds of ${AGENTS} decisions; ${CONCURRENCY} in flight for throughput`,
  );
  const base = `bench:disp:${process.pid}:`;

  // --- floor -------------------------------------------------------------------------------------
  {
    const n = ROUNDS * AGENTS;
    await measure(1000, 1, floor);
    const seq = await measure(n, 1, floor);
    const conc = await measureWithServer(redis, n, CONCURRENCY, floor);
    results.set('floor: EVALSHA "return 1"', { seq: summarize([{ ...seq, n, server: { calls: 0, usec: 0 } }]), conc: summarize([conc]) });
  }

  // --- dispatch ----------------------------------------------------------------------------------
  for (const skills of [false, true]) {
    const clock = { now: () => Date.now() };
    const cq = new CallerQueue({
      redis,
      keyPrefix: `${base}${skills ? "skills" : "lanes"}:`,
      clock,
      lanes: cfg.lanes,
      queues: { support: { lanes: ["express", "standard"], wrapUp: 0, reserve: { share: 0.1, lanes: ["express"] } } },
    });
    const agentIds = Array.from({ length: AGENTS }, (_, i) => `a${i}`);
    await inChunks(agentIds, 200, async (id) => {
      const i = Number(id.slice(1));
      await cq.registerAgent({ agentId: id, endpoint: `PJSIP/${id}`, skills: skills && i % 3 === 0 ? { tech: 2 } : { general: 1 }, queues: ["support"] });
      await cq.agentState(id, { to: "available" });
    });
    let nextCaller = 0;
    const join = () => {
      const callId = `c${nextCaller++}`;
      return cq.enqueue({
        callId,
        queue: "support",
        lane: rng.chance(0.15) ? "express" : "standard",
        skills: skills && rng.chance(0.5) ? { tech: 1 } : {},
      });
    };
    await inChunks(Array.from({ length: CALLERS }), 500, join);

    // between rounds: agents finish their calls, new callers replace the served ones (untimed)
    const offers: Offer[] = [];
    const dispatch = async () => {
      const o = await cq.dispatch("support");
      if (o) offers.push(o);
    };
    const reset = async () => {
      const done = offers.splice(0);
      await inChunks(done, 200, async (o) => {
        await cq.answered(o.callId, o.agentId);
        await cq.agentState(o.agentId, { to: "wrapup", seconds: 0 });
      });
      await inChunks(done, 500, join);
    };
    const run = async (inFlight: number) => {
      const parts = [];
      let decisions = 0;
      let calls = 0;
      for (let r = 0; r < ROUNDS; r++) {
        parts.push(await measureWithServer(redis, AGENTS, inFlight, dispatch));
        decisions += offers.length;
        calls += AGENTS;
        await reset();
      }
      return { m: summarize(parts), decisions, calls, floor: pairedFloor(parts) };
    };
    await run(CONCURRENCY); // warm-up round set (script load, JIT)
    const seq = await run(1);
    const conc = await run(CONCURRENCY);
    const name = skills ? "dispatch: lanes + reserve + skills" : "dispatch: lanes + reserve";
    results.set(name, { seq: seq.m, conc: conc.m, floor: seq.floor });
    const waiting = (await cq.status("support", 1)).waiting;
    console.log(
      `  ${name}: ${conc.decisions} of ${conc.calls} timed calls matched a caller (the rest found no free agent with the skill); ` +
        `${waiting} callers waiting at the end`,
    );
  }

  // --- BullMQ baseline -----------------------------------------------------------------------------
  {
    const connection = { url, maxRetriesPerRequest: null };
    const prefix = `${base}bull`;
    const queue = new Queue("callers", { connection, prefix });
    const worker = new Worker("callers", null, { connection, prefix, autorun: false });
    const agentsKey = `${base}bull:agents`;
    let nextJob = 0;
    const addJobs = (n: number) =>
      queue.addBulk(
        Array.from({ length: n }, () => ({
          name: "caller",
          data: { callId: `j${nextJob++}` },
          opts: { priority: rng.chance(0.15) ? 1 : 2, removeOnComplete: true },
        })),
      );
    await inChunks(Array.from({ length: CALLERS / 1000 }), 1, () => addJobs(1000));
    const agentRows = Array.from({ length: AGENTS }, (_, i) => [i, `a${i}`] as const).flat();
    await redis.zadd(agentsKey, ...agentRows);
    const taken: { job: Job; token: string }[] = [];
    let token = 0;
    const decide = async () => {
      const t = `t${token++}`;
      const job = (await worker.getNextJob(t, { block: false })) as Job | undefined;
      const agent = await redis.zpopmin(agentsKey);
      if (job && agent.length) taken.push({ job, token: t });
    };
    const reset = async () => {
      const done = taken.splice(0);
      await inChunks(done, 200, ({ job, token: t }) => job.moveToCompleted("answered", t, false));
      await redis.zadd(agentsKey, ...agentRows);
      await addJobs(done.length);
    };
    const run = async (inFlight: number) => {
      const parts = [];
      for (let r = 0; r < ROUNDS; r++) {
        parts.push(await measureWithServer(redis, AGENTS, inFlight, decide));
        await reset();
      }
      return { m: summarize(parts), floor: pairedFloor(parts) };
    };
    await run(CONCURRENCY);
    const seq = await run(1);
    const conc = await run(CONCURRENCY);
    results.set("BullMQ: getNextJob + agent ZPOPMIN", { seq: seq.m, conc: conc.m, floor: seq.floor });
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
} finally {
  await redis.quit();
  await local?.stop();
}

// --- report ------------------------------------------------------------------------------------------
const f0 = (x: number) => Math.round(x).toLocaleString("en-US");
const us = (x: number | null) => (x === null ? "-" : x.toFixed(1));
console.log(
  `\n${"".padEnd(38)}${"one at a time".padEnd(36)}${`${CONCURRENCY} in flight`.padEnd(36)}\n` +
    `${"".padEnd(38)}${["p50 µs", "p99 µs", "max µs", "per s"].map((h) => h.padStart(9)).join("")}` +
    `${["p50 µs", "p99 µs", "max µs", "per s"].map((h) => h.padStart(9)).join("")}${"Redis µs/call".padStart(18)}`,
);
for (const [name, { seq, conc }] of results) {
  const row = (m: Measured) => [m.p50, m.p99, m.max].map((v) => f0(v).padStart(9)).join("") + f0(m.perSecond).padStart(9);
  console.log(`${name.padEnd(38)}${row(seq)}${row(conc)}${us(conc.serverUs).padStart(18)}`);
}
console.log(
  `one at a time, each call was paired with a floor call just before it (same machine conditions): floor p50/p99 ` +
    [...results]
      .filter(([, r]) => r.floor)
      .map(([name, r]) => `${f0(r.floor!.p50)}/${f0(r.floor!.p99)} µs beside ${name.split(":")[0] === "BullMQ" ? "BullMQ" : name.replace("dispatch: ", "")}`)
      .join(", "),
);

const floorRow = results.get('floor: EVALSHA "return 1"')!;
const ours = results.get("dispatch: lanes + reserve")!;
const skilled = results.get("dispatch: lanes + reserve + skills")!;
const bull = results.get("BullMQ: getNextJob + agent ZPOPMIN")!;
const ok = (b: boolean) => (b ? "met" : "MISSED");
console.log(`\ntargets (dispatch: lanes + reserve; skills in brackets):`);
console.log(
  `  >= 20,000 decisions/s with ${CONCURRENCY} in flight: ${f0(ours.conc.perSecond)} [${f0(skilled.conc.perSecond)}]  ${ok(ours.conc.perSecond >= 20_000)}`,
);
console.log(
  `  p99 < 2 ms: one at a time ${f0(ours.seq.p99)} µs [${f0(skilled.seq.p99)}], ${CONCURRENCY} in flight ${f0(ours.conc.p99)} µs [${f0(skilled.conc.p99)}]  ` +
    ok(ours.seq.p99 < 2000 && ours.conc.p99 < 2000),
);
const floorRatio = floorRow.conc.perSecond / ours.conc.perSecond;
const floorLatency = ours.seq.p50 / ours.floor!.p50;
console.log(
  `  within 3x of the floor: p50 latency ${floorLatency.toFixed(2)}x the paired floor [${(skilled.seq.p50 / skilled.floor!.p50).toFixed(2)}x]  ` +
    `${ok(floorLatency <= 3)}; throughput ${floorRatio.toFixed(2)}x below the floor's [${(floorRow.conc.perSecond / skilled.conc.perSecond).toFixed(2)}x]  ${ok(floorRatio <= 3)}`,
);
const bullRatio = ours.conc.perSecond / bull.conc.perSecond;
console.log(
  `  >= 2x the BullMQ baseline: ${bullRatio.toFixed(2)}x throughput [${(skilled.conc.perSecond / bull.conc.perSecond).toFixed(2)}x], ` +
    `${(ours.seq.perSecond / bull.seq.perSecond).toFixed(2)}x one at a time  ${ok(bullRatio >= 2)}`,
);
console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s`);
