import { afterAttempt, mayRelease, promiseKept, quoteFor, shouldOfferCallback, type AttemptOutcome, type CallbackQuote, type CallbackSettings } from "../../src/callbacks/policy.js";
import { SeededRandom } from "../../src/lib/seeded-random.js";
import type { CallPosition, EnqueueResult, Offer } from "../../src/queue/index.js";
import type { QueueModel } from "../../src/queue/model.js";
import { Places, type OrderReport, type PlaceHolder } from "./places.js";
import { engineOf, START_MS, Timeline, type Engine } from "./sim.js";

/**
 * The queued callback in virtual time (bench/callbacks.ts, docs/callbacks-fairness.md): the queue of
 * bench/queue/sim.ts (Poisson arrivals in two lanes, exponential handle times, N agents, the real queue
 * code as `engine`), with callers who hang up (exponential patience) and, when callbacks are on, the
 * rules of src/callbacks/policy.ts: the offer at join and at each announcement, the kept place, release
 * paced by mayRelease, agent-first dialling, retries at the original join time, giving up.
 */

export interface CallbackEngine extends Engine {
  enqueue(req: { callId: string; queue: string; lane: string; joinedAt?: number }): Promise<EnqueueResult>;
  /** Callers in `skip` keep their place but are passed over. */
  dispatch(queue: string, skip?: Iterable<string>): Promise<Offer | null>;
  abandon(callId: string): Promise<unknown>;
  position(callId: string): Promise<CallPosition | null>;
}

/** The in-memory twin of the scripts, with the operations callbacks need. */
export function callbackEngineOf(model: QueueModel): CallbackEngine {
  return {
    ...engineOf(model),
    enqueue: async (r) => model.enqueue(r),
    dispatch: async (q, skip) => model.dispatch(q, skip),
    abandon: async (c) => model.abandon(c),
    position: async (c) => model.position(c),
  };
}

/** One attempt to call a customer back: how it ends and how long the agent is held (after the agent's own ring). */
export interface DialModel {
  /** The agent's phone rings this long before the agent picks up and the customer is dialled. */
  agentRingS: number;
  /** Chance of each outcome, per attempt (sums to 1). */
  outcomes: Record<AttemptOutcome, number>;
  /** The customer's phone rings for a uniform time in this range before they answer. */
  answerAfterS: [number, number];
  /** After answering: the prompt and the key press that connects them. */
  keyS: number;
  /** After answering without pressing the key: until the daemon hangs up. */
  noKeyS: number;
  /** No answer: the ring timeout. */
  noAnswerS: number;
  busyS: number;
  failedS: number;
}

/** How a kept place first in line is released. */
export type ReleaseMode =
  /** The design: released when mayRelease says so; until then nobody placed behind it is dispatched either. */
  | "hold"
  /** mayRelease ignored: a kept place first in line goes to the first free agent. */
  | "unpaced"
  /**
   * Kept places yield: passed over (dispatch skip) while any caller on hold waits, released (unpaced) when
   * none does. Breaks the place guarantee on purpose: the control for its check, and what abandonment
   * would gain from letting callbacks fall behind.
   */
  | "last";

export interface CallbackScenario {
  agents: number;
  handleTimeS: number;
  /** Offered load / agents. */
  occupancy: number;
  /** Optional peak: from `atS` for `forS` seconds the offered load is `occupancy` instead (extra callers, same mix). */
  peak?: { atS: number; forS: number; occupancy: number };
  expressShare: number;
  calls: number;
  /** Callers at the start left out of the statistics (the queue starts empty). */
  warmup: number;
  seed: number;
  /** Mean of the exponential patience: a caller on hold hangs up after it. */
  patienceS: number;
  /** Position and wait announcements after the one at join (the offer is made at each). */
  announceEveryS: number;
  /** Off: the same callers, the same queue, no callback offered. */
  callbacks?: {
    settings: CallbackSettings;
    /** Chance a caller accepts an offer (each offer is a new decision). */
    acceptRate: number;
    dial: DialModel;
    release: ReleaseMode;
  };
  /** Wall-clock budget (ms): the run stops with an error beyond it. */
  budgetMs: number;
}

