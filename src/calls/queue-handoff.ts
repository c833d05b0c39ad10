import { randomUUID } from "node:crypto";
import type { Logger } from "../lib/logger.js";
import type { AgentState } from "../queue/agent-states.js";
import { QueueError, type EnqueueRequest, type JoinResult, type Offer } from "../queue/index.js";
import type { RejoiningCaller } from "../queue/rebuild.js";
import { AriServerError, AriUnavailableError, type AriEvent, type AriGateway } from "../telephony/index.js";
import { onCall } from "./agent-ledger.js";
import { HoldMedia } from "./hold-media.js";
import { placeCaller, type Placement } from "./placement.js";
import type { Connected, HandoffDeps, JoinRequest, Ring, Waiter } from "./handoff-types.js";
import { TalkClock } from "./talk-time.js";
import { legCallerId } from "./transfer.js";

export type { Connected, HandoffDeps, HandoffHooks, JoinRequest, QueueOutcome } from "./handoff-types.js";

/**
 * The caller's time in the queue, on a live channel: music on hold, position and expected-wait
 * announcements, dispatch (on join, on agent changes and from a periodic sweep), ringing the agent's phone
 * into the Stasis app, bridging on answer, and putting the caller back at the same place when the agent
 * does not answer. One hand-off serves all the daemon's Asterisk servers: the agent is rung on the
 * caller's server (ARI bridges are per server). Waiting order and agent states live in Redis
 * (CallerQueue); this class holds only the timers and channel ids of the callers this daemon answers.
 *
 * Hold music: whenever a caller waits and nothing plays, the music is on. On Asterisk a play stops the
 * channel's music for good (it does not come back after the prompt), and a bridge does not stop it: so an
 * announcement is played without stopping the music first, the music is started again when it finishes
 * (also while an agent's phone rings: a ring lasts up to ringTimeout), and it is stopped only when an agent
 * answers. A caller who joins while an agent is free is rung at once, before any media request, and hears
 * the music instead of its position.
 */

/** A join's first dispatch round that takes longer than this (ms) no longer holds back the caller's media. */
const FIRST_ROUND_MS = 200;
/** How often an enqueue Redis refused is tried again (ms). */
const RETRY_MS = 1000;

/** An originate that failed because the PBX could not be reached, did not answer, or is unavailable: not the agent's doing. */
const pbxDown = (err: unknown): boolean => err instanceof AriUnavailableError || (err instanceof AriServerError && err.status === 503);

const ignore = () => {};

/** Agent legs carry their call's id (call ids never hold "~"), so Asterisk's CDR of a leg leads back to its call. */
const agentLegId = (callId: string) => `sba-${callId}~${randomUUID()}`;
export const callOfAgentLeg = (channelId: string): string | undefined => /^sba-(.+)~[^~]+$/.exec(channelId)?.[1];

export class QueueHandoff {
  private readonly waiting = new Map<string, Waiter>();
  private readonly rings = new Map<string, Ring>();
  private readonly talking = new Map<string, Connected>();
  /** Conversations a previous daemon bridged: their agent may have moved on while nobody watched. */
  private readonly recovered = new Set<string>();
  private readonly byAgentChannel = new Map<string, string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private dispatching: Promise<void> | undefined;
  private again = false;
  private readonly log: Logger;
  private readonly queueNames: string[];
  private readonly clock: TalkClock;

  private readonly hold: HoldMedia;

  constructor(private readonly deps: HandoffDeps) {
    this.hold = new HoldMedia({
      waiting: this.waiting,
      ari: (serverId) => this.ari(serverId),
      queue: deps.queue,
      config: deps.config,
      hooks: deps.hooks,
      log: deps.logger.child({ component: "queue-handoff" }),
      timedOut: (callId) => this.timedOut(callId),
    });
    this.log = deps.logger.child({ component: "queue-handoff" });
    this.queueNames = [...deps.queue.settings.queues.keys()];
    this.clock = new TalkClock(callOfAgentLeg, (callId, m) => deps.hooks.talk?.(callId, m));
  }

