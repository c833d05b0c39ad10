import type { Config } from "../../config/schema.js";
import { erlangAMetrics } from "../../metrics/staffing/erlang.js";
import { loadOf, meanOf, withRate, type AgentLoad, type Distribution, type Scenario, type Sizing } from "../../sim/scenario/index.js";
import { PERSON_LIKE } from "./desks.js";

/**
 * How busy the demo keeps its agents. The daemon's config says who takes calls by themselves (agents
 * with autoAvailable), each queue's wrap-up and how long a phone rings before a missed call pauses its
 * agent; the scenario says how long each agent's phone talks, how soon it answers, how often it does not,
 * and how long callers wait on hold before giving up; the synthetic desks how long a pause lasts.
 *
 * Occupancy is what the KPIs measure: time on calls and in wrap-up over staffed time. So the rate is sized
 * for what the agents answer, not for what is offered to them: callers who hang up while waiting bring no
 * work (Erlang A, with the callers' patience), and each call keeps an agent from the queue a little longer
 * than its handling (the ring before the answer; a missed call's ring and the pause after it). Erlang A
 * takes those times as exponential; the demo's vary far less, and a queue's waits grow with their
 * variation (about (1 + cv²) / 2 of the exponential's: Kingman, Allen-Cunneen), so the callers' patience
 * counts for that much more in it. The figures are printed at start.
 */

export interface DemoAgent extends AgentLoad {
  id: string;
  /** Mean seconds the phone rings before it answers. */
  ringSeconds: number;
  /** Variances of the talk and the ring, seconds². */
  talkVariance: number;
  ringVariance: number;
  /** Share of the calls rung that the phone does not answer (the agent is paused, the caller rung elsewhere). */
  missShare: number;
}

/** What the agents answer of the calls reaching their queues, and how busy that keeps them. */
export interface Answered {
  agents: number;
  /** Mean seconds a caller waits on hold before giving up (their hang-up rates averaged). */
  patienceSeconds: number;
  /** Mean talk + wrap-up per call answered. */
  handleSeconds: number;
  /** Per call answered, the seconds an agent is away from the queue: handling, ringing, missed calls' rings and pauses. */
  awaySeconds: number;
  /** How much that time varies: its squared coefficient of variation (1 for exponential times). */
  awayVariation: number;
  /** Share of the callers reaching a queue who hang up before an agent answers (Erlang A). */
  abandonRate: number;
  answeredPerMinute: number;
  /** Calls answered x mean handle, and its share of the staffed agents (paused ones are not staffed). */
  erlangs: number;
  occupancy: number;
}

export interface DemoLoad {
  /** The scenario with its arrival rate fixed. */
  scenario: Scenario;
  /** Agents that take calls by themselves, and the load on them. */
  agents: DemoAgent[];
  /** The offered side: calls placed, those reaching the queues, x mean handle. */
  sizing: Sizing;
  answered: Answered;
  /** The agent a person logs in as (no autoAvailable: takes calls only once logged in), and the load once they do. */
  visitor: DemoAgent | undefined;
  withVisitor: Answered | undefined;
}

/** What keeps agents from the queue besides the calls: from the config and the desks' habits. */
interface Setting {
  reach: number;
  patienceSeconds: number;
  /** How long a missed call rings (calls.ringTimeout), and the pause after it (the desks come back then). */
  ringTimeoutSeconds: number;
  pauseSeconds: number;
}

/** A scenario duration's variance, seconds² (a normal's before the clamp at zero). */
function varianceOf(d: Distribution): number {
  if (typeof d === "number" || "fixed" in d) return 0;
  if ("uniform" in d) return (d.uniform[1] - d.uniform[0]) ** 2 / 12;
  if ("exponential" in d) return d.exponential ** 2;
  return d.normal.sd ** 2;
}