export interface CallbackRun {
  /** Callers counted (after the warmup). */
  counted: number;
  abandoned: number;
  /** Waits (s) of callers answered on hold (not callbacks). */
  liveWaits: number[];
  cb: {
    offeredCallers: number;
    offers: number;
    accepted: number;
    completed: number;
    givenUp: number;
    attempts: number;
    promiseKept: number;
    /** Accepting to the first dial of the customer (s). */
    acceptToDial: number[];
    quotedMinutes: number[];
  };
  /** Dispatch decisions in which a kept place first in line was kept back (or passed over); agent-seconds idle while the line was held. */
  holds: number;
  holdIdleAgentS: number;
  /** Agent time on calls and dials / (agents x the run's length). */
  busyShare: number;
  order: OrderReport;
  /** Every reply of the queue code, in order (for the replay on Redis). */
  log?: string[];
}

interface SimCaller {
  i: number;
  callId: string;
  lane: string;
  joinedAt: number;
  score: number;
  patienceS: number;
  seed: number;
  rng?: SeededRandom;
  state: "waiting" | "kept" | "dialling" | "retry-wait" | "talking" | "done" | "abandoned" | "given-up";
  place?: PlaceHolder;
  offers: number;
  acceptedAt?: number;
  quote?: CallbackQuote;
  attempts: number;
  firstDialAt?: number;
}

type Ev =
  | { k: "arrive"; i: number }
  | { k: "free"; i: number; agentId: string }
  | { k: "patience"; i: number }
  | { k: "announce"; i: number }
  | { k: "dial-end"; i: number; agentId: string; outcome: AttemptOutcome }
  | { k: "rejoin"; i: number };

const Q = "q";

function drawDial(rng: SeededRandom, d: DialModel): { outcome: AttemptOutcome; seconds: number } {
  let u = rng.next();
  let outcome: AttemptOutcome = "failed";
  for (const [o, p] of Object.entries(d.outcomes) as [AttemptOutcome, number][]) {
    if (u < p) {
      outcome = o;
      break;
    }
    u -= p;
  }
  const ring = d.answerAfterS[0] + rng.next() * (d.answerAfterS[1] - d.answerAfterS[0]);
  const after: Record<AttemptOutcome, number> = { "answered-accepted": ring + d.keyS, "answered-no-key": ring + d.noKeyS, "no-answer": d.noAnswerS, busy: d.busyS, failed: d.failedS };
  return { outcome, seconds: after[outcome] };
}

interface Drawn {
  t: number;
  lane: string;
  patienceS: number;
  seed: number;
}

/** The callers, drawn up front from the seed: every run of a scenario faces the same ones. */
function drawCallers(s: CallbackScenario): Drawn[] {
  const arrivals = new SeededRandom(s.seed);
  const perS = (occupancy: number) => (occupancy * s.agents) / s.handleTimeS;
  const caller = (t: number): Drawn => ({ t, lane: arrivals.chance(s.expressShare) ? "express" : "standard", patienceS: arrivals.exponential(s.patienceS), seed: arrivals.int(0, 0xffff_ffff) });
  const out: Drawn[] = [];
  let t = 0;
  for (let i = 0; i < s.calls; i++) out.push(caller((t += arrivals.exponential(1 / perS(s.occupancy)))));
  if (s.peak && s.peak.occupancy > s.occupancy) {
    const extra = perS(s.peak.occupancy - s.occupancy);
    for (let u = s.peak.atS + arrivals.exponential(1 / extra); u < s.peak.atS + s.peak.forS; u += arrivals.exponential(1 / extra)) out.push(caller(u));
    out.sort((a, b) => a.t - b.t);
  }
  return out;
}

