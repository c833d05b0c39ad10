/**
 * The channel core: creating channels (endpoint channels and Local pairs), their state, the
 * progress of a channel being dialed (ringing, answer, failure), hangup and destruction, and the
 * DTMF a channel sends.
 */
import { randomUUID } from "node:crypto";
import { Channel, type DialInfo } from "../model/channel.js";
import { sipStatusOfCause } from "../model/sip-status.js";
import { CAUSE, causeText, ORIGINATE_REASON, SOFTHANGUP, type ChannelSnapshot, type ChannelState } from "../model/types.js";
import type { Bridging } from "./bridging.js";
import { Cdrs } from "./cdr.js";
import type { PbxContext } from "./context.js";
import type { Devices } from "./devices.js";
import { PbxError } from "./errors.js";
import type { Media } from "./media.js";
import type { StasisApps } from "./stasis-apps.js";
import { parseCallerId } from "./variables.js";

/** A Local channel's resource `exten@context[/options]`: the part before the options, split. */
export function parseLocal(resource: string): { base: string; exten: string; context: string } {
  const base = resource.split("/")[0]!;
  const at = base.indexOf("@");
  return { base, exten: at >= 0 ? base.slice(0, at) : base, context: at >= 0 ? base.slice(at + 1) : "default" };
}

/** The parts a channel's end touches: its playbacks and MOH, its bridge, its apps, its device. */
export interface ChannelCoreParts {
  /** asterisk.conf `systemname`, the prefix of every unique id. */
  systemName: string;
  devices: Devices;
  media: Media;
  bridging: Bridging;
  apps: StasisApps;
}

export class ChannelCore {
  private readonly nameCounters = new Map<string, number>();
  private uniqueCounter = 0;
  /** Their CDRs, posted as each channel is destroyed. */
  private readonly cdrs: Cdrs;

  constructor(
    private readonly ctx: PbxContext,
    private readonly parts: ChannelCoreParts,
  ) {
    this.cdrs = new Cdrs(ctx);
  }

  // ---------------------------------------------------------------- lookup

  /** By unique id or by channel name. */
  find(idOrName: string): Channel | undefined {
    const c = this.ctx.channels.get(idOrName);
    if (c) return c;
    for (const ch of this.ctx.channels.values()) if (ch.name === idOrName) return ch;
    return undefined;
  }

  mustFind(idOrName: string): Channel {
    const c = this.find(idOrName);
    if (!c) throw new PbxError("not-found", "Channel not found");
    return c;
  }

  idTaken(id: string | undefined): boolean {
    return id !== undefined && this.ctx.channels.has(id);
  }

  // ---------------------------------------------------------------- creation

  /**
   * `Tech/resource-0000000n` on device `Tech/resource`, not registered yet (see `add`); a configured
   * endpoint's `callerid` is its caller id from the start.
   */
  endpointChannel(tech: string, resource: string, state: ChannelState, context: string, exten: string, id?: string): Channel {
    const device = `${tech}/${resource}`;
    const c = new Channel(id ?? this.newUniqueId(), `${device}-${this.nextNameSuffix(tech)}`, tech, state, context, exten, device);
    const callerId = parseCallerId(this.parts.devices.endpoint(device)?.callerId);
    if (callerId) c.caller = callerId;
    // chan_pjsip's protocol id is the dialog's SIP Call-ID (Asterisk's own calls: a UUID)
    if (tech === "PJSIP") c.protocolId = randomUUID();
    return c;
  }

  /** Registers `c` and publishes ChannelCreated (and its endpoint's new snapshot). */
  add(c: Channel): void {
    this.register(c);
    this.ctx.emit({ type: "ChannelCreated", channel: c.snapshot() });
    this.parts.devices.channelsChanged(c.device);
  }

