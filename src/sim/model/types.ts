/**
 * Value types shared by the simulated PBX core, its ARI side and its AMI side.
 *
 * Everything here is plain data: snapshots are immutable copies taken at the moment an event is
 * emitted, exactly like Asterisk's stasis snapshots, so a consumer may keep them.
 */

/** Asterisk channel states (`enum ast_channel_state`), with the numeric code AMI prints. */
export const CHANNEL_STATES = {
  Down: 0,
  Rsrvd: 1,
  OffHook: 2,
  Dialing: 3,
  Ring: 4,
  Ringing: 5,
  Up: 6,
  Busy: 7,
  "Dialing Offhook": 8,
  "Pre-ring": 9,
} as const;
export type ChannelState = keyof typeof CHANNEL_STATES;

export interface CallerId {
  name: string;
  number: string;
}

/** Where a channel is in the dialplan and which application it runs (empty strings when none). */
export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
  appName: string;
  appData: string;
}

/** An immutable copy of a channel at one instant. */
export interface ChannelSnapshot {
  /** Asterisk unique id, `<epoch seconds>.<counter>` unless the client chose one. */
  id: string;
  /** Channel name, e.g. `Local/s@dtmf-driver-0000000a;1` or `PJSIP/1001-00000001`. */
  name: string;
  /** Technology part of the name (`Local`, `PJSIP`, ...). */
  tech: string;
  state: ChannelState;
  caller: CallerId;
  connected: CallerId;
  accountcode: string;
  dialplan: DialplanLocation;
  /** Creation time, ms since the epoch. */
  creationTime: number;
  language: string;
  /** Unique id of the oldest channel of the call (AMI `Linkedid`). */
  linkedId: string;
  protocolId: string;
}

export interface BridgeSnapshot {
  id: string;
  technology: string;
  /** `basic` for bridges the dialplan makes (Queue, Dial), not ARI. */
  bridgeType: "mixing" | "holding" | "basic";
  bridgeClass: string;
  creator: string;
  name: string;
  /** Channel ids, sorted (as ARI lists them); internal channels (the recorder) left out. */
  channels: string[];
  /** Channels in the bridge, the internal ones included (AMI `BridgeNumChannels`). */
  numChannels: number;
  creationTime: number;
  videoMode: string;
}

export type PlaybackState = "queued" | "playing" | "paused" | "continuing" | "done" | "failed";

export interface PlaybackSnapshot {
  id: string;
  mediaUri: string;
  nextMediaUri?: string;
  /** `channel:<id>` or `bridge:<id>`. */
  targetUri: string;
  language: string;
  state: PlaybackState;
}

/** AMI/ARI device state names (`ast_devstate_str`). */
export type DeviceState =
  | "UNKNOWN"
  | "NOT_INUSE"
  | "INUSE"
  | "BUSY"
  | "INVALID"
  | "UNAVAILABLE"
  | "RINGING"
  | "RINGINUSE"
  | "ONHOLD";

/** Q.850 hangup causes used by the simulator, with Asterisk's `ast_cause2str` texts. */
export const HANGUP_CAUSES: Record<number, string> = {
  0: "Unknown",
  1: "Unallocated (unassigned) number",
  3: "No route to destination",
  16: "Normal Clearing",
  17: "User busy",
  18: "No user responding",
  19: "User alerting, no answer",
  20: "Subscriber absent",
  21: "Call Rejected",
  26: "Answered elsewhere",
  27: "Destination out of order",
  28: "Invalid number format (addr incomplete)",
  31: "Normal, unspecified",
  34: "Circuit/channel congestion",
  38: "Network out of order",
  41: "Temporary failure",
  58: "Bearer capability not available",
  127: "Interworking, unspecified",
};

export const CAUSE = {
  UNKNOWN: 0,
  UNALLOCATED: 1,
  NORMAL: 16,
  BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  ANSWERED_ELSEWHERE: 26,
  INVALID_NUMBER_FORMAT: 28,
  NORMAL_UNSPECIFIED: 31,
  CONGESTION: 34,
  FAILURE: 38,
  BEARERCAPABILITY_NOTAVAIL: 58,
  INTERWORKING: 127,
} as const;

/** Soft-hangup flags as Asterisk reports them in `ChannelHangupRequest.cause` when `soft` is true. */
export const SOFTHANGUP = { DEV: 1, ASYNCGOTO: 2, SHUTDOWN: 4, TIMEOUT: 8, APPUNLOAD: 16, EXPLICIT: 32 } as const;

export function causeText(cause: number): string {
  return HANGUP_CAUSES[cause] ?? "Unknown";
}

/** ARI `DELETE /channels/{id}?reason=` names and their causes. */
export const ARI_HANGUP_REASONS: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 18,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

/** CDR record posted when a channel is destroyed (AMI `Event: Cdr`). */
export interface CdrRecord {
  accountCode: string;
  source: string;
  destination: string;
  destinationContext: string;
  /** `"Name" <number>` as Asterisk prints it, or `""` parts when empty. */
  callerId: string;
  channel: string;
  destinationChannel: string;
  lastApplication: string;
  lastData: string;
  startTime: number;
  /** null when never answered. */
  answerTime: number | null;
  endTime: number;
  /** seconds */
  duration: number;
  /** seconds */
  billableSeconds: number;
  disposition: "ANSWERED" | "NO ANSWER" | "BUSY" | "FAILED" | "CONGESTION";
  amaFlags: string;
  uniqueId: string;
  userField: string;
}

/** Reason codes of AMI `OriginateResponse` (`enum ast_control_frame_type` subset used by originate). */
export const ORIGINATE_REASON = {
  FAILED: 0,
  HANGUP: 1,
  RINGING: 3,
  ANSWERED: 4,
  BUSY: 5,
  CONGESTION: 8,
} as const;
