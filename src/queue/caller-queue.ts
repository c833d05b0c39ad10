import type { Cluster, Redis } from "ioredis";
import { z } from "zod";
import { ADMISSION_READ_LIMIT, admissionState, admissionWithoutState, decideAdmission, type AdmissionDecision } from "./admission.js";
import { laneSchema, queueSchema, type LaneConfig, type QueueConfig } from "./config.js";
import { agentStateSchema, deviceStateSchema, type AgentState, type DeviceState } from "./agent-states.js";
import { QueueError, fromScriptError } from "./errors.js";
import { readEvents, type QueueEvent } from "./events.js";
import { expectedWait } from "./ewt.js";
import { QueueKeys, laneOfMember } from "./keys.js";
import { OwedWrites } from "./owed-writes.js";
import { scriptRunner, type ScriptArg, type ScriptName, type ScriptRunner } from "./scripts.js";
import { callerScore } from "./scoring.js";
import { laneBounds, resolveSite, type QueueSettings, type SiteSettings } from "./settings.js";
import {
  agentChangeSchema,
  agentIdSchema,
  agentProfileSchema,
  callIdSchema,
  endpointSchema,
  enqueueRequestSchema,
  requeueOptionsSchema,
  type AgentChange,
  type AgentProfile,
  type AgentSnapshot,
  type CallPosition,
  type EnqueueRequest,
  type EnqueueResult,
  type JoinResult,
  type Offer,
  type QueueStatus,
  type RequeueOptions,
  type WaitingCaller,
} from "./types.js";

/** An agent's state in Redis: what a rebuild puts back. */
export interface AgentRecord {
  state: AgentState;
  reason?: string;
  device: DeviceState;
}

