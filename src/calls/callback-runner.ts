import { randomUUID } from "node:crypto";
import type { AttemptOutcome, Callback, CallbackProgress, CallbackStore, DialVerdict } from "../callbacks/callback-store.js";
import { afterAttempt, promiseKept } from "../callbacks/policy.js";
import type { EventLog } from "../events/log.js";
import type { Logger } from "../lib/logger.js";
import type { AgentState } from "../queue/agent-states.js";
import type { CallerQueue, Offer } from "../queue/index.js";
import type { AriEvent, AriGateway } from "../telephony/index.js";
import { callbackPolicy, type CallbackDialConfig, type CallsConfig } from "./config.js";
import type { Connected } from "./handoff-types.js";
import { PhoneError } from "./phone-error.js";

const ignore = () => {};

/** Legs of a call back carry its id (ids never hold "~"): agent legs `sbc-`, customer legs `sbk-`. */
const legId = (kind: "sbc" | "sbk", id: string) => `${kind}-${id}~${randomUUID()}`;
const legOf = (channelId: string): { kind: string; id: string } | undefined => {
  const m = /^(sbc|sbk)-(.+)~[^~]+$/.exec(channelId);
  return m ? { kind: m[1]!, id: m[2]! } : undefined;
};

/** How long a number stays taken by one dial at most (agent ring + customer ring + greeting), ms. */
const LOCK_SLACK_MS = 60_000;
/** The shortest lease on a running call back (renewed every sweep). */
const LEASE_MIN_MS = 10_000;

export interface CallbackRunnerHooks {
  agentStatus?(agentId: string, status: { state: AgentState; reason?: string; wrapUpUntil?: number }): void;
  /** The agent's phone rings for a call back (the moment to look the customer up for the pop). */
  ringing?(cb: Callback): void;
  /** Preview pacing: the call's card goes to the agent with Call and Skip, until `until` (ms). */
  preview?(cb: Callback, agentId: string, until: number): void;
  /** Agent and customer are talking: the pop ("call back", the original wait and reason). */
  connected(cb: Callback, c: Connected): void;
  /** The conversation is over; the agent is in wrap-up. */
  ended(cb: Callback, c: Connected, by: "caller" | "agent"): void;
  /** A dial ended or a call back finished: the queue may dispatch again. */
  kick(): void;
  /** Each moment the call back's event records (an attempt and how it went, completed, given up): outbound follows its leads by it. */
  progress?(cb: Callback, outcome: CallbackProgress, result?: string): void;
}

export interface CallbackRunnerDeps {
  /**
   * Checked (and logged) before each attempt, before the agent is rung: calling hours, do-not-call, consent,
   * attempt caps. Not allowed: the place goes back until `retryAt`, or the call back is given up (`final`).
   */
  check?(cb: Callback): Promise<DialVerdict>;
  /** The same rules, not logged: a preview shows only a call the check would let through now. */
  peek?(cb: Callback): Promise<DialVerdict>;
  /** How long a lease on a running call back lasts (at least 10 s); it is renewed every sweep (refresh). */
  leaseMs?: number;
  lines: ReadonlyMap<string, AriGateway>;
  dial?(agentId: string, endpoint: string, serverId: string): string;
  queue: CallerQueue;
  store: CallbackStore;
  settings: CallbackDialConfig;
  calls: Pick<CallsConfig, "ringTimeout" | "noAnswer">;
  events?: EventLog | undefined;
  hooks: CallbackRunnerHooks;
  logger: Logger;
  now?: () => number;
}

/** One attempt: the agent's leg first, then the customer's. */
interface Dial {
  cb: Callback;
  offer: Offer;
  serverId: string;
  agentChannelId: string;
  customerChannelId?: string;
  bridgeId?: string;
  greeting?: string;
  /** joining: the customer pressed the key and is being put through. */
  phase: "agent" | "customer" | "greeting" | "joining" | "talking" | "over";
  /** Who hung up while the customer was being put through: the conversation ends as soon as it is recorded. */
  leftEarly?: "caller" | "agent";
  timer?: NodeJS.Timeout;
  /** When the customer was first dialled (the promise). */
  dialledAt?: number;
  conversation?: Connected;
}

