import type { CrmLookup, LookupOutcome } from "../crm/lookup.js";
import type { EventLog } from "../events/log.js";
import { resume, startCall, step, UnknownTreeError, type CallState, type EngineAction, type EngineEvent, type StepResult } from "../ivr/engine/index.js";
import type { TreeSet } from "../ivr/model.js";
import type { TreeRegistry } from "../ivr/registry.js";
import type { Logger } from "../lib/logger.js";
import type { AriChannel, AriEvent, AriGateway } from "../telephony/index.js";
import { agentOfConversation, conversationOver, goesOnAfterAgent, recordSurvey, surveyEvent } from "./after-agent.js";
import type { CallsConfig } from "./config.js";
import type { ExpressDriver } from "./express-driver.js";
import type { QueueOutcome } from "./handoff-types.js";
import { answerBooking, type IvrBookings } from "./ivr-bookings.js";
import { callOfAgentLeg, type Connected, type QueueHandoff } from "./queue-handoff.js";
import { planRecovery, type RecoveryPlan } from "./recovery-plan.js";
import type { CallSession, SessionStore } from "./session-store.js";
import { callOfTransferLeg, transferLegId, Transfers, type TransferLeg } from "./transfer.js";

/**
 * The call lifecycle on one Asterisk server: StasisStart -> answer -> an IVR session (persisted in Redis)
 * whose engine actions are performed over ARI, events fed back in order per call, the queue hand-off,
 * and the end of the call whenever and however it comes. On (re)connect, calls still in the app are
 * matched with their sessions and resumed (conversations with agents included); the rest are sent to the
 * dialplan fallback, never dropped.
 */

interface LiveCall {
  session: CallSession;
  set: TreeSet;
  state: CallState;
  timers: Map<string, NodeJS.Timeout>;
  /** Work for this call runs one piece at a time, in arrival order. */
  chain: Promise<void>;
  gone: boolean;
  callerNumber: string;
  callerName: string;
}

export interface CallManagerDeps {
  ari: AriGateway;
  registry: TreeRegistry;
  store: SessionStore;
  handoff: QueueHandoff;
  crm: CrmLookup | undefined;
  config: CallsConfig;
  ivr: { didMap: Record<string, string>; defaultTree: string };
  logger: Logger;
  /** The site's event stream, for survey answers; without it they are logged only. */
  events?: EventLog;
  /** The express lane as a product (terms, admission, billing); without it nothing is sold. */
  express?: ExpressDriver;
  /** Books call backs and appointments (the callback and appointment nodes); `legs` routes the events of the call backs' own legs. */
  bookings?: IvrBookings;
  legs?: { handle(e: AriEvent): boolean };
  /**
   * Called when the caller is with an agent (screen-pop), and when the call has ended (history): the
   * session is removed only once what `onEnded` keeps is kept, so a crash in between repeats the end.
   */
  onConnected?(call: { session: CallSession; state: CallState }, c: Connected): void;
  onEnded?(call: { session: CallSession; state: CallState }): void | Promise<void>;
}

const ignore = () => {};
/** Recovered calls taken up at the same time: enough to keep the PBX busy, few enough not to swamp it. */
const RECOVERY_CONCURRENCY = 16;
/** Engine ids are per call; ARI playback ids must be unique on the server. */
const playbackIdOf = (callId: string, id: string) => `sbp-${callId}~${id}`;

export class CallManager {
  private readonly calls = new Map<string, LiveCall>();
  private readonly log: Logger;
  private accepting = true;
  private offs: Array<() => void> = [];
  /** While recovering: the app's channels not yet matched; a hangup of one of them takes it out. */
  private unmatched: Set<string> | undefined;
  private recovery: Promise<void> = Promise.resolve();
  /** The trees' transfers to an endpoint on this server. */
  private readonly transfers: Transfers;

