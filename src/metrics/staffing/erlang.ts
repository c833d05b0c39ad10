import { z } from "zod";

/**
 * Staffing maths for one queue and one interval: Erlang C (callers wait forever) and Erlang A (callers
 * hang up after an exponential patience). Pure: no clocks, no I/O. Times are in seconds, traffic in
 * erlangs (calls x handle time / interval length), agents are agents on the phones.
 */

export interface QueueMetrics {
  /** Probability that a caller waits at all, P(W > 0). */
  waitProbability: number;
  /** Probability that a caller is answered within the target time (Erlang A: and before hanging up). */
  serviceLevel: number;
  /** Average speed of answer: mean wait of answered calls, seconds (Infinity when the queue never settles). */
  asa: number;
  /** Share of the agents' time on calls. */
  occupancy: number;
  /** Erlang A only: share of callers who hang up before an agent answers. */
  abandonRate?: number;
}

export interface ErlangCInput {
  agents: number;
  trafficErlangs: number;
  ahtSeconds: number;
  targetSeconds: number;
}

export interface ErlangAInput extends ErlangCInput {
  patienceSeconds: number;
}

/**
 * Erlang B by its recursion B(n) = A B(n-1) / (n + A B(n-1)): every step stays in [0, 1], so no
 * factorial or power ever overflows, whatever the number of agents.
 */
export function erlangB(agents: number, trafficErlangs: number): number {
  let b = 1;
  for (let n = 1; n <= agents; n++) b = (trafficErlangs * b) / (n + trafficErlangs * b);
  return b;
}

/** Erlang C, P(W > 0), from Erlang B: C = N B / (N - A (1 - B)). 1 when N <= A (the queue grows without end). */
export function erlangC(agents: number, trafficErlangs: number): number {
  if (agents <= trafficErlangs) return 1;
  if (trafficErlangs === 0) return 0;
  const b = erlangB(agents, trafficErlangs);
  return (agents * b) / (agents - trafficErlangs * (1 - b));
}

export function erlangCMetrics({ agents, trafficErlangs: a, ahtSeconds, targetSeconds }: ErlangCInput): QueueMetrics {
  if (agents <= a) return { waitProbability: 1, serviceLevel: 0, asa: Infinity, occupancy: 1 };
  const c = erlangC(agents, a);
  return {
    waitProbability: c,
    serviceLevel: Math.max(0, 1 - c * Math.exp((-(agents - a) * targetSeconds) / ahtSeconds)),
    asa: (c * ahtSeconds) / (agents - a),
    occupancy: a / agents,
  };
}

/** States whose probability is below e^-50 of the most likely one are left off the chain. */
const NEGLIGIBLE_LOG = -50;
/** The longest chain we walk: a queue that long means patience far beyond anything a caller has. */
const MAX_STATES = 5_000_000;

/**
 * Unnormalised log probabilities of the number of callers in the system, n = 0, 1, ...: a birth-death
 * chain with births at rate A and deaths at rate min(n, N) + max(0, n - N) g (in units of 1/AHT, with
 * g = AHT / patience). Log space, so a chain with thousands of agents neither overflows nor underflows.
 */
function logStationary(agents: number, a: number, g: number): { logp: number[]; max: number } {
  const logp = [0];
  let max = 0;
  let lp = 0;
  for (let n = 1; ; n++) {
    const death = Math.min(n, agents) + Math.max(0, n - agents) * g;
    lp += Math.log(a) - Math.log(death);
    logp.push(lp);
    if (lp > max) max = lp;
    // past the peak, with a ratio below 1 the rest falls off at least geometrically
    if (n > agents && a < death && lp - max < NEGLIGIBLE_LOG) return { logp, max };
    if (n > MAX_STATES) {
      throw new RangeError(`Erlang A: the queue does not settle within ${MAX_STATES} callers; patience is too long for this load, use Erlang C`);
    }
  }
}