/**
 * The call-back side of the queue (docs/callbacks.md): when a kept place is offered an agent, the agent
 * is rung first; once they answer, the customer is dialled from the agent's call, hears who calls and
 * presses a key to be put through. Anything short of that puts the place back where it was and, after
 * the policy's delay, tries again, up to its attempts. A number is dialled by one call back at a time.
 */
export class CallbackRunner {
  private readonly dials = new Map<string, Dial>();
  private readonly byChannel = new Map<string, string>();
  /** Call backs not due yet (read from Redis at each sweep) and ones this daemon holds back for a moment. */
  private notDueIds: string[] = [];
  private readonly deferred = new Map<string, number>();
  /** Previews this daemon showed, with their timeouts. */
  private readonly previews = new Map<string, NodeJS.Timeout>();
  /** Call backs any daemon runs now (their lease in Redis, read each sweep). */
  private leasedIds = new Set<string>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: CallbackRunnerDeps) {
    this.log = deps.logger.child({ component: "callbacks" });
    this.now = deps.now ?? Date.now;
  }

  /** Dispatch passes these over (the hand-off's notDue hook). */
  notDue(): readonly string[] {
    const now = this.now();
    for (const [id, until] of this.deferred) if (until <= now) this.deferred.delete(id);
    return [...this.notDueIds, ...this.deferred.keys()];
  }

  /** Each sweep: which call backs are not due, this daemon's leases renewed, every daemon's read; never throws. */
  async refresh(): Promise<void> {
    const now = this.now();
    this.notDueIds = await this.deps.store.notDue(now).catch(() => this.notDueIds);
    await this.deps.store.lease([...this.dials.keys(), ...this.previews.keys()], this.leaseUntil()).catch(ignore);
    this.leasedIds = new Set(await this.deps.store.leased(now).catch(() => [...this.leasedIds]));
  }

  private line(serverId: string): [string, AriGateway] | undefined {
    const own = this.deps.lines.get(serverId);
    if (own?.isConnected) return [serverId, own];
    return [...this.deps.lines].find(([, l]) => l.isConnected);
  }

  /** An offer for a caller that is not the hand-off's: true when it is a call back (taken or put back). */
  async take(offer: Offer): Promise<boolean> {
    const cb = await this.deps.store.get(offer.callId).catch(() => null);
    if (!cb || cb.state !== "waiting") return false;
    if (cb.notBefore !== undefined && cb.notBefore > this.now()) return this.back(cb, offer.agentId, "call back not due yet", cb.notBefore - this.now());
    const line = this.line(cb.serverId);
    if (!line) return this.back(cb, offer.agentId, "no Asterisk server reachable", 5_000);
    if (!cb.purpose?.preview) return this.attempt(cb, offer, line);
    // preview: only a member the checks would let through now is shown (the logged check comes with the Call)
    const peek = (await this.deps.peek?.(cb).catch(() => null)) ?? { allowed: true as const };
    if (!peek.allowed) {
      const verdict = await this.verdict(cb);
      if (!verdict.allowed) return this.notAllowed(cb, offer, verdict);
    }
    return this.showPreview(cb, offer, line[0], cb.purpose.preview.seconds);
  }

  /** The place goes back for `forMs` (this daemon passes it over meanwhile); the agent is free. */
  private async back(cb: Callback, agentId: string, reason: string, forMs: number): Promise<true> {
    this.deferred.set(cb.id, this.now() + forMs);
    if (cb.state !== "waiting") {
      cb.state = "waiting";
      delete cb.preview;
      await this.deps.store.save(cb).catch(ignore);
    }
    await this.deps.queue.requeue(cb.id, { agent: "available", reason }).catch(ignore);
    this.deps.hooks.agentStatus?.(agentId, { state: "available" });
    return true;
  }

  /** The compliance check before an attempt (logged); a failing check refuses. */
  private async verdict(cb: Callback): Promise<DialVerdict> {
    return (await this.deps.check?.(cb).catch((err: unknown) => ({ allowed: false as const, reason: `checks failed: ${(err as Error).message}` }))) ?? { allowed: true };
  }

  private notAllowed(cb: Callback, offer: Offer, verdict: Extract<DialVerdict, { allowed: false }>): Promise<boolean> {
    this.log.info({ callId: cb.id, reason: verdict.reason, final: verdict.final === true }, "call back not placed: a check refused it");
    if (verdict.final) return this.refused(cb, offer, verdict.reason);
    return this.back(cb, offer.agentId, verdict.reason, Math.max(1_000, (verdict.retryAt ?? this.now() + 60_000) - this.now()));
  }

  /** One attempt: checked, the number taken, the agent's phone rung first. */
  private async attempt(cb: Callback, offer: Offer, [serverId, ari]: [string, AriGateway]): Promise<boolean> {
    const verdict = await this.verdict(cb);
    if (!verdict.allowed) return this.notAllowed(cb, offer, verdict);
    const lockMs = this.deps.calls.ringTimeout * 1000 + this.deps.settings.answerTimeout * 1000 + LOCK_SLACK_MS;
    if (!(await this.deps.store.lockNumber(cb.number, cb.id, lockMs))) return this.back(cb, offer.agentId, "this number is being dialled by another call back", 10_000);
    cb.state = "dialing";
    delete cb.preview;
    await this.deps.store.save(cb);
    const d: Dial = { cb, offer, serverId, agentChannelId: legId("sbc", cb.id), phase: "agent" };
    this.dials.set(cb.id, d);
    this.byChannel.set(d.agentChannelId, cb.id);
    void this.deps.store.lease([cb.id], this.leaseUntil()).catch(ignore);
    d.timer = setTimeout(() => void this.failed(d, "agent no answer"), (this.deps.calls.ringTimeout + 5) * 1000);
    this.deps.hooks.agentStatus?.(offer.agentId, { state: "ringing" });
    this.deps.hooks.ringing?.(cb);
    this.log.info({ callId: cb.id, agentId: offer.agentId, attempt: cb.attempts.length + 1 }, "call back: ringing the agent first");
    ari
      .originate({
        endpoint: this.deps.dial?.(offer.agentId, offer.endpoint, serverId) ?? offer.endpoint,
        appArgs: ["callback-agent", cb.id],
        callerId: `"Call back" <${cb.number}>`,
        timeoutSeconds: this.deps.calls.ringTimeout,
        channelId: d.agentChannelId,
      })
      .catch((err) => {
        this.log.warn({ err, callId: cb.id }, "call back: originate to the agent failed");
        void this.failed(d, "agent no answer");
      });
    return true;
  }

  /** Preview pacing: the agent gets the call's card with Call and Skip; nothing is dialled until Call. */
  private async showPreview(cb: Callback, offer: Offer, serverId: string, seconds: number): Promise<boolean> {
    const shownAt = this.now();
    const until = shownAt + seconds * 1000;
    cb.state = "preview";
    cb.preview = { agentId: offer.agentId, endpoint: offer.endpoint, serverId, shownAt, until };
    await this.deps.store.save(cb);
    this.previews.set(cb.id, setTimeout(() => void this.previewTimedOut(cb.id, shownAt), seconds * 1000));
    void this.deps.store.lease([cb.id], this.leaseUntil()).catch(ignore);
    this.deps.hooks.agentStatus?.(offer.agentId, { state: "ringing", reason: "preview: call or skip" });
    this.deps.hooks.preview?.(cb, offer.agentId, until);
    this.log.info({ callId: cb.id, agentId: offer.agentId, seconds }, "call back: previewed to the agent");
    return true;
  }

  /**
   * The agent's choice on a preview, from whichever daemon holds their desk: Call places the attempt
   * (checked first), Skip leaves the member uncalled. Resolves with what the agent reads and whether a
   * dial started; a preview already over (timed out, chosen in another tab) is refused.
   */
  async choose(agentId: string, callId: string, choice: "call" | "skip"): Promise<{ text: string; calling: boolean }> {
    const cb = await this.deps.store.get(callId);
    const p = cb?.preview;
    if (!cb || cb.state !== "preview" || !p || p.agentId !== agentId || !(await this.deps.store.settlePreview(cb.id, p.shownAt))) throw new PhoneError("this preview is over: the call is no longer yours to call");
    this.endPreview(cb.id);
    const offer: Offer = { callId: cb.id, agentId, endpoint: p.endpoint, queue: cb.queue, lane: cb.lane, waitMs: 0, requeues: 0 };
    if (choice === "skip") {
      await this.skipped(cb, agentId);
      return { text: `Skipped: ${cb.name ?? cb.number} is not called`, calling: false };
    }
    const line = this.line(p.serverId);
    if (!line) {
      await this.back(cb, agentId, "no Asterisk server reachable", 5_000);
      return { text: "Not called: no Asterisk server is reachable; the call goes back to the queue", calling: false };
    }
    await this.attempt(cb, offer, line);
    if (this.dials.has(cb.id)) return { text: "Calling: your phone rings first, then the customer's", calling: true };
    const now = await this.deps.store.get(cb.id).catch(() => null);
    return { text: `Not called now: ${now?.state === "gave-up" ? "a compliance rule refuses it for good" : "a compliance rule or another call holds it back; it is tried later"}`, calling: false };
  }

  /** Skipped by the agent: the member leaves the queue uncalled (no attempt), the agent is free. */
  private async skipped(cb: Callback, agentId: string): Promise<void> {
    await this.deps.queue.requeue(cb.id, { agent: "available", reason: "skipped in preview" }).catch(ignore);
    await this.deps.queue.timeout(cb.id).catch(ignore);
    cb.state = "cancelled";
    delete cb.preview;
    await this.deps.store.save(cb).catch(ignore);
    this.log.info({ callId: cb.id, agentId }, "call back skipped by the agent in preview");
    this.deps.hooks.progress?.(cb, "skipped", `skipped by agent ${agentId}`);
    this.deps.hooks.agentStatus?.(agentId, { state: "available" });
    this.deps.hooks.kick();
  }

  /** Nobody chose in time: the place goes back for the next agent; the agent is treated as for a missed ring. */
  private async previewTimedOut(id: string, shownAt: number): Promise<void> {
    this.previews.delete(id);
    // chosen already (perhaps on another daemon, which runs the call now and holds its lease)
    if (!(await this.deps.store.settlePreview(id, shownAt).catch(() => false))) return;
    void this.deps.store.unlease(id).catch(ignore);
    const cb = await this.deps.store.get(id).catch(() => null);
    if (!cb || cb.state !== "preview" || !cb.preview) return;
    const { agentId } = cb.preview;
    const agentNow = this.deps.calls.noAnswer;
    cb.state = "waiting";
    delete cb.preview;
    await this.deps.store.save(cb).catch(ignore);
    await this.deps.queue.requeue(cb.id, { agent: agentNow, reason: "preview not answered" }).catch(ignore);
    this.log.info({ callId: id, agentId }, "call back preview timed out: back in the queue");
    this.deps.hooks.agentStatus?.(agentId, agentNow === "paused" ? { state: "paused", reason: "preview not answered" } : { state: agentNow });
    this.deps.hooks.kick();
  }

  private endPreview(id: string): void {
    clearTimeout(this.previews.get(id));
    this.previews.delete(id);
    void this.deps.store.unlease(id).catch(ignore);
  }

  /** Leases last a few sweeps: a daemon that stops renewing them (killed) lets them lapse within seconds. */
  private leaseUntil(): number {
    return this.now() + Math.max(LEASE_MIN_MS, this.deps.leaseMs ?? 0);
  }

  /** A check refused the call back for good (do not call, no consent): given up without a dial. */
  private async refused(cb: Callback, offer: Offer, reason: string): Promise<boolean> {
    await this.deps.queue.requeue(cb.id, { agent: "available", reason: `call back refused: ${reason}` }).catch(ignore);
    await this.deps.queue.timeout(cb.id).catch(ignore);
    cb.state = "gave-up";
    await this.deps.store.save(cb).catch(ignore);
    this.event(cb, "gave-up", reason);
    this.deps.hooks.agentStatus?.(offer.agentId, { state: "available" });
    this.deps.hooks.kick();
    return true;
  }

  /** Routes ARI events of call-back legs; true when the event was ours. */
  handle(e: AriEvent): boolean {
    if (e.type === "StasisStart" && (e.args[0] === "callback-agent" || e.args[0] === "callback-customer")) {
      const d = this.dials.get(e.args[1] ?? "");
      if (!d) {
        void this.ari(e.channel.id)?.hangup(e.channel.id).catch(ignore);
        return true;
      }
      void (e.args[0] === "callback-agent" ? this.agentAnswered(d) : this.customerAnswered(d));
      return true;
    }
    if (e.type === "ChannelDtmfReceived") {
      const d = this.dialOf(e.channel.id);
      if (!d) return false;
      if (d.phase === "greeting" && e.channel.id === d.customerChannelId && e.digit === this.deps.settings.acceptKey) void this.accepted(d);
      return true;
    }
    if (e.type === "PlaybackFinished" && e.playback.id.startsWith("sbk-greet-")) {
      const d = [...this.dials.values()].find((x) => x.greeting === e.playback.id);
      if (d?.phase === "greeting") this.startKeyTimer(d);
      return true;
    }
    if (e.type === "ChannelDestroyed" || e.type === "StasisEnd" || e.type === "ChannelHangupRequest") {
      const d = this.dialOf(e.channel.id);
      if (!d) return false;
      // a rejected customer leg's hangup request already carries its cause (17: busy), before ChannelDestroyed
      void this.legGone(d, e.channel.id, e.type === "StasisEnd" ? undefined : e.cause);
      return true;
    }
    return false;
  }

  private dialOf(channelId: string): Dial | undefined {
    const id = this.byChannel.get(channelId) ?? legOf(channelId)?.id;
    return id === undefined ? undefined : this.dials.get(id);
  }

  private ari(channelId: string): AriGateway | undefined {
    const d = this.dialOf(channelId);
    return d ? this.deps.lines.get(d.serverId) : undefined;
  }

  /** The agent took the call back: the customer is dialled from the agent's call. */
  private async agentAnswered(d: Dial): Promise<void> {
    if (d.phase !== "agent") return;
    clearTimeout(d.timer);
    d.phase = "customer";
    const ari = this.deps.lines.get(d.serverId)!;
    const s = this.deps.settings;
    d.customerChannelId = legId("sbk", d.cb.id);
    this.byChannel.set(d.customerChannelId, d.cb.id);
    d.dialledAt ??= this.now();
    d.timer = setTimeout(() => void this.failed(d, "no answer"), (s.answerTimeout + 5) * 1000);
    try {
      d.bridgeId = (await ari.createBridge({ type: ["mixing"], name: `callback-${d.cb.id}` })).id;
      await ari.addChannel(d.bridgeId, d.agentChannelId);
      ari.play(d.agentChannelId, [s.prompts.dialing], { playbackId: `sbc-say-${randomUUID()}` }).catch(ignore);
      this.log.info({ callId: d.cb.id, agentId: d.offer.agentId }, "call back: agent on the line, dialling the customer");
      await ari.originate({
        endpoint: s.dial.replace("{number}", d.cb.number),
        appArgs: ["callback-customer", d.cb.id],
        callerId: s.callerId,
        timeoutSeconds: s.answerTimeout,
        channelId: d.customerChannelId,
      });
    } catch (err) {
      this.log.warn({ err, callId: d.cb.id }, "call back: dialling the customer failed");
      await this.failed(d, "failed");
    }
  }

  /** The customer answered: who is calling, and the key that puts them through. */
  private async customerAnswered(d: Dial): Promise<void> {
    if (d.phase !== "customer" || !d.customerChannelId) return;
    clearTimeout(d.timer);
    d.phase = "greeting";
    const s = this.deps.settings;
    d.greeting = `sbk-greet-${randomUUID()}`;
    try {
      await this.deps.lines.get(d.serverId)!.play(d.customerChannelId, [s.prompts.greeting, `digits:${s.acceptKey}`], { playbackId: d.greeting });
    } catch (err) {
      this.log.warn({ err, callId: d.cb.id }, "call back: greeting not played; waiting for the key all the same");
      this.startKeyTimer(d);
    }
  }

  private startKeyTimer(d: Dial): void {
    clearTimeout(d.timer);
    d.timer = setTimeout(() => void this.failed(d, "no key"), this.deps.settings.acceptTimeout * 1000);
  }

  /** The customer pressed the key: agent and customer talk; the queue counts the caller answered. */
  private async accepted(d: Dial): Promise<void> {
    clearTimeout(d.timer);
    d.phase = "joining";
    const ari = this.deps.lines.get(d.serverId)!;
    if (d.greeting) ari.stopPlayback(d.greeting).catch(ignore);
    const { cb } = d;
    let waitMs = this.now() - cb.joinedAt;
    try {
      await ari.addChannel(d.bridgeId!, d.customerChannelId!);
      waitMs = (await this.deps.queue.answered(cb.id, d.offer.agentId)).waitMs;
    } catch (err) {
      this.log.warn({ err, callId: cb.id }, "call back: putting the customer through failed");
      return this.failed(d, "failed");
    }
    const attempt = cb.attempts.filter((a) => a.outcome !== "agent no answer").length + 1;
    cb.attempts.push({ at: this.now(), agentId: d.offer.agentId, outcome: "accepted" });
    cb.state = "connected";
    await this.deps.store.save(cb).catch(ignore);
    this.event(cb, "attempt", "accepted");
    const c: Connected = { callId: cb.id, serverId: d.serverId, agentId: d.offer.agentId, agentChannelId: d.agentChannelId, bridgeId: d.bridgeId!, queue: cb.queue, lane: cb.lane, waitMs, callback: { number: cb.number, attempt, purpose: cb.purpose } };
    d.conversation = c;
    d.phase = "talking";
    this.log.info({ callId: cb.id, agentId: c.agentId, waitMs }, "call back: customer connected to the agent");
    this.deps.hooks.agentStatus?.(c.agentId, { state: "oncall" });
    this.deps.hooks.connected(cb, c);
    if (d.leftEarly) await this.conversationOver(d, d.leftEarly);
  }

  private async legGone(d: Dial, channelId: string, cause: number | undefined): Promise<void> {
    if (d.phase === "over") return;
    const by = channelId === d.customerChannelId ? "caller" : "agent";
    if (d.phase === "talking") return this.conversationOver(d, by);
    // a hang-up while the customer is put through (an agent's phone hanging up right after the key) ends the
    // conversation once it is recorded: the agent is not left on a call nobody runs
    if (d.phase === "joining") {
      d.leftEarly ??= by;
      return;
    }
    if (channelId === d.agentChannelId) return this.failed(d, d.phase === "agent" ? "agent no answer" : "failed");
    // the customer's leg ended before the key: busy (cause 17), not answered, or hung up on the greeting
    return this.failed(d, d.phase === "greeting" ? "no key" : cause === 17 ? "busy" : "no answer");
  }

  private finishDial(d: Dial): void {
    d.phase = "over";
    clearTimeout(d.timer);
    this.dials.delete(d.cb.id);
    this.byChannel.delete(d.agentChannelId);
    if (d.customerChannelId) this.byChannel.delete(d.customerChannelId);
    const ari = this.deps.lines.get(d.serverId);
    for (const id of [d.agentChannelId, d.customerChannelId]) if (id) ari?.hangup(id).catch(ignore);
    if (d.bridgeId) ari?.destroyBridge(d.bridgeId).catch(ignore);
    void this.deps.store.unlockNumber(d.cb.number, d.cb.id).catch(ignore);
    void this.deps.store.unlease(d.cb.id).catch(ignore);
  }

  /**
   * The attempt did not end in a conversation: the place goes back where it was. The agent's own miss
   * is the agent's (calls.noAnswer), not an attempt on the customer; anything else is, and the policy
   * says when to try again or to give up.
   */
  private async failed(d: Dial, outcome: Exclude<AttemptOutcome, "accepted">): Promise<void> {
    if (d.phase === "over" || d.phase === "talking") return;
    this.finishDial(d);
    const { cb } = d;
    const agentNow = outcome === "agent no answer" ? this.deps.calls.noAnswer : "available";
    cb.attempts.push({ at: this.now(), agentId: d.offer.agentId, outcome });
    const tries = cb.attempts.filter((a) => a.outcome !== "agent no answer").length;
    const settings = { ...callbackPolicy(this.deps.settings), ...cb.retry };
    const next = outcome === "agent no answer" ? ({ kind: "retry", delayMs: 0 } as const) : afterAttempt({ outcome: POLICY_OUTCOME[outcome], attempt: tries, settings });
    if (outcome !== "agent no answer") this.event(cb, "attempt", outcome);
    try {
      await this.deps.queue.requeue(cb.id, { agent: agentNow, reason: `call back: ${outcome}` });
      if (next.kind === "give-up") {
        await this.deps.queue.timeout(cb.id);
        cb.state = "gave-up";
        this.event(cb, "gave-up", next.reason);
      } else {
        cb.state = "waiting";
        if (next.kind === "retry" && next.delayMs > 0) cb.notBefore = this.now() + next.delayMs;
      }
      await this.deps.store.save(cb);
      if (cb.notBefore !== undefined) this.deferred.set(cb.id, cb.notBefore);
    } catch (err) {
      this.log.error({ err, callId: cb.id }, "call back: putting the place back failed");
    }
    this.log.info({ callId: cb.id, outcome, attempt: tries, next: next.kind }, "call back attempt over");
    this.deps.hooks.agentStatus?.(d.offer.agentId, agentNow === "paused" ? { state: "paused", reason: "no answer" } : { state: agentNow });
    this.deps.hooks.kick();
  }

  private async conversationOver(d: Dial, by: "caller" | "agent"): Promise<void> {
    this.finishDial(d);
    const { cb } = d;
    const c = d.conversation!;
    cb.state = "completed";
    const kept = promiseKept({ acceptedAt: cb.acceptedAt, firstDialAt: d.dialledAt ?? null, quote: { withinMs: cb.quotedMs ?? Number.MAX_SAFE_INTEGER } });
    this.event(cb, "completed", undefined, kept ? "kept" : "broken");
    await this.deps.store.save(cb).catch(ignore);
    try {
      const r = await this.deps.queue.agentState(c.agentId, { to: "wrapup" });
      this.deps.hooks.agentStatus?.(c.agentId, { state: r.to as AgentState, ...(r.wrapUpUntil ? { wrapUpUntil: r.wrapUpUntil } : {}) });
    } catch (err) {
      this.log.warn({ err, agentId: c.agentId }, "wrap-up not recorded");
    }
    this.deps.hooks.ended(cb, c, by);
    this.deps.hooks.kick();
  }

  private event(cb: Callback, outcome: Exclude<CallbackProgress, "skipped">, result?: string, promise?: "kept" | "broken"): void {
    void this.deps.events?.append({ type: "callback", at: this.now(), callId: cb.id, queue: cb.queue, outcome, result, promise });
    this.deps.hooks.progress?.(cb, outcome, result);
  }

  /** Call backs this daemon or another is previewing, dialling or connected: the agent watch must not release their agents. */
  isActive(callId: string): boolean {
    return this.dials.has(callId) || this.previews.has(callId) || this.leasedIds.has(callId);
  }

  /**
   * A call back another daemon was dialling when it stopped (the agent watch found its ring unexplained):
   * waiting again, so the place is put back and dialled anew. False when it is no call back.
   */
  async orphaned(callId: string): Promise<boolean> {
    const cb = await this.deps.store.get(callId).catch(() => null);
    if (!cb || this.dials.has(callId) || (cb.state !== "dialing" && cb.state !== "waiting" && cb.state !== "preview")) return false;
    cb.state = "waiting";
    delete cb.preview;
    await this.deps.store.save(cb);
    await this.deps.store.unlockNumber(cb.number, cb.id).catch(ignore);
    this.log.warn({ callId }, "call back left ringing by a stopped daemon: its place is put back");
    return true;
  }

  stop(): void {
    for (const d of this.dials.values()) clearTimeout(d.timer);
    for (const t of this.previews.values()) clearTimeout(t);
  }
}

/** The runner's attempt outcomes in the policy's words. */
const POLICY_OUTCOME = {
  busy: "busy",
  "no answer": "no-answer",
  "no key": "answered-no-key",
  failed: "failed",
} as const;