  constructor(private readonly deps: CallManagerDeps) {
    this.log = deps.logger.child({ component: "calls" });
    this.transfers = new Transfers({
      ari: deps.ari,
      config: deps.config,
      logger: deps.logger,
      hooks: {
        connected: (callId, leg) => this.transferConnected(callId, leg),
        failed: (callId, why) => this.transferFailed(callId, why),
        // the target hung up: the call is over for the caller too
        ended: (callId) => this.hangUpCaller(callId),
      },
    });
  }

  start(): void {
    this.offs.push(
      this.deps.ari.on("event", (e) => this.route(e)),
      this.deps.ari.on("connected", () => this.recoverSoon()),
      this.deps.ari.on("reconnected", () => this.recoverSoon()),
      this.deps.ari.on("disconnected", (e) => {
        if (e.willReconnect) this.suspend();
      }),
    );
  }

  /**
   * The ARI link is down: nothing can be played or heard, so the IVR must not run on (its timers would
   * walk callers through menus they never hear, to a transfer that fails, and leave them silent in the
   * app). Callers in the IVR are let go from memory as they are; their sessions stay in Redis and the
   * recovery on reconnect resumes them, as after a restart. Queued and connected callers stay with the
   * hand-off.
   */
  private suspend(): void {
    let suspended = 0;
    for (const [id, call] of this.calls) {
      if (call.session.agent?.channelId || this.transfers.has(call.session.callId) || this.deps.handoff.isWaiting(call.session.callId)) continue;
      call.gone = true;
      for (const t of call.timers.values()) clearTimeout(t);
      call.timers.clear();
      this.calls.delete(id);
      this.deps.registry.unpin(call.set.version);
      this.deps.crm?.forget(call.session.callId);
      suspended++;
    }
    if (suspended) this.log.warn({ suspended }, "ARI connection lost: callers in the IVR wait in the app until it is back");
  }

  /** Stops taking new calls (they go to the dialplan fallback); sessions stay in Redis for the next daemon. */
  drain(): void {
    this.accepting = false;
  }

  stop(): void {
    this.accepting = false;
    for (const off of this.offs.splice(0)) off();
    for (const c of this.calls.values()) for (const t of c.timers.values()) clearTimeout(t);
    this.transfers.stop();
  }

  get size(): number {
    return this.calls.size;
  }

  list(): Array<{ callId: string; serverId: string; tree: string; node: string; status: string; callerNumber: string; startedAt: number }> {
    return [...this.calls.values()].map((c) => ({
      callId: c.session.callId,
      serverId: c.session.serverId,
      tree: c.state.tree,
      node: c.state.node,
      status: c.state.status,
      callerNumber: c.callerNumber,
      startedAt: c.session.startedAt,
    }));
  }

  private route(e: AriEvent): void {
    if (this.deps.handoff.handle(e, this.deps.ari.serverId) || this.deps.legs?.handle(e) || this.transfers.handle(e)) return;
    switch (e.type) {
      case "StasisStart":
        if (!this.calls.has(e.channel.id)) void this.arrive(e.channel, e.args);
        return;
      case "ChannelDtmfReceived":
        return this.feedLater(e.channel.id, { type: "dtmf", digit: e.digit });
      case "PlaybackFinished": {
        const m = /^sbp-(.+)~(pb-\d+)$/.exec(e.playback.id);
        if (m) this.feedLater(m[1]!, { type: "playbackFinished", id: m[2]! });
        return;
      }
      case "ChannelHangupRequest":
      case "StasisEnd":
      case "ChannelDestroyed":
        return this.callerLeft(e.channel.id);
      default:
        return;
    }
  }