/** One run: the queue code as `engine`, the simulation's own account of places beside it. */
class CallbackSim {
  readonly places = new Places();
  readonly run: CallbackRun;
  private readonly timeline = new Timeline<Ev>();
  private readonly handles: SeededRandom;
  private readonly drawn: Drawn[];
  private readonly callers: SimCaller[] = [];
  /** Kept places now in the queue (the caller has hung up; the entry waits for its turn). */
  private readonly keptInQueue = new Set<string>();
  private free: number;
  private inProgress = 0;
  private busyAgentS = 0;
  private holding = false;
  private nowS = 0;

  constructor(
    private readonly engine: CallbackEngine,
    private readonly clock: { t: number },
    private readonly s: CallbackScenario,
    keepLog: boolean,
  ) {
    this.free = s.agents;
    this.handles = new SeededRandom(s.seed ^ 0x5bd1e995);
    this.drawn = drawCallers(s);
    this.run = {
      counted: 0,
      abandoned: 0,
      liveWaits: [],
      cb: { offeredCallers: 0, offers: 0, accepted: 0, completed: 0, givenUp: 0, attempts: 0, promiseKept: 0, acceptToDial: [], quotedMinutes: [] },
      holds: 0,
      holdIdleAgentS: 0,
      busyShare: 0,
      order: this.places.report,
      ...(keepLog && { log: [] }),
    };
  }

  private log(what: string, reply: unknown): void {
    this.run.log?.push(`${what} ${JSON.stringify(reply)}`);
  }

  private counted(c: SimCaller): boolean {
    return c.i >= this.s.warmup;
  }

  private rngOf(c: SimCaller): SeededRandom {
    return (c.rng ??= new SeededRandom(c.seed));
  }

  async simulate(): Promise<CallbackRun> {
    const started = Date.now();
    this.clock.t = START_MS;
    for (let i = 0; i < this.s.agents; i++) {
      const agentId = `a${String(i).padStart(3, "0")}`;
      await this.engine.registerAgent({ agentId, endpoint: `SIM/${agentId}`, queues: [Q] });
      await this.engine.agentState(agentId, { to: "available" });
    }
    this.drawn.forEach((d, i) => this.timeline.push(d.t, { k: "arrive", i }));
    let events = 0;
    for (let ev = this.timeline.pop(); ev; ev = this.timeline.pop()) {
      if (this.holding) this.run.holdIdleAgentS += this.free * (ev.t - this.nowS);
      this.nowS = ev.t;
      this.clock.t = START_MS + Math.round(ev.t * 1000);
      await this.handle(ev.v);
      await this.dispatchAll();
      if (++events % 20_000 === 0 && Date.now() - started > this.s.budgetMs) throw new Error(`simulation: over its budget of ${this.s.budgetMs / 1000} s (${events} events)`);
    }
    this.finish();
    return this.run;
  }

  private async handle(ev: Ev): Promise<void> {
    const c = this.callers[ev.i];
    switch (ev.k) {
      case "arrive":
        return this.arrive(ev.i);
      case "patience":
        return this.hangUp(c!);
      case "announce":
        return this.announce(c!);
      case "free":
        c!.state = "done";
        return this.agentFree(ev.agentId);
      case "dial-end":
        return this.dialEnded(c!, ev.agentId, ev.outcome);
      case "rejoin":
        return this.rejoin(c!);
    }
  }

  private async arrive(i: number): Promise<void> {
    const d = this.drawn[i]!;
    const c: SimCaller = { i, callId: `c${i}`, lane: d.lane, joinedAt: this.clock.t, score: 0, patienceS: d.patienceS, seed: d.seed, state: "waiting", offers: 0, attempts: 0 };
    this.callers.push(c);
    const r = await this.engine.enqueue({ callId: c.callId, queue: Q, lane: c.lane });
    this.log("enqueue", r);
    if (r.status !== "queued") throw new Error(`simulation: caller ${c.callId} was refused (${r.status})`);
    c.score = r.score;
    if (this.counted(c)) this.run.counted += 1;
    this.takePlace(c);
    this.hearWait(c, r.ewtMs);
    if (c.state !== "waiting") return;
    this.timeline.push(this.nowS + c.patienceS, { k: "patience", i });
    if (this.s.callbacks && this.s.announceEveryS > 0) this.timeline.push(this.nowS + this.s.announceEveryS, { k: "announce", i });
  }

