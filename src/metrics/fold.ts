import type { AgentState } from "../queue/agent-states.js";
import type { SiteEvent } from "../events/schema.js";
import { dayKey, DIMS, INTERVAL_MS, intervalKey, intervalStart, type Dim } from "./buckets.js";
import { Delta } from "./delta.js";

/**
 * Folds events into counter increments: pure, no I/O. What it needs from earlier batches (each agent's
 * state since when, the last contact of each customer about each reason) comes in as state and goes out
 * changed; the store keeps it in Redis with the aggregates, in the same script, so a batch is folded once
 * whoever folds it (consumer.ts). Every measure's meaning is in docs/kpis.md.
 */

export interface FoldSettings {
  /** Each lane's service-level target, ms. */
  slMs: ReadonlyMap<string, number>;
  shortAbandonMs: number;
  fcrWindowMs: number;
  csatSatisfiedShare: number;
  dayOf(ms: number): string;
  /** Each queue's sold lane (its admission lane); a queue not named sells "express". */
  soldLanes?: ReadonlyMap<string, string>;
}

/** An agent's state and since when; the queue and lane of its last call (where its wrap-up belongs). */
export interface AgentTrack {
  state: AgentState;
  since: number;
  queue?: string;
  lane?: string;
}

/** The last contact of a customer about a reason: when, and where a repeat is counted against. */
export interface LastContact {
  at: number;
  queue?: string;
  lane?: string;
  agentId?: string;
}

export interface FoldInput {
  agents: ReadonlyMap<string, AgentTrack>;
  /** Last contacts for the batch's (customer, reason) pairs, read beforehand (fcrKey). */
  contacts: ReadonlyMap<string, LastContact>;
}

export interface FoldOutput {
  delta: Delta;
  /** Agents whose track changed. */
  agents: Map<string, AgentTrack>;
  /** Contacts to remember for fcrWindowMs. */
  contacts: Map<string, LastContact>;
}

export const fcrKey = (customerId: string, reason: string | undefined): string => `${customerId}|${reason ?? ""}`;

/** The (customer, reason) pairs whose last contact the batch needs. */
export function contactKeys(events: readonly SiteEvent[]): string[] {
  const keys = new Set<string>();
  for (const e of events) if (e.type === "call" && e.customerId) keys.add(fcrKey(e.customerId, e.reason));
  return [...keys];
}

/** States whose time counts towards occupancy (busy) and staffed time. */
const STAFFED: ReadonlySet<AgentState> = new Set(["available", "ringing", "oncall", "wrapup"]);
const BUSY: ReadonlySet<AgentState> = new Set(["oncall", "wrapup"]);
/** Requeue reasons that are the agent's miss (the PBX failing a ring is not). */
const MISSED = new Set(["no answer", "ring timeout", "originate failed"]);
/** Calls that served the customer (an agent, the IVR's own end, a transfer): contacts for first-contact resolution. */
const SERVED: ReadonlySet<string> = new Set(["agent", "ivr-ended", "transferred"]);
/** Longest stretch of one state that is spread over intervals (a week): older time is not counted. */
const MAX_SPAN_MS = 7 * 86_400_000;

export function fold(events: readonly SiteEvent[], s: FoldSettings, input: FoldInput): FoldOutput {
  const out: FoldOutput = { delta: new Delta(), agents: new Map(), contacts: new Map() };
  const f = new Folding(s, input, out);
  for (const e of events) f.event(e);
  return out;
}

class Folding {
  constructor(
    private readonly s: FoldSettings,
    private readonly input: FoldInput,
    private readonly out: FoldOutput,
  ) {}

  /** The aggregate keys of both periods of an instant, by dimension kind (cached: events come in time order). */
  private keys(at: number): { i: Record<Dim, string>; d: Record<Dim, string> } {
    const start = intervalStart(at);
    if (this.cached?.start !== start) {
      const day = this.s.dayOf(at);
      const of = (key: (dim: Dim) => string) => Object.fromEntries(DIMS.map((dim) => [dim, key(dim)])) as Record<Dim, string>;
      this.cached = { start, i: of((dim) => intervalKey(start, dim)), d: of((dim) => dayKey(day, dim)) };
    }
    return this.cached;
  }

  private cached: { start: number; i: Record<Dim, string>; d: Record<Dim, string> } | undefined;

  /** Adds `n` to `measure` of each (dim, id) in both periods of instant `at`. */
  private add(at: number, dims: readonly (readonly [Dim, string])[], measure: string, n: number): void {
    const k = this.keys(at);
    for (const [dim, id] of dims) {
      const field = `${id}|${measure}`;
      this.out.delta.add(k.i[dim], field, n);
      this.out.delta.add(k.d[dim], field, n);
    }
  }

  private max(at: number, dims: readonly (readonly [Dim, string])[], measure: string, n: number): void {
    const k = this.keys(at);
    for (const [dim, id] of dims) {
      this.out.delta.max(k.i[dim], `${id}|${measure}`, n);
      this.out.delta.max(k.d[dim], `${id}|${measure}`, n);
    }
  }

