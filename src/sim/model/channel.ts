import type { CallerId, ChannelSnapshot, ChannelState } from "./types.js";

/** How a channel entered Stasis, which decides its app subscription and what happens on exit. */
export interface StasisInfo {
  app: string;
  args: string[];
  /** true: `Stasis()` ran from dialplan; false: the channel was originated into the app. */
  fromDialplan: boolean;
  /** Set by `continue`: where to go when leaving Stasis (undefined: next priority). */
  continueTo?: { context: string; exten: string; priority: number } | undefined;
  /** Resolves the Stasis app's wait. */
  leave: () => void;
}

/**
 * A live channel. Mutable state owned by `SimPbx`; consumers only ever see `snapshot()` copies.
 */
export class Channel {
  state: ChannelState;
  caller: CallerId = { name: "", number: "" };
  connected: CallerId = { name: "", number: "" };
  accountcode = "";
  language = "en";
  context: string;
  exten: string;
  priority = 1;
  appName = "";
  appData = "";
  readonly vars = new Map<string, string>();
  readonly creationTime = Date.now();
  linkedId: string;
  /** The other half of a Local channel pair. */
  localPeer: Channel | undefined;
  localHalf: 1 | 2 | undefined;
  stasis: StasisInfo | undefined;
  bridgeId: string | undefined;
  mohClass: string | undefined;
  /**
   * ARI channel mute (`ast_channel_suppress` of voice frames): `in` drops what the channel reads (its
   * party's voice reaches nobody), `out` what is written to it (its party hears nothing).
   */
  muted = { in: false, out: false };
  /** ARI hold: the channel was told to hold (its music on hold started by the hold). */
  held = false;
  /** Hangup cause to report at destruction (first one set wins, as in Asterisk). */
  hangupCause = 0;
  /** A cause was given explicitly (0 included), so defaults must not overwrite it. */
  causeSet = false;
  /**
   * The channel technology's own cause of an off-nominal end (chan_pjsip: the SIP status, e.g. 486 when
   * the phone rejected the call); 0: none, as for a normal end (ARI `tech_cause`, AMI `TechCause`).
   */
  techCause = 0;
  /** The Request-URI user a PJSIP channel was dialed with (`PJSIP/5551234@trunk` -> `5551234`). */
  requestUser: string | undefined;
  /** A hangup was requested (soft or queued): the channel's thread must wind down. */
  hangupPending = false;
  destroyed = false;
  /** Aborted when a hangup is requested: wakes whatever the channel's thread waits on. */
  abort = new AbortController();
  answeredAt: number | null = null;
  /** Runs a dialplan (pbx thread) rather than a single originate-launched application. */
  runsPbx = false;
  /** Runs an originate-launched application (Stasis or AMI Application). */
  runningApp = false;
  /** Set by a redirect: where the pbx loop jumps once the current application returns. */
  pendingGoto: { context: string; exten: string; priority: number } | undefined;
  /** Last dialplan application, for the CDR. */
  lastApp = "";
  lastData = "";
  /** Called when the remote end (an endpoint driver) must learn about events on this channel. */
  remote: ChannelRemote | undefined;
  /** The channel driver's id of the call: a PJSIP channel's SIP Call-ID, "" for Local. */
  protocolId = "";
  /** Device name for device state (`Local/s@ctx`, `PJSIP/1001`). */
  device: string;
  /** Waiters for "media from the peer" (used by Answer()). */
  mediaWaiters = new Set<() => void>();
  /** Pending originate dial bookkeeping. */
  dial: DialInfo | undefined;
  /** Called when a hangup is requested on a channel that an application owns (Queue members). */
  onHangupRequest: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly tech: string,
    state: ChannelState,
    context: string,
    exten: string,
    device: string,
  ) {
    this.state = state;
    this.context = context;
    this.exten = exten;
    this.linkedId = id;
    this.device = device;
  }

  snapshot(): ChannelSnapshot {
    return {
      id: this.id,
      name: this.name,
      tech: this.tech,
      state: this.state,
      caller: { ...this.caller },
      connected: { ...this.connected },
      accountcode: this.accountcode,
      dialplan: {
        context: this.context,
        exten: this.exten,
        priority: this.priority,
        appName: this.appName,
        appData: this.appData,
      },
      creationTime: this.creationTime,
      language: this.language,
      linkedId: this.linkedId,
      protocolId: this.protocolId,
    };
  }
}

/** Bookkeeping of an outgoing call being set up (the originate "dialer"). */
export interface DialInfo {
  dialString: string;
  /** Last progress seen: 0 none, 3 ringing. */
  progress: number;
  answered: boolean;
  cancelTimeout: () => void;
  onAnswer: () => void;
  onFail: (cause: number) => void;
  /** The channel that dials (Queue, Dial); absent for an originate. */
  caller?: Channel;
  /** Publishes the pending Dial RINGING now (the far end answers before it went out). */
  flushRinging?: () => void;
}

/** Hooks for the far end of a non-Local channel (a simulated phone), see `EndpointBehavior`. */
export interface ChannelRemote {
  /** DTMF the PBX sends towards the phone. */
  onDtmf?(digit: string): void;
  /** The PBX hung the channel up. */
  onHangup?(cause: number): void;
  /** The PBX answered an inbound call from this phone. */
  onAnswered?(): void;
  /** Media started or stopped towards the phone (playback / MOH / bridge). */
  onMedia?(what: string): void;
  /**
   * The PBX asks the phone to transfer its call (SIP REFER, `Refer-To: referTo`): true when the phone
   * accepts and carries it out itself (202, NOTIFY 100/200), false when it refuses.
   */
  onRefer?(referTo: string): boolean;
}