  private ari(serverId: string): AriGateway {
    const ari = this.deps.lines.get(serverId);
    if (!ari) throw new Error(`no ARI connection for Asterisk server "${serverId}"`);
    return ari;
  }

  start(): void {
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.config.sweepInterval * 1000);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    for (const w of this.waiting.values()) {
      clearTimeout(w.retry);
      clearTimeout(w.announceTimer);
      clearTimeout(w.joined?.fallback);
    }
    for (const r of this.rings.values()) {
      clearTimeout(r.timer);
      this.dropBridge(r);
    }
  }

  /** The lane a caller gets when the tree names none: the queue's last lane (its least urgent). */
  defaultLane(queue: string): string {
    const lanes = this.deps.queue.queue(queue).lanes;
    return lanes[lanes.length - 1]!;
  }

  /** The lane a caller joins (placement.ts): the sold lane only while its promise can be kept. */
  placement(queue: string, lane: string | undefined): Promise<Placement> {
    return placeCaller(this.deps.queue, this.log, queue, lane ?? this.defaultLane(queue), this.defaultLane(queue));
  }

  isWaiting(callId: string): boolean {
    return this.waiting.has(callId);
  }

  async join(req: JoinRequest): Promise<"queued" | "empty" | "full"> {
    const lane = req.lane ?? this.defaultLane(req.queue);
    const waiter = { callId: req.callId, serverId: req.serverId, channelId: req.channelId, callerNumber: req.callerNumber, callerName: req.callerName ?? "", queue: req.queue, lane, joinedAt: this.deps.queue.clock.now(), request: req };
    // taken charge of before the place is confirmed: the reply that confirms it may offer the caller
    const mine: Waiter = { ...waiter, joined: { fallback: setTimeout(() => this.firstRoundOver(req.callId), FIRST_ROUND_MS) } };
    this.waiting.set(req.callId, mine);
    let r: JoinResult;
    try {
      r = await this.enqueueAndDispatch(this.enqueueRequest(req, lane), req.offerTo);
    } catch (err) {
      this.forget(mine);
      if (!(err instanceof QueueError)) return this.joinLater({ ...waiter }, err);
      // the caller has a place already: a daemon killed after joining but before saving the session, whose
      // resumed caller comes back to the queue node. The place it earned is the caller's.
      if (!(err instanceof QueueError && err.code === "SBQ_DUPLICATE_CALL") || (await this.resumeWaiting(waiter)) === "lost") throw err;
      this.log.info({ callId: req.callId, queue: req.queue }, "caller already had a place in the queue; it keeps it");
      return "queued";
    }
    const offer = r.offer;
    if (offer) {
      // the agent's phone first: nothing else of this join runs before the originate is on the socket
      // (Node writes a request in a later tick; the work below would run before it)
      const rung = this.ring(offer);
      await new Promise((resolve) => setImmediate(resolve));
      // then dispatch goes on until nobody matches, as after any offer (a caller of another daemon's, put
      // back, would only be offered again: that daemon dispatches it, and this caller's round ends here)
      void rung.then((ours) => (ours ? this.kick() : this.firstRoundOver(req.callId)));
    }
    if (r.status !== "queued") {
      this.forget(mine);
      return r.status;
    }
    this.log.info({ callId: req.callId, queue: req.queue, lane, position: r.position, ewtMs: r.ewtMs }, "caller queued");
    const joined = mine.joined;
    if (joined) {
      Object.assign(joined, { position: r.position, ewtMs: r.ewtMs });
      // rung at once: the music; nobody free: the position. When the agent went to a caller placed before
      // this one, the dispatch round that follows decides (another agent may be free for this caller).
      if (!offer || offer.callId === req.callId || joined.announceWhenQueued) this.firstRoundOver(req.callId);
    }
    this.hold.schedule(req.callId);
    return "queued";
  }

  /**
   * The enqueue and the first dispatch round's decision in one script (one round trip). Without ARI no
   * agent can be rung (see kick): the enqueue alone.
   */
  private async enqueueAndDispatch(request: EnqueueRequest, offerTo?: string): Promise<JoinResult> {
    if (!this.anyLineUp()) return { ...(await this.deps.queue.enqueue(request)), offer: null };
    if (offerTo) return this.deps.queue.offerTo(request, offerTo);
    return this.deps.queue.join(request, { queues: this.queueNames, skip: this.passedOver() });
  }

  private enqueueRequest(req: JoinRequest, lane: string, joinedAt?: number): EnqueueRequest {
    const maxWait = req.maxWaitMs === undefined ? {} : { maxWait: req.maxWaitMs / 1000 };
    return { callId: req.callId, queue: req.queue, lane, skills: req.skills, priority: req.priority, ...maxWait, ...(joinedAt ? { joinedAt } : {}), ...(req.rankAs ? { rankAs: req.rankAs } : {}) };
  }

  /**
   * Redis refused the enqueue (full, unreachable): not "nobody staffed". The caller hears music and is
   * tried again every second, as of its first try (its place among later callers is kept); after
   * `enqueueRetryFor` it goes to the dialplan fallback.
   */
  private joinLater(w: Waiter, err: unknown): "queued" {
    this.log.error({ err, callId: w.callId, queue: w.queue }, "enqueue refused by Redis: the caller hears music and is tried again");
    this.waiting.set(w.callId, w);
    this.hold.startMusic(w);
    const until = Date.now() + this.deps.config.enqueueRetryFor * 1000;
    w.retry = setTimeout(() => void this.retryJoin(w, until), RETRY_MS);
    return "queued";
  }

  private async retryJoin(w: Waiter, until: number): Promise<void> {
    if (this.waiting.get(w.callId) !== w) return;
    w.retry = undefined;
    try {
      const r = await this.deps.queue.enqueue(this.enqueueRequest(w.request!, w.lane, w.joinedAt));
      if (this.waiting.get(w.callId) !== w) return void (await this.deps.queue.abandon(w.callId).catch(ignore));
      if (r.status !== "queued") return this.timedOut(w.callId, r.status);
      this.log.warn({ callId: w.callId, queue: w.queue, position: r.position }, "caller queued: Redis took the enqueue it had refused");
    } catch (err) {
      // a rebuild after Redis lost its data may have put the caller back already
      const placed = err instanceof QueueError && err.code === "SBQ_DUPLICATE_CALL";
      if (!placed && this.waiting.get(w.callId) !== w) return;
      if (!placed && (err instanceof QueueError || Date.now() >= until)) {
        this.log.error({ err, callId: w.callId, queue: w.queue, triedForMs: Date.now() - until + this.deps.config.enqueueRetryFor * 1000 }, "the queue would not take the caller: sent to the fallback");
        this.release(w);
        return this.deps.hooks.fallback?.(w.callId, w.serverId, "queue unavailable (Redis refused the enqueue)");
      }
      if (!placed) return void (w.retry = setTimeout(() => void this.retryJoin(w, until), RETRY_MS));
    }
    this.hold.schedule(w.callId);
    this.kick();
  }

  /**
   * This daemon's callers with a place in the queue, for a rebuild after Redis lost its data: each joins
   * again as of its first join (callers whose enqueue is being retried join by themselves).
   */
  rejoining(): RejoiningCaller[] {
    const now = this.deps.queue.clock.now();
    return [...this.waiting.values()]
      .filter((w) => !w.retry && !w.connecting)
      .map((w) => ({ callId: w.callId, queue: w.queue, lane: w.lane, skills: w.request?.skills ?? [], priority: w.request?.priority ?? 0, ...(w.request?.maxWaitMs === undefined ? {} : { maxWaitMs: w.request.maxWaitMs }), joinedAt: w.joinedAt ?? now }));
  }

  /** Callers a rebuild could not put back (nobody staffed for them any more): the tree's onEmpty. */
  notRejoined(callIds: readonly string[]): void {
    for (const id of callIds) void this.timedOut(id, "empty");
  }

  private anyLineUp(): boolean {
    for (const ari of this.deps.lines.values()) if (ari.isConnected) return true;
    return false;
  }

  /** A caller taken charge of for a join that did not happen. */
  private forget(w: Waiter): void {
    clearTimeout(w.joined?.fallback);
    w.joined = undefined;
    if (this.waiting.get(w.callId) === w) this.waiting.delete(w.callId);
  }

  /**
   * The first dispatch round since the caller joined is over (or took too long): rung at once, it hears
   * the music while the phone rings; else its position, then the music.
   */
  private firstRoundOver(callId: string): void {
    const w = this.waiting.get(callId);
    if (!w?.joined) return;
    const { position, ewtMs, fallback } = w.joined;
    clearTimeout(fallback);
    if (w.ringing || w.connecting) {
      w.joined = undefined;
      this.hold.startMusic(w);
    } else if (position === undefined) w.joined.announceWhenQueued = true;
    else {
      w.joined = undefined;
      void this.hold.announce(callId, position, ewtMs ?? null);
    }
  }

  /** Every caller whose first dispatch round just ended. */
  private firstRoundsOver(): void {
    for (const [callId, w] of this.waiting) if (w.joined) this.firstRoundOver(callId);
  }

  /** Takes charge of a caller whose place is already in Redis (a restart). */
  adopt(w: Omit<Waiter, "announceTimer">): void {
    const mine: Waiter = { ...w };
    this.waiting.set(w.callId, mine);
    this.hold.startMusic(mine);
    this.hold.schedule(w.callId);
  }

  /**
   * A caller a previous daemon queued (restart recovery). Its place is taken up again; a ring that daemon
   * left unfinished puts the caller back at the same place and frees the agent. "lost" when the queue no
   * longer has the caller (an agent took it but the daemon died before bridging them, or it timed out).
   */
  async resumeWaiting(w: Omit<Waiter, "announceTimer">): Promise<"waiting" | "lost"> {
    const pos = await this.deps.queue.position(w.callId).catch((err) => {
      this.log.warn({ err, callId: w.callId }, "queue place not read; the caller is taken as still waiting");
      return undefined;
    });
    if (pos === null) return "lost";
    if (pos) w = { ...w, joinedAt: this.deps.queue.clock.now() - pos.waitMs };
    if (pos?.state === "offered") {
      await this.deps.queue.requeue(w.callId, { agent: "available", reason: "daemon restarted while ringing" }).catch((err) => this.log.warn({ err, callId: w.callId }, "requeue failed"));
      this.deps.hooks.agentStatus?.(pos.agentId, { state: "available" });
    }
    this.adopt(pos ? { ...w, queue: pos.queue, lane: pos.lane } : w);
    this.kick();
    return "waiting";
  }

  /**
   * A conversation a previous daemon bridged (restart recovery): from now on its end (either leg's
   * hangup) is seen as if this daemon had bridged it.
   */
  adoptConversation(c: Connected): void {
    this.talking.set(c.callId, c);
    this.byAgentChannel.set(c.agentChannelId, c.callId);
    this.recovered.add(c.callId);
    // a call's id is its caller channel's id (CallManager)
    this.clock.follow(c.callId, c.callId, { bridgeId: c.bridgeId });
  }

  /** Both legs of an adopted conversation are up: a bridge lost meanwhile is made again. Returns the bridge. */
  async rebridge(callId: string, callerChannelId: string): Promise<string | undefined> {
    const c = this.talking.get(callId);
    if (!c) return undefined;
    const ari = this.ari(c.serverId);
    const bridge = c.bridgeId ? await ari.getBridge(c.bridgeId).catch(() => undefined) : undefined;
    if (bridge?.channels.includes(callerChannelId) && bridge.channels.includes(c.agentChannelId)) return c.bridgeId;
    if (bridge) await ari.destroyBridge(bridge.id).catch(ignore);
    c.bridgeId = await this.makeBridge(callId, c.serverId);
    await ari.addChannel(c.bridgeId, [callerChannelId, c.agentChannelId]);
    this.log.warn({ callId, bridgeId: c.bridgeId }, "caller and agent bridged again after a restart");
    return c.bridgeId;
  }

  /** The agent's leg of an adopted conversation ended while no daemon was there: as if the agent hung up now. */
  agentLeft(callId: string): Promise<void> {
    return this.finish(callId, "agent");
  }

  /** Routes the ARI events (of server `serverId`) that concern queue hand-off; true when the event was ours. */
  handle(e: AriEvent, serverId: string): boolean {
    this.clock.observe(e);
    if (this.hold.handle(e)) return true;
    if (e.type === "StasisStart" && e.args[0] === "agent") {
      void this.agentAnswered(e.channel.id, serverId);
      return true;
    }
    if (e.type === "ChannelDestroyed" || e.type === "StasisEnd" || e.type === "ChannelHangupRequest") {
      if (this.rings.has(e.channel.id)) {
        if (e.type !== "StasisEnd") void this.notAnswered(e.channel.id, "no answer");
        return true;
      }
      const callId = this.byAgentChannel.get(e.channel.id);
      if (callId !== undefined) {
        const c = this.talking.get(callId);
        if (!c || !this.deps.hooks.agentLeft?.(c)) void this.finish(callId, "agent");
        return true;
      }
    }
    return false;
  }

  /**
   * A held caller's place becomes a call back: the caller is no longer ours to ring (nor to abandon when
   * they hang up); the place stays in the queue as it is. Undefined when the caller holds no place here.
   */
  handOver(callId: string): Waiter | undefined {
    const w = this.waiting.get(callId);
    if (!w?.held) return undefined;
    this.release(w);
    return w;
  }

  /** A hand-over that could not be booked: the caller holds its place here again (still held: the tree decides). */
  takeBack(w: Waiter): void {
    if (!this.waiting.has(w.callId)) this.waiting.set(w.callId, { ...w, held: true });
  }

  /** Runs dispatch until no more matches; calls that overlap are merged into one more round. */
  kick(): void {
    // without ARI no agent can be rung: an offer now would only count as a missed call against the
    // agent; the sweep dispatches again once the link is back. Callers on a server whose link is down
    // keep their place and are passed over, so they do not hold up callers on the other servers.
    if (!this.anyLineUp()) return this.firstRoundsOver();
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = (async () => {
      do {
        this.again = false;
        // the callers who joined before this round: it decides whether they are rung at once
        const deciding = [...this.waiting.values()].filter((w) => w.joined).map((w) => w.callId);
        try {
          const next = () => this.deps.queue.dispatch(this.queueNames, this.passedOver());
          for (let offer = await next(); offer; offer = await next()) {
            const rung = this.ring(offer);
            // the agent's phone is being originated: now the caller's music
            this.firstRoundOver(offer.callId);
            if (!(await rung)) break;
          }
        } catch (err) {
          this.log.error({ err }, "dispatch failed");
        }
        for (const callId of deciding) this.firstRoundOver(callId);
      } while (this.again);
    })().finally(() => {
      this.dispatching = undefined;
      this.firstRoundsOver();
    });
  }

  /**
   * Callers dispatch passes over, keeping their place: ours on a server whose ARI link is down, ours
   * booking a call back, and call backs not due yet (the hook's).
   */
  private passedOver(): string[] {
    const held = [...this.waiting.values()].filter((w) => w.held).map((w) => w.callId);
    return [...this.unreachable(), ...held, ...(this.deps.hooks.notDue?.() ?? [])];
  }

  /** Our callers on a server whose ARI link is down. */
  private unreachable(): string[] {
    const down = [...this.deps.lines].filter(([, ari]) => !ari.isConnected).map(([id]) => id);
    if (down.length === 0) return [];
    return [...this.waiting.values()].filter((w) => down.includes(w.serverId)).map((w) => w.callId);
  }

  /** Originates the agent's phone into the Stasis app; false when the caller is not one of ours. */
  private async ring(offer: Offer): Promise<boolean> {
    const w = this.waiting.get(offer.callId);
    if (!w) {
      // a call back (its caller hung up long ago): the agent is rung first, then the customer dialled
      if (await this.deps.hooks.callback?.(offer)) return true;
      // a caller held by another daemon (shared Redis): put it back untouched, its owner will dispatch it
      await this.deps.queue.requeue(offer.callId, { agent: "available", reason: "caller on another daemon" }).catch(ignore);
      return false;
    }
    const channelId = agentLegId(offer.callId);
    const ringMs = this.deps.config.ringTimeout * 1000;
    // registered before originate: Asterisk may report the channel before the REST reply
    const ring: Ring = {
      callId: offer.callId,
      serverId: w.serverId,
      agentId: offer.agentId,
      offer,
      answered: false,
      // still no reply to the originate by then: the PBX is not answering
      timer: setTimeout(() => void this.notAnswered(channelId, "ring timeout", !ring.originated), ringMs + 5000),
      bridge: Promise.resolve(undefined),
    };
    this.rings.set(channelId, ring);
    w.ringing = channelId;
    // the phone first: no other request of this caller goes out before it
    const originated = this.ari(w.serverId).originate({
      endpoint: this.deps.dial?.(offer.agentId, offer.endpoint, w.serverId) ?? offer.endpoint,
      appArgs: ["agent", offer.callId],
      callerId: legCallerId(w.callerName, w.callerNumber),
      timeoutSeconds: this.deps.config.ringTimeout,
      channelId,
    });
    // the bridge made now so that an answer needs one round trip less before caller and agent talk; it
    // and the rest wait for the next turn of the loop, which writes the originate to the socket first
    ring.bridge = new Promise((resolve) => setImmediate(() => resolve(this.newBridge(offer.callId, w.serverId))));
    setImmediate(() => {
      this.log.info({ callId: offer.callId, agentId: offer.agentId, endpoint: offer.endpoint, waitMs: offer.waitMs }, "ringing agent");
      this.deps.hooks.agentStatus?.(offer.agentId, { state: "ringing", callId: offer.callId });
    });
    try {
      await originated;
      ring.originated = true;
    } catch (err) {
      const down = pbxDown(err);
      this.log.warn({ err, callId: offer.callId, agentId: offer.agentId }, down ? "originate to the agent failed: the PBX did not answer (not the agent's miss)" : "originate to the agent failed");
      await this.notAnswered(channelId, down ? "PBX unreachable" : "originate failed", down);
    }
    return true;
  }

  /**
   * The agent did not take the call: the caller goes back to its place, the agent per config; but when
   * the PBX failed (`pbx`, or its ARI link is down now) the agent stays available, and dispatch waits for
   * the sweep (a PBX that fails at once is not rung in a loop).
   */
  private async notAnswered(agentChannelId: string, why: string, pbx = false): Promise<void> {
    const ring = this.rings.get(agentChannelId);
    if (!ring || ring.answered) return;
    this.rings.delete(agentChannelId);
    clearTimeout(ring.timer);
    this.dropBridge(ring);
    const w = this.waiting.get(ring.callId);
    if (w) w.ringing = undefined;
    this.ari(ring.serverId).hangup(agentChannelId).catch(ignore);
    if (!w) return;
    // the caller waits on: with the music (normally on since the ring began or the announcement ended)
    if (!w.announcement && !w.connecting) this.hold.startMusic(w);
    const notTheAgent = pbx || !this.ari(ring.serverId).isConnected;
    const now = notTheAgent ? "available" : this.deps.config.noAnswer;
    try {
      const r = await this.deps.queue.requeue(ring.callId, { agent: now, reason: why });
      this.log.info({ callId: ring.callId, agentId: ring.agentId, position: r.position, why, agentNow: now }, notTheAgent ? "the PBX failed the ring; caller keeps its place, agent stays available" : "agent did not answer; caller keeps its place");
      this.deps.hooks.agentStatus?.(ring.agentId, now === "paused" ? { state: now, reason: why } : { state: now });
    } catch (err) {
      this.log.warn({ err, callId: ring.callId }, "requeue failed");
    }
    if (!notTheAgent) this.kick();
  }

  private async agentAnswered(agentChannelId: string, serverId: string): Promise<void> {
    const ring = this.rings.get(agentChannelId);
    const w = ring && this.waiting.get(ring.callId);
    if (!ring || !w) {
      if (ring) this.dropBridge(ring);
      this.ari(serverId).hangup(agentChannelId).catch(ignore);
      return;
    }
    ring.answered = true;
    clearTimeout(ring.timer);
    this.rings.delete(agentChannelId);
    // the hold media stops while the queue settles the answer: one round trip less before they talk. The
    // music is the only thing that stops it (a bridge does not), and nothing starts it again from here on.
    w.connecting = true;
    const announcement = w.announcement;
    w.music = false;
    const silenced = Promise.all([
      announcement ? this.ari(w.serverId).stopPlayback(announcement).catch(ignore) : undefined,
      this.hold.media(w, () => this.ari(w.serverId).stopMoh(w.channelId)).catch(ignore),
    ]);
    let waitMs: number;
    try {
      waitMs = (await this.deps.queue.answered(ring.callId, ring.agentId)).waitMs;
    } catch (err) {
      this.log.warn({ err, callId: ring.callId }, "answer refused by the queue (caller gone?)");
      this.dropBridge(ring);
      this.ari(w.serverId).hangup(agentChannelId).catch(ignore);
      // a caller still waiting gets the hold music back
      w.connecting = false;
      if (this.waiting.get(ring.callId) === w) void silenced.then(() => this.hold.startMusic(w));
      return;
    }
    this.waiting.delete(ring.callId);
    clearTimeout(w.announceTimer);
    this.deps.hooks.agentStatus?.(ring.agentId, { state: "oncall" });
    const c: Connected = { callId: ring.callId, serverId: w.serverId, agentId: ring.agentId, agentChannelId, bridgeId: "", queue: w.queue, lane: w.lane, waitMs };
    this.talking.set(ring.callId, c);
    this.byAgentChannel.set(agentChannelId, ring.callId);
    this.clock.follow(ring.callId, w.channelId);
    try {
      const [made] = await Promise.all([ring.bridge, silenced]);
      c.bridgeId = made ?? (await this.makeBridge(ring.callId, w.serverId));
      await this.ari(w.serverId).addChannel(c.bridgeId, [w.channelId, agentChannelId]);
    } catch (err) {
      this.log.error({ err, callId: ring.callId }, "bridging caller and agent failed");
    }
    this.log.info({ callId: ring.callId, agentId: ring.agentId, waitMs }, "caller connected to agent");
    this.deps.hooks.result(ring.callId, w.serverId, "answered");
    this.deps.hooks.connected(c);
  }

  private async makeBridge(callId: string, serverId: string): Promise<string> {
    return (await this.ari(serverId).createBridge({ type: ["mixing"], name: `call-${callId}` })).id;
  }

  private newBridge(callId: string, serverId: string): Promise<string | undefined> {
    return this.makeBridge(callId, serverId).catch((err) => {
      this.log.warn({ err, callId }, "bridge not made while ringing; made on answer instead");
      return undefined;
    });
  }

  /** A ring that did not become a conversation: its bridge goes. */
  private dropBridge(ring: Ring): void {
    void ring.bridge.then((id) => (id ? this.ari(ring.serverId).destroyBridge(id).catch(ignore) : undefined));
  }

  private async timedOut(callId: string, outcome: "timeout" | "empty" | "full" = "timeout"): Promise<void> {
    const w = this.waiting.get(callId);
    if (!w) return;
    this.release(w);
    w.music = false;
    await this.hold.media(w, () => this.ari(w.serverId).stopMoh(w.channelId)).catch(ignore);
    this.deps.hooks.result(callId, w.serverId, outcome);
  }

  private release(w: Waiter): void {
    clearTimeout(w.retry);
    clearTimeout(w.announceTimer);
    clearTimeout(w.joined?.fallback);
    w.joined = undefined;
    this.waiting.delete(w.callId);
    if (w.announcement) this.ari(w.serverId).stopPlayback(w.announcement).catch(ignore);
  }

  /** The caller hung up (or left the app): abandon its place, free a ringing agent, end a conversation. */
  async callerGone(callId: string): Promise<void> {
    const w = this.waiting.get(callId);
    if (w) {
      this.release(w);
      if (w.ringing) {
        const ring = this.rings.get(w.ringing);
        if (ring) {
          clearTimeout(ring.timer);
          this.dropBridge(ring);
        }
        this.rings.delete(w.ringing);
        this.ari(w.serverId).hangup(w.ringing).catch(ignore);
      }
      await this.abandon(callId);
      return;
    }
    await this.finish(callId, "caller");
  }

  /** The caller's place goes (a ringing agent is freed); also for a caller who left while no daemon held it. */
  async abandon(callId: string): Promise<void> {
    const r = await this.deps.queue.abandon(callId).catch(() => null);
    if (r) this.log.info({ callId, waitMs: r.waitMs }, "caller abandoned the queue");
    this.kick();
  }

  private async finish(callId: string, by: "caller" | "agent"): Promise<void> {
    const c = this.talking.get(callId);
    if (!c) return;
    this.talking.delete(callId);
    this.byAgentChannel.delete(c.agentChannelId);
    this.clock.forget(callId);
    if (by === "caller") this.ari(c.serverId).hangup(c.agentChannelId).catch(ignore);
    // the bridge is gone before the hooks hear of the end: a caller the tree takes on after the agent
    // (a survey) must not have its prompts played into the bridge it is leaving
    const unbridged = c.bridgeId ? this.ari(c.serverId).destroyBridge(c.bridgeId).catch(ignore) : undefined;
    await Promise.all([this.wrapUp(c, this.recovered.delete(callId)), unbridged]);
    this.deps.hooks.ended(c, by);
    this.kick();
  }

  /**
   * The agent goes to wrap-up (then available by itself). For a recovered conversation only if the queue
   * still has the agent on it: a daemon killed after the wrap-up but before closing the session must not
   * move the agent off the next call.
   */
  private async wrapUp(c: Connected, recovered: boolean): Promise<void> {
    try {
      if (recovered && !(await onCall(this.deps.queue, c.agentId, c.callId))) {
        this.log.info({ callId: c.callId, agentId: c.agentId }, "agent no longer on this recovered call; state left as it is");
        return;
      }
      const r = await this.deps.queue.agentState(c.agentId, { to: "wrapup" });
      this.deps.hooks.agentStatus?.(c.agentId, { state: r.to as AgentState, ...(r.wrapUpUntil ? { wrapUpUntil: r.wrapUpUntil } : {}) });
    } catch (err) {
      this.log.warn({ err, agentId: c.agentId }, "wrap-up not recorded");
    }
  }

  /** Periodic safety net: max-wait timeouts of our callers, then a dispatch round. */
  private async sweep(): Promise<void> {
    try {
      for (const q of this.queueNames) {
        for (const callId of await this.deps.queue.expire(q)) await this.timedOut(callId);
      }
    } catch (err) {
      this.log.warn({ err }, "queue sweep failed");
    }
    this.kick();
  }

  /** The ring of `agentId`'s phone for `callId` this daemon has, if any: the desk's Accept answers it (softphone.ts). */
  ringOf(agentId: string, callId: string): { serverId: string; channelId: string; endpoint: string } | undefined {
    const [channelId, r] = [...this.rings].find(([, x]) => x.agentId === agentId && x.callId === callId && !x.answered) ?? [];
    return channelId && r ? { serverId: r.serverId, channelId, endpoint: r.offer.endpoint } : undefined;
  }

  /** A consultation moves the agent's leg between bridges (consult.ts): those moves do not end the talk time. */
  consulting(callId: string, on: boolean): void {
    this.clock.suspend(callId, on);
  }

  /**
   * A consultation completed (consult.ts): the conversation goes on with the consulted agent's answered leg;
   * the first agent goes to wrap-up, and its leg is no longer the conversation's (its hangup ends nothing).
   * Returns the first agent's part, or undefined when the conversation is gone.
   */
  async passConversation(callId: string, to: { agentId: string; agentChannelId: string }): Promise<Connected | undefined> {
    const c = this.talking.get(callId);
    if (!c) return undefined;
    const was = { ...c };
    this.byAgentChannel.delete(c.agentChannelId);
    Object.assign(c, to);
    this.byAgentChannel.set(to.agentChannelId, callId);
    this.clock.pass(callId, was.agentChannelId, to.agentChannelId);
    await this.wrapUp(was, this.recovered.delete(callId));
    return was;
  }

  /** Calls this daemon currently has with agents, for restart bookkeeping and the admin API. */
  connectedCalls(): Connected[] {
    return [...this.talking.values()];
  }
}