  private takePlace(c: SimCaller): void {
    c.place = this.places.add({ callId: c.callId, lane: c.lane, joinedAt: c.joinedAt, score: c.score });
    if (c.state === "kept") this.keptInQueue.add(c.callId);
  }

  /** The caller hears its wait; maybe the offer; maybe accepts (hangs up, keeps its place). */
  private hearWait(c: SimCaller, ewtMs: number | null): void {
    const cbs = this.s.callbacks;
    if (!cbs || !shouldOfferCallback({ ewtMs, settings: cbs.settings, alreadyOffered: c.offers > 0 })) return;
    const cb = this.run.cb;
    if (this.counted(c)) {
      if (c.offers === 0) cb.offeredCallers += 1;
      cb.offers += 1;
    }
    c.offers += 1;
    if (!this.rngOf(c).chance(cbs.acceptRate)) return;
    c.state = "kept";
    this.keptInQueue.add(c.callId);
    c.acceptedAt = this.clock.t;
    c.quote = quoteFor(ewtMs!, cbs.settings);
    if (this.counted(c)) {
      cb.accepted += 1;
      cb.quotedMinutes.push(c.quote.minutes);
    }
  }

  private async hangUp(c: SimCaller): Promise<void> {
    if (c.state !== "waiting") return;
    this.log("abandon", await this.engine.abandon(c.callId));
    this.places.remove(c.place!);
    delete c.place;
    c.state = "abandoned";
    if (this.counted(c)) this.run.abandoned += 1;
  }

  private async announce(c: SimCaller): Promise<void> {
    if (c.state !== "waiting") return;
    const p = await this.engine.position(c.callId);
    this.log("position", p);
    if (p?.state !== "waiting") throw new Error(`simulation: ${c.callId} should be waiting, the queue says ${JSON.stringify(p)}`);
    this.hearWait(c, p.ewtMs);
    if (c.state === "waiting") this.timeline.push(this.nowS + this.s.announceEveryS, { k: "announce", i: c.i });
  }

  private async agentFree(agentId: string): Promise<void> {
    this.log("end", await this.engine.agentState(agentId, { to: "wrapup", seconds: 0 }));
    this.free += 1;
  }

  private talk(c: SimCaller, agentId: string): void {
    const h = this.handles.exponential(this.s.handleTimeS);
    this.busyAgentS += h;
    c.state = "talking";
    this.timeline.push(this.nowS + h, { k: "free", i: c.i, agentId });
  }

  /** Offer callers to free agents until nobody can be matched, or a kept place first in line may not be released yet ("hold"). */
  private async dispatchAll(): Promise<void> {
    this.holding = false;
    while (this.free > 0 && this.places.size > 0) {
      const { stop, skip } = this.release();
      if (stop) {
        this.holding = true;
        return;
      }
      const offer = await this.engine.dispatch(Q, skip);
      this.log("dispatch", offer);
      if (!offer) throw new Error(`simulation: ${this.free} agents free and ${this.places.size} callers placed (${skip.length} passed over), yet no offer`);
      await this.offered(this.callers[Number(offer.callId.slice(1))]!, offer);
    }
  }