  private async arrive(channel: AriChannel, args: string[]): Promise<void> {
    const callId = channel.id;
    if (!this.accepting) {
      await this.toFallback(callId, "daemon shutting down");
      return;
    }
    const callerNumber = channel.caller.number;
    // the CRM lookup starts now, so the data is there for the tree's branches and the screen-pop
    const lookup = this.deps.crm?.prefetch(callId, callerNumber);
    // Stasis args: <tree>,<did>; without a tree the DID picks one (ivr.didMap), else the default tree
    const [named, didArg] = args;
    const did = didArg || channel.dialplan?.exten || "";
    const tree = named || (this.deps.ivr.didMap[did] ?? this.deps.ivr.defaultTree);
    const set = this.deps.registry.pin();
    const info = { callId, callerNumber, callerName: channel.caller.name, did };
    const sales = this.deps.express?.terms(callerNumber);
    const opts = sales ? { sales } : {};
    let first: StepResult;
    try {
      first = startCall(set, tree, info, opts);
    } catch (err) {
      if (!(err instanceof UnknownTreeError)) throw err;
      this.log.warn({ callId, tree, fallback: this.deps.ivr.defaultTree }, "no such IVR tree; using the default tree");
      first = startCall(set, this.deps.ivr.defaultTree, info, opts);
    }
    const call: LiveCall = {
      session: { callId, serverId: this.deps.ari.serverId, channelId: channel.id, startedAt: Date.now(), engine: first.state },
      set,
      state: first.state,
      timers: new Map(),
      chain: Promise.resolve(),
      gone: false,
      callerNumber,
      callerName: channel.caller.name,
    };
    this.calls.set(callId, call);
    if (lookup) this.keepLookup(call, lookup);
    this.log.info({ callId, caller: callerNumber, tree: first.state.tree, did }, "call arrived");
    await this.run(call, async () => {
      try {
        await this.deps.ari.answer(channel.id);
      } catch (err) {
        this.log.warn({ err, callId }, "answer failed (caller gone?)");
      }
      await this.apply(call, first);
    });
  }

  /** The lookup's outcome goes to Redis with the session: a daemon resuming the call has it without asking the CRM again. */
  private keepLookup(call: LiveCall, lookup: Promise<LookupOutcome>): void {
    void lookup.then((outcome) =>
      this.run(call, async () => {
        if (!call.gone) await this.deps.store.keepLookup(call.session.callId, outcome).catch((err) => this.log.warn({ err }, "lookup outcome not kept"));
      }),
    );
  }

  /** Serialises work per call; a failure is logged and never stops the next event. */
  private run(call: LiveCall, work: () => Promise<void>): Promise<void> {
    call.chain = call.chain.then(work).catch((err) => this.log.error({ err, callId: call.session.callId }, "call step failed"));
    return call.chain;
  }

  private feedLater(callId: string, event: EngineEvent): void {
    const call = this.calls.get(callId);
    if (call) void this.run(call, () => this.feed(call, event));
  }

  private async feed(call: LiveCall, event: EngineEvent): Promise<void> {
    if (call.gone && event.type !== "hangup") return;
    await this.apply(call, step(call.set, call.state, event));
  }

  private async apply(call: LiveCall, r: StepResult): Promise<void> {
    call.state = r.state;
    call.session.engine = r.state;
    this.deps.express?.keep(call.session, r, Date.now());
    if (r.trace.length) this.log.debug({ callId: call.session.callId, trace: r.trace }, "ivr");
    // a step that plays is saved before the prompt is asked for, so that after a crash the session names
    // the playback that may still be on the channel (recovery stops it); no other action changes a
    // playing step's session. Commands on one Redis connection are run in order: a later save wins.
    const saved = r.actions.some((a) => a.type === "play") ? this.save(call) : undefined;
    for (const a of r.actions) {
      if (call.gone) break;
      await this.perform(call, a).catch((err) => this.log.warn({ err, callId: call.session.callId, action: a.type }, "action failed"));
    }
    if (r.state.status === "ended" && r.state.outcome?.kind === "error" && !call.gone) {
      this.log.error({ callId: call.session.callId, error: r.state.outcome.message }, "IVR error; caller sent to the fallback");
      await this.toFallback(call.session.callId, "ivr error");
    }
    await (saved ?? this.save(call));
  }

  private save(call: LiveCall): Promise<void> {
    return this.deps.store.save(call.session).catch((err) => this.log.warn({ err, callId: call.session.callId }, "session not saved"));
  }

