import { Redis } from "ioredis";
import { ADMISSION_READ_LIMIT, admissionState, decideAdmission, overflows, type AdmissionDecision } from "../../src/queue/admission.js";
import { admissionSchema, queueSchema, type LaneConfig } from "../../src/queue/config.js";
import { CallerQueue } from "../../src/queue/index.js";
import { QueueModel } from "../../src/queue/model.js";
import { resolveSite } from "../../src/queue/settings.js";
import { startLocalRedis } from "../../src/lib/redis-server.js";
import { engineOf, laneStats, simulate, type LaneStats, type Route, type Scenario, type Served } from "./sim.js";

/**
 * Admission control in the loop (docs/express-fairness.md). Callers are subscribers (express whatever
 * happens) or standard callers who would buy the upgrade if offered (takeRate, drawn up front so every
 * policy faces the same callers). At each arrival the policy asks the real decision (src/queue/admission.ts)
 * on the simulated queue's state, read as admission.lua reads it (QueueModel.admissionRead):
 *   - none: the upgrade is offered to everyone (today);
 *   - admission: offered only when admitted; subscribers are express regardless;
 *   - credit: as admission, and a subscriber whose promise cannot be kept (refused by the forecast or a
 *     bound, not by the cap on sales) joins standard with a credit owed.
 */

export interface AdmissionBench {
  express: LaneConfig;
  standard: LaneConfig;
  agents: number;
  handleTimeS: number;
  subscriberShare: number;
  takeRate: number;
  maxShare: number;
}

type PolicyName = "none" | "admission" | "credit";
const LABEL: Record<PolicyName, string> = {
  none: "no admission control",
  admission: "admission control",
  credit: "admission + subscribers' excess as standard",
};

interface Tally {
  eligible: number;
  offered: number;
  accepted: number;
  subscribers: number;
  credited: number;
  refusals: Record<string, number>;
}

interface Run {
  policy: PolicyName;
  express: LaneStats;
  standard: LaneStats;
  tally: Tally;
}

function queues(b: AdmissionBench) {
  return { q: { lanes: ["express", "standard"], wrapUp: 0, scanDepth: 100, agentScan: 200, admission: { lane: "express", maxShare: b.maxShare } } };
}

function modelEngine(lanes: Record<string, LaneConfig>, b: AdmissionBench, clock: { t: number }) {
  const qs = Object.fromEntries(Object.entries(queues(b)).map(([n, q]) => [n, queueSchema.parse(q)]));
  const settings = resolveSite("main", lanes, qs);
  const model = new QueueModel(settings, { now: () => clock.t });
  const engine = engineOf(model);
  // the decision a daemon would make at this moment, on what admission.lua would read
  const decide = async (entitled = false) => decideAdmission(admissionState(settings, "q", model.admissionRead("q", ADMISSION_READ_LIMIT), clock.t), settings.queues.get("q")!.admission, "express", entitled);
  return { engine, decide };
}

/** The "credit" policy is the daemon's admission.overflow "standard" (QueueHandoff.placement). */
const OVERFLOW = admissionSchema.parse({ overflow: "standard" });

const KIND: Partial<Record<AdmissionDecision["check"], string>> = { share: "share cap", forecast: "forecast", bound: "bound" };
const kindOf = (d: AdmissionDecision): string => KIND[d.check] ?? "other";

/** The policy as a router: which lane each arriving caller joins; counts offers, sales and credits (after warmup). */
function router(policy: PolicyName, decide: (entitled?: boolean) => Promise<AdmissionDecision>, tally: Tally, warmup: number, log?: string[]): Route {
  const refused = (d: AdmissionDecision, counted: boolean, moves = (x: AdmissionDecision) => !x.admit) => {
    log?.push(`${d.admit} ${d.reason}`);
    if (!moves(d)) return false;
    if (counted) tally.refusals[kindOf(d)] = (tally.refusals[kindOf(d)] ?? 0) + 1;
    return true;
  };
  return async (callId, caller) => {
    const counted = Number(callId.slice(1)) >= warmup;
    if (caller.subscriber) {
      if (counted) tally.subscribers += 1;
      // a subscriber has paid already: only a promise that cannot be kept moves them (the daemon's rule), not the cap on sales
      if (policy !== "credit" || !refused(await decide(true), counted, (d) => overflows(OVERFLOW, d))) return "express";
      if (counted) tally.credited += 1;
      return "standard";
    }
    if (counted) tally.eligible += 1;
    if (policy !== "none" && refused(await decide(), counted)) return "standard";
    if (counted) tally.offered += 1;
    if (!caller.wouldBuy) return "standard";
    if (counted) tally.accepted += 1;
    return "express";
  };
}

const newTally = (): Tally => ({ eligible: 0, offered: 0, accepted: 0, subscribers: 0, credited: 0, refusals: {} });
const counted = (served: Served[], warmup: number) => served.filter((s) => Number(s.callId.slice(1)) >= warmup);

async function runPolicy(b: AdmissionBench, s: Scenario, policy: PolicyName): Promise<Run> {
  const clock = { t: 0 };
  const { engine, decide } = modelEngine({ express: b.express, standard: b.standard }, b, clock);
  const tally = newTally();
  const served = counted(await simulate(engine, clock, s, "q", router(policy, decide, tally, s.warmup)), s.warmup);
  const waits = (lane: string) => served.filter((x) => x.lane === lane).map((x) => x.waitS);
  return { policy, express: laneStats(waits("express"), b.express.sla.seconds), standard: laneStats(waits("standard"), b.standard.sla.seconds), tally };
}

