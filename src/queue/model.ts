import { TRANSITIONS, isDispatchable, isStaffed, transitionError, type AgentState, type DeviceState } from "./agent-states.js";
import type { Clock } from "./caller-queue.js";
import type { AdmissionRead } from "./admission.js";
import { QueueError } from "./errors.js";
import { expectedWait, nextHandleTime } from "./ewt.js";
import { WRAPUP_BATCH } from "./scripts.js";
import { callerScore } from "./scoring.js";
import type { SiteSettings } from "./settings.js";
import type { CallPosition, EnqueueResult, JoinResult, Offer } from "./types.js";

/**
 * An in-memory twin of the Lua scripts: same ordering, same dispatch choice (reserved share, skills,
 * longest idle, scan limits), same agent state rules, same wrap-up promotion. No I/O, synchronous.
 *
 * It exists for two reasons: the fairness benchmark simulates days of calls in virtual time in seconds,
 * and tests/queue/model-equivalence.test.ts runs random operation sequences against both this model and
 * the real scripts on Redis and requires identical decisions. Inputs are trusted here (already validated
 * by CallerQueue in production use); it throws QueueError with the scripts' codes for the same refusals.
 */

interface ModelCaller {
  callId: string;
  queue: string;
  lane: string;
  score: number;
  seq: number;
  reserved: boolean;
  needs: Record<string, number>;
  enqueuedAt: number;
  deadline: number;
  state: "waiting" | "offered";
  agent?: string;
  offeredAt?: number;
  requeues: number;
}

interface ModelAgent {
  id: string;
  endpoint: string;
  skills: Record<string, number>;
  queues: string[];
  state: AgentState;
  device: DeviceState;
  since: number;
  idleSince: number;
  reason?: string;
  call?: { callId: string; queue: string; lane: string; reserved: boolean; offeredAt: number; answeredAt?: number; wrapMs: number };
  wrapUntil?: number;
}

interface ModelQueue {
  waiting: ModelCaller[];
  idle: ModelAgent[];
  staffed: Set<string>;
  reservedWaiting: number;
  busyOther: number;
  ahtMs: number | null;
  handled: number;
}

/** Binary insertion keeping `list` sorted by `before`. */
function insertSorted<T>(list: T[], item: T, before: (a: T, b: T) => boolean): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(list[mid]!, item)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

const callerBefore = (a: ModelCaller, b: ModelCaller) => a.score < b.score || (a.score === b.score && a.seq < b.seq);
const idleBefore = (a: ModelAgent, b: ModelAgent) => a.idleSince < b.idleSince || (a.idleSince === b.idleSince && a.id < b.id);

function hasSkills(agent: ModelAgent, needs: Record<string, number>): boolean {
  for (const [name, min] of Object.entries(needs)) if ((agent.skills[name] ?? 0) < min) return false;
  return true;
}

export class QueueModel {
  readonly callers = new Map<string, ModelCaller>();
  readonly agents = new Map<string, ModelAgent>();
  private readonly queues = new Map<string, ModelQueue>();
  private wrapups: ModelAgent[] = [];
  private seq = 0;

  constructor(
    readonly settings: SiteSettings,
    readonly clock: Clock,
  ) {}