  private async perform(call: LiveCall, a: EngineAction): Promise<void> {
    const { callId, channelId } = call.session;
    const ari = this.deps.ari;
    switch (a.type) {
      case "play":
        try {
          await ari.play(channelId, a.media, { playbackId: playbackIdOf(callId, a.id) });
        } catch (err) {
          // a prompt that cannot play must not hold the caller: carry on as if it had finished
          this.log.warn({ err, callId, media: a.media }, "prompt not played");
          this.feedLater(callId, { type: "playbackFinished", id: a.id });
        }
        return;
      case "stopPlayback":
        await ari.stopPlayback(playbackIdOf(callId, a.id)).catch(ignore);
        return;
      case "startTimer":
        call.timers.set(
          a.id,
          setTimeout(() => {
            call.timers.delete(a.id);
            this.feedLater(callId, { type: "timer", id: a.id });
          }, a.ms),
        );
        return;
      case "cancelTimer":
        clearTimeout(call.timers.get(a.id));
        call.timers.delete(a.id);
        return;
      case "lookup":
        void this.lookup(call, a);
        return;
      case "enqueue": {
        const placed = await this.deps.handoff.placement(a.queue, a.lane);
        const verdict = await this.deps.handoff
          .join({
            callId,
            serverId: call.session.serverId,
            channelId,
            callerNumber: call.callerNumber,
            callerName: call.callerName,
            queue: a.queue,
            lane: placed.lane,
            skills: a.skills,
            priority: a.priority,
            ...(a.maxWaitMs === undefined ? {} : { maxWaitMs: a.maxWaitMs }),
            ...(a.callback ? { callback: true } : {}),
          })
          .catch((err) => {
            this.log.error({ err, callId, queue: a.queue }, "enqueue failed; treating the queue as unavailable");
            return "empty" as const;
          });
        if (verdict === "queued") {
          call.session.queue = { queue: a.queue, lane: placed.lane, joinedAt: Date.now(), ...(a.reason ? { reason: a.reason } : {}), ...(placed.promised ? { promised: placed.promised } : {}) };
        }
        else this.feedLater(callId, { type: "queueResult", outcome: verdict });
        return;
      }
      case "transfer":
        // an endpoint is rung and bridged by the daemon (transfer.ts: redirect would not move the call)
        if (a.endpoint) await this.transferTo(call, a.endpoint);
        else await ari.continueInDialplan(channelId, { context: a.context!, extension: a.extension!, priority: a.priority ?? 1 });
        return;
      case "hangup":
        await ari.hangup(channelId, { reason: a.reason });
        return;
      case "survey":
        return recordSurvey(surveyEvent(call.session, a, Date.now()), this.deps.events, this.log);
      case "admission": {
        const express = this.deps.express;
        const answer = express ? express.admission(a) : Promise.resolve<EngineEvent>({ type: "admissionResult", id: a.id, admit: false, reason: "nothing sold on this daemon" });
        void answer.then((e) => this.feedLater(callId, e));
        return;
      }
      case "purchase":
        // the consent (kept in apply) is saved before it is billed: a crash in between bills it on recovery
        if (!this.deps.express) return this.log.error({ callId, action: a }, "consent to a purchase on a daemon that sells nothing; not billed");
        await this.save(call);
        if (await this.deps.express.bill(call.session)) await this.save(call);
        return;
      case "callback":
      case "appointmentSlots":
      case "appointmentBook":
        return this.feedLater(callId, await answerBooking(this.deps.bookings, call, a, () => this.save(call)));
    }
  }