export interface Clock {
  /** Milliseconds since the epoch (or any monotonic origin shared by everyone using the site). */
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface CallerQueueOptions {
  /** A client, or an ioredis Cluster: every script call is routed to the node owning the site's slot. */
  redis: Redis | Cluster;
  lanes: Record<string, z.input<typeof laneSchema>>;
  /** Queues of other sites are ignored. */
  queues: Record<string, z.input<typeof queueSchema>>;
  /** The hash tag of every key: queues sharing agents must share a site. Default "main". */
  site?: string;
  /** Default "sb:" (config redis.keyPrefix). */
  keyPrefix?: string;
  clock?: Clock;
  /** Approximate length the event stream is trimmed to. */
  eventsMaxLen?: number;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new QueueError("SBQ_INVALID_INPUT", `invalid ${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

function encodeSkills(skills: Record<string, number>, forAgent: boolean): string {
  const parts = Object.entries(skills)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([n, l]) => `${n}=${l}`);
  if (!forAgent) return parts.join(",");
  return parts.length ? `,${parts.join(",")},` : "";
}

function decodeSkills(s: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (s ?? "").split(",")) {
    const [name, level] = part.split("=");
    if (name && level) out[name] = Number(level);
  }
  return out;
}

/**
 * The caller queue of one site: waiting callers in lanes, agents and their states, atomic dispatch.
 * Stateless apart from configuration: any number of instances (daemons) may share one Redis.
 *
 * Call layer, per caller: enqueue() -> (dispatch() offers it to an agent) -> answered() or requeue();
 * abandon() when the caller hangs up; expire() sweeps max-wait timeouts. Call dispatch() whenever a
 * caller joins or an agent may have become free (login, unpause, call end, wrap-up end, requeue).
 */
export class CallerQueue {
  readonly keys: QueueKeys;
  readonly settings: SiteSettings;
  readonly clock: Clock;
  private readonly redis: Redis | Cluster;
  private readonly runScript: ScriptRunner;
  private readonly eventsMaxLen: number;
  /** Releases Redis refused (full, unreachable), replayed by settle() once it takes writes again. */
  private readonly owed = new OwedWrites();

  constructor(opts: CallerQueueOptions) {
    const site = opts.site ?? "main";
    const lanes = Object.fromEntries(Object.entries(opts.lanes).map(([n, l]) => [n, parse(laneSchema, l, `lane ${n}`)]));
    const queues = Object.fromEntries(Object.entries(opts.queues).map(([n, q]) => [n, parse(queueSchema, q, `queue ${n}`)]));
    this.settings = resolveSite(site, lanes, queues);
    this.keys = new QueueKeys(opts.keyPrefix ?? "sb:", site);
    this.clock = opts.clock ?? systemClock;
    this.redis = opts.redis;
    this.runScript = scriptRunner(opts.redis);
    this.eventsMaxLen = opts.eventsMaxLen ?? 1_000_000;
  }

  static fromConfig(redis: Redis | Cluster, config: { lanes: Record<string, LaneConfig>; queues: Record<string, QueueConfig>; redis: { keyPrefix: string } }, opts: { site?: string; clock?: Clock } = {}): CallerQueue {
    return new CallerQueue({
      redis,
      lanes: config.lanes,
      queues: config.queues,
      keyPrefix: config.redis.keyPrefix,
      ...(opts.site !== undefined && { site: opts.site }),
      ...(opts.clock !== undefined && { clock: opts.clock }),
    });
  }

  private async run(name: ScriptName, now: number, args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await this.runScript(name, this.keys.events, [this.keys.base, Math.round(now), this.eventsMaxLen, ...args]);
    } catch (err) {
      throw fromScriptError(err);
    }
  }

  queue(name: string): QueueSettings {
    const q = this.settings.queues.get(name);
    if (!q) {
      const known = [...this.settings.queues.keys()];
      throw new QueueError("SBQ_UNKNOWN_QUEUE", `unknown queue "${name}" in site ${this.settings.site} (known: ${known.join(", ") || "none"})`);
    }
    return q;
  }

  private handleTime(q: QueueSettings, ahtMs: string): number {
    return ahtMs === "" ? q.defaultHandleTimeMs : Number(ahtMs);
  }

  /** A caller joins `queue` in `lane`; position is 1-based, ewtMs the expected wait (null: nobody staffed). */
  async enqueue(request: EnqueueRequest): Promise<EnqueueResult> {
    const e = this.enqueueArgs(request);
    return this.enqueueResult(e, (await this.run("enqueue", e.now, e.args)) as EnqueueReply);
  }

  /**
   * One dispatch decision, atomic in Redis: across `queues` (one queue, or every queue a freed agent
   * serves) the best-placed caller that a free agent can serve goes to the longest-idle such agent.
   * Callers in `skip` keep their place but are passed over. Null when nobody can be matched now.
   */
  async dispatch(queues: string | readonly string[], skip: Iterable<string> = []): Promise<Offer | null> {
    const args = this.dispatchArgs(queues, skip);
    return decodeOffer((await this.run("dispatch", this.clock.now(), args)) as string | null);
  }

  /**
   * enqueue() and then one dispatch() decision (across `dispatch.queues`, passing over `dispatch.skip`),
   * in one script: the same result as the two calls one after the other, with one round trip. The offer
   * may be another caller's (one placed before this one); null when nobody can be matched now. Nothing
   * is dispatched when the enqueue throws.
   */
  async join(request: EnqueueRequest, dispatch: { queues: string | readonly string[]; skip?: Iterable<string> }): Promise<JoinResult> {
    const e = this.enqueueArgs(request);
    const args = [...e.args, ...this.dispatchArgs(dispatch.queues, dispatch.skip ?? [])];
    const [offer, ...joined] = (await this.run("join", e.now, args)) as [string | null, ...EnqueueReply];
    return { ...this.enqueueResult(e, joined), offer: decodeOffer(offer) };
  }

  /**
   * enqueue(), then the caller is offered to `agentId` alone, in one script (offer-to.lua): a transfer to a
   * named agent. When the agent cannot take it now (not available, phone not free) the caller just waits in
   * the queue, dispatched like any other; the offer is null then. Nothing happens when the enqueue throws.
   */
  async offerTo(request: EnqueueRequest, agentId: string): Promise<JoinResult> {
    parse(agentIdSchema, agentId, "agentId");
    const e = this.enqueueArgs(request);
    const [offer, ...joined] = (await this.run("offer-to", e.now, [...e.args, agentId, e.q.wrapUpMs])) as [string | null, ...EnqueueReply];
    return { ...this.enqueueResult(e, joined), offer: decodeOffer(offer) };
  }

  /**
   * A consultation (calls/consult.ts, consult.lua): `ring` takes the agent asked for (or the longest-idle
   * agent of `queue` when `agentId` is undefined) from available to ringing for call `callId`, as dispatch
   * would, without the caller joining any queue; null when nobody can take it now. `answered` puts that
   * agent on the call; `release` lets it go (available, or paused after a ring it missed).
   */
  async consultRing(callId: string, target: { agentId: string } | { queue: string }, callQueue: string): Promise<{ agentId: string; endpoint: string } | null> {
    parse(callIdSchema, callId, "callId");
    const q = this.queue(callQueue);
    const [id, queue] = "agentId" in target ? [parse(agentIdSchema, target.agentId, "agentId"), ""] : ["", this.queue(target.queue).name];
    const reply = (await this.run("consult", this.clock.now(), ["ring", callId, id, queue, q.name, q.wrapUpMs, "", ""])) as string | null;
    if (!reply) return null;
    const [agentId, endpoint] = reply.split("|") as [string, string];
    return { agentId, endpoint };
  }

  async consultAnswered(callId: string, agentId: string): Promise<boolean> {
    return (await this.run("consult", this.clock.now(), ["answered", callId, agentId, "", "", "", "", ""])) === 1;
  }

  async consultRelease(callId: string, agentId: string, to: { state: "available" } | { state: "paused"; reason: string }): Promise<boolean> {
    const reason = to.state === "paused" ? to.reason : "";
    return (await this.run("consult", this.clock.now(), ["release", callId, agentId, "", "", "", to.state, reason])) === 1;
  }

  private enqueueArgs(request: EnqueueRequest): { q: QueueSettings; now: number; score: number; args: ScriptArg[] } {
    const req = parse(enqueueRequestSchema, request, "enqueue request");
    const q = this.queue(req.queue);
    if (!q.lanes.includes(req.lane)) {
      throw new QueueError("SBQ_INVALID_INPUT", `lane "${req.lane}" is not a lane of queue ${q.name} (its lanes: ${q.lanes.join(", ")})`);
    }
    // a caller put back after Redis lost its data joins as of its first join (never from the future)
    const now = Math.min(req.joinedAt ?? Infinity, this.clock.now());
    const score = callerScore(Math.min(req.rankAs ?? now, now), this.settings.lanes.get(req.lane)!, req.priority);
    const deadline = req.maxWait === undefined ? 0 : Math.round(now + req.maxWait * 1000);
    const reserved = q.reservedLanes.has(req.lane) ? 1 : 0;
    return { q, now, score, args: [q.name, req.callId, req.lane, score, reserved, encodeSkills(req.skills, false), req.priority, deadline, q.maxWaiting ?? 0] };
  }

  private enqueueResult(e: { q: QueueSettings; score: number }, reply: EnqueueReply): EnqueueResult {
    if (reply[0] === "empty" || reply[0] === "full") return { status: reply[0] };
    const [, rank, idle, staffed, aht] = reply as [string, number, number, number, string];
    const ewtMs = expectedWait({ ahead: rank, idleAgents: idle, staffedAgents: staffed, handleTimeMs: this.handleTime(e.q, aht) });
    return { status: "queued", position: rank + 1, ewtMs, score: e.score };
  }

  private dispatchArgs(queues: string | readonly string[], skip: Iterable<string>): ScriptArg[] {
    const list = (typeof queues === "string" ? [queues] : [...queues]).map((n) => this.queue(n));
    if (list.length === 0) throw new QueueError("SBQ_INVALID_INPUT", "dispatch needs at least one queue");
    const args: ScriptArg[] = [Math.max(...list.map((q) => q.scanDepth)), Math.max(...list.map((q) => q.agentScan)), list.length];
    for (const q of list) args.push(q.name, q.reservedLanes.size ? q.reserveShare : 0, q.wrapUpMs);
    args.push(...skip);
    return args;
  }

  /**
   * The offered agent picked up: the caller leaves the queue, the agent is on the call. When Redis
   * refuses the write, the call layer lets the answer go (the caller waits on): a requeue is owed, so
   * that the agent is not left ringing once Redis takes writes again.
   */
  async answered(callId: string, agentId: string): Promise<{ waitMs: number; ringMs: number }> {
    parse(callIdSchema, callId, "callId");
    parse(agentIdSchema, agentId, "agentId");
    try {
      const [waitMs, ringMs] = (await this.run("answered", this.clock.now(), [callId, agentId])) as [string, string];
      return { waitMs: Number(waitMs), ringMs: Number(ringMs) };
    } catch (err) {
      if (!(err instanceof QueueError)) this.owed.owe(`call:${callId}`, () => this.requeueNow(callId, { agent: "available", reason: "answer not recorded (Redis refused the write)" }));
      throw err;
    }
  }

  /**
   * The offered agent did not take the call (no answer, busy, originate failed): the caller goes back to
   * its old place, never to the back; the agent becomes available, paused or offline.
   */
  requeue(callId: string, options: RequeueOptions = {}): Promise<{ position: number; agentId: string }> {
    return this.owed.attempt(`call:${callId}`, () => this.requeueNow(callId, options));
  }

  private async requeueNow(callId: string, options: RequeueOptions): Promise<{ position: number; agentId: string }> {
    parse(callIdSchema, callId, "callId");
    const opts = parse(requeueOptionsSchema, options, "requeue options");
    const [rank, agentId] = (await this.run("requeue", this.clock.now(), [callId, opts.agent, opts.reason])) as [number, string];
    return { position: rank + 1, agentId };
  }

  /** The caller hung up. Null when the call is no longer queued (already answered or gone). */
  abandon(callId: string): Promise<{ waitMs: number; agentId?: string } | null> {
    return this.remove(callId, "abandoned");
  }

  /** The call layer's own max-wait timer fired for this caller. */
  timeout(callId: string): Promise<{ waitMs: number; agentId?: string } | null> {
    return this.remove(callId, "timeout");
  }

  /** The caller booked an appointment instead of waiting on (the IVR's appointment node): they leave, not abandoned. */
  scheduled(callId: string): Promise<{ waitMs: number; agentId?: string } | null> {
    return this.remove(callId, "scheduled");
  }

  private async remove(callId: string, kind: "abandoned" | "timeout" | "scheduled"): Promise<{ waitMs: number; agentId?: string } | null> {
    parse(callIdSchema, callId, "callId");
    const reply = (await this.owed.attempt(`call:${callId}`, () => this.run("abandon", this.clock.now(), [callId, kind]))) as [string, string] | null;
    if (!reply) return null;
    return { waitMs: Number(reply[0]), ...(reply[1] && { agentId: reply[1] }) };
  }

  /** A waiting caller's maximum wait no longer applies: its place waits for a call back (docs/callbacks.md). */
  async clearDeadline(queue: string, callId: string): Promise<void> {
    parse(callIdSchema, callId, "callId");
    await this.redis.zrem(this.keys.queue(queue, "deadlines"), callId);
  }

  /** Times out the waiting callers of `queue` whose maxWait has passed; returns their call ids. */
  async expire(queue: string, limit = 100): Promise<string[]> {
    const q = this.queue(queue);
    return (await this.run("expire", this.clock.now(), [q.name, limit])) as string[];
  }

  /**
   * May a caller be offered (and join) `lane` of `queue` by upgrade now? One read of the queue's state
   * (admission.lua, nothing written), then the pure decision of admission.ts: the share cap, the forecast
   * at the lane's SLA percentile, the other lanes' bound. A queue without admission config admits
   * ("no admission control"), and so does a lane other than the one it controls.
   */
  async admission(queue: string, lane: string, entitled = false): Promise<AdmissionDecision> {
    const q = this.settings.queues.get(queue);
    if (!q) {
      throw new QueueError("SBQ_INVALID_INPUT", `unknown queue "${queue}" in site ${this.settings.site} (known: ${[...this.settings.queues.keys()].join(", ") || "none"})`);
    }
    if (!q.lanes.includes(lane)) throw new QueueError("SBQ_INVALID_INPUT", `lane "${lane}" is not a lane of queue ${q.name} (its lanes: ${q.lanes.join(", ")})`);
    const early = admissionWithoutState(q.admission, lane);
    if (early) return early;
    const now = this.clock.now();
    // without priority boosts a score is join time minus the lane's head start: no need to read (and format) it
    const lanes = q.lanes.map((name) => this.settings.lanes.get(name)!);
    const withScores = lanes.some((l) => l.priorityBoostMs > 0);
    const headStart = new Map(lanes.map((l) => [l.name, l.headStartMs]));
    const [total, idle, staffed, aht, flat] = (await this.run("admission", now, [q.name, ADMISSION_READ_LIMIT, withScores ? 1 : 0])) as [number, number, number, string, string[]];
    const waiting: { lane: string; enqueuedAt: number; score: number }[] = [];
    const step = withScores ? 2 : 1;
    for (let i = 0; i + step - 1 < flat.length; i += step) {
      const c = laneOfMember(flat[i]!);
      waiting.push({ ...c, score: withScores ? Number(flat[i + 1]) : c.enqueuedAt - (headStart.get(c.lane) ?? 0) });
    }
    const read = { waitingTotal: total, idle, staffed, ahtMs: aht === "" ? null : Number(aht), waiting };
    return decideAdmission(admissionState(this.settings, q.name, read, now), q.admission, lane, entitled);
  }

  /** Registers an agent (starts offline) or updates its endpoint, skills and queues. */
  async registerAgent(profile: AgentProfile): Promise<"created" | "updated"> {
    const p = parse(agentProfileSchema, profile, "agent profile");
    for (const name of p.queues) this.queue(name);
    return (await this.run("agent-profile", this.clock.now(), [
      p.agentId,
      p.endpoint,
      encodeSkills(p.skills, true),
      [...new Set(p.queues)].join(","),
    ])) as "created" | "updated";
  }

  /** Deletes a logged-off agent; false if it was not registered. */
  async removeAgent(agentId: string): Promise<boolean> {
    parse(agentIdSchema, agentId, "agentId");
    return (await this.run("agent-remove", this.clock.now(), [agentId])) === 1;
  }

  /**
   * Login (available), pause with a reason, logoff, or end of call (wrapup: timed, then available by
   * itself). Moves the state machine refuses fail with SBQ_INVALID_TRANSITION and say what is allowed.
   */
  async agentState(agentId: string, change: AgentChange): Promise<{ from: string; to: string; wrapUpUntil?: number }> {
    parse(agentIdSchema, agentId, "agentId");
    const c = parse(agentChangeSchema, change, "agent state change");
    const reason = c.to === "paused" ? c.reason : "";
    const wrap = c.to === "wrapup" && c.seconds !== undefined ? Math.round(c.seconds * 1000) : "";
    const move = () => this.run("agent-state", this.clock.now(), [agentId, c.to, reason, wrap]);
    // an end of call Redis refused would leave the agent on the call for good: it is owed
    const [from, to, until] = (await (c.to === "wrapup" ? this.owed.attempt(`agent:${agentId}`, move) : move())) as [string, string, string];
    return { from, to, ...(until && { wrapUpUntil: Number(until) }) };
  }

  /** The phone behind `endpoint` changed state; null when no agent uses that endpoint. */
  async deviceState(endpoint: string, device: DeviceState): Promise<{ agentId: string; from: DeviceState; to: DeviceState } | null> {
    parse(endpointSchema, endpoint, "endpoint");
    parse(deviceStateSchema, device, "device state");
    // only changes are reported: one Redis refused is owed (the latest per phone), else the state stays stale
    const reply = (await this.owed.attempt(`device:${endpoint}`, () => this.run("device", this.clock.now(), [endpoint, device]))) as [string, DeviceState, DeviceState] | null;
    return reply ? { agentId: reply[0], from: reply[1], to: reply[2] } : null;
  }

  /** Writes Redis refused that release callers and agents (see OwedWrites): how many are waiting. */
  get owedWrites(): number {
    return this.owed.size;
  }

  /** Replays the owed writes, oldest first (Redis takes writes again); how many were done. */
  settle(): Promise<number> {
    return this.owed.settle();
  }

  /** Where a caller stands; null when it is not queued. */
  async position(callId: string): Promise<CallPosition | null> {
    parse(callIdSchema, callId, "callId");
    const now = this.clock.now();
    const reply = (await this.run("position", now, [callId])) as (string | number)[] | null;
    if (!reply) {
      // a Redis that lost its data (restarted without persistence) knows no caller: not "the caller left"
      if (!(await this.redis.exists(this.keys.agents))) throw new Error(`queue data missing: Redis has no agents of site ${this.settings.site} (restarted without persistence?)`);
      return null;
    }
    const [state, queue, lane, enqueuedAt] = reply as [string, string, string, string];
    const waitMs = now - Number(enqueuedAt);
    if (state === "offered") return { state, queue, lane, agentId: String(reply[4]), waitMs };
    const [, , , , rank, idle, staffed, aht] = reply as [string, string, string, string, number, number, number, string];
    const q = this.queue(queue);
    const ewtMs = expectedWait({ ahead: rank, idleAgents: idle, staffedAgents: staffed, handleTimeMs: this.handleTime(q, aht) });
    return { state: "waiting", queue, lane, position: rank + 1, waitMs, ewtMs };
  }

  /** Snapshot for the admin API: waiting callers (lane, position, wait) and agents with their states. */
  async status(queue: string, limit = 1000): Promise<QueueStatus> {
    const q = this.queue(queue);
    const now = this.clock.now();
    const raw = statusReplySchema.parse(JSON.parse((await this.run("status", now, [q.name, limit])) as string));
    const handleTimeMs = this.handleTime(q, raw.meta.ahtMs ?? "");
    const callers: WaitingCaller[] = raw.callers.map((c, i) => ({
      callId: c.callId,
      lane: c.lane,
      laneName: this.settings.lanes.get(c.lane)?.displayName ?? c.lane,
      position: i + 1,
      waitMs: now - Number(c.enqueuedAt),
      priority: Number(c.priority),
      skills: decodeSkills(c.needs),
      requeues: Number(c.requeues),
      ewtMs: expectedWait({ ahead: i, idleAgents: raw.idle, staffedAgents: raw.staffed, handleTimeMs }),
    }));
    const agents: AgentSnapshot[] = raw.agents.map((a) => ({
      agentId: a.id,
      endpoint: a.endpoint,
      state: a.state,
      forMs: now - Number(a.since),
      device: a.device,
      skills: decodeSkills(a.skills),
      queues: a.queues ? a.queues.split(",") : [],
      ...(a.reason && { pauseReason: a.reason }),
      ...(a.call && { callId: a.call }),
      ...(a.wrapUntil && { wrapUpEndsInMs: Number(a.wrapUntil) - now }),
      ...(a.state === "available" && { idleMs: now - Number(a.idleSince) }),
    }));
    const bounds = new Map(laneBounds(this.settings, q.name).map((b) => [b.lane, b.overtakeWindowMs]));
    const lanes = q.lanes.map((name) => {
      const lane = this.settings.lanes.get(name)!;
      const mine = callers.filter((c) => c.lane === name);
      return {
        lane: name,
        laneName: lane.displayName,
        waiting: mine.length,
        oldestWaitMs: Math.max(0, ...mine.map((c) => c.waitMs)),
        sla: { seconds: lane.sla.ms / 1000, percent: lane.sla.percent },
        overtakeWindowMs: bounds.get(name)!,
      };
    });
    return {
      queue: q.name,
      displayName: q.displayName,
      at: now,
      waiting: raw.waiting,
      idleAgents: raw.idle,
      staffedAgents: raw.staffed,
      handleTimeMs,
      handled: Number(raw.meta.handled ?? 0),
      lanes,
      callers,
      agents,
    };
  }

  /** The agents' states as Redis has them now (one read per agent), for a rebuild after Redis lost its data. */
  async agentRecords(agentIds: readonly string[]): Promise<Map<string, AgentRecord>> {
    const rows = await Promise.all(agentIds.map((id) => this.redis.hmget(this.keys.agent(id), "state", "reason", "device")));
    const out = new Map<string, AgentRecord>();
    rows.forEach(([state, reason, device], i) => {
      if (state) out.set(agentIds[i]!, { state: state as AgentRecord["state"], ...(reason ? { reason } : {}), device: (device ?? "unknown") as DeviceState });
    });
    return out;
  }

  /** Events of this site after a stream id (oldest first), for KPIs and audits. */
  events(opts: { after?: string; count?: number } = {}): Promise<QueueEvent[]> {
    return readEvents(this.redis, this.keys.events, opts);
  }
}

/** enqueue.lua's reply: {"queued", rank, idle, staffed, ahtMs|"", seq} | {"empty"} | {"full"}. */
type EnqueueReply = [string, number?, number?, number?, string?, number?];

/** dispatch.lua's reply: "<callId>|<agentId>|<endpoint>|<queue>|<lane>|<waitMs>|<requeues>" or nil. */
function decodeOffer(reply: string | null): Offer | null {
  if (!reply) return null;
  const [callId, agentId, endpoint, queue, lane, waitMs, requeues] = reply.split("|") as [string, string, string, string, string, string, string];
  return { callId, agentId, endpoint, queue, lane, waitMs: Number(waitMs), requeues: Number(requeues) };
}

/** cjson encodes an empty Lua table as {}: read it as an empty list. */
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(item));

const statusReplySchema = z.object({
  waiting: z.number(),
  idle: z.number(),
  staffed: z.number(),
  meta: z.record(z.string(), z.string()),
  callers: list(
    z.object({
      callId: z.string(),
      lane: z.string(),
      enqueuedAt: z.string(),
      priority: z.string(),
      needs: z.string(),
      requeues: z.string(),
    }),
  ),
  agents: list(
    z.object({
      id: z.string(),
      endpoint: z.string(),
      state: agentStateSchema,
      since: z.string(),
      idleSince: z.string(),
      device: deviceStateSchema,
      skills: z.string().optional(),
      queues: z.string().optional(),
      reason: z.string().optional(),
      call: z.string().optional(),
      wrapUntil: z.string().optional(),
    }),
  ),
});

