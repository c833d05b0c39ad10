import type { Logger } from "../lib/logger.js";
import { isStaffed, type CallerQueue } from "../queue/index.js";
import { AriUnsupportedError, type AriGateway } from "../telephony/index.js";
import type { Connected, QueueHandoff } from "./queue-handoff.js";
import type { SessionDirectory } from "./session-directory.js";

/**
 * The agent desktop's soft-phone: what an agent does to the call they are talking on, over ARI, on the
 * conversation the queue hand-off bridged (this daemon's; a call another daemon bridged is refused).
 *
 * - Hold: music on hold on the caller's channel, which stays in the bridge. Asterisk's music is the
 *   channel's generator and drowns the bridge's audio (recorded: ws-14), so the caller hears the music
 *   and not the agent. Taking the caller out of the bridge would do the same for the caller, but the
 *   talk clock (talk-time.ts) ends a conversation at the first party leaving its bridge, and a restart
 *   would find the conversation broken. ARI's channel hold (ws-19) plays the same music but the
 *   simulator has no such operation. Resume stops the music: the caller hears the agent again.
 * - Mute: the agent leg's incoming audio (`direction=in`, the agent's voice) over ARI's channel mute.
 * - End: the agent's leg hangs up, as if the agent put the phone down (the tree may take the caller on
 *   to its survey).
 * - Transfer to a queue (blind): the hand-off lets the conversation go as if the caller had gone (the
 *   agent leg hangs up, the agent goes to wrap-up, the call manager is not told: the caller is still
 *   its call), the agent's part is closed (`handedOver`, the desk's history entry), then the caller
 *   joins the queue again with music and is dispatched like any caller, without a maximum wait.
 */

export interface SoftphoneDeps {
  handoff: Pick<QueueHandoff, "connectedCalls" | "callerGone" | "join" | "placement" | "defaultLane">;
  /** ARI of the server a conversation is on. */
  ari(serverId: string): AriGateway | undefined;
  /** The calls' sessions: the caller's number and name for the queue (and the next agent's caller id). */
  sessions: Pick<SessionDirectory, "find">;
  queue: Pick<CallerQueue, "status" | "queue">;
  /** Queue id -> the name the agent reads. */
  queueNames: Readonly<Record<string, string>>;
  mohClass: string;
  /** The caller could not be queued after all (the queue refused): to the dialplan fallback. */
  fallback(callId: string, serverId: string, why: string): void;
  logger: Logger;
}

/** A refusal the agent reads as it is (the hub shows `SBP_` errors). */
export class PhoneError extends Error {
  readonly code = "SBP_REFUSED";
}

export type PhoneControl = "hold" | "resume" | "mute" | "unmute" | "end";

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

  /** Carries out a control; resolves with what changed on the line. */
  async act(agentId: string, callId: string, control: PhoneControl): Promise<{ held?: boolean; muted?: boolean }> {
    const c = this.conversation(agentId, callId);
    const ari = this.line(c);
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
   * Blind transfer to `queue`. Checked first (the conversation, the queue, someone working it), so a
   * refusal leaves the caller with the agent; `handedOver` closes the agent's part once the agent's leg
   * is gone and before the caller can reach the next agent. Resolves with what the agent reads.
   */
  async transfer(agentId: string, callId: string, queue: string, handedOver: () => Promise<void>): Promise<string> {
    const c = this.conversation(agentId, callId);
    this.line(c);
    const name = this.deps.queueNames[queue] ?? queue;
    const lanes = this.deps.queue.queue(queue).lanes;
    const staffed = (await this.deps.queue.status(queue, 1)).agents.some((a) => isStaffed(a.state, a.device));
    if (!staffed) throw new PhoneError(`Nobody is working ${name} right now: the caller stays with you.`);
    const session = (await this.deps.sessions.find(callId))[0];
    const caller = session?.engine.call;
    if (!session || !caller) throw new PhoneError("The call's details cannot be read right now: the caller stays with you.");
    await this.deps.handoff.callerGone(callId);
    this.forget(callId);
    await handedOver().catch((err) => this.log.error({ err, callId }, "the agent's part of a transferred call was not closed"));
    const placed = await this.deps.handoff.placement(queue, lanes.includes(c.lane) ? c.lane : this.deps.handoff.defaultLane(queue));
    const verdict = await this.deps.handoff
      .join({ callId, serverId: c.serverId, channelId: callId, callerNumber: caller.callerNumber, callerName: caller.callerName ?? "", queue, lane: placed.lane, skills: [], priority: 0 })
      .catch((err) => {
        this.log.error({ err, callId, queue }, "transferred caller not queued");
        return "empty" as const;
      });
    this.log.info({ callId, from: agentId, queue, lane: placed.lane, verdict }, "caller transferred to a queue by the agent");
    if (verdict !== "queued") {
      this.deps.fallback(callId, c.serverId, `transfer to ${queue}: the queue answered ${verdict}`);
      return `The ${name} queue did not take the caller; they were sent to the operator line.`;
    }
    return `Transferred to ${name}`;
  }
}