  private async lookup(call: LiveCall, a: Extract<EngineAction, { type: "lookup" }>): Promise<void> {
    const { callId } = call.session;
    const crm = this.deps.crm;
    let event: EngineEvent;
    if (a.source !== "crm" || !crm) event = { type: "lookupResult", id: a.id, ok: false, error: `no data source "${a.source}"` };
    else {
      const outcome = await (a.key === call.callerNumber ? crm.prefetch(callId, a.key) : crm.lookup(a.key));
      event =
        outcome.status === "found"
          ? { type: "lookupResult", id: a.id, ok: true, found: true, data: outcome.customer as unknown as Record<string, unknown> }
          : outcome.status === "not-found"
            ? { type: "lookupResult", id: a.id, ok: true, found: false }
            : { type: "lookupResult", id: a.id, ok: false, error: outcome.error };
    }
    this.feedLater(callId, event);
  }

  /**
   * Calls whose channel is missing from `liveChannelIds` (Asterisk's channel list, requested at
   * `listedAt`) end as hangups. Only calls that arrived before the request are judged: a newer channel
   * may not be in the list. Returns the call ids ended.
   */
  reconcile(liveChannelIds: ReadonlySet<string>, listedAt: number): string[] {
    const gone = [...this.calls.values()].filter((c) => !c.gone && c.session.startedAt < listedAt && !liveChannelIds.has(c.session.channelId));
    for (const c of gone) this.callerLeft(c.session.channelId);
    return gone.map((c) => c.session.callId);
  }

  /** Queue verdicts come back into the engine through here (wired by the daemon). */
  queueResult(callId: string, outcome: QueueOutcome): void {
    const q = this.calls.get(callId)?.session.queue;
    if (q && outcome === "timeout") q.leftAt ??= Date.now();
    this.feedLater(callId, { type: "queueResult", outcome });
  }

  /** The queue would not take the caller (Redis refused it for too long): to the dialplan fallback. */
  queueFallback(callId: string, why: string): void {
    const call = this.calls.get(callId);
    if (call) void this.run(call, () => this.toFallback(call.session.channelId, why));
  }

  /** Every live call's session written again (Redis came back without its data). */
  async saveAll(): Promise<void> {
    await Promise.all([...this.calls.values()].filter((c) => !c.gone).map((c) => this.deps.store.save(c.session)));
  }

  connected(c: Connected): void {
    const call = this.calls.get(c.callId);
    if (!call) return;
    call.session.agent = agentOfConversation(c, Date.now());
    void this.save(call);
    this.deps.onConnected?.({ session: call.session, state: call.state }, c);
  }

  /**
   * The agent hung up on a connected caller: the call is over for the caller too, unless the tree takes
   * the caller on (`afterAgent`, a survey): then the engine goes on from there, with the caller's channel
   * still in the app (the hand-off has taken the bridge down).
   */
  agentEnded(c: Connected): void {
    const call = this.calls.get(c.callId);
    if (!call || call.gone || !goesOnAfterAgent(call.set, call.state)) return this.hangUpCaller(c.callId);
    void this.run(call, async () => {
      if (call.gone) return;
      // the answer's step runs before this one (same chain); without a wait for the agent there is no way on
      if (call.state.waiting?.kind !== "agent") return this.hangUpCaller(c.callId);
      call.session.agent = conversationOver(call.session.agent, c, Date.now());
      this.log.info({ callId: c.callId, agentId: c.agentId }, "the agent hung up first; the caller goes on in the tree");
      await this.apply(call, step(call.set, call.state, { type: "agentEnded" }));
    });
  }

  private hangUpCaller(callId: string): void {
    const call = this.calls.get(callId);
    if (call && !call.gone) this.deps.ari.hangup(call.session.channelId).catch(ignore);
  }

  /**
   * The tree transfers the caller to an endpoint: the target's leg goes into the session before it is
   * rung (a restart finds it), then the target rings while the caller hears the music.
   */
  private async transferTo(call: LiveCall, endpoint: string): Promise<void> {
    const { callId, channelId } = call.session;
    const legId = transferLegId(callId);
    call.session.transfer = { endpoint, channelId: legId };
    await this.save(call);
    if (call.gone) return;
    await this.transfers.start({ callId, channelId, endpoint, callerNumber: call.callerNumber, callerName: call.callerName }, legId);
  }

