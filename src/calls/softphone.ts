import type { Logger } from "../lib/logger.js";
import type { AgentRecord } from "../queue/caller-queue.js";
import { isDispatchable, isStaffed, type CallerQueue } from "../queue/index.js";
import { AmiActionError, AriUnsupportedError, type AmiGateway, type AriGateway } from "../telephony/index.js";
import type { ConsultTarget, Consults } from "./consult.js";
import { PhoneError } from "./phone-error.js";
import type { Connected, QueueHandoff } from "./queue-handoff.js";
import { callerOf, requeueCaller } from "./requeue-caller.js";
import type { SessionDirectory } from "./session-directory.js";

/**
 * The agent desktop's soft-phone: what an agent does to the call they are talking on, over ARI, on the
 * conversation the queue hand-off bridged (this daemon's; a call another daemon bridged is refused).
 *
 * - Hold: music on hold on the caller's channel, which stays in the bridge. Asterisk's music is the
 *   channel's generator and drowns the bridge's audio (recorded: ws-14), so the caller hears the music
 *   and not the agent. Taking the caller out of the bridge would do the same for the caller, but the
 *   talk clock (talk-time.ts) ends a conversation at the first party leaving its bridge, and a restart
 *   would find the conversation broken. ARI's channel hold (ws-19) plays the same music. Resume stops
 *   the music: the caller hears the agent again.
 * - Mute: the agent leg's incoming audio (`direction=in`, the agent's voice) over ARI's channel mute.
 * - End: the agent's leg hangs up, as if the agent put the phone down (the tree may take the caller on
 *   to its survey).
 * - Transfer (blind, requeue-caller.ts) to a queue, or to a named agent: the caller joins the call's queue
 *   offered to that agent first, with the place of its first join, so an agent who does not answer sends
 *   it back to that place (the next agent free takes it), never to the back of the queue.
 * - Consult (consult.ts): another agent or a queue's agent is rung while the caller holds; complete hands
 *   the caller over, cancel goes back to the caller.
 * - Accept: a ringing call answered from the desk, by the phone itself: a SIP NOTIFY `Event: talk` over
 *   AMI (PJSIPNotify), which desk phones that allow it (`agents[].remoteAnswer`) take as "answer". ARI cannot
 *   answer it: the agent's leg is a call to the phone, in the app only once the phone answers.
 */

export interface SoftphoneDeps {
  handoff: Pick<QueueHandoff, "connectedCalls" | "callerGone" | "join" | "placement" | "defaultLane" | "ringOf">;
  /** ARI and AMI of the server a conversation is on. */
  ari(serverId: string): AriGateway | undefined;
  ami?(serverId: string): AmiGateway | undefined;
  /** The calls' sessions: the caller's number and name for the queue (and the next agent's caller id). */
  sessions: Pick<SessionDirectory, "find">;
  queue: Pick<CallerQueue, "status" | "queue" | "agentRecords">;
  /** Queue id -> the name the agent reads. */
  queueNames: Readonly<Record<string, string>>;
  /** The agents: their names, and whether their phone may be answered from the desk. */
  agents: ReadonlyMap<string, { name: string; remoteAnswer?: boolean | undefined }>;
  consults?: Consults;
  mohClass: string;
  /** The caller could not be queued after all (the queue refused): to the dialplan fallback. */
  fallback(callId: string, serverId: string, why: string): void;
  logger: Logger;
}

export { PhoneError } from "./phone-error.js";

export type PhoneControl = "hold" | "resume" | "mute" | "unmute" | "end" | "complete" | "cancel";
export type TransferTarget = { queue: string } | { agent: string };

/** Why an agent cannot take a call now, in words. */
const BUSY_WORDS: Record<string, string> = { offline: "is logged out", paused: "is paused", ringing: "has a call ringing", oncall: "is on a call", wrapup: "is in wrap-up" };
const busyWords = (r: AgentRecord | undefined): string => (!r ? "is not logged in" : r.state === "available" ? "has no free phone" : (BUSY_WORDS[r.state] ?? "cannot take a call"));

/** How often, and how many times, Accept looks whether the phone rings yet (ARI's channel state). */
const RINGING_CHECK_MS = 100;
const RINGING_CHECKS = 30;