  /**
   * The pair `Local/<base>-<n>;1` (Down) and `;2` (Ring) on device `Local/exten@context`, linked
   * to each other, registered and announced (both ChannelCreated after both exist).
   */
  localPair(
    local: { base: string; exten: string; context: string },
    opts: { oneId?: string; twoId?: string; linkedId?: string; accountcode?: string } = {},
  ): { one: Channel; two: Channel } {
    const { base, exten, context } = local;
    const suffix = this.nextNameSuffix("Local");
    const device = `Local/${exten}@${context}`;
    const one = new Channel(opts.oneId ?? this.newUniqueId(), `Local/${base}-${suffix};1`, "Local", "Down", context, exten, device);
    const two = new Channel(opts.twoId ?? this.newUniqueId(), `Local/${base}-${suffix};2`, "Local", "Ring", context, exten, device);
    one.linkedId = two.linkedId = opts.linkedId ?? one.id;
    one.localPeer = two;
    two.localPeer = one;
    one.localHalf = 1;
    two.localHalf = 2;
    if (opts.accountcode) one.accountcode = two.accountcode = opts.accountcode;
    this.register(one);
    this.register(two);
    this.ctx.emit({ type: "ChannelCreated", channel: one.snapshot() });
    this.ctx.emit({ type: "ChannelCreated", channel: two.snapshot() });
    return { one, two };
  }