  private transferConnected(callId: string, leg: TransferLeg): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.session.transfer = { ...leg };
    void this.run(call, () => this.save(call));
  }

  /** The target was not reached: the caller goes to the fallback, and its history says why. */
  private transferFailed(callId: string, why: string): void {
    const call = this.calls.get(callId);
    if (!call || call.gone) return;
    const t = call.session.transfer;
    if (t) t.failed = why;
    void this.run(call, async () => {
      await this.save(call);
      if (!call.gone) await this.toFallback(call.session.channelId, `transfer to ${t?.endpoint ?? "?"}: ${why}`);
    });
  }

  private callerLeft(channelId: string): void {
    const call = this.calls.get(channelId);
    if (!call) this.unmatched?.delete(channelId);
    if (!call || call.gone) return;
    call.gone = true;
    void this.run(call, async () => {
      for (const t of call.timers.values()) clearTimeout(t);
      call.timers.clear();
      if (call.state.status !== "ended") await this.apply(call, step(call.set, call.state, { type: "hangup" }));
      this.transfers.callerGone(call.session.callId);
      await this.deps.handoff.callerGone(call.session.callId);
      this.calls.delete(channelId);
      this.deps.registry.unpin(call.set.version);
      this.deps.crm?.forget(call.session.callId);
      this.log.info({ callId: call.session.callId, outcome: call.state.outcome, path: call.state.path.filter((p) => p.choice).map((p) => `${p.node}=${p.label ?? p.choice}`) }, "call ended");
      // a consent whose job could not be published yet gets its last try while the session exists
      await this.deps.express?.bill(call.session);
      await this.deps.onEnded?.({ session: call.session, state: call.state });
      await this.deps.store.remove(call.session).catch(ignore);
    });
  }

  private async toFallback(channelId: string, why: string): Promise<void> {
    const f = this.deps.config.fallback;
    this.log.warn({ channelId, why, context: f.context }, "call sent to the dialplan fallback");
    await this.deps.ari.continueInDialplan(channelId, { context: f.context, extension: f.extension, priority: f.priority }).catch(() => this.deps.ari.hangup(channelId).catch(ignore));
  }

  /** Recoveries run one after the other (a reconnect may come while the first is still running). */
  private recoverSoon(): void {
    this.recovery = this.recovery.then(() => this.recover());
  }

  /**
   * After (re)connecting: the sessions of this server that no call in memory has are matched with the
   * channels still in the app and taken up again (recovery-plan.ts); channels without a session go to the
   * fallback, and agent legs whose call is over are hung up.
   */
  private async recover(): Promise<void> {
    let inApp: Set<string>;
    try {
      inApp = new Set((await this.deps.ari.getApplication()).channel_ids);
    } catch (err) {
      this.log.warn({ err }, "recovery skipped: application not readable");
      return;
    }
    this.unmatched = inApp;
    try {
      const sessions = await this.deps.store.list(this.deps.ari.serverId).catch(() => [] as CallSession[]);
      let recovered = 0;
      const work = new Set<Promise<void>>();
      for (const s of sessions) {
        if (this.calls.has(s.callId)) continue;
        // planned and taken into memory at once: from here on the call's events reach it
        const plan = planRecovery(s, inApp);
        const call = this.takeUp(s, plan);
        inApp.delete(s.channelId);
        if (plan.kind === "conversation") inApp.delete(plan.agent.channelId);
        if (plan.kind === "transfer" && plan.leg) inApp.delete(plan.leg.channelId);
        const done: Promise<void> = this.run(call, () => this.carryOut(call, plan)).finally(() => work.delete(done));
        work.add(done);
        recovered++;
        if (work.size >= RECOVERY_CONCURRENCY) await Promise.race(work);
      }
      await Promise.all(work);
      await this.strays(inApp);
      if (sessions.length || inApp.size) this.log.info({ recovered, sessions: sessions.length }, "calls recovered after (re)connect");
    } finally {
      this.unmatched = undefined;
    }
  }

  /** A session back in memory; a conversation or an answered transfer taken charge of, so that either leg's hangup is seen. */
  private takeUp(s: CallSession, plan: RecoveryPlan): LiveCall {
    const set = this.deps.registry.get(s.engine.version) ?? this.deps.registry.current;
    const call: LiveCall = {
      session: s,
      set: this.deps.registry.pin(set.version),
      state: s.engine,
      timers: new Map(),
      chain: Promise.resolve(),
      gone: false,
      callerNumber: s.engine.call.callerNumber,
      callerName: s.engine.call.callerName ?? "",
    };
    this.calls.set(s.callId, call);
    // a transfer whose target answered: either side's hangup from now on ends the other
    if (plan.kind === "transfer" && plan.leg?.answeredAt !== undefined && plan.callerUp && plan.targetUp && !plan.failed)
      this.transfers.adopt(s.callId, s.channelId, { endpoint: plan.endpoint, ...plan.leg });
    if (plan.kind === "conversation") {
      const q = s.queue;
      this.deps.handoff.adoptConversation({
        callId: s.callId,
        serverId: s.serverId,
        agentId: plan.agent.agentId,
        agentChannelId: plan.agent.channelId,
        bridgeId: plan.agent.bridgeId,
        queue: q?.queue ?? "",
        lane: q?.lane ?? "",
        waitMs: q ? Math.max(0, plan.agent.answeredAt - q.joinedAt) : 0,
      });
    }
    return call;
  }

  private async carryOut(call: LiveCall, plan: RecoveryPlan): Promise<void> {
    const { callId, channelId } = call.session;
    // the old daemon may have died between keeping a consent and billing it: bill it (again: once is once)
    if (await this.deps.express?.bill(call.session, { again: true })) await this.save(call);
    switch (plan.kind) {
      case "gone":
        if (call.state.status === "queued") await this.deps.handoff.abandon(callId);
        return this.callerLeft(channelId);
      case "conversation":
        if (!plan.callerUp) return this.callerLeft(channelId);
        if (!plan.agentUp) return this.deps.handoff.agentLeft(callId);
        return this.rebridge(call);
      case "ivr":
        await Promise.all([
          this.restoreLookup(call),
          // Asterisk plays a channel's prompts one after the other: the old daemon's would hold up the menu
          plan.stopPlayback ? this.deps.ari.stopPlayback(playbackIdOf(callId, plan.stopPlayback)).catch(ignore) : undefined,
        ]);
        return this.apply(call, resume(call.set, call.state));
      case "queued":
        await this.restoreLookup(call);
        return this.rejoinQueue(call);
      case "transfer":
        return this.resumeTransfer(call, plan);
    }
  }

  /**
   * A transfer the old daemon left. Answered (taken charge of in `takeUp`, or the target picked up while
   * no daemon ran and its leg waits in the app): bridged if they are not. Not answered: rung again, the old
   * leg hung up first (nobody would bridge it). Not reached: on to the fallback. A side that left while no
   * daemon ran ends the other.
   */
  private async resumeTransfer(call: LiveCall, plan: Extract<RecoveryPlan, { kind: "transfer" }>): Promise<void> {
    const { callId, channelId } = call.session;
    const { leg, endpoint } = plan;
    const ari = this.deps.ari;
    if (leg && leg.answeredAt === undefined && plan.callerUp && plan.targetUp && !plan.failed) {
      const up = await ari.getChannel(leg.channelId).then((c) => c.state === "Up", () => false);
      if (up) this.transfers.adopt(callId, channelId, { endpoint, ...leg });
    }
    if (this.transfers.has(callId)) return this.rebridgeTransfer(call, endpoint);
    if (leg) await ari.hangup(leg.channelId).catch(ignore);
    if (!plan.callerUp) return this.callerLeft(channelId);
    if (plan.failed) return this.toFallback(channelId, `transfer to ${endpoint}: ${plan.failed}`);
    if (leg?.answeredAt !== undefined) {
      // the target hung up while no daemon ran: the call is over
      if (leg.bridgeId) await ari.destroyBridge(leg.bridgeId).catch(ignore);
      return ari.hangup(channelId).catch(ignore);
    }
    this.log.warn({ callId, endpoint }, "transfer not answered before the restart; ringing the target again");
    return this.transferTo(call, endpoint);
  }

  /** An adopted transfer: caller and target in one bridge again, which the session records. */
  private async rebridgeTransfer(call: LiveCall, endpoint: string): Promise<void> {
    const { callId, channelId } = call.session;
    const t = call.session.transfer;
    if (!t) return;
    try {
      const bridgeId = await this.transfers.rebridge(callId);
      if (bridgeId === undefined) return;
      call.session.transfer = { ...t, bridgeId, answeredAt: t.answeredAt ?? Date.now() };
    } catch (err) {
      this.log.error({ err, callId }, "caller and transfer target not bridged after a restart");
      this.transfers.callerGone(callId);
      t.failed = "not bridged after a restart";
      await this.save(call);
      return this.toFallback(channelId, `transfer to ${endpoint}: ${t.failed}`);
    }
    await this.save(call);
  }

  /** The CRM outcome the old daemon kept; asked again only when it kept none. */
  private async restoreLookup(call: LiveCall): Promise<void> {
    const crm = this.deps.crm;
    if (!crm) return;
    const kept = await this.deps.store.lookup(call.session.callId).catch(() => null);
    if (kept) crm.restore(call.session.callId, kept);
    else this.keepLookup(call, crm.prefetch(call.session.callId, call.callerNumber));
  }

  private async rejoinQueue(call: LiveCall): Promise<void> {
    const s = call.session;
    const waiting = s.engine.waiting?.kind === "queue" ? s.engine.waiting : undefined;
    const queue = s.queue?.queue ?? waiting?.queue;
    if (!queue) return this.queueResult(s.callId, "timeout");
    const lane = s.queue?.lane ?? waiting?.lane ?? this.deps.handoff.defaultLane(queue);
    const place = await this.deps.handoff.resumeWaiting({ callId: s.callId, serverId: s.serverId, channelId: s.channelId, callerNumber: call.callerNumber, callerName: call.callerName, queue, lane });
    if (place === "waiting") return;
    // the old daemon's agent leg for this caller, answered but never bridged, goes: the tree carries on
    // as after a timeout (the queue no longer has the caller's place)
    this.log.warn({ callId: s.callId, queue }, "queued caller's place is gone after a restart; treated as a queue timeout");
    for (const id of await this.agentLegsOf(s.callId)) await this.deps.ari.hangup(id).catch(ignore);
    this.queueResult(s.callId, "timeout");
  }

  private async agentLegsOf(callId: string): Promise<string[]> {
    const ids = await this.deps.ari.getApplication().then((a) => a.channel_ids, () => [] as string[]);
    return ids.filter((id) => callOfAgentLeg(id) === callId);
  }

  /** Both legs are up: the conversation goes on, in a bridge made again if the old one went. */
  private async rebridge(call: LiveCall): Promise<void> {
    const bridgeId = await this.deps.handoff.rebridge(call.session.callId, call.session.channelId);
    if (bridgeId && call.session.agent && call.session.agent.bridgeId !== bridgeId) {
      call.session.agent.bridgeId = bridgeId;
      await this.save(call);
    }
  }

  /** Channels in the app that no session explains: callers to the fallback, agent legs of calls that are over hung up. */
  private async strays(inApp: ReadonlySet<string>): Promise<void> {
    for (const id of inApp) {
      if (this.calls.has(id)) continue;
      const owner = callOfAgentLeg(id) ?? callOfTransferLeg(id);
      if (owner === undefined) await this.toFallback(id, "no session after restart");
      else if (!this.calls.has(owner)) {
        this.log.warn({ channelId: id, callId: owner }, "agent or transfer leg of a call that is over hung up");
        await this.deps.ari.hangup(id).catch(ignore);
      }
    }
  }
}
