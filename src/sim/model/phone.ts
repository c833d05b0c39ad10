/** The contract of a simulated phone: how it is configured and what it sees of a call. */
import type { ChannelSnapshot } from "./types.js";

/** The far end of an endpoint channel, for synthetic phones (callers and agents). */
export interface SimCall {
  readonly channelId: string;
  readonly channelName: string;
  /**
   * The user part of the Request-URI the PBX called the phone with: the number dialed through a trunk
   * (`PJSIP/5551234@customers` -> `5551234`); undefined when the endpoint was dialed as it is.
   */
  readonly requestUser: string | undefined;
  snapshot(): ChannelSnapshot | undefined;
  /** The phone rings (PBX-originated call). */
  ring(): void;
  /** The phone answers (PBX-originated call). */
  answer(): void;
  /** The phone rejects a call that has not been answered (busy: 17, rejected: 21, ...). */
  reject(cause?: number): void;
  /** The phone hangs up. */
  hangup(cause?: number): void;
  /** The phone sends DTMF digits (RFC 2833 style): resolves when sent. */
  sendDtmf(digits: string, opts?: { durationMs?: number; gapMs?: number }): Promise<void>;
  /** Callbacks for what the PBX does towards the phone. */
  on(event: "dtmf", cb: (digit: string) => void): void;
  on(event: "answered", cb: () => void): void;
  on(event: "media", cb: (what: string) => void): void;
  on(event: "hangup", cb: (cause: number) => void): void;
  /**
   * The PBX asks the phone to transfer the call itself (SIP REFER to `referTo`): return false to refuse
   * it. Without a handler the phone does as its endpoint's `refer` says.
   */
  on(event: "refer", cb: (referTo: string) => boolean | void): void;
  /** Resolves with the hangup cause when the channel is destroyed. */
  readonly done: Promise<number>;
}

/** An endpoint as ARI shows it (`GET /endpoints`, `EndpointStateChange`). */
export interface EndpointSnapshot {
  technology: string;
  resource: string;
  /** `online` while registered (or with a static contact), `offline` when configured but not registered. */
  state: "online" | "offline" | "unknown";
  /** The endpoint's live channels. */
  channelIds: string[];
}

/** A contact of an endpoint's AOR, as `ContactStatusChange` / AMI `ContactStatus` show it. */
export interface ContactSnapshot {
  uri: string;
  status: "NonQualified" | "Reachable" | "Unreachable" | "Removed" | "Unknown";
  aor: string;
  /** Round trip of the last qualify (OPTIONS), microseconds; 0 before one. */
  roundtripUsec: number;
}

/**
 * A configured endpoint (pjsip.conf `type=endpoint` with its AOR), optionally a simulated phone behind
 * it (e.g. `PJSIP/1001`).
 */
export interface EndpointConfig {
  tech: string;
  resource: string;
  /**
   * Registered (default true). Offline endpoints are UNAVAILABLE; an originate to one fails at once
   * (`Allocation failed`, no channel: ws-20 D), a queue member on one fails with cause 20.
   * Change it with `SimPbx.registerEndpoint` / `unregisterEndpoint`, which publish what Asterisk does.
   */
  online?: boolean;
  /** The AOR's static contact (pjsip.conf `contact=`): always online, never registers. */
  staticContact?: string;
  /** pjsip.conf `callerid` (`"Agent 1001" <1001>`): the caller id of the endpoint's channels. */
  callerId?: string;
  /** pjsip.conf `context`: where the endpoint's channels start (default `default`). */
  context?: string;
  /** pjsip.conf `device_state_busy_at`: BUSY once this many of its channels are in use (0: never). */
  deviceStateBusyAt?: number;
  /** Default behaviour when called and `onCall` is absent: ring after this many ms (default 50). */
  ringAfterMs?: number;
  /** Answer after this many ms (default 1000); null: never answers. */
  answerAfterMs?: number | null;
  /** Reject calls as busy (cause 17). */
  busy?: boolean;
  /** Hang up this many ms after answering (default null: stays up). */
  hangupAfterMs?: number | null;
  /** Full control of calls to this endpoint instead of the defaults above. */
  onCall?: (call: SimCall) => void;
  /**
   * What the phone does when the PBX sends it a REFER (ARI redirect of its channel): `accept` carries it
   * out itself, calling the target directly (baresip does); `refuse` answers with an error (as carriers
   * mostly do). Default: accept, except an endpoint with a static contact (a trunk) refuses.
   */
  refer?: "accept" | "refuse";
  /**
   * The phone got a SIP NOTIFY (AMI PJSIPNotify) with these headers (`Event: talk` asks a desk phone that
   * allows it to answer its ringing call). Without it the phone ignores NOTIFYs.
   */
  onNotify?: (headers: ReadonlyMap<string, string>) => void;
}

/**
 * A transfer the PBX asked a phone to carry out itself: ARI redirect of a PJSIP channel makes Asterisk
 * send the phone a SIP REFER. The phone calls the target on its own, outside the PBX (Asterisk sees no
 * INVITE); the PBX's channel stays up, in Stasis, until the app hangs it up.
 */
export interface ReferralSnapshot {
  channelId: string;
  channelName: string;
  /** The referred channel's endpoint, e.g. `PJSIP/1001`. */
  from: string;
  /** The redirect's endpoint, e.g. `PJSIP/1002`. */
  target: string;
  /** The REFER's Refer-To: the target endpoint's contact (or the SIP URI given). */
  referTo: string;
  /** The phone accepted (202, NOTIFY 100 then 200) and called the target itself; false: it refused. */
  accepted: boolean;
  /** When the phone answered the REFER, simulated ms (`SimPbx.simNow()`). */
  at: number;
}