/** The config's agents with a registered phone in the scenario: talk, answer and misses from the phone, wrap-up from their queues. */
function demoAgents(config: Config, scenario: Scenario): Array<DemoAgent & { auto: boolean }> {
  const phones = new Map(scenario.agents.filter((p) => p.registered && !p.busy).map((p) => [p.endpoint, p]));
  const wrapUp = (queues: readonly string[]) => (queues.length ? queues.reduce((s, q) => s + (config.queues[q]?.wrapUp ?? 0), 0) / queues.length : 0);
  return config.agents.flatMap((a) => {
    const phone = phones.get(a.endpoint);
    if (!phone) return [];
    return [
      {
        id: a.id,
        endpoint: a.endpoint,
        talkSeconds: meanOf(phone.talkTime),
        wrapUpSeconds: wrapUp(a.queues),
        ringSeconds: meanOf(phone.answerDelay),
        talkVariance: varianceOf(phone.talkTime),
        ringVariance: varianceOf(phone.answerDelay),
        missShare: phone.noAnswerProbability,
        auto: a.autoAvailable,
      },
    ];
  });
}

/**
 * The callers' patience in the queue: each profile's mean time on hold before hanging up (its total
 * patience where it gives none), averaged as hang-up rates (1 / patience) weighted by the profile's share:
 * the rates are what make callers leave. A profile without either never hangs up (rate 0).
 */
export function queuePatience(s: Scenario): number {
  let weights = 0;
  let rate = 0;
  for (const p of s.callers.mix) {
    const d = p.patience.onHold ?? p.patience.total;
    weights += p.weight;
    if (d !== undefined) rate += p.weight / Math.max(1, meanOf(d));
  }
  return rate > 0 ? weights / rate : Infinity;
}

/**
 * Erlang A's share of callers hanging up. Callers who never give up (or whose patience is too long for the
 * chain to settle): none hang up below the agents' capacity, and what is beyond it is never answered.
 */
function abandonShare(agents: number, erlangs: number, seconds: number, patience: number): number {
  const beyond = erlangs > agents ? 1 - agents / erlangs : 0;
  if (!Number.isFinite(patience)) return beyond;
  try {
    return erlangAMetrics({ agents, trafficErlangs: erlangs, ahtSeconds: seconds, targetSeconds: 20, patienceSeconds: patience }).abandonRate ?? 0;
  } catch {
    return beyond;
  }
}

/** What `agents` answer of `ratePerMinute` calls placed. */
export function answeredLoad(ratePerMinute: number, agents: readonly DemoAgent[], s: Setting): Answered {
  const n = agents.length;
  const mean = (f: (a: DemoAgent) => number) => (n ? agents.reduce((t, a) => t + f(a), 0) / n : 0);
  const handleSeconds = mean((a) => a.talkSeconds + a.wrapUpSeconds);
  const miss = Math.min(0.99, mean((a) => a.missShare));
  // a call is rung until an agent answers: misses per answer are geometric, each a ring out and a pause
  const missesPerAnswer = miss / (1 - miss);
  const missSeconds = s.ringTimeoutSeconds + s.pauseSeconds;
  const answering = (a: DemoAgent) => a.talkSeconds + a.wrapUpSeconds + a.ringSeconds;
  const answeringSeconds = mean(answering);
  const awaySeconds = answeringSeconds + missesPerAnswer * missSeconds;
  // the agents' own variation and their differences (a mixture), and the misses'
  const variance = mean((a) => a.talkVariance + a.ringVariance + answering(a) ** 2) - answeringSeconds ** 2 + (missSeconds ** 2 * miss) / (1 - miss) ** 2;
  const awayVariation = awaySeconds > 0 ? variance / awaySeconds ** 2 : 1;
  const queuedPerSecond = (ratePerMinute * s.reach) / 60;
  const patience = (s.patienceSeconds * 2) / (1 + awayVariation);
  const abandonRate = n ? abandonShare(n, queuedPerSecond * awaySeconds, awaySeconds, patience) : 1;
  const answered = queuedPerSecond * (1 - abandonRate);
  const erlangs = answered * handleSeconds;
  const paused = answered * missesPerAnswer * s.pauseSeconds;
  return { agents: n, patienceSeconds: s.patienceSeconds, handleSeconds, awaySeconds, awayVariation, abandonRate, answeredPerMinute: answered * 60, erlangs, occupancy: n > paused ? erlangs / (n - paused) : 1 };
}

