import { randomUUID } from "node:crypto";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import { AriError, type AriEvent, type AriGateway } from "../telephony/index.js";
import type { Connected, QueueHandoff } from "./queue-handoff.js";
import { PhoneError } from "./phone-error.js";
import { legCallerId, whyNotReached } from "./transfer.js";

/**
 * Consultation (attended transfer) on a conversation the queue hand-off bridged: the agent puts the caller on
 * hold (music on the caller's channel, which stays in the conversation's bridge), and the consulted agent (by
 * name, or the longest-idle agent of a queue) is rung into the app (args `consult,<callId>`). Once it answers,
 * the consulting agent's leg moves from the conversation's bridge into a bridge of the consultation with it
 * (ARI addChannel moves a channel that is in another bridge: ari-rest/bridge-addChannel); the caller, alone in
 * the conversation's bridge, hears the music. Then:
 *
 * - complete: the conversation passes to the consulted agent (the hand-off's `passConversation`: the first
 *   agent to wrap-up, its part written as transferred), the music stops, the consulted agent's leg moves into
 *   the caller's bridge, the first agent's leg is hung up and the consultation's bridge destroyed; the
 *   consulted agent gets the pop.
 * - cancel, or the consulted agent hangs up: its leg goes, the first agent's leg moves back to the caller,
 *   the music stops.
 * - not answered (busy, unreachable, the ring timeout): the consulted agent is let go (paused after a missed
 *   ring, as `calls.noAnswer` says), the music stops: the agent is back with the caller.
 * - the caller hangs up: the conversation ends as any (the first agent to wrap-up); the consultation's leg is
 *   hung up and its bridge destroyed, the consulted agent let go.
 * - the first agent hangs up: once the consulted agent talks, that completes the transfer (as a phone's
 *   transfer does); while it still rings, the ring is cancelled and the caller goes back to the queue at the
 *   place of its first join (`requeue`).
 *
 * The consulted agent's desk has the caller's card while its phone rings and while the agents talk, marked as
 * a consultation and not theirs to act on; completed, it becomes their live card (the pop); otherwise it goes,
 * with why ("Alex Morgan went back to the caller").
 *
 * In the queue the consulted agent rings and talks for the call (consult.lua) without the caller joining
 * any queue. Consultations live in this daemon's memory: a restart ends them (the next daemon hangs up the
 * consultation's leg as a channel no session has).
 */

export type ConsultTarget = { agentId: string } | { queue: string };

/** The consultation as the consulting agent's line shows it. */
export interface ConsultLine {
  name: string;
  state: "ringing" | "talking";
}

export interface ConsultHooks {
  /** The consulted agent's state for its page. */
  agentStatus(agentId: string, status: { state: "ringing" | "oncall" | "available" | "paused" | "offline"; reason?: string }): void;
  /** The consulted agent's desk: the caller's card while its phone rings, and while the agents talk; `from`: who consults. */
  consulted(agentId: string, c: Connected, from: string, state: "ringing" | "talking"): void;
  /** The consultation fell through: the card goes from the consulted agent's desk, `why` told to its tabs. */
  consultOver(agentId: string, callId: string, why: string): void;
  /** The consulting agent's line: the consultation (null: over) and whether the caller hears the music. */
  line(agentId: string, callId: string, patch: { consult: ConsultLine | null; held: boolean }): void;
  /** Told to the consulting agent's tabs: what became of the consultation. */
  tell(agentId: string, callId: string, text: string): void;
  /** The first agent's part is over (the transfer completed): its history entry is written, its card goes. */
  handedOn(agentId: string, callId: string, text: string): Promise<void>;
  /** The consulted agent now talks with the caller: the pop (the call manager's `connected`). */
  connected(c: Connected): void;
  /** The first agent left while the consulted one still rang: the caller goes back to the queue. */
  requeue(c: Connected): Promise<void>;
}

export interface ConsultDeps {
  ari(serverId: string): AriGateway | undefined;
  handoff: Pick<QueueHandoff, "connectedCalls" | "consulting" | "passConversation">;
  queue: Pick<CallerQueue, "consultRing" | "consultAnswered" | "consultRelease">;
  /** The dial string a server uses for an agent's phone. */
  dial(agentId: string, endpoint: string, serverId: string): string;
  /** Agent id -> name, and queue id -> name, for what the agents read. */
  agentNames: ReadonlyMap<string, string>;
  queueNames: ReadonlyMap<string, string>;
  config: { ringTimeout: number; mohClass: string; noAnswer: "available" | "paused" | "offline" };
  hooks: ConsultHooks;
  logger: Logger;
}