  /** What to do about the caller first in line when it is a kept place (see ReleaseMode). */
  private release(): { stop: boolean; skip: string[] } {
    const mode = this.s.callbacks?.release ?? "unpaced";
    if (!this.keptInQueue.has(this.places.front()!.callId) || mode === "unpaced") return { stop: false, skip: [] };
    if (mode === "last") {
      if (this.places.size === this.keptInQueue.size) return { stop: false, skip: [] };
      this.run.holds += 1;
      return { stop: false, skip: [...this.keptInQueue] };
    }
    if (mayRelease({ inProgress: this.inProgress, freeAgents: this.free })) return { stop: false, skip: [] };
    this.run.holds += 1;
    return { stop: true, skip: [] };
  }

  private async offered(c: SimCaller, offer: Offer): Promise<void> {
    this.places.offered(c.place!, this.clock.t);
    delete c.place;
    this.log("answered", await this.engine.answered(offer.callId, offer.agentId));
    this.free -= 1;
    if (c.state === "waiting") {
      if (this.counted(c)) this.run.liveWaits.push(offer.waitMs / 1000);
      return this.talk(c, offer.agentId);
    }
    // a kept place: the agent picked up (agent first), the customer is dialled
    const cbs = this.s.callbacks!;
    this.keptInQueue.delete(c.callId);
    const dial = drawDial(this.rngOf(c), cbs.dial);
    c.state = "dialling";
    c.attempts += 1;
    c.firstDialAt ??= this.clock.t + cbs.dial.agentRingS * 1000;
    this.inProgress += 1;
    const heldS = cbs.dial.agentRingS + dial.seconds;
    this.busyAgentS += heldS;
    this.timeline.push(this.nowS + heldS, { k: "dial-end", i: c.i, agentId: offer.agentId, outcome: dial.outcome });
  }

  private async dialEnded(c: SimCaller, agentId: string, outcome: AttemptOutcome): Promise<void> {
    this.inProgress -= 1;
    const next = afterAttempt({ outcome, attempt: c.attempts, settings: this.s.callbacks!.settings });
    if (next.kind === "done") return this.talk(c, agentId);
    await this.agentFree(agentId);
    if (next.kind === "give-up") {
      c.state = "given-up";
      return;
    }
    c.state = "retry-wait";
    this.timeline.push(this.nowS + next.delayMs / 1000, { k: "rejoin", i: c.i });
  }

  /** Back at its ORIGINAL join time and lane: the same score, so the same place among those still there. */
  private async rejoin(c: SimCaller): Promise<void> {
    const r = await this.engine.enqueue({ callId: c.callId, queue: Q, lane: c.lane, joinedAt: c.joinedAt });
    this.log("rejoin", r);
    if (r.status !== "queued" || r.score !== c.score) throw new Error(`simulation: ${c.callId} did not get its place back: ${JSON.stringify(r)} (score was ${c.score})`);
    c.state = "kept";
    this.takePlace(c);
  }

  private finish(): void {
    const open = this.callers.filter((c) => !["done", "abandoned", "given-up"].includes(c.state));
    if (open.length || this.places.size) throw new Error(`simulation ended with ${open.length} callers open, ${this.places.size} places held`);
    const cb = this.run.cb;
    for (const c of this.callers) {
      if (!this.counted(c) || c.acceptedAt === undefined) continue;
      cb.attempts += c.attempts;
      if (c.state === "done") cb.completed += 1;
      if (c.state === "given-up") cb.givenUp += 1;
      if (promiseKept({ acceptedAt: c.acceptedAt, firstDialAt: c.firstDialAt ?? null, quote: c.quote! })) cb.promiseKept += 1;
      if (c.firstDialAt !== undefined) cb.acceptToDial.push((c.firstDialAt - c.acceptedAt) / 1000);
    }
    this.run.busyShare = this.busyAgentS / (this.s.agents * this.nowS);
  }
}

/** Runs the scenario on `engine`; `clock.t` is moved to each event's time (ms). `keepLog`: every reply of the queue code. */
export function simulateCallbacks(engine: CallbackEngine, clock: { t: number }, s: CallbackScenario, keepLog = false): Promise<CallbackRun> {
  return new CallbackSim(engine, clock, s, keepLog).simulate();
}
