/**
 * The simulated PBX's internal event stream: one typed union, emitted synchronously in the order
 * Asterisk would publish the matching stasis messages. The ARI WebSocket hub and the AMI server
 * both subscribe to it (`pbx.onEvent(listener)`) and format events for their own wire protocol.
 *
 * Conventions:
 * - `at` is the emission time in ms since the epoch (real time, not scaled).
 * - Every snapshot is an immutable copy taken when the event was emitted.
 * - `apps` lists the Stasis applications Asterisk would deliver the event to over ARI (already
 *   resolved against channel/bridge subscriptions and `subscribeAll`); AMI consumers ignore it.
 * - Event names follow the ARI event where one exists; the AMI event(s) it maps to are noted.
 */
import type {
  BridgeSnapshot,
  CdrRecord,
  ChannelSnapshot,
  ChannelState,
  DeviceState,
  PlaybackSnapshot,
} from "./types.js";
import type { ContactSnapshot, EndpointSnapshot } from "./phone.js";
import type { LiveRecordingSnapshot } from "./recording.js";
import type { QueueMemberSnapshot } from "./queue.js";

interface Base {
  at: number;
  /** Stasis apps that receive this event over ARI (empty: no ARI delivery). */
  apps: readonly string[];
}

/** AMI `Newchannel`; ARI `ChannelCreated` (subscribeAll only, as the app subscribes later). */
export interface ChannelCreatedEvent extends Base {
  type: "ChannelCreated";
  channel: ChannelSnapshot;
}

/** AMI `Newstate`; ARI `ChannelStateChange`. */
export interface ChannelStateChangeEvent extends Base {
  type: "ChannelStateChange";
  channel: ChannelSnapshot;
  previousState: ChannelState;
}

/** AMI `Newexten`; ARI `ChannelDialplan`. Emitted each time a dialplan application starts. */
export interface ChannelDialplanEvent extends Base {
  type: "ChannelDialplan";
  channel: ChannelSnapshot;
  app: string;
  appData: string;
}

/** AMI `VarSet`; ARI `ChannelVarset`. */
export interface ChannelVarsetEvent extends Base {
  type: "ChannelVarset";
  channel: ChannelSnapshot;
  variable: string;
  value: string;
}

/** AMI `NewCallerid`; ARI `ChannelCallerId`. */
export interface ChannelCallerIdEvent extends Base {
  type: "ChannelCallerId";
  channel: ChannelSnapshot;
  callerPresentation: number;
  callerPresentationTxt: string;
}

/** AMI `NewConnectedLine`; ARI `ChannelConnectedLine`. */
export interface ChannelConnectedLineEvent extends Base {
  type: "ChannelConnectedLine";
  channel: ChannelSnapshot;
}

/**
 * AMI `DialBegin` (dialstatus ""), `DialState` (e.g. RINGING), `DialEnd` (ANSWER, BUSY, NOANSWER,
 * CANCEL, ...); ARI `Dial`. `caller` is absent when the dial was started by an originate.
 */
export interface DialEvent extends Base {
  type: "Dial";
  phase: "begin" | "state" | "end";
  caller?: ChannelSnapshot;
  peer: ChannelSnapshot;
  dialstring: string;
  dialstatus: string;
  forward: string;
}

/** AMI `LocalBridge`: the two halves of a Local channel were connected. No ARI event. */
export interface LocalBridgeEvent extends Base {
  type: "LocalBridge";
  one: ChannelSnapshot;
  two: ChannelSnapshot;
  context: string;
  exten: string;
  localOptimization: boolean;
}

/** AMI `DTMFBegin`. No ARI event. */
export interface DtmfBeginEvent extends Base {
  type: "DtmfBegin";
  channel: ChannelSnapshot;
  digit: string;
  direction: "Received" | "Sent";
}

/** AMI `DTMFEnd`; ARI `ChannelDtmfReceived` (direction Received only). */
export interface DtmfEndEvent extends Base {
  type: "DtmfEnd";
  channel: ChannelSnapshot;
  digit: string;
  durationMs: number;
  direction: "Received" | "Sent";
}

/**
 * AMI `HangupRequest` (soft false) or `SoftHangupRequest` (soft true); ARI `ChannelHangupRequest`
 * (`soft` present only when true).
 */
export interface ChannelHangupRequestEvent extends Base {
  type: "ChannelHangupRequest";
  channel: ChannelSnapshot;
  cause: number;
  soft: boolean;
  /** The technology's cause (a SIP status) once known, for an off-nominal end only (ws-20 B). */
  techCause?: number;
}

/** AMI `Hangup`; ARI `ChannelDestroyed`. The channel is gone after this event. */
export interface ChannelDestroyedEvent extends Base {
  type: "ChannelDestroyed";
  channel: ChannelSnapshot;
  cause: number;
  causeTxt: string;
  /** The technology's cause (a SIP status), for an off-nominal end only (ws-20 B, C). */
  techCause?: number;
}