/**
 * Erlang A (M/M/N+M). The number of callers in the system is the birth-death chain above; an arriving
 * caller sees its stationary distribution (Poisson arrivals see time averages). A caller who finds k
 * callers waiting ahead moves up one place at rate N/AHT + (k callers ahead) / patience and hangs up at
 * rate 1/patience, all exponential, so:
 *   P(answered | k) = N / (N + (k + 1) g)                     (a product that telescopes)
 *   E[wait; answered | k] = P(answered | k) AHT sum_{i=0..k} 1 / (N + (i + 1) g)
 *   P(answered within T | k) = P(answered | k) I_U(k + 1, N/g + 1), U = 1 - e^{-T/patience}
 * where I is the regularised incomplete beta: the time to reach an agent, given the caller is still
 * there, is a sum of exponentials with rates (N + (i + 1) g)/AHT, whose distribution function is that
 * beta. It is summed here as the tail of a negative binomial, I_U(k + 1, b) = 1 - sum_{j<=k} t_j with
 * t_0 = (1 - U)^b and t_j = t_{j-1} U (j - 1 + b) / j, accumulated in log space as k grows.
 */
export function erlangAMetrics({ agents, trafficErlangs: a, ahtSeconds, targetSeconds, patienceSeconds }: ErlangAInput): QueueMetrics {
  if (a === 0) return { waitProbability: 0, serviceLevel: 1, asa: 0, occupancy: 0, abandonRate: 0 };
  if (agents === 0) return { waitProbability: 1, serviceLevel: 0, asa: Infinity, occupancy: 0, abandonRate: 1 };
  const g = ahtSeconds / patienceSeconds;
  const { logp, max } = logStationary(agents, a, g);
  let total = 0;
  for (const lp of logp) total += Math.exp(lp - max);
  const p = (n: number) => Math.exp(logp[n]! - max) / total;

  let noWait = 0;
  for (let n = 0; n < agents; n++) noWait += p(n);
  const logU = Math.log(-Math.expm1(-targetSeconds / patienceSeconds));
  const b = agents / g + 1;
  let logT = (-(agents + g) * targetSeconds) / ahtSeconds; // log t_0 = b log(1 - U)
  let cdf = Math.exp(logT); // sum_{j<=k} t_j
  let waitSum = 0; // sum_{i<=k} 1 / (N + (i + 1) g)
  let answeredWithin = 0;
  let answered = 0;
  let abandoned = 0; // summed on its own, not as 1 - answered, to keep tiny rates accurate
  let answeredWait = 0;
  for (let k = 0; agents + k < logp.length; k++) {
    if (k > 0) {
      logT += logU + Math.log((k - 1 + b) / k);
      cdf += Math.exp(logT);
    }
    waitSum += 1 / (agents + (k + 1) * g);
    const pk = p(agents + k);
    const served = agents / (agents + (k + 1) * g);
    answered += pk * served;
    abandoned += (pk * (k + 1) * g) / (agents + (k + 1) * g);
    answeredWithin += pk * served * Math.max(0, 1 - cdf);
    answeredWait += pk * served * waitSum * ahtSeconds;
  }
  const abandonRate = Math.min(1, abandoned);
  return {
    waitProbability: 1 - noWait,
    serviceLevel: Math.min(1, noWait + answeredWithin),
    asa: answeredWait / (noWait + answered),
    occupancy: (a * (1 - abandonRate)) / agents,
    abandonRate,
  };
}

const positive = (field: string) => z.number({ error: `${field} must be a number` }).refine((v) => Number.isFinite(v) && v > 0, `${field} must be a number above 0`);