export class Softphone {
  /** Calls on hold or muted, by call id; forgotten once their conversation is. */
  private readonly held = new Set<string>();
  private readonly muted = new Set<string>();
  private readonly log: Logger;

  constructor(private readonly deps: SoftphoneDeps) {
    this.log = deps.logger.child({ component: "softphone" });
  }

  /** The agent's conversation on call `callId`, or a refusal. */
  private conversation(agentId: string, callId: string): Connected {
    const live = new Set(this.deps.handoff.connectedCalls().map((c) => c.callId));
    for (const id of [...this.held, ...this.muted]) {
      if (!live.has(id)) this.forget(id);
    }
    const c = this.deps.handoff.connectedCalls().find((x) => x.callId === callId);
    if (!c || c.agentId !== agentId) throw new PhoneError("This call is not on your line (it has ended, or it is not one this server connected).");
    return c;
  }

  private line(c: Connected): AriGateway {
    const ari = this.deps.ari(c.serverId);
    if (!ari?.isConnected) throw new PhoneError("The phone system cannot be reached right now. Try again in a moment.");
    return ari;
  }

  private forget(callId: string): void {
    this.held.delete(callId);
    this.muted.delete(callId);
  }

  private notConsulting(callId: string): void {
    if (this.deps.consults?.has(callId)) throw new PhoneError("You are consulting on this call: complete the transfer or cancel the consultation first.");
  }

  /** Carries out a control; resolves with what changed on the line. */
  async act(agentId: string, callId: string, control: PhoneControl): Promise<{ held?: boolean; muted?: boolean }> {
    if (control === "complete" || control === "cancel") {
      const consults = this.deps.consults;
      if (!consults) throw new PhoneError("Consultations are not available on this server.");
      await (control === "complete" ? consults.complete(agentId, callId) : consults.cancel(agentId, callId));
      this.held.delete(callId);
      return {};
    }
    const c = this.conversation(agentId, callId);
    const ari = this.line(c);
    if (control === "hold" || control === "resume") this.notConsulting(callId);
    try {
      switch (control) {
        case "hold":
          // a call's id is its caller's channel id
          await ari.startMoh(c.callId, this.deps.mohClass);
          this.held.add(callId);
          return { held: true };
        case "resume":
          await ari.stopMoh(c.callId);
          this.held.delete(callId);
          return { held: false };
        case "mute":
          await ari.mute(c.agentChannelId, "in");
          this.muted.add(callId);
          return { muted: true };
        case "unmute":
          await ari.unmute(c.agentChannelId, "in");
          this.muted.delete(callId);
          return { muted: false };
        case "end":
          await ari.hangup(c.agentChannelId, { reason: "normal" });
          this.forget(callId);
          return {};
      }
    } catch (err) {
      if (err instanceof AriUnsupportedError) throw new PhoneError(`${control === "mute" || control === "unmute" ? "Mute" : "This control"} is not available on this phone system (its ARI does not offer it).`);
      this.log.warn({ err, callId, agentId, control }, "soft-phone control failed");
      throw new PhoneError(`The phone system did not carry out "${control}". Try again.`);
    }
  }

