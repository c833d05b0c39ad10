import type { QueueModel } from "../../src/queue/model.js";
import { SeededRandom } from "../../src/lib/seeded-random.js";
import type { EnqueueResult, Offer } from "../../src/queue/index.js";

/**
 * Discrete-event simulation of one queue in virtual time: Poisson arrivals in two lanes, exponential
 * handle times, N agents, no abandonment (waits are compared as they are). The queue logic is whatever
 * `engine` is: the in-memory model (fast) or the real CallerQueue on Redis (to check they agree).
 *
 * Handle times are drawn from their own random stream in the order calls start. Every policy here is
 * work-conserving, so the k-th call starts at the same moment under every policy: policies differ only
 * in who that k-th caller is. That makes the comparison with FIFO exact rather than statistical.
 */

export interface Engine {
  enqueue(req: { callId: string; queue: string; lane: string }): Promise<EnqueueResult>;
  dispatch(queue: string): Promise<Offer | null>;
  answered(callId: string, agentId: string): Promise<unknown>;
  agentState(agentId: string, change: { to: "wrapup"; seconds: number } | { to: "available" }): Promise<unknown>;
  registerAgent(p: { agentId: string; endpoint: string; queues: string[] }): Promise<unknown>;
}

/** The in-memory twin of the queue's scripts as an engine. */
export function engineOf(model: QueueModel): Engine {
  return {
    enqueue: async (r) => model.enqueue(r),
    dispatch: async (q) => model.dispatch(q),
    answered: async (c, a) => model.answered(c, a),
    agentState: async (a, ch) => model.agentState(a, ch),
    registerAgent: async (pr) => model.registerAgent(pr),
  };
}

export interface Scenario {
  agents: number;
  handleTimeS: number;
  /** Offered load / agents. */
  occupancy: number;
  expressShare: number;
  calls: number;
  /** Calls at the start left out of the statistics (the queue starts empty). */
  warmup: number;
  seed: number;
  /** Optional surge: from `atS` for `forS` seconds express callers alone arrive at `expressLoad` x capacity. */
  surge?: { atS: number; forS: number; expressLoad: number };
  /**
   * Callers by kind instead of `expressShare` (the admission benchmark): subscribers are express whatever
   * happens; each other caller would buy express if offered with probability `takeRate`, drawn up front so
   * every policy faces the same callers. Surge callers are subscribers.
   */
  mix?: { subscriberShare: number; takeRate: number };
}

/** Who arrives. Without `mix`, `subscriber` means an express caller (expressShare). */
export interface Caller {
  subscriber: boolean;
  wouldBuy: boolean;
  surge: boolean;
}

/** The lane a caller joins (a policy: offers, admission control, credits); default: subscribers express. */
export type Route = (callId: string, caller: Caller) => string | Promise<string>;

export interface Served {
  callId: string;
  lane: string;
  arrivedS: number;
  waitS: number;
  agentId: string;
}

/** Min-heap of timed events (equal times: in push order). */
export class Timeline<T> {
  private items: { t: number; n: number; v: T }[] = [];
  private n = 0;
  push(t: number, v: T): void {
    const items = this.items;
    items.push({ t, n: this.n++, v });
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.before(items[p]!, items[i]!)) break;
      [items[p], items[i]] = [items[i]!, items[p]!];
      i = p;
    }
  }
  pop(): { t: number; v: T } | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.before(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.before(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i]!, items[m]!];
        i = m;
      }
    }
    return top;
  }
  private before(a: { t: number; n: number }, b: { t: number; n: number }): boolean {
    return a.t < b.t || (a.t === b.t && a.n < b.n);
  }
}

type Ev = { kind: "arrive"; caller: Caller } | { kind: "free"; agentId: string; callId: string };

/** Virtual time 0 on the queue's clock (ms). */
export const START_MS = 1_700_000_000_000;

/**
 * Runs the scenario; `clock.t` is moved to each event's time (ms). Returns every served caller in the
 * order calls started. Time runs until `calls` callers have arrived and all of them were served.
 */
