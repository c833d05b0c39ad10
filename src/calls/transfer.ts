import { randomUUID } from "node:crypto";
import type { Logger } from "../lib/logger.js";
import { AriError, type AriEvent, type AriGateway } from "../telephony/index.js";
import type { CallsConfig } from "./config.js";

/**
 * A tree's `transfer: { endpoint }` on one Asterisk server, for callers of every channel technology: the
 * target is originated into the Stasis app (args `transfer,<callId>`, the caller's caller id, rung for
 * `calls.transferTimeout`) and bridged with the caller once it answers, the way the queue hand-off rings
 * an agent's phone; the caller hears the hold music while it rings. Busy, unreachable or not answered:
 * the manager sends the caller on (`calls.fallback`). Either side hanging up ends the other.
 *
 * ARI `redirect` is not used: it is the channel technology's own transfer, not a move. Asterisk 22 does
 * nothing for a Local channel (204, or 422 for a target of another technology) and sends a PJSIP channel's
 * far end a SIP REFER, which a carrier mostly refuses and a phone carries out by calling the target itself,
 * the caller's channel staying in the app either way (recorded: ws-13-redirect).
 */

/** The target's leg as the session keeps it (restart recovery reads it back). */
export interface TransferLeg {
  endpoint: string;
  channelId: string;
  bridgeId?: string;
  /** Set once the target answered and was bridged with the caller. */
  answeredAt?: number;
}

export interface TransferHooks {
  /** The target answered and is bridged with the caller. */
  connected(callId: string, leg: TransferLeg): void;
  /** The target was not reached ("busy", "no answer", "unreachable", ...): the caller must go on elsewhere. */
  failed(callId: string, why: string): void;
  /** The target hung up after it was bridged: the caller's end follows. */
  ended(callId: string): void;
}

export interface TransferDeps {
  ari: AriGateway;
  config: CallsConfig;
  logger: Logger;
  hooks: TransferHooks;
}

export interface TransferRequest {
  callId: string;
  /** The caller's channel, answered and in the app. */
  channelId: string;
  endpoint: string;
  callerNumber: string;
  callerName: string;
}

interface Live {
  callId: string;
  callerChannelId: string;
  endpoint: string;
  legId: string;
  state: "ringing" | "bridged";
  bridgeId?: string;
  timer?: NodeJS.Timeout;
  /** The caller's media requests, one after the other (a stop overtaken by a start would leave music in the bridge). */
  media: Promise<void>;
}

const ignore = () => {};

/** Target legs carry their call's id (call ids never hold "~"), like agent legs (`sba-`). */
export const transferLegId = (callId: string): string => `sbt-${callId}~${randomUUID()}`;
export const callOfTransferLeg = (channelId: string): string | undefined => /^sbt-(.+)~[^~]+$/.exec(channelId)?.[1];

/** The caller id a leg is originated with: the caller's, as the agent's phone gets it. */
export const legCallerId = (name: string, number: string): string => (name ? `"${name.replace(/["<>]/g, "")}" <${number}>` : number);

/** Why a target that hung up before answering was not reached, from its hangup cause (Q.850). */
export function whyNotReached(cause: number | undefined): string {
  switch (cause) {
    case 17:
      return "busy";
    case 18:
    case 19:
      return "no answer";
    case 21:
      return "rejected";
    case 1:
    case 3:
    case 20:
    case 27:
    case 34:
      return "unreachable";
    default:
      return cause === undefined ? "failed" : `failed (cause ${cause})`;
  }
}

export class Transfers {
  private readonly byCall = new Map<string, Live>();
  private readonly byLeg = new Map<string, Live>();
  private readonly log: Logger;

  constructor(private readonly deps: TransferDeps) {
    this.log = deps.logger.child({ component: "transfer" });
  }

  stop(): void {
    for (const t of this.byCall.values()) clearTimeout(t.timer);
  }

  /** Whether the call is being transferred or is with its transfer target. */
  has(callId: string): boolean {
    return this.byCall.has(callId);
  }