  private q(name: string): ModelQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = { waiting: [], idle: [], staffed: new Set(), reservedWaiting: 0, busyOther: 0, ahtMs: null, handled: 0 };
      this.queues.set(name, q);
    }
    return q;
  }

  private settingsOf(queue: string) {
    const s = this.settings.queues.get(queue);
    if (!s) throw new QueueError("SBQ_UNKNOWN_QUEUE", `unknown queue "${queue}"`);
    return s;
  }

  private sync(a: ModelAgent): void {
    const staffed = isStaffed(a.state, a.device);
    const dispatchable = isDispatchable(a.state, a.device);
    for (const name of a.queues) {
      const q = this.q(name);
      if (staffed) q.staffed.add(a.id);
      else q.staffed.delete(a.id);
      const at = q.idle.indexOf(a);
      if (at >= 0) q.idle.splice(at, 1);
      if (dispatchable) insertSorted(q.idle, a, idleBefore);
    }
  }

  private releaseCall(a: ModelAgent): void {
    if (a.call && !a.call.reserved) this.q(a.call.queue).busyOther -= 1;
    delete a.call;
    delete a.wrapUntil;
  }

  private finishCall(a: ModelAgent, at: number): void {
    if (a.call?.answeredAt !== undefined) {
      const q = this.q(a.call.queue);
      q.ahtMs = nextHandleTime(q.ahtMs, Math.max(0, at - a.call.answeredAt));
      q.handled += 1;
    }
    this.releaseCall(a);
  }

  private promoteWrapups(now: number): void {
    let n = 0;
    while (n < WRAPUP_BATCH && this.wrapups.length && this.wrapups[0]!.wrapUntil! <= now) {
      const a = this.wrapups.shift()!;
      const at = a.wrapUntil!;
      n += 1;
      this.finishCall(a, at);
      a.state = "available";
      a.since = at;
      a.idleSince = at;
      this.sync(a);
    }
  }

  /**
   * As CallerQueue.enqueue: `joinedAt` (a caller put back after Redis lost its data, or a kept callback
   * placed again after an attempt) joins as of then, never from the future; the script runs as of then.
   */
  enqueue(req: { callId: string; queue: string; lane: string; skills?: Record<string, number>; priority?: number; maxWait?: number; joinedAt?: number }): EnqueueResult {
    const s = this.settingsOf(req.queue);
    const now = Math.round(Math.min(req.joinedAt ?? Number.POSITIVE_INFINITY, this.clock.now()));
    this.promoteWrapups(now);
    const existing = this.callers.get(req.callId);
    if (existing) throw new QueueError("SBQ_DUPLICATE_CALL", `call ${req.callId} is already in queue ${existing.queue}`);
    const q = this.q(req.queue);
    const needs = req.skills ?? {};
    let servable = q.staffed.size > 0;
    if (servable && Object.keys(needs).length) servable = [...q.staffed].some((id) => hasSkills(this.agents.get(id)!, needs));
    if (!servable) return { status: "empty" };
    if (s.maxWaiting !== null && q.waiting.length >= s.maxWaiting) return { status: "full" };
    const priority = req.priority ?? 0;
    const score = callerScore(now, this.settings.lanes.get(req.lane)!, priority);
    this.seq += 1;
    const c: ModelCaller = {
      callId: req.callId,
      queue: req.queue,
      lane: req.lane,
      score,
      seq: this.seq,
      reserved: s.reservedLanes.has(req.lane),
      needs,
      enqueuedAt: Math.round(now),
      deadline: req.maxWait === undefined ? 0 : Math.round(now + req.maxWait * 1000),
      state: "waiting",
      requeues: 0,
    };
    this.callers.set(c.callId, c);
    insertSorted(q.waiting, c, callerBefore);
    if (c.reserved) q.reservedWaiting += 1;
    const rank = q.waiting.indexOf(c);
    const ewtMs = expectedWait({
      ahead: rank,
      idleAgents: q.idle.length,
      staffedAgents: q.staffed.size,
      handleTimeMs: q.ahtMs ?? s.defaultHandleTimeMs,
    });
    return { status: "queued", position: rank + 1, ewtMs, score };
  }

  /**
   * As CallerQueue.join (join.lua): the enqueue, then one dispatch decision at the same moment (with
   * `joinedAt`, the dispatch too runs as of then, as the script does).
   */
  join(req: Parameters<QueueModel["enqueue"]>[0], queues: string | readonly string[], skip: Iterable<string> = []): JoinResult {
    const result = this.enqueue(req);
    return { ...result, offer: this.dispatchAt(queues, new Set(skip), Math.round(Math.min(req.joinedAt ?? Number.POSITIVE_INFINITY, this.clock.now()))) };
  }

  /** As CallerQueue.dispatch: callers in `skip` keep their place but are passed over (they count toward scanDepth). */
  dispatch(queues: string | readonly string[], skip: Iterable<string> = []): Offer | null {
    return this.dispatchAt(queues, new Set(skip), Math.round(this.clock.now()));
  }

  private dispatchAt(queues: string | readonly string[], skip: ReadonlySet<string>, now: number): Offer | null {
    const list = (typeof queues === "string" ? [queues] : [...queues]).map((n) => this.settingsOf(n));
    this.promoteWrapups(now);
    const scanDepth = Math.max(...list.map((s) => s.scanDepth));
    const agentScan = Math.max(...list.map((s) => s.agentScan));
    let best: { caller: ModelCaller; agent: ModelAgent; wrapMs: number } | null = null;
    for (const s of list) {
      const q = this.q(s.name);
      if (q.idle.length === 0) continue;
      const share = s.reservedLanes.size ? s.reserveShare : 0;
      let othersAllowed = true;
      if (share > 0 && q.reservedWaiting > 0) {
        const staffed = q.staffed.size;
        othersAllowed = q.busyOther < staffed - Math.floor(share * staffed + 1e-9);
      }
      for (const c of q.waiting.slice(0, scanDepth)) {
        if (best && !callerBefore(c, best.caller)) break;
        if ((!othersAllowed && !c.reserved) || skip.has(c.callId)) continue;
        const agent = this.findAgent(q, c.needs, agentScan);
        if (agent) {
          best = { caller: c, agent, wrapMs: s.wrapUpMs };
          break;
        }
      }
    }
    if (!best) return null;
    const { caller: c, agent: a } = best;
    const q = this.q(c.queue);
    q.waiting.splice(q.waiting.indexOf(c), 1);
    if (c.reserved) q.reservedWaiting -= 1;
    else q.busyOther += 1;
    c.state = "offered";
    c.agent = a.id;
    c.offeredAt = now;
    a.state = "ringing";
    a.since = now;
    a.call = { callId: c.callId, queue: c.queue, lane: c.lane, reserved: c.reserved, offeredAt: now, wrapMs: best.wrapMs };
    this.sync(a);
    return { callId: c.callId, agentId: a.id, endpoint: a.endpoint, queue: c.queue, lane: c.lane, waitMs: now - c.enqueuedAt, requeues: c.requeues };
  }

  /**
   * As the script does: walk the idle agents having the rarest needed skill (ties: the first skill by
   * name), at most agentScan of them, and take the first that meets every need.
   */
  private findAgent(q: ModelQueue, needs: Record<string, number>, agentScan: number): ModelAgent | undefined {
    const names = Object.keys(needs).sort();
    if (!names.length) return q.idle[0];
    let list: ModelAgent[] | undefined;
    for (const name of names) {
      const having = q.idle.filter((a) => a.skills[name] !== undefined);
      if (!list || having.length < list.length) list = having;
    }
    return list!.slice(0, agentScan).find((a) => hasSkills(a, needs));
  }

  answered(callId: string, agentId: string): { waitMs: number; ringMs: number } {
    const now = Math.round(this.clock.now());
    const c = this.callers.get(callId);
    if (!c) throw new QueueError("SBQ_UNKNOWN_CALL", `call ${callId} is not in any queue`);
    if (c.state !== "offered" || c.agent !== agentId) throw new QueueError("SBQ_NOT_OFFERED", `call ${callId} is not offered to agent ${agentId}`);
    const a = this.agents.get(agentId)!;
    a.state = "oncall";
    a.since = now;
    a.call!.answeredAt = now;
    this.callers.delete(callId);
    return { waitMs: now - c.enqueuedAt, ringMs: now - c.offeredAt! };
  }

  requeue(callId: string, agentTo: "available" | "paused" | "offline" = "available", reason = "no answer"): { position: number; agentId: string } {
    const now = Math.round(this.clock.now());
    const c = this.callers.get(callId);
    if (!c) throw new QueueError("SBQ_UNKNOWN_CALL", `call ${callId} is not in any queue`);
    if (c.state !== "offered") throw new QueueError("SBQ_NOT_OFFERED", `call ${callId} is waiting, not offered`);
    const q = this.q(c.queue);
    insertSorted(q.waiting, c, callerBefore);
    if (c.reserved) q.reservedWaiting += 1;
    const agentId = c.agent!;
    c.state = "waiting";
    delete c.agent;
    delete c.offeredAt;
    c.requeues += 1;
    const a = this.agents.get(agentId);
    if (a && a.state === "ringing" && a.call?.callId === callId) {
      this.releaseCall(a);
      a.state = agentTo;
      a.since = now;
      if (agentTo === "available") a.idleSince = now;
      if (agentTo === "paused") a.reason = reason;
      else delete a.reason;
      this.sync(a);
    }
    return { position: q.waiting.indexOf(c) + 1, agentId };
  }

  /** As CallerQueue.position (position.lua): where a caller stands and its expected wait; null when not queued. */
  position(callId: string): CallPosition | null {
    const now = this.clock.now();
    this.promoteWrapups(Math.round(now));
    const c = this.callers.get(callId);
    if (!c) return null;
    const waitMs = now - c.enqueuedAt;
    if (c.state === "offered") return { state: "offered", queue: c.queue, lane: c.lane, agentId: c.agent!, waitMs };
    const q = this.q(c.queue);
    const rank = q.waiting.indexOf(c);
    const handleTimeMs = q.ahtMs ?? this.settingsOf(c.queue).defaultHandleTimeMs;
    const ewtMs = expectedWait({ ahead: rank, idleAgents: q.idle.length, staffedAgents: q.staffed.size, handleTimeMs });
    return { state: "waiting", queue: c.queue, lane: c.lane, position: rank + 1, waitMs, ewtMs };
  }

  abandon(callId: string): { waitMs: number; agentId?: string } | null {
    const c = this.callers.get(callId);
    return c ? this.remove(c) : null;
  }

  private remove(c: ModelCaller): { waitMs: number; agentId?: string } {
    const now = Math.round(this.clock.now());
    const q = this.q(c.queue);
    let agentId: string | undefined;
    if (c.state === "waiting") {
      q.waiting.splice(q.waiting.indexOf(c), 1);
      if (c.reserved) q.reservedWaiting -= 1;
    } else {
      agentId = c.agent!;
      const a = this.agents.get(agentId);
      if (a && a.state === "ringing" && a.call?.callId === c.callId) {
        this.releaseCall(a);
        a.state = "available";
        a.since = now;
        this.sync(a);
      }
    }
    this.callers.delete(c.callId);
    return { waitMs: now - c.enqueuedAt, ...(agentId && { agentId }) };
  }

  expire(queue: string, limit = 100): string[] {
    const now = Math.round(this.clock.now());
    const due = [...this.callers.values()]
      .filter((c) => c.queue === queue && c.state === "waiting" && c.deadline > 0 && c.deadline <= now)
      .sort((a, b) => a.deadline - b.deadline || (a.callId < b.callId ? -1 : 1))
      .slice(0, limit);
    for (const c of due) this.remove(c);
    return due.map((c) => c.callId);
  }

  registerAgent(p: { agentId: string; endpoint: string; skills?: Record<string, number>; queues: string[] }): "created" | "updated" {
    const now = Math.round(this.clock.now());
    for (const other of this.agents.values()) {
      if (other.endpoint === p.endpoint && other.id !== p.agentId) {
        throw new QueueError("SBQ_ENDPOINT_TAKEN", `endpoint ${p.endpoint} already belongs to agent ${other.id}`);
      }
    }
    const queues = [...new Set(p.queues)];
    let a = this.agents.get(p.agentId);
    const result = a ? "updated" : "created";
    if (a) {
      for (const name of a.queues) {
        if (queues.includes(name)) continue;
        const q = this.q(name);
        q.staffed.delete(a.id);
        const at = q.idle.indexOf(a);
        if (at >= 0) q.idle.splice(at, 1);
      }
    } else {
      a = { id: p.agentId, endpoint: p.endpoint, skills: {}, queues: [], state: "offline", device: "unknown", since: now, idleSince: now };
      this.agents.set(a.id, a);
    }
    a.endpoint = p.endpoint;
    a.skills = p.skills ?? {};
    a.queues = queues;
    this.sync(a);
    return result;
  }

  agentState(
    agentId: string,
    change: { to: "available" } | { to: "paused"; reason: string } | { to: "offline" } | { to: "wrapup"; seconds?: number },
  ): { from: string; to: string; wrapUpUntil?: number } {
    const now = Math.round(this.clock.now());
    this.promoteWrapups(now);
    const a = this.agents.get(agentId);
    if (!a) throw new QueueError("SBQ_UNKNOWN_AGENT", `agent ${agentId} is not registered`);
    const from = a.state;
    let to: AgentState = change.to;
    if (!TRANSITIONS[from][to]?.includes("agentState")) {
      throw new QueueError("SBQ_INVALID_TRANSITION", transitionError(agentId, from, to)!);
    }
    if (from === "oncall") {
      if (to === "wrapup") {
        const wrap = "seconds" in change && change.seconds !== undefined ? Math.round(change.seconds * 1000) : a.call!.wrapMs;
        if (wrap > 0) {
          a.state = "wrapup";
          a.since = now;
          a.wrapUntil = now + wrap;
          insertSorted(this.wrapups, a, (x, y) => x.wrapUntil! < y.wrapUntil! || (x.wrapUntil === y.wrapUntil && x.id < y.id));
          return { from, to: "wrapup", wrapUpUntil: a.wrapUntil };
        }
        to = "available";
      }
      this.finishCall(a, now);
    } else if (from === "wrapup") {
      this.wrapups.splice(this.wrapups.indexOf(a), 1);
      this.finishCall(a, now);
    }
    a.state = to;
    a.since = now;
    if (to === "available") a.idleSince = now;
    if (change.to === "paused") a.reason = change.reason;
    else delete a.reason;
    this.sync(a);
    return { from, to };
  }

  deviceState(endpoint: string, device: DeviceState): { agentId: string; from: DeviceState; to: DeviceState } | null {
    const a = [...this.agents.values()].find((x) => x.endpoint === endpoint);
    if (!a) return null;
    this.promoteWrapups(Math.round(this.clock.now()));
    const from = a.device;
    if (from !== device) {
      a.device = device;
      this.sync(a);
    }
    return { agentId: a.id, from, to: device };
  }

  /** Queue order, idle order (overall and per skill) and counters, for comparison with Redis. */
  snapshot(
    queue: string,
    skills: readonly string[] = [],
  ): { waiting: string[]; idle: string[]; idleBySkill: Record<string, string[]>; staffed: string[]; reservedWaiting: number; busyOther: number; ahtMs: number | null } {
    const q = this.q(queue);
    return {
      waiting: q.waiting.map((c) => c.callId),
      idle: q.idle.map((a) => a.id),
      idleBySkill: Object.fromEntries(skills.map((s) => [s, q.idle.filter((a) => a.skills[s] !== undefined).map((a) => a.id)])),
      staffed: [...q.staffed].sort(),
      reservedWaiting: q.reservedWaiting,
      busyOther: q.busyOther,
      ahtMs: q.ahtMs,
    };
  }

  /** As admission.lua: what admission control reads, without promoting ended wrap-ups (nothing changes). */
  admissionRead(queue: string, limit: number): AdmissionRead {
    const q = this.q(queue);
    return {
      waitingTotal: q.waiting.length,
      idle: q.idle.length,
      staffed: q.staffed.size,
      ahtMs: q.ahtMs,
      waiting: q.waiting.slice(0, limit).map((c) => ({ lane: c.lane, enqueuedAt: c.enqueuedAt, score: c.score })),
    };
  }

  waitingCount(queue: string): number {
    return this.q(queue).waiting.length;
  }
}