interface Consultation {
  c: Connected;
  /** The consulting agent's name, as the consulted one reads it. */
  fromName: string;
  withId: string;
  withName: string;
  legId: string;
  state: "ringing" | "talking" | "done";
  bridgeId?: string;
  timer?: NodeJS.Timeout;
}

const ignore = () => {};
/** Consultation legs carry their call's id (call ids never hold "~"), like agent legs (`sba-`). */
const consultLegId = (callId: string) => `sbc-${callId}~${randomUUID()}`;
const isConsultLeg = (channelId: string) => /^sbc-.+~[^~]+$/.test(channelId);

export class Consults {
  private readonly byCall = new Map<string, Consultation>();
  private readonly byLeg = new Map<string, Consultation>();
  /** Consulting agents' legs that hung up and whose conversation this module took on (their later events too). */
  private readonly leftLegs = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly deps: ConsultDeps) {
    this.log = deps.logger.child({ component: "consult" });
  }

  stop(): void {
    for (const t of this.byCall.values()) clearTimeout(t.timer);
  }

  /** Whether the call's agent is consulting someone (its other controls wait). */
  has(callId: string): boolean {
    return this.byCall.has(callId);
  }

  private line(serverId: string): AriGateway {
    const ari = this.deps.ari(serverId);
    if (!ari?.isConnected) throw new PhoneError("The phone system cannot be reached right now. Try again in a moment.");
    return ari;
  }

  /** Rings the consulted agent with the caller on hold; resolves with what the agent reads. */
  async start(c: Connected, target: ConsultTarget, from: { name: string }): Promise<string> {
    if (this.byCall.has(c.callId)) throw new PhoneError("You are already consulting on this call: complete or cancel that first.");
    if ("agentId" in target && target.agentId === c.agentId) throw new PhoneError("That is you: choose another agent or a queue.");
    const ari = this.line(c.serverId);
    const picked = await this.deps.queue.consultRing(c.callId, target, c.queue);
    if (!picked) {
      const who = "agentId" in target ? `${this.deps.agentNames.get(target.agentId) ?? target.agentId} cannot take a call now` : `Nobody in ${this.deps.queueNames.get(target.queue) ?? target.queue} is free right now`;
      throw new PhoneError(`${who}: you are still with the caller.`);
    }
    // a copy: the hand-off's own record of the conversation changes hands when the transfer completes
    const t: Consultation = { c: { ...c }, fromName: from.name, withId: picked.agentId, withName: this.deps.agentNames.get(picked.agentId) ?? picked.agentId, legId: consultLegId(c.callId), state: "ringing" };
    this.byCall.set(c.callId, t);
    this.byLeg.set(t.legId, t);
    // a safety net behind Asterisk's own originate timeout
    t.timer = setTimeout(() => void this.notReached(t, "no answer"), (this.deps.config.ringTimeout + 5) * 1000);
    this.deps.hooks.agentStatus(t.withId, { state: "ringing" });
    this.deps.hooks.consulted(t.withId, t.c, t.fromName, "ringing");
    this.log.info({ callId: c.callId, agentId: c.agentId, consulted: t.withId }, "consulting another agent");
    const originated = ari.originate({
      endpoint: this.deps.dial(picked.agentId, picked.endpoint, c.serverId),
      appArgs: ["consult", c.callId],
      callerId: legCallerId(`${from.name} (consultation)`, c.agentId),
      timeoutSeconds: this.deps.config.ringTimeout,
      channelId: t.legId,
    });
    await ari.startMoh(c.callId, this.deps.config.mohClass).catch((err) => this.log.warn({ err, callId: c.callId }, "the caller's music did not start"));
    this.deps.hooks.line(c.agentId, c.callId, { consult: { name: t.withName, state: "ringing" }, held: true });
    try {
      await originated;
    } catch (err) {
      this.log.warn({ err, callId: c.callId, consulted: t.withId }, "consultation leg not originated");
      void this.notReached(t, err instanceof AriError && err.code === "ARI_SERVER_ERROR" ? "unreachable" : "failed");
    }
    return `Calling ${t.withName}; the caller hears music.`;
  }

  /** Routes the events of consultation legs; true when the event was about one. */
  handle(e: AriEvent, serverId: string): boolean {
    if (e.type === "StasisStart") {
      if (e.args[0] !== "consult" || !isConsultLeg(e.channel.id)) return false;
      void this.answered(e.channel.id, serverId);
      return true;
    }
    if (e.type !== "ChannelHangupRequest" && e.type !== "ChannelDestroyed" && e.type !== "StasisEnd") return false;
    const t = this.byLeg.get(e.channel.id);
    if (!t) return isConsultLeg(e.channel.id);
    if (t.state === "talking") void this.consultedLeft(t);
    else if (t.state === "ringing" && e.type !== "StasisEnd") void this.notReached(t, whyNotReached(e.cause));
    return true;
  }

  /** The consulted agent answered: its leg and the consulting agent's meet in a bridge of their own. */
  private async answered(legId: string, serverId: string): Promise<void> {
    const t = this.byLeg.get(legId);
    const ari = this.deps.ari(serverId);
    if (!t || t.state !== "ringing" || !ari) {
      ari?.hangup(legId).catch(ignore);
      return;
    }
    t.state = "talking";
    clearTimeout(t.timer);
    const { c } = t;
    try {
      await this.deps.queue.consultAnswered(c.callId, t.withId);
      this.deps.hooks.agentStatus(t.withId, { state: "oncall" });
      this.deps.handoff.consulting(c.callId, true);
      const bridge = await ari.createBridge({ type: ["mixing"], name: `consult-${c.callId}` });
      t.bridgeId = bridge.id;
      if (this.byCall.get(c.callId) !== t || t.state !== "talking") return void ari.destroyBridge(bridge.id).catch(ignore);
      await ari.addChannel(bridge.id, [c.agentChannelId, legId]);
    } catch (err) {
      this.log.error({ err, callId: c.callId }, "consultation not bridged");
      return this.back(t, { first: "The consultation could not be connected: you are back with the caller.", consulted: `The consultation with ${t.fromName} could not be connected.` });
    }
    this.log.info({ callId: c.callId, agentId: c.agentId, consulted: t.withId }, "consultation connected");
    this.deps.hooks.consulted(t.withId, c, t.fromName, "talking");
    this.deps.hooks.line(c.agentId, c.callId, { consult: { name: t.withName, state: "talking" }, held: true });
  }

  /**
   * Hands the caller to the consulted agent (who must have answered); resolves with what the first agent
   * reads. The first agent's part is written as transferred before the consulted agent's starts.
   */
  async complete(agentId: string, callId: string): Promise<string> {
    const t = this.mine(agentId, callId);
    if (t.state !== "talking") throw new PhoneError(`${t.withName} has not answered yet: wait, or cancel the consultation.`);
    await this.completeNow(t);
    return `Transferred to ${t.withName}`;
  }

  private async completeNow(t: Consultation): Promise<void> {
    t.state = "done";
    this.untrack(t);
    const { c } = t;
    const ari = this.deps.ari(c.serverId);
    const was = await this.deps.handoff.passConversation(c.callId, { agentId: t.withId, agentChannelId: t.legId });
    if (!was || !ari) return this.drop(t, "available", `The consultation with ${t.fromName} ended: the call is gone.`);
    await this.deps.hooks.handedOn(c.agentId, c.callId, `Transferred to ${t.withName} after a consultation`).catch((err) => this.log.error({ err, callId: c.callId }, "the first agent's part of a consulted transfer was not closed"));
    this.deps.handoff.consulting(c.callId, false);
    await ari.stopMoh(c.callId).catch(ignore);
    try {
      await ari.addChannel(c.bridgeId, [t.legId]);
    } catch (err) {
      this.log.error({ err, callId: c.callId }, "the consulted agent could not join the caller");
    }
    ari.hangup(c.agentChannelId, { reason: "normal" }).catch(ignore);
    if (t.bridgeId) ari.destroyBridge(t.bridgeId).catch(ignore);
    const now = this.deps.handoff.connectedCalls().find((x) => x.callId === c.callId);
    if (now) this.deps.hooks.connected(now);
    else this.deps.hooks.consultOver(t.withId, c.callId, "The call ended before it reached you.");
    this.log.info({ callId: c.callId, from: c.agentId, to: t.withId }, "caller transferred after a consultation");
  }

  /** The consulting agent goes back to the caller: the consulted agent's leg goes. */
  async cancel(agentId: string, callId: string): Promise<string> {
    const t = this.mine(agentId, callId);
    await this.back(t, { consulted: `${t.fromName} went back to the caller.` });
    return "Consultation ended: you are back with the caller.";
  }

  /** The caller's conversation ended (the caller hung up, or a leg's end): a consultation of it ends cleanly. */
  ended(callId: string): void {
    const t = this.byCall.get(callId);
    if (!t || t.state === "done") return;
    t.state = "done";
    this.untrack(t);
    this.log.info({ callId, consulted: t.withId }, "the conversation ended during a consultation");
    void this.drop(t, "available", `The caller hung up: the consultation with ${t.fromName} is over.`);
  }

  /**
   * The consulting agent's leg of `c` hung up: true when the consultation takes the conversation on (the
   * hand-off then does not end it). Asked once per event of the leg (three).
   */
  agentLeft(c: Connected): boolean {
    const leg = c.agentChannelId;
    if (this.leftLegs.has(leg)) return true;
    const t = this.byCall.get(c.callId);
    if (!t || t.c.agentChannelId !== leg || t.state === "done") return false;
    this.leftLegs.add(leg);
    const done = () => this.leftLegs.delete(leg);
    if (t.state === "talking") void this.completeNow(t).finally(done);
    else {
      t.state = "done";
      this.untrack(t);
      this.log.info({ callId: c.callId, agentId: c.agentId }, "the agent left while the consulted agent rang: the caller goes back to the queue");
      void this.drop(t, "available", `${t.fromName} hung up: the caller went back to the queue.`)
        .then(() => this.deps.hooks.requeue({ ...c }))
        .catch((err) => this.log.error({ err, callId: c.callId }, "caller not sent back to the queue"))
        .finally(done);
    }
    return true;
  }

  private mine(agentId: string, callId: string): Consultation {
    const t = this.byCall.get(callId);
    if (!t || t.c.agentId !== agentId || t.state === "done") throw new PhoneError("You are not consulting anyone on this call.");
    return t;
  }

  private untrack(t: Consultation): void {
    clearTimeout(t.timer);
    if (this.byCall.get(t.c.callId) === t) this.byCall.delete(t.c.callId);
    this.byLeg.delete(t.legId);
  }

  /**
   * The consultation's leg and bridge go, the card leaves the consulted agent's desk (`why` told), and the
   * agent is let go (`to`, or per `calls.noAnswer` after a missed ring).
   */
  private async drop(t: Consultation, to: "available" | "missed", why: string): Promise<void> {
    this.deps.hooks.consultOver(t.withId, t.c.callId, why);
    const ari = this.deps.ari(t.c.serverId);
    ari?.hangup(t.legId).catch(ignore);
    if (t.bridgeId) ari?.destroyBridge(t.bridgeId).catch(ignore);
    this.deps.handoff.consulting(t.c.callId, false);
    const state = to === "missed" ? this.deps.config.noAnswer : "available";
    const status = state === "paused" ? { state, reason: "Did not answer a consultation" } : { state };
    try {
      if (await this.deps.queue.consultRelease(t.c.callId, t.withId, status.state === "paused" ? { state: "paused", reason: status.reason! } : { state: "available" })) this.deps.hooks.agentStatus(t.withId, status);
    } catch (err) {
      this.log.warn({ err, callId: t.c.callId, consulted: t.withId }, "consulted agent not released");
    }
  }

  /**
   * Back to the caller: the consultation's leg goes (the consulted agent `to` or after a missed ring), the
   * consulting agent's leg returns to the caller's bridge, the caller's music stops; `told.first` is told to
   * the consulting agent, `told.consulted` to the consulted one.
   */
  private async back(t: Consultation, told: { first?: string; consulted: string }, to: "available" | "missed" = "available"): Promise<void> {
    if (t.state === "done") return;
    const moved = t.state === "talking";
    t.state = "done";
    this.untrack(t);
    const { c } = t;
    const ari = this.deps.ari(c.serverId);
    if (moved) await ari?.addChannel(c.bridgeId, [c.agentChannelId]).catch((err) => this.log.error({ err, callId: c.callId }, "the agent could not go back to the caller"));
    await this.drop(t, to, told.consulted);
    await ari?.stopMoh(c.callId).catch(ignore);
    this.deps.hooks.line(c.agentId, c.callId, { consult: null, held: false });
    if (told.first) this.deps.hooks.tell(c.agentId, c.callId, told.first);
    this.log.info({ callId: c.callId, consulted: t.withId, moved }, "consultation over; the agent is back with the caller");
  }

  /** The consulted agent was not reached: the agent is back with the caller. */
  private async notReached(t: Consultation, why: string): Promise<void> {
    if (t.state !== "ringing") return;
    const missed = why === "no answer" || why === "busy" || why === "rejected";
    const first = `${t.withName} ${why === "no answer" ? "did not answer" : why === "busy" ? "was busy" : "could not be reached"}: you are back with the caller.`;
    await this.back(t, { first, consulted: `The consultation from ${t.fromName} was not answered.` }, missed ? "missed" : "available");
  }

  /** The consulted agent hung up while they talked. */
  private async consultedLeft(t: Consultation): Promise<void> {
    await this.back(t, { first: `${t.withName} hung up: you are back with the caller.`, consulted: `You hung up: ${t.fromName} is back with the caller.` });
  }
}