export async function simulate(engine: Engine, clock: { t: number }, s: Scenario, queue = "q", route?: Route): Promise<Served[]> {
  const arrivals = new SeededRandom(s.seed);
  const handles = new SeededRandom(s.seed ^ 0x5bd1e995);
  const ratePerS = (s.occupancy * s.agents) / s.handleTimeS;
  const capacityPerS = s.agents / s.handleTimeS;
  const timeline = new Timeline<Ev>();
  const arrivedAt = new Map<string, number>();
  const served: Served[] = [];

  clock.t = START_MS;
  for (let i = 0; i < s.agents; i++) {
    const agentId = `a${String(i).padStart(3, "0")}`;
    await engine.registerAgent({ agentId, endpoint: `SIM/${agentId}`, queues: [queue] });
    await engine.agentState(agentId, { to: "available" });
  }

  // arrivals: a steady Poisson stream split by lane, plus an optional express-only surge stream
  let t = 0;
  for (let i = 0; i < s.calls; i++) {
    t += arrivals.exponential(1 / ratePerS);
    // without a mix, exactly one draw per caller as before, so earlier figures replay unchanged
    const caller = s.mix
      ? { subscriber: arrivals.chance(s.mix.subscriberShare), wouldBuy: arrivals.chance(s.mix.takeRate), surge: false }
      : { subscriber: arrivals.chance(s.expressShare), wouldBuy: false, surge: false };
    timeline.push(t, { kind: "arrive", caller });
  }
  if (s.surge) {
    const surgeRate = s.surge.expressLoad * capacityPerS;
    for (let u = s.surge.atS + arrivals.exponential(1 / surgeRate); u < s.surge.atS + s.surge.forS; u += arrivals.exponential(1 / surgeRate)) {
      timeline.push(u, { kind: "arrive", caller: { subscriber: true, wouldBuy: false, surge: true } });
    }
  }

  let seq = 0;
  const startCalls = async (nowS: number) => {
    for (;;) {
      const offer = await engine.dispatch(queue);
      if (!offer) return;
      await engine.answered(offer.callId, offer.agentId);
      served.push({ callId: offer.callId, lane: offer.lane, arrivedS: arrivedAt.get(offer.callId)!, waitS: offer.waitMs / 1000, agentId: offer.agentId });
      arrivedAt.delete(offer.callId);
      timeline.push(nowS + handles.exponential(s.handleTimeS), { kind: "free", agentId: offer.agentId, callId: offer.callId });
    }
  };

  for (let ev = timeline.pop(); ev; ev = timeline.pop()) {
    clock.t = START_MS + Math.round(ev.t * 1000);
    if (ev.v.kind === "arrive") {
      const callId = `c${seq++}`;
      const lane = route ? await route(callId, ev.v.caller) : ev.v.caller.subscriber ? "express" : "standard";
      const r = await engine.enqueue({ callId, queue, lane });
      if (r.status !== "queued") throw new Error(`simulation: caller ${callId} was refused (${r.status})`);
      arrivedAt.set(callId, ev.t);
    } else {
      await engine.agentState(ev.v.agentId, { to: "wrapup", seconds: 0 });
    }
    await startCalls(ev.t);
  }
  if (arrivedAt.size) throw new Error(`simulation ended with ${arrivedAt.size} callers never served`);
  return served;
}

export interface LaneStats {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  max: number;
  /** Share answered within the SLA seconds, percent. */
  sl: number;
}

/**
 * Longest time (s) in which callers of `lane` were waiting and none of them was answered: starvation.
 * `served` must be in the order calls started (as simulate() returns it).
 */
export function longestStarvation(served: readonly Served[], lane: string): number {
  const mine = served.filter((s) => s.lane === lane);
  let longest = 0;
  // earliest arrival among the callers of this lane still to be answered after position i
  const suffixMinArrival = new Array<number>(mine.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = mine.length - 1; i >= 0; i--) suffixMinArrival[i] = Math.min(suffixMinArrival[i + 1]!, mine[i]!.arrivedS);
  for (let i = 0; i + 1 < mine.length; i++) {
    const start = mine[i]!.arrivedS + mine[i]!.waitS;
    const next = mine[i + 1]!.arrivedS + mine[i + 1]!.waitS;
    longest = Math.max(longest, next - Math.max(start, suffixMinArrival[i + 1]!));
  }
  return longest;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function laneStats(waits: number[], slaS: number): LaneStats {
  const sorted = [...waits].sort((a, b) => a - b);
  return {
    n: sorted.length,
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : Number.NaN,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max: sorted.at(-1) ?? Number.NaN,
    sl: sorted.length ? (100 * sorted.filter((w) => w <= slaS).length) / sorted.length : Number.NaN,
  };
}