  /**
   * Rings the target (`legId`: from `transferLegId`, kept in the session before this is called) and
   * starts the caller's music. Failures come back through `hooks.failed`.
   */
  async start(req: TransferRequest, legId: string): Promise<void> {
    const { ari, config } = this.deps;
    const t: Live = { callId: req.callId, callerChannelId: req.channelId, endpoint: req.endpoint, legId, state: "ringing", media: Promise.resolve() };
    this.track(t);
    // a safety net behind Asterisk's own originate timeout (a lost event must not leave the caller waiting)
    t.timer = setTimeout(() => this.notReached(t, "no answer"), (config.transferTimeout + 5) * 1000);
    this.log.info({ callId: req.callId, endpoint: req.endpoint }, "transferring the caller");
    // the target first; the caller's music goes out right behind it
    const originated = ari.originate({
      endpoint: req.endpoint,
      appArgs: ["transfer", req.callId],
      callerId: legCallerId(req.callerName, req.callerNumber),
      timeoutSeconds: config.transferTimeout,
      channelId: legId,
    });
    this.media(t, () => ari.startMoh(req.channelId, config.mohClass)).catch((err) => this.log.debug({ err, callId: req.callId }, "music on hold did not start"));
    try {
      await originated;
    } catch (err) {
      // Asterisk 22: an unregistered or unknown PJSIP endpoint is 500 "Allocation failed"; a bad one 400
      const why = err instanceof AriError && err.code === "ARI_SERVER_ERROR" ? "unreachable" : "failed";
      this.log.warn({ err, callId: req.callId, endpoint: req.endpoint }, "transfer target not originated");
      this.notReached(t, why);
    }
  }

  /** Routes the events of target legs; true when the event was about one. */
  handle(e: AriEvent): boolean {
    if (e.type === "StasisStart") {
      // a tree may be called "transfer" too: only the legs this module names are targets
      if (e.args[0] !== "transfer" || callOfTransferLeg(e.channel.id) === undefined) return false;
      void this.answered(e.channel.id);
      return true;
    }
    if (e.type !== "ChannelHangupRequest" && e.type !== "ChannelDestroyed" && e.type !== "StasisEnd") return false;
    const t = this.byLeg.get(e.channel.id);
    if (!t) return callOfTransferLeg(e.channel.id) !== undefined;
    if (t.state === "bridged") this.targetLeft(t);
    else if (e.type !== "StasisEnd") this.notReached(t, whyNotReached(e.cause));
    return true;
  }

  /** The caller hung up (or left the app): a ringing target is cancelled, a bridged one hung up. */
  callerGone(callId: string): void {
    const t = this.byCall.get(callId);
    if (!t) return;
    this.untrack(t);
    this.deps.ari.hangup(t.legId).catch(ignore);
    this.dropBridge(t);
  }

  /**
   * A transfer a previous daemon left with the target answered (restart recovery), taken charge of at
   * once: from now on either side's hangup ends the other. `rebridge` then makes sure they hear each other.
   */
  adopt(callId: string, callerChannelId: string, leg: TransferLeg): void {
    this.track({ callId, callerChannelId, endpoint: leg.endpoint, legId: leg.channelId, state: "bridged", media: Promise.resolve(), ...(leg.bridgeId ? { bridgeId: leg.bridgeId } : {}) });
  }