  private queueDims(queue: string, lane: string): [Dim, string][] {
    return [
      ["all", "*"],
      ["q", queue],
      ["l", lane],
      ["ql", `${queue}/${lane}`],
    ];
  }

  private callDims(c: { queue?: string | undefined; lane?: string | undefined; agentId?: string | undefined }): [Dim, string][] {
    const dims: [Dim, string][] = [["all", "*"]];
    if (c.queue) dims.push(["q", c.queue]);
    if (c.lane) dims.push(["l", c.lane]);
    if (c.queue && c.lane) dims.push(["ql", `${c.queue}/${c.lane}`]);
    if (c.agentId) dims.push(["a", c.agentId]);
    return dims;
  }

  event(e: SiteEvent): void {
    switch (e.type) {
      case "joined":
        return this.add(e.at, this.queueDims(e.queue, e.lane), "joined", 1);
      case "refused":
        return this.add(e.at, this.queueDims(e.queue, e.lane), e.reason === "full" ? "refusedFull" : "refusedEmpty", 1);
      case "offered":
        this.add(e.at, [["a", e.agentId]], "rings", 1);
        return this.move(e.agentId, "ringing", e.at);
      case "answered":
        return this.answered(e);
      case "abandoned":
      case "timeout":
      case "scheduled":
        return this.left(e);
      case "requeued":
        if (MISSED.has(e.reason)) this.add(e.at, [["all", "*"], ["a", e.agentId]], "ringsMissed", 1);
        return this.move(e.agentId, e.agentTo, e.at);
      case "agent":
        return this.move(e.agentId, e.to, e.at);
      case "device":
        return;
      case "call":
        return this.call(e);
      case "handled": {
        const dims = this.callDims(e);
        this.add(e.at, dims, "handled", 1);
        if (e.talkMs !== undefined) {
          this.add(e.at, dims, "talked", 1);
          this.add(e.at, dims, "talkMs", e.talkMs);
        }
        if (e.holdMs !== undefined) this.add(e.at, dims, "holdMs", e.holdMs);
        return;
      }
      case "offer": {
        const dims: [Dim, string][] = [...this.callDims(e), ["o", e.offerId]];
        this.add(e.at, dims, `offers.${e.outcome}`, 1);
        if (e.outcome === "presented") this.add(e.at, dims, "offerValuePresented", e.value);
        if (e.outcome === "interested") this.add(e.at, dims, "leadValue", e.value);
        if (e.outcome === "sold") this.add(e.at, dims, "revenue", e.amount ?? e.value);
        return;
      }
      case "job": {
        const dims: [Dim, string][] = e.queue ? [["all", "*"], ["q", e.queue]] : [["all", "*"]];
        this.add(e.at, dims, `jobs.${e.kind}.${e.outcome}`, 1);
        if (e.value !== undefined) this.add(e.at, dims, `jobs.${e.kind}.${e.outcome}.value`, e.value);
        return;
      }
      case "callback": {
        const dims: [Dim, string][] = [["all", "*"], ["q", e.queue]];
        this.add(e.at, dims, `callbacks.${e.outcome}`, 1);
        if (e.outcome === "completed" && e.promise === "kept") this.add(e.at, dims, "callbacks.kept", 1);
        return;
      }
      case "appointment": {
        const dims: [Dim, string][] = [["all", "*"], ["q", e.queue]];
        this.add(e.at, dims, `appointments.${e.outcome}`, 1);
        if (e.outcome === "booked" && e.kind === "express") this.add(e.at, dims, "appointments.express", 1);
        if (e.outcome === "moved" && e.result === "rebalance") this.add(e.at, dims, "appointments.rebalanced", 1);
        return;
      }
      case "survey": {
        if (!(e.scale > 0) || e.score < 1 || e.score > e.scale) return;
        const dims = this.callDims(e);
        this.add(e.at, dims, "surveys", 1);
        this.add(e.at, dims, "csatScore", e.score / e.scale);
        if (e.score / e.scale >= this.s.csatSatisfiedShare - 1e-9) this.add(e.at, dims, "csatSatisfied", 1);
        return;
      }
    }
  }

  private answered(e: Extract<SiteEvent, { type: "answered" }>): void {
    const dims = this.queueDims(e.queue, e.lane);
    this.add(e.at, dims, "offered", 1);
    this.add(e.at, dims, "answered", 1);
    this.add(e.at, dims, "waitAnsweredMs", e.waitMs);
    this.add(e.at, dims, "waitAllMs", e.waitMs);
    if (e.waitMs <= (this.s.slMs.get(e.lane) ?? 0)) this.add(e.at, dims, "answeredWithin", 1);
    this.max(e.at, dims, "maxWaitMs", e.waitMs);
    this.soldOrNot(e, dims);
    this.add(e.at, [["a", e.agentId]], "answered", 1);
    this.add(e.at, [["a", e.agentId]], "ringMs", e.ringMs);
    this.move(e.agentId, "oncall", e.at, { queue: e.queue, lane: e.lane });
  }