/** AMI `BridgeCreate`; ARI `BridgeCreated` (subscribeAll only). */
export interface BridgeCreatedEvent extends Base {
  type: "BridgeCreated";
  bridge: BridgeSnapshot;
}

/** AMI `BridgeDestroy`; ARI `BridgeDestroyed`. */
export interface BridgeDestroyedEvent extends Base {
  type: "BridgeDestroyed";
  bridge: BridgeSnapshot;
}

/** AMI `BridgeEnter`; ARI `ChannelEnteredBridge`. `bridge.channels` is the list after the change. */
export interface ChannelEnteredBridgeEvent extends Base {
  type: "ChannelEnteredBridge";
  bridge: BridgeSnapshot;
  channel: ChannelSnapshot;
}

/** AMI `BridgeLeave`; ARI `ChannelLeftBridge`. */
export interface ChannelLeftBridgeEvent extends Base {
  type: "ChannelLeftBridge";
  bridge: BridgeSnapshot;
  channel: ChannelSnapshot;
}

/** AMI `MusicOnHoldStart`. No ARI event (as recorded). */
export interface MohStartEvent extends Base {
  type: "MohStart";
  channel: ChannelSnapshot;
  mohClass: string;
}

/** AMI `MusicOnHoldStop`. No ARI event. */
export interface MohStopEvent extends Base {
  type: "MohStop";
  channel: ChannelSnapshot;
}

/** ARI `PlaybackStarted`. */
export interface PlaybackStartedEvent extends Base {
  type: "PlaybackStarted";
  playback: PlaybackSnapshot;
}

/** ARI `PlaybackContinuing` (one media of a list finished, the next follows). */
export interface PlaybackContinuingEvent extends Base {
  type: "PlaybackContinuing";
  playback: PlaybackSnapshot;
}

/** ARI `PlaybackFinished` (state `done` or `failed`). */
export interface PlaybackFinishedEvent extends Base {
  type: "PlaybackFinished";
  playback: PlaybackSnapshot;
  /** Present (true) when a client stopped the playback (ARI DELETE); not part of the ARI event. */
  stopped?: true;
}

/**
 * ARI `RecordingStarted` / `RecordingFinished` (`done` or `canceled`, with `duration`) / `RecordingFailed`:
 * published on the recorded bridge's topic, so delivered to the apps that follow the bridge. No AMI event.
 */
export interface RecordingEvent extends Base {
  type: "RecordingStarted" | "RecordingFinished" | "RecordingFailed";
  recording: LiveRecordingSnapshot;
}

/**
 * AMI `ChanSpyStart` / `ChanSpyStop`: a snoop channel (`spyer`) attached to or detached from the channel
 * it listens to (`spyee`, absent once that is gone). No ARI event.
 */
export interface ChanSpyEvent extends Base {
  type: "ChanSpyStart" | "ChanSpyStop";
  spyer: ChannelSnapshot;
  spyee?: ChannelSnapshot;
}

/** ARI `StasisStart` (delivered to `app` only). */
export interface StasisStartEvent extends Base {
  type: "StasisStart";
  app: string;
  args: string[];
  channel: ChannelSnapshot;
  replaceChannel?: ChannelSnapshot;
}

/** ARI `StasisEnd` (delivered to `app` only). */
export interface StasisEndEvent extends Base {
  type: "StasisEnd";
  app: string;
  channel: ChannelSnapshot;
}

/**
 * AMI `DeviceStateChange`; ARI `DeviceStateChanged` (subscribeAll only). Emitted after the
 * channel events that caused it (Asterisk computes device states asynchronously); repeats of the
 * same state occur, as on a real server.
 */
export interface DeviceStateChangedEvent extends Base {
  type: "DeviceStateChanged";
  device: string;
  state: DeviceState;
}

/**
 * ARI `EndpointStateChange` (to apps subscribed to the endpoint or its technology): a new snapshot of
 * the endpoint, published when it comes online or goes offline and when a channel is added to it or
 * removed from it. No AMI event (AMI has `PeerStatus`).
 */
export interface EndpointStateChangeEvent extends Base {
  type: "EndpointStateChange";
  endpoint: EndpointSnapshot;
}

/** ARI `PeerStatusChange`; AMI `PeerStatus` (class system). */
export interface PeerStatusChangeEvent extends Base {
  type: "PeerStatusChange";
  endpoint: EndpointSnapshot;
  peerStatus: "Reachable" | "Unreachable";
}

/** ARI `ContactStatusChange`; AMI `ContactStatus` (class system). */
export interface ContactStatusChangeEvent extends Base {
  type: "ContactStatusChange";
  endpoint: EndpointSnapshot;
  contact: ContactSnapshot;
}

/**
 * A security event of the SIP stack (AMI only, class security): `ChallengeSent` when Asterisk
 * answers a REGISTER with 401 and a challenge, `SuccessfulAuth` when the next one authenticates.
 */