/** The placed-call rate at which `agents` measure `occupancy` (it grows with the rate: halving finds it). */
export function rateFor(occupancy: number, agents: readonly DemoAgent[], s: Setting): number {
  if (agents.length === 0) throw new Error("no agents to size the arrivals for: give arrivals.rate, or agents that take calls");
  let lo = 0;
  let hi = (agents.length * 60) / Math.max(1, agents.reduce((t, a) => t + a.talkSeconds + a.wrapUpSeconds, 0) / agents.length) / s.reach;
  while (answeredLoad(hi, agents, s).occupancy < occupancy) {
    // ringing and pauses keep agents from the queue: past their capacity more calls only make more callers hang up
    if (hi > 1e4) throw new Error(`arrivals.occupancy ${occupancy} is more than these agents can be kept busy (at most ${answeredLoad(hi, agents, s).occupancy.toFixed(2)}): lower it`);
    hi *= 2;
  }
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (answeredLoad(mid, agents, s).occupancy < occupancy) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function demoLoad(config: Config, scenario: Scenario): DemoLoad {
  const all = demoAgents(config, scenario);
  const agents = all.filter((a) => a.auto).map(({ auto: _a, ...rest }) => rest);
  const visitorRow = all.find((a) => !a.auto);
  const visitor = visitorRow && (({ auto: _a, ...rest }) => rest)(visitorRow);
  const { rate, occupancy, reach } = scenario.arrivals;
  const setting: Setting = { reach, patienceSeconds: queuePatience(scenario), ringTimeoutSeconds: config.calls.ringTimeout, pauseSeconds: (PERSON_LIKE.pauseSeconds[0] + PERSON_LIKE.pauseSeconds[1]) / 2 };
  const ratePerMinute = rate ?? rateFor(occupancy!, agents, setting);
  return {
    scenario: withRate(scenario, ratePerMinute),
    agents,
    sizing: loadOf(ratePerMinute, reach, agents),
    answered: answeredLoad(ratePerMinute, agents, setting),
    visitor,
    withVisitor: visitor ? answeredLoad(ratePerMinute, [...agents, visitor], setting) : undefined,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const minutes = (seconds: number) => (Number.isFinite(seconds) ? `${(seconds / 60).toFixed(1)} min` : "ever");

/** The figures, as printed at start: the arithmetic spelled out. */
export function loadLines(d: DemoLoad): string[] {
  const s = d.sizing;
  const a = d.answered;
  const avg = (f: (x: DemoAgent) => number) => d.agents.reduce((t, x) => t + f(x), 0) / Math.max(1, d.agents.length);
  const talk = avg((x) => x.talkSeconds);
  const staffed = (x: Answered) => x.erlangs / x.occupancy;
  const lines = [
    `Load:          ${a.agents} agents take calls by themselves (${d.agents.map((x) => x.id).join(", ")}): mean handle ${Math.round(a.handleSeconds)} s (talk ${Math.round(talk)} + wrap-up ${Math.round(a.handleSeconds - talk)})`,
    `               ${s.ratePerMinute.toFixed(2)} calls/min placed, ${pct(s.reach)} reach a queue (${s.agentRatePerMinute.toFixed(2)}/min); ${pct(a.abandonRate)} of them hang up while waiting (Erlang A:`,
    `               callers give up after ${minutes(a.patienceSeconds)} on hold on average; each call also rings ${Math.round(avg((x) => x.ringSeconds))} s, and ${pct(avg((x) => x.missShare))} ring out and pause the agent)`,
    `               ${a.answeredPerMinute.toFixed(2)}/min answered x ${Math.round(a.handleSeconds)} s = ${a.erlangs.toFixed(2)} erlangs on ${staffed(a).toFixed(1)} staffed agents = ${pct(a.occupancy)} occupancy`,
  ];
  const v = d.withVisitor;
  if (d.visitor && v) lines.push(`               with you logged in as ${d.visitor.id}: ${v.erlangs.toFixed(2)} erlangs on ${staffed(v).toFixed(1)} staffed agents = ${pct(v.occupancy)}, ${pct(v.abandonRate)} hang up while waiting`);
  return lines;
}