export const staffingRequestSchema = z.object({
  callsPerInterval: z.number({ error: "callsPerInterval must be a number" }).refine((v) => Number.isFinite(v) && v >= 0, "callsPerInterval must be 0 or more"),
  intervalSeconds: positive("intervalSeconds"),
  ahtSeconds: positive("ahtSeconds"),
  target: z.object({
    percent: z.number({ error: "target.percent must be a number" }).refine((v) => v > 0 && v < 100, "target.percent must be above 0 and below 100 (100% is never reached)"),
    seconds: z.number({ error: "target.seconds must be a number" }).refine((v) => Number.isFinite(v) && v >= 0, "target.seconds must be 0 or more"),
  }),
  shrinkage: z.number({ error: "shrinkage must be a number" }).refine((v) => v >= 0 && v < 1, "shrinkage must be at least 0 and below 1 (0.3 is 30%)").default(0),
  patienceSeconds: positive("patienceSeconds").optional(),
  maxOccupancy: z.number({ error: "maxOccupancy must be a number" }).refine((v) => v > 0 && v <= 1, "maxOccupancy must be above 0 and at most 1 (0.85 is 85%)").optional(),
  maxAbandonRate: z.number({ error: "maxAbandonRate must be a number" }).refine((v) => v > 0 && v < 1, "maxAbandonRate must be above 0 and below 1 (0.05 is 5%)").optional(),
});

export type StaffingRequestInput = z.input<typeof staffingRequestSchema>;
export type StaffingRequest = z.infer<typeof staffingRequestSchema>;

export interface StaffingResult extends QueueMetrics {
  /** Agents to schedule: agents on the phones grossed up for shrinkage. */
  agents: number;
  agentsOnPhones: number;
  trafficErlangs: number;
  model: "erlang-c" | "erlang-a";
}

export class StaffingInputError extends Error {}

/** The most agents we try before saying the target cannot be met. */
const MAX_AGENTS = 1_000_000;

/**
 * The smallest number of agents on the phones that meets the service level target (and the occupancy and
 * abandonment caps, if any): Erlang A when a mean patience is given, Erlang C otherwise. Service level
 * rises, occupancy and abandonment fall with every agent added, so the answer is found by doubling, then
 * bisecting.
 */
export function agentsNeeded(input: StaffingRequestInput): StaffingResult {
  const parsed = staffingRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new StaffingInputError(parsed.error.issues.map((i) => (i.message.startsWith(i.path.join(".")) ? i.message : `${i.path.join(".") || "input"}: ${i.message}`)).join("; "));
  }
  const req = parsed.data;
  const traffic = (req.callsPerInterval * req.ahtSeconds) / req.intervalSeconds;
  const model = req.patienceSeconds === undefined ? "erlang-c" : "erlang-a";
  const metricsFor = (agents: number): QueueMetrics => {
    const base = { agents, trafficErlangs: traffic, ahtSeconds: req.ahtSeconds, targetSeconds: req.target.seconds };
    return req.patienceSeconds === undefined ? erlangCMetrics(base) : erlangAMetrics({ ...base, patienceSeconds: req.patienceSeconds });
  };
  const meets = (m: QueueMetrics) =>
    m.serviceLevel >= req.target.percent / 100 && m.occupancy <= (req.maxOccupancy ?? 1) && (m.abandonRate ?? 0) <= (req.maxAbandonRate ?? 1);

  let agents = 0;
  if (traffic > 0) {
    let low = 0; // known to fall short
    let high = Math.max(1, Math.ceil(traffic));
    while (!meets(metricsFor(high))) {
      low = high;
      high *= 2;
      if (high > MAX_AGENTS) throw new StaffingInputError(`the target cannot be met with up to ${MAX_AGENTS} agents`);
    }
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (meets(metricsFor(mid))) high = mid;
      else low = mid;
    }
    agents = high;
  }
  const metrics = traffic > 0 ? metricsFor(agents) : { waitProbability: 0, serviceLevel: 1, asa: 0, occupancy: 0, ...(model === "erlang-a" ? { abandonRate: 0 } : {}) };
  return {
    // the tiny allowance keeps 14 / (1 - 0.3) = 20.000000000000004 at 20 (and max() keeps 0 from being -0)
    agents: Math.max(agents, Math.ceil(agents / (1 - req.shrinkage) - 1e-9)),
    agentsOnPhones: agents,
    trafficErlangs: traffic,
    model,
    ...metrics,
  };
}