/** FIFO's longest wait on the same traffic: lanes do not matter to it, so no policy changes it. */
async function fifoMax(b: AdmissionBench, s: Scenario): Promise<number> {
  const clock = { t: 0 };
  const flat = { express: { ...b.express, headStart: 0 }, standard: { ...b.standard, headStart: 0 } };
  const { engine } = modelEngine(flat, b, clock);
  const served = counted(await simulate(engine, clock, s, "q"), s.warmup);
  return Math.max(...served.map((x) => x.waitS));
}

const f1 = (x: number) => (Number.isNaN(x) ? "-" : x.toFixed(1));
const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : "-");
const l = (v: string, n: number) => v.padStart(n);

export async function admissionScenario(b: AdmissionBench, title: string, s: Scenario): Promise<Run[]> {
  const H = b.express.headStart - b.standard.headStart;
  const sla = b.express.sla;
  console.log(`\n${title}`);
  console.log(
    `  ${b.agents} agents, handle time exp(mean ${b.handleTimeS} s), ${s.calls} calls (first ${s.warmup} not counted), seed ${s.seed}; ` +
      `${b.subscriberShare * 100}% of callers subscribe to express, the others buy it at ${b.takeRate * 100}% when offered; share cap ${b.maxShare * 100}%`,
  );
  const fifo = await fifoMax(b, s);
  const runs: Run[] = [];
  for (const p of ["none", "admission", "credit"] as const) runs.push(await runPolicy(b, s, p));
  console.log(
    `  ${"policy".padEnd(46)}${l("express n", 10)}${l("p50 s", 8)}${l("p90 s", 8)}${l("max s", 9)}${l("SL %", 7)}` +
      `${l("standard max s", 16)}${l("offered", 9)}${l("accepted", 10)}${l("credited", 14)}`,
  );
  for (const r of runs) {
    const t = r.tally;
    console.log(
      `  ${LABEL[r.policy].padEnd(46)}${l(String(r.express.n), 10)}${l(f1(r.express.p50), 8)}${l(f1(r.express.p90), 8)}${l(f1(r.express.max), 9)}` +
        `${l(f1(r.express.sl), 7)}${l(f1(r.standard.max), 16)}${l(pct(t.offered, t.eligible), 9)}${l(pct(t.accepted, t.offered), 10)}` +
        `${l(r.policy === "credit" ? `${t.credited} (${pct(t.credited, t.subscribers)})` : "-", 14)}`,
    );
  }
  const bound = fifo + H;
  console.log(`  offered: share of non-subscribers offered the upgrade; accepted: share of those offered who bought it; credited: subscribers put in standard (of all subscribers)`);
  console.log(`  express SLA ${sla.percent}% in ${sla.seconds} s; standard bound: FIFO max ${f1(fifo)} s + head start ${H} s = ${f1(bound)} s`);
  console.log(`  checks:`);
  for (const r of runs) {
    const refusals = Object.entries(r.tally.refusals).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `    ${LABEL[r.policy]}: express p90 ${f1(r.express.p90)} s within ${sla.seconds} s: ${r.express.p90 <= sla.seconds ? "met" : "MISSED"}; ` +
        `standard max ${f1(r.standard.max)} s within ${f1(bound)} s: ${r.standard.max <= bound + 1e-9 ? "met" : "MISSED"}` +
        (refusals ? `; refused: ${refusals}` : ""),
    );
  }
  return runs;
}

/** A prefix of one run through the real CallerQueue.admission (admission.lua on Redis): same decisions, same calls. */
export async function admissionReplay(b: AdmissionBench, s: Scenario): Promise<boolean> {
  const lanes = { express: b.express, standard: b.standard };
  const clock = { t: 0 };
  const { engine, decide } = modelEngine(lanes, b, clock);
  const fromModelLog: string[] = [];
  const fromModel = await simulate(engine, clock, s, "q", router("credit", decide, newTally(), 0, fromModelLog));

  const external = process.env.REDIS_URL;
  const local = external ? undefined : await startLocalRedis();
  const redis = new Redis(external ?? local!.url);
  try {
    const rclock = { t: 0 };
    const cq = new CallerQueue({ redis, keyPrefix: `bench:admit:${process.pid}:${Date.now()}:`, clock: { now: () => rclock.t }, lanes, queues: queues(b) });
    const fromRedisLog: string[] = [];
    const fromRedis = await simulate(cq, rclock, s, "q", router("credit", (entitled) => cq.admission("q", "express", entitled), newTally(), 0, fromRedisLog));
    const sameDecisions = fromModelLog.length === fromRedisLog.length && fromModelLog.every((d, i) => d === fromRedisLog[i]);
    const sameCalls = fromModel.length === fromRedis.length && fromModel.every((m, i) => m.callId === fromRedis[i]!.callId && m.agentId === fromRedis[i]!.agentId && m.waitS === fromRedis[i]!.waitS);
    const refused = fromRedisLog.filter((d) => d.startsWith("false")).length;
    console.log(
      `\nreplay on Redis (${external ? "REDIS_URL" : "local redis-server"}): "${LABEL.credit}" at ${s.occupancy * 100}% occupancy, ${s.calls} calls: ` +
        `${fromRedisLog.length} admission decisions through CallerQueue.admission (${refused} refused), ` +
        `${sameDecisions && sameCalls ? "identical to the model" : "DIFFERENT from the model"}`,
    );
    return sameDecisions && sameCalls;
  } finally {
    await redis.quit();
    await local?.stop();
  }
}