  /**
   * The bridge of an adopted transfer: the one caller and target are in, else one made again (the old
   * one is gone, or was never made because the target answered while no daemon ran: the caller's music
   * is stopped first). Undefined when either side left meanwhile (its hangup ended the other).
   */
  async rebridge(callId: string): Promise<string | undefined> {
    const t = this.byCall.get(callId);
    if (!t || t.state !== "bridged") return undefined;
    const { ari } = this.deps;
    const bridge = t.bridgeId ? await ari.getBridge(t.bridgeId).catch(() => undefined) : undefined;
    if (bridge?.channels.includes(t.callerChannelId) && bridge.channels.includes(t.legId)) return bridge.id;
    if (bridge) await ari.destroyBridge(bridge.id).catch(ignore);
    await this.media(t, () => ari.stopMoh(t.callerChannelId)).catch(ignore);
    const made = await ari.createBridge({ type: ["mixing"], name: `transfer-${callId}` });
    t.bridgeId = made.id;
    if (this.byCall.get(callId) !== t) {
      this.dropBridge(t);
      return undefined;
    }
    await ari.addChannel(made.id, [t.callerChannelId, t.legId]);
    this.log.warn({ callId, bridgeId: made.id }, "caller and transfer target bridged after a restart");
    return made.id;
  }

  private track(t: Live): void {
    this.byCall.set(t.callId, t);
    this.byLeg.set(t.legId, t);
  }

  /** False when `t` was already let go (the other side's end came first). */
  private untrack(t: Live): boolean {
    if (this.byCall.get(t.callId) !== t) return false;
    clearTimeout(t.timer);
    this.byCall.delete(t.callId);
    this.byLeg.delete(t.legId);
    return true;
  }

  private media(t: Live, op: () => Promise<unknown>): Promise<void> {
    const next = t.media.then(op).then(ignore);
    t.media = next.catch(ignore);
    return next;
  }

  private dropBridge(t: Live): void {
    if (t.bridgeId) this.deps.ari.destroyBridge(t.bridgeId).catch(ignore);
  }

  /** The target answered: the music stops and caller and target are bridged. */
  private async answered(legId: string): Promise<void> {
    const { ari } = this.deps;
    const t = this.byLeg.get(legId);
    if (!t || t.state !== "ringing") {
      // a leg this daemon does not ring (a previous daemon's, or one given up on): nobody waits for it
      ari.hangup(legId).catch(ignore);
      return;
    }
    t.state = "bridged";
    clearTimeout(t.timer);
    // the music is the only thing that stops it (a bridge does not), and nothing starts it again from here on
    const silenced = this.media(t, () => ari.stopMoh(t.callerChannelId)).catch(ignore);
    try {
      const bridge = await ari.createBridge({ type: ["mixing"], name: `transfer-${t.callId}` });
      t.bridgeId = bridge.id;
      await silenced;
      if (this.byCall.get(t.callId) !== t) return this.dropBridge(t);
      await ari.addChannel(bridge.id, [t.callerChannelId, legId]);
    } catch (err) {
      this.log.error({ err, callId: t.callId }, "bridging caller and transfer target failed");
      if (this.byCall.get(t.callId) === t) this.notReached(t, "failed");
      return;
    }
    this.log.info({ callId: t.callId, endpoint: t.endpoint }, "caller connected to the transfer target");
    this.deps.hooks.connected(t.callId, { endpoint: t.endpoint, channelId: legId, ...(t.bridgeId ? { bridgeId: t.bridgeId } : {}), answeredAt: Date.now() });
  }

  /**
   * Busy, unreachable, not answered in time, or not bridged: the leg goes, the music this module started
   * is stopped (the recordings show it ending with a hangup, not that it ends when the caller is
   * continued to the dialplan), and then the caller goes on: the stop must not overtake the move.
   */
  private notReached(t: Live, why: string): void {
    if (!this.untrack(t)) return;
    const { ari, hooks } = this.deps;
    ari.hangup(t.legId).catch(ignore);
    this.dropBridge(t);
    this.log.info({ callId: t.callId, endpoint: t.endpoint, why }, "transfer target not reached");
    void this.media(t, () => ari.stopMoh(t.callerChannelId))
      .catch(ignore)
      .then(() => hooks.failed(t.callId, why));
  }

  /** The target hung up a bridged call. */
  private targetLeft(t: Live): void {
    if (!this.untrack(t)) return;
    this.dropBridge(t);
    this.log.info({ callId: t.callId, endpoint: t.endpoint }, "transfer target hung up");
    this.deps.hooks.ended(t.callId);
  }
}