export interface SipSecurityEvent extends Base {
  type: "SipSecurity";
  name: "ChallengeSent" | "SuccessfulAuth";
  accountId: string;
  /** The SIP dialog's id (AMI `SessionID`). */
  sessionId: string;
  /** `IPV4/UDP/127.0.0.1/5060`. */
  localAddress: string;
  remoteAddress: string;
}

/** AMI `Cdr`: one record per channel, posted when it is destroyed. */
export interface CdrEvent extends Base {
  type: "Cdr";
  cdr: CdrRecord;
}

/**
 * AMI `OriginateResponse`: the outcome of `SimPbx.originate`. `reason` is Asterisk's code
 * (4 answered, 3 rang but no answer, 5 busy, 8 congestion, 1 hung up, 0 failed). On failure
 * `channel` is null (AMI then prints the dial string and `<unknown>` ids).
 */
export interface OriginateResultEvent extends Base {
  type: "OriginateResult";
  originateId: string;
  success: boolean;
  reason: number;
  /** `Tech/resource` as requested. */
  dialString: string;
  channel: ChannelSnapshot | null;
  context?: string;
  exten?: string;
  application?: string;
  data?: string;
  callerId: { name: string; number: string };
}

/** The PBX is shutting down (AMI `Shutdown`). `restart` true for `core restart`. */
export interface ShutdownEvent extends Base {
  type: "Shutdown";
  restart: boolean;
}

/** A configuration reload (AMI `Reload`, `Module: All` for a full reload). */
export interface ReloadEvent extends Base {
  type: "Reload";
  module: string;
}

/** AMI `QueueCallerJoin` / `QueueCallerLeave`: a caller entered or left a queue. */
export interface QueueCallerJoinLeaveEvent extends Base {
  type: "QueueCallerJoin" | "QueueCallerLeave";
  queue: string;
  position: number;
  /** Callers in the queue after the change. */
  count: number;
  channel: ChannelSnapshot;
}

/** AMI `QueueCallerAbandon`: the caller hung up while waiting. */
export interface QueueCallerAbandonEvent extends Base {
  type: "QueueCallerAbandon";
  queue: string;
  position: number;
  originalPosition: number;
  /** seconds */
  holdTime: number;
  channel: ChannelSnapshot;
}

/** AMI `AgentCalled`, `AgentRingNoAnswer`, `AgentConnect`, `AgentComplete`. */
export interface QueueAgentEvent extends Base {
  type: "AgentCalled" | "AgentRingNoAnswer" | "AgentConnect" | "AgentComplete";
  queue: string;
  member: QueueMemberSnapshot;
  /** The caller. */
  channel: ChannelSnapshot;
  /** The member's channel. */
  destChannel: ChannelSnapshot;
  /** AgentRingNoAnswer: ms; AgentConnect: s. */
  ringTime?: number;
  /** AgentConnect / AgentComplete, seconds. */
  holdTime?: number;
  /** AgentComplete, seconds. */
  talkTime?: number;
  /** AgentComplete: who hung up. */
  reason?: "agent" | "caller" | "transfer";
}

/** AMI `QueueMemberStatus`, `QueueMemberAdded`, `QueueMemberRemoved`, `QueueMemberPause`. */
export interface QueueMemberEvent extends Base {
  type: "QueueMemberStatus" | "QueueMemberAdded" | "QueueMemberRemoved" | "QueueMemberPause";
  member: QueueMemberSnapshot;
}

export type PbxEvent =
  | ChannelCreatedEvent
  | ChannelStateChangeEvent
  | ChannelDialplanEvent
  | ChannelVarsetEvent
  | ChannelCallerIdEvent
  | ChannelConnectedLineEvent
  | DialEvent
  | LocalBridgeEvent
  | DtmfBeginEvent
  | DtmfEndEvent
  | ChannelHangupRequestEvent
  | ChannelDestroyedEvent
  | BridgeCreatedEvent
  | BridgeDestroyedEvent
  | ChannelEnteredBridgeEvent
  | ChannelLeftBridgeEvent
  | MohStartEvent
  | MohStopEvent
  | PlaybackStartedEvent
  | PlaybackContinuingEvent
  | PlaybackFinishedEvent
  | StasisStartEvent
  | StasisEndEvent
  | DeviceStateChangedEvent
  | EndpointStateChangeEvent
  | PeerStatusChangeEvent
  | ContactStatusChangeEvent
  | SipSecurityEvent
  | CdrEvent
  | OriginateResultEvent
  | ShutdownEvent
  | ReloadEvent
  | QueueCallerJoinLeaveEvent
  | QueueCallerAbandonEvent
  | QueueAgentEvent
  | QueueMemberEvent
  | RecordingEvent
  | ChanSpyEvent;

export type PbxEventType = PbxEvent["type"];

/** Distributive Omit so that event payloads can be built without `at`/`apps`. */
export type PbxEventInput = PbxEvent extends infer E ? (E extends PbxEvent ? Omit<E, "at" | "apps"> : never) : never;

export type PbxEventListener = (event: PbxEvent) => void;
