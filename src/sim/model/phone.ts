/** The contract of a simulated phone: how it is configured and what it sees of a call. */
import type { ChannelSnapshot } from "./types.js";

/** The far end of an endpoint channel, for synthetic phones (callers and agents). */
export interface SimCall {
  readonly channelId: string;
  readonly channelName: string;
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
  /** Resolves with the hangup cause when the channel is destroyed. */
  readonly done: Promise<number>;
}

/** A simulated phone registered on the PBX (e.g. `PJSIP/1001`). */
export interface EndpointConfig {
  tech: string;
  resource: string;
  /** Registered / reachable. Offline endpoints are UNAVAILABLE and calls to them fail (cause 20). */
  online?: boolean;
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
}