  /**
   * Blind transfer to a queue or a named agent. Checked first (the conversation, the target, someone to
   * take the caller), so a refusal leaves the caller with the agent; `handedOver` closes the agent's part
   * once the agent's leg is gone and before the caller can reach the next agent. Resolves with what the
   * agent reads.
   */
  async transfer(agentId: string, callId: string, target: TransferTarget, handedOver: (text: string) => Promise<void>): Promise<string> {
    const c = this.conversation(agentId, callId);
    this.line(c);
    this.notConsulting(callId);
    let to: { queue: string; name: string; offerTo?: string };
    if ("queue" in target) {
      const name = this.deps.queueNames[target.queue] ?? target.queue;
      const staffed = (await this.deps.queue.status(target.queue, 1)).agents.some((a) => isStaffed(a.state, a.device));
      if (!staffed) throw new PhoneError(`Nobody is working ${name} right now: the caller stays with you.`);
      to = { queue: target.queue, name };
    } else {
      const name = this.deps.agents.get(target.agent)?.name ?? target.agent;
      if (target.agent === agentId) throw new PhoneError("That is you: choose another agent.");
      const record = (await this.deps.queue.agentRecords([target.agent])).get(target.agent);
      if (!record || !isDispatchable(record.state, record.device)) throw new PhoneError(`${name} ${busyWords(record)}: the caller stays with you.`);
      // the caller goes back to the queue it came from, should the agent not answer
      to = { queue: c.queue, name, offerTo: target.agent };
    }
    const caller = await callerOf(this.deps, callId);
    if (!caller) throw new PhoneError("The call's details cannot be read right now: the caller stays with you.");
    this.forget(callId);
    const text = `Transferred to ${to.name}`;
    const verdict = await requeueCaller(this.deps, c, caller, {
      queue: to.queue,
      lanes: this.deps.queue.queue(to.queue).lanes,
      handedOver: () => handedOver(text),
      ...(to.offerTo ? { offerTo: to.offerTo, ...(caller.joinedAt ? { rankAs: caller.joinedAt } : {}) } : {}),
    });
    if (verdict !== "queued") return `The ${this.deps.queueNames[to.queue] ?? to.queue} queue did not take the caller; they were sent to the operator line.`;
    return text;
  }

  /** Consults another agent (or a queue's longest-idle agent) with the caller on hold; resolves with what the agent reads. */
  async consult(agentId: string, callId: string, target: ConsultTarget): Promise<string> {
    const consults = this.deps.consults;
    if (!consults) throw new PhoneError("Consultations are not available on this server.");
    const c = this.conversation(agentId, callId);
    this.line(c);
    return consults.start(c, target, { name: this.deps.agents.get(agentId)?.name ?? agentId });
  }

  /**
   * The ringing call answered from the desk: the phone is told to answer (SIP NOTIFY `Event: talk` over AMI)
   * when its agent allows it; else the agent is asked to pick up. Resolves with what the agent reads; the
   * answer itself shows as the line going on.
   */
  async accept(agentId: string, callId: string): Promise<string> {
    const ring = this.deps.handoff.ringOf(agentId, callId);
    if (!ring) throw new PhoneError("This call is not ringing on your phone any more (or another server rang it): pick up your phone if it rings.");
    if (!this.deps.agents.get(agentId)?.remoteAnswer) throw new PhoneError("Pick up your phone to answer: it is not set up to be answered from the desk.");
    const endpoint = /^PJSIP\/([^@/]+)$/i.exec(ring.endpoint)?.[1];
    const ami = this.deps.ami?.(ring.serverId);
    if (!endpoint || !ami?.isConnected) throw new PhoneError("Your phone cannot be answered from the desk right now: pick it up to answer.");
    // a phone takes `talk` for the call it rings with: not before it has the call (the pop goes up as it is dialled)
    if (!(await this.phoneRinging(ring.serverId, ring.channelId))) throw new PhoneError("Your phone is not ringing (yet): pick it up to answer.");
    try {
      await ami.action("PJSIPNotify", { Endpoint: endpoint, Variable: "Event=talk" });
    } catch (err) {
      this.log.warn({ err, callId, agentId, endpoint }, "remote answer (PJSIPNotify) failed");
      throw new PhoneError(`Your phone did not take the answer${err instanceof AmiActionError ? ` (${err.message})` : ""}: pick it up to answer.`);
    }
    this.log.info({ callId, agentId, endpoint }, "phone told to answer (NOTIFY talk)");
    return "Answering on your phone…";
  }

  /** Waits (a few seconds at most) for the agent's leg to ring: the phone has the call. False when it does not. */
  private async phoneRinging(serverId: string, channelId: string): Promise<boolean> {
    const ari = this.deps.ari(serverId);
    for (let i = 0; ari && i < RINGING_CHECKS; i++) {
      const state = await ari.getChannel(channelId).then((c) => c.state, () => undefined);
      if (state === "Ringing") return true;
      if (state === undefined || state === "Up") return false;
      await new Promise((r) => setTimeout(r, RINGING_CHECK_MS));
    }
    return false;
  }
}