  private left(e: Extract<SiteEvent, { type: "abandoned" | "timeout" | "scheduled" }>): void {
    const dims = this.queueDims(e.queue, e.lane);
    this.add(e.at, dims, "offered", 1);
    this.add(e.at, dims, e.type, 1);
    this.add(e.at, dims, "waitAllMs", e.waitMs);
    this.max(e.at, dims, "maxWaitMs", e.waitMs);
    this.soldOrNot(e, dims);
    if (e.type === "abandoned") {
      this.add(e.at, dims, "waitAbandonedMs", e.waitMs);
      if (e.waitMs <= (this.s.slMs.get(e.lane) ?? 0)) this.add(e.at, dims, "abandonedWithin", 1);
      if (e.waitMs < this.s.shortAbandonMs) this.add(e.at, dims, "abandonedShort", 1);
    }
    // a caller who left while an agent's phone rang frees that agent
    if (e.agentId && this.track(e.agentId)?.state === "ringing") this.move(e.agentId, "available", e.at);
  }

  /**
   * The sold lane's promise (kept: answered within its SLA; not due: left within it) and the other lanes'
   * answered waits: the express KPIs and their fairness cost (docs/kpis.md).
   */
  private soldOrNot(e: Extract<SiteEvent, { type: "answered" | "abandoned" | "timeout" | "scheduled" }>, dims: [Dim, string][]): void {
    const within = e.waitMs <= (this.s.slMs.get(e.lane) ?? 0);
    if (e.lane === (this.s.soldLanes?.get(e.queue) ?? "express")) {
      this.add(e.at, dims, "express.offered", 1);
      if (within && e.type === "answered") this.add(e.at, dims, "express.kept", 1);
      if (within && e.type === "abandoned") this.add(e.at, dims, "express.leftWithin", 1);
    } else if (e.type === "answered") {
      this.add(e.at, dims, "standard.answered", 1);
      this.add(e.at, dims, "standard.waitAnsweredMs", e.waitMs);
    }
  }

  private call(e: Extract<SiteEvent, { type: "call" }>): void {
    const dims = this.callDims(e);
    if (e.tree) dims.push(["t", e.tree]);
    this.add(e.at, dims, "calls", 1);
    this.add(e.at, dims, `calls.${e.outcome}`, 1);
    if (!e.customerId) return;
    // first-contact resolution: a served call is a contact; any later call about the same reason within the
    // window is a repeat, counted against the last contact, in that contact's period and for its agent
    const key = fcrKey(e.customerId, e.reason);
    const last = this.out.contacts.get(key) ?? this.input.contacts.get(key);
    if (last && e.at - last.at <= this.s.fcrWindowMs && e.at >= last.at) this.add(last.at, this.callDims(last), "repeats", 1);
    if (!SERVED.has(e.outcome)) return;
    this.add(e.at, this.callDims(e), "contacts", 1);
    this.out.contacts.set(key, { at: e.at, ...(e.queue && { queue: e.queue }), ...(e.lane && { lane: e.lane }), ...(e.agentId && { agentId: e.agentId }) });
  }

  private track(agentId: string): AgentTrack | undefined {
    return this.out.agents.get(agentId) ?? this.input.agents.get(agentId);
  }

  /** The agent leaves its state at `at`: the time spent in it is counted, spread over the intervals it spans. */
  private move(agentId: string, to: AgentState, at: number, call?: { queue: string; lane: string }): void {
    const was = this.track(agentId);
    if (was && at > was.since) {
      this.spend(agentId, was, at);
      if (was.state === "wrapup" && to !== "wrapup" && was.queue && was.lane) {
        this.add(at, [...this.queueDims(was.queue, was.lane), ["a", agentId]], "wrapupMs", Math.min(at - was.since, MAX_SPAN_MS));
      }
    }
    const queue = call?.queue ?? was?.queue;
    const lane = call?.lane ?? was?.lane;
    this.out.agents.set(agentId, { state: to, since: was && at < was.since ? was.since : at, ...(queue && { queue }), ...(lane && { lane }) });
  }

  private spend(agentId: string, was: AgentTrack, until: number): void {
    if (was.state === "offline") return;
    const dims: [Dim, string][] = [
      ["all", "*"],
      ["a", agentId],
    ];
    let t = Math.max(was.since, until - MAX_SPAN_MS);
    while (t < until) {
      const end = Math.min(until, intervalStart(t) + INTERVAL_MS);
      const ms = end - t;
      this.add(t, dims, `state.${was.state}Ms`, ms);
      if (STAFFED.has(was.state)) this.add(t, dims, "staffedMs", ms);
      if (BUSY.has(was.state)) this.add(t, dims, "busyMs", ms);
      t = end;
    }
  }
}