  /** A channel being dialed by `app` (originate: AppDial2, Queue(): AppQueue) shows "(Outgoing Line)". */
  markOutgoing(c: Channel, app: "AppDial2" | "AppQueue"): void {
    c.appName = app;
    c.appData = "(Outgoing Line)";
    this.cdrs.markOutgoing(c);
    this.ctx.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: c.appName, appData: c.appData });
  }

  setState(c: Channel, state: ChannelState): void {
    if (c.state === state || c.destroyed) return;
    const previousState = c.state;
    c.state = state;
    this.ctx.emit({ type: "ChannelStateChange", channel: c.snapshot(), previousState });
    this.parts.devices.schedule(c.device);
  }

  /** A server-chosen unique id (`<systemname>-<epoch>.<n>`). */
  newUniqueId(): string {
    const id = `${Math.floor(Date.now() / 1000)}.${this.uniqueCounter++}`;
    return this.parts.systemName ? `${this.parts.systemName}-${id}` : id;
  }

  /** The next name counter of a technology (`Local` is shared by every unreal channel: Local, Recorder). */
  nextNameSuffix(tech: string): string {
    const n = this.nameCounters.get(tech) ?? 0;
    this.nameCounters.set(tech, n + 1);
    return n.toString(16).padStart(8, "0");
  }

  private register(c: Channel): void {
    this.ctx.channels.set(c.id, c);
    this.parts.devices.noteDevice(c.device);
  }

  // ---------------------------------------------------------------- a channel being dialed

  /** The dialed channel did not get answered: tear it down with `cause` (no answer, busy, ...). */
  failDial(c: Channel, cause: number): void {
    if (c.destroyed) return;
    c.hangupCause = cause;
    c.causeSet = true;
    const d = c.dial;
    if (d) {
      d.cancelTimeout();
      d.onFail(cause);
    }
    this.destroy(c);
  }

  /** The far end of `c` (a Local `;1` or an endpoint channel being dialed) is ringing. */
  remoteRinging(c: Channel): void {
    if (c.destroyed) return;
    if (c.state !== "Up" && c.state !== "Ringing") this.setState(c, "Ringing");
    const d = c.dial;
    if (d && !d.answered && d.progress !== ORIGINATE_REASON.RINGING) {
      d.progress = ORIGINATE_REASON.RINGING;
      d.flushRinging = () => {
        d.flushRinging = undefined;
        if (c.destroyed || c.dial !== d || d.answered) return;
        this.ctx.emit({ type: "Dial", phase: "state", ...dialCaller(d), peer: c.snapshot(), dialstring: d.dialString, dialstatus: "RINGING", forward: "" });
      };
      this.ctx.scheduler.defer(() => d.flushRinging?.());
    }
  }

  /** The far end of `c` answered (a ringing that has not been published yet goes out first: 180 before 200). */
  remoteAnswered(c: Channel): void {
    if (c.destroyed) return;
    c.dial?.flushRinging?.();
    if (c.state !== "Up") {
      c.answeredAt = Date.now();
      this.setState(c, "Up");
    }
    const d = c.dial;
    if (d && !d.answered) {
      d.answered = true;
      d.cancelTimeout();
      this.ctx.emit({ type: "Dial", phase: "end", ...dialCaller(d), peer: c.snapshot(), dialstring: d.dialString, dialstatus: "ANSWER", forward: "" });
      d.onAnswer();
    }
  }

  /** Answers `c` (Answer(), ARI answer, AMI). Crosses a Local pair. */
  answer(c: Channel): void {
    if (c.destroyed || c.state === "Up") return;
    c.answeredAt = Date.now();
    this.setState(c, "Up");
    const peer = c.localPeer;
    if (peer && !peer.destroyed) this.remoteAnswered(peer);
    else c.remote?.onAnswered?.();
  }

  /** Sends ringing indication from `c` towards its caller. */
  indicateRinging(c: Channel): void {
    const peer = c.localPeer;
    if (peer && !peer.destroyed) this.remoteRinging(peer);
  }

  // ---------------------------------------------------------------- hangup

  /**
   * Hangs a channel up on request (ARI DELETE, AMI Hangup with `via: "ami"`): sets the hangup
   * cause and requests a soft hangup (over ARI: `ChannelHangupRequest` cause 32 soft, as Asterisk
   * reports it; over AMI no request event of its own).
   */
  hangup(c: Channel, cause: number, via: "ari" | "ami" | undefined): void {
    if (c.destroyed) return;
    c.hangupCause = cause;
    c.causeSet = true;
    // AMI's Hangup action (ast_channel_softhangup_withcause_locked) publishes no request of its
    // own; ARI's DELETE publishes the explicit soft hangup (cause 32)
    if (via === "ami") this.requestHangup(c);
    else this.softHangup(c, SOFTHANGUP.EXPLICIT);
  }

  /** `ast_queue_hangup_with_cause`: the peer/phone hung up. */
  queueHangup(c: Channel, cause: number): void {
    if (c.destroyed) return;
    if (!c.causeSet) {
      c.hangupCause = cause;
      c.causeSet = true;
    }
    this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause, soft: false, ...techCauseOf(c) });
    this.requestHangup(c);
  }

  requestHangup(c: Channel): void {
    c.hangupPending = true;
    c.abort.abort();
    if (c.stasis) c.stasis.leave();
    if (c.onHangupRequest) {
      const hook = c.onHangupRequest;
      c.onHangupRequest = undefined;
      hook();
    }
    // a channel being dialed fails its dial; one that runs nothing is torn down at once
    if (c.dial && !c.dial.answered) this.failDial(c, c.hangupCause || CAUSE.NORMAL);
    else if (!c.runsPbx && !c.stasis && !c.runningApp) this.destroy(c);
  }

  /** `ast_hangup`: the channel is destroyed. */
  destroy(c: Channel, opts: { propagate?: boolean } = {}): void {
    if (c.destroyed) return;
    c.destroyed = true;
    c.hangupPending = true;
    c.abort.abort();
    if (c.dial && !c.dial.answered) {
      const d = c.dial;
      d.cancelTimeout();
      d.onFail(c.hangupCause || CAUSE.NORMAL);
    }
    // an unanswered PJSIP channel ends its INVITE with the cause's SIP status (ws-20 C: CANCEL, 19 -> 480)
    if (c.tech === "PJSIP" && !c.techCause && c.answeredAt === null) c.techCause = sipStatusOfCause(c.hangupCause);
    this.parts.media.dropPlaybacks(c, false);
    this.parts.media.stopMoh(c);
    if (c.bridgeId) this.parts.bridging.leave(c);
    const peer = c.localPeer;
    if (opts.propagate !== false && peer && !peer.destroyed && !peer.hangupPending) this.queueHangup(peer, c.hangupCause);
    this.cdrs.post(c);
    this.ctx.emit({ type: "ChannelDestroyed", channel: c.snapshot(), cause: c.hangupCause, causeTxt: causeText(c.hangupCause), ...techCauseOf(c) });
    this.ctx.channels.delete(c.id);
    this.parts.devices.channelsChanged(c.device);
    this.parts.apps.dropChannel(c.id);
    for (const w of [...c.mediaWaiters]) w();
    this.parts.devices.schedule(c.device);
    try {
      c.remote?.onHangup?.(c.hangupCause);
    } catch {
      // ignore
    }
  }

  /**
   * Simulates `core stop now` / `core restart now`: every channel gets ChannelHangupRequest
   * cause 4 (soft), then `Shutdown` is emitted and every channel hangs up (Stasis channels see
   * StasisEnd first).
   */
  shutdown(restart: boolean): void {
    if (this.ctx.stopped) return;
    // every channel is soft-hung-up (cause 4) before Shutdown is published (AMI recording ami-14a)
    const live = [...this.ctx.channels.values()].filter((c) => !c.destroyed);
    for (const c of live) this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: SOFTHANGUP.SHUTDOWN, soft: true });
    this.ctx.emit({ type: "Shutdown", restart });
    // then the channels wind down without a cause of their own (they end with 0, as recorded): a
    // Stasis channel leaves its app at once (StasisEnd), the others notice a moment later unless
    // their Local peer's hangup reached them first (ami-14a: HangupRequest cause 0 on the ;1)
    for (const c of live) c.causeSet = true;
    for (const c of live) if (c.stasis) this.requestHangup(c);
    this.ctx.scheduler.defer(() => {
      for (const c of live) if (!c.destroyed && !c.hangupPending) this.requestHangup(c);
    });
  }

  private softHangup(c: Channel, flag: number): void {
    if (c.destroyed) return;
    this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: flag, soft: true, ...techCauseOf(c) });
    this.requestHangup(c);
  }

  // ---------------------------------------------------------------- DTMF

  /**
   * `c` sends DTMF (SendDTMF(), ARI `POST /channels/{id}/dtmf`): the Local peer or the phone
   * receives it. Resolves false if the channel hung up meanwhile.
   */
  async sendDtmf(c: Channel, digits: string, betweenMs: number, durationMs: number, beforeMs = 100): Promise<boolean> {
    const { scheduler } = this.ctx;
    // ast_dtmf_stream: a short pause first, then per digit: tone, gap (also after the last digit)
    if (beforeMs > 0 && !(await scheduler.sleep(beforeMs, c.abort.signal))) return false;
    for (const digit of digits) {
      if (c.destroyed || c.hangupPending) return false;
      this.ctx.emit({ type: "DtmfBegin", channel: c.snapshot(), digit, direction: "Sent" });
      const peer = c.localPeer;
      if (peer && !peer.destroyed) this.ctx.emit({ type: "DtmfBegin", channel: peer.snapshot(), digit, direction: "Received" });
      if (!(await scheduler.sleep(durationMs, c.abort.signal))) return false;
      this.ctx.emit({ type: "DtmfEnd", channel: c.snapshot(), digit, durationMs, direction: "Sent" });
      if (peer && !peer.destroyed) this.ctx.emit({ type: "DtmfEnd", channel: peer.snapshot(), digit, durationMs, direction: "Received" });
      else if (!peer) c.remote?.onDtmf?.(digit);
      if (!(await scheduler.sleep(betweenMs, c.abort.signal))) return false;
    }
    return true;
  }
}

/** The technology's cause for the hangup events, when there is one. */
function techCauseOf(c: Channel): { techCause?: number } {
  return c.techCause ? { techCause: c.techCause } : {};
}

/** The dialing channel of a Queue()/Dial() call, as Dial events show it. */
function dialCaller(d: DialInfo): { caller?: ChannelSnapshot } {
  return d.caller && !d.caller.destroyed ? { caller: d.caller.snapshot() } : {};
}
