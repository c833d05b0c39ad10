import type { CallPurpose } from "../callbacks/callback-store.js";
import type { Logger } from "../lib/logger.js";
import type { AgentState } from "../queue/agent-states.js";
import type { CallerQueue, Offer } from "../queue/index.js";
import type { AriGateway } from "../telephony/index.js";
import type { CallsConfig } from "./config.js";
import type { TalkMoment } from "./talk-time.js";

/** The queue hand-off's interface (queue-handoff.ts) and the state it keeps per caller and per ring. */

export type QueueOutcome = "answered" | "timeout" | "empty" | "full" | "callback";

export interface Connected {
  callId: string;
  /** The Asterisk server both legs are on. */
  serverId: string;
  agentId: string;
  agentChannelId: string;
  bridgeId: string;
  queue: string;
  lane: string;
  waitMs: number;
  /** A queued call back (agent first, then the customer on `number`); absent for a caller on the line. */
  callback?: { number: string; attempt: number; purpose?: CallPurpose | undefined };
}

export interface HandoffHooks {
  /** The queue's verdict for a caller (on server `serverId`) the IVR is waiting on. */
  result(callId: string, serverId: string, outcome: QueueOutcome): void;
  /** Caller and agent are talking (the moment for the screen-pop). */
  connected(c: Connected): void;
  /** The conversation is over (either side hung up); the agent is in wrap-up. */
  ended(c: Connected, by: "caller" | "agent"): void;
  /** Asterisk's moments of a conversation, for its talk time (talk-time.ts). */
  talk?(callId: string, m: TalkMoment): void;
  /** The queue would not take the caller (Redis refused the enqueue past `calls.enqueueRetryFor`): to the dialplan fallback. */
  fallback?(callId: string, serverId: string, why: string): void;
  /** A queue-side change of an agent's state (ringing, with the call, on a call, wrap-up, paused after a missed call). */
  agentStatus?(agentId: string, status: { state: AgentState; reason?: string; wrapUpUntil?: number; callId?: string }): void;
  /** The call-back offer to append to a caller's announcement (its expected wait; offered before in this call?), or none. */
  callbackOffer?(queue: string, callId: string, ewtMs: number | null, offeredBefore: boolean): string[] | undefined;
  /** The key that takes the call-back offer. */
  callbackKey?(): string;
  /** An offer for a caller that is a call back (not ours to ring otherwise): true when the call back took it. */
  callback?(offer: Offer): Promise<boolean>;
  /** Call backs whose place is kept but whose next attempt is not due: dispatch passes them over. */
  notDue?(): readonly string[];
  /** The agent's leg of a conversation hung up: true when a consultation takes the conversation on (consult.ts). */
  agentLeft?(c: Connected): boolean;
}

export interface Waiter {
  callId: string;
  serverId: string;
  channelId: string;
  callerNumber: string;
  callerName: string;
  queue: string;
  lane: string;
  /** When the caller first joined (the queue's clock; for a caller taken up after a restart, from its wait). */
  joinedAt?: number;
  /** What it joined with, for joining again (a retried enqueue, a rebuild after Redis lost its data). */
  request?: JoinRequest;
  /** Redis refused its enqueue: the next try. */
  retry?: NodeJS.Timeout;
  announceTimer?: NodeJS.Timeout;
  announcement?: string;
  ringing?: string;
  /** Music on hold asked for and not stopped since (a play stops it on Asterisk). */
  music?: boolean;
  /** An agent answered: nothing may start the music again unless the answer falls through. */
  connecting?: boolean;
  /** Heard the call-back offer (its key is taken from then on). */
  callbackOffered?: boolean;
  /** Pressed the call-back key: the place is held while the tree books the call back (dispatch passes it over). */
  held?: boolean;
  /**
   * Just joined: the first dispatch round decides between ringing at once (music) and the announcement.
   * The join's reply brings the place (`position`, `ewtMs`) with the round's first decision; when that
   * offer went to a caller placed before, the rest of the round decides.
   */
  joined?: { position?: number; ewtMs?: number | null; fallback: NodeJS.Timeout; announceWhenQueued?: boolean };
  /**
   * The caller's media requests (music, announcement, their stops), one after the other: two in flight at
   * once may reach Asterisk in either order (a stop overtaken by a start leaves the music on in the bridge).
   */
  media?: Promise<void>;
}

export interface Ring {
  callId: string;
  serverId: string;
  agentId: string;
  offer: Offer;
  timer: NodeJS.Timeout;
  /** Asterisk accepted the originate (a ring timer firing before that is the PBX not answering, not the agent). */
  originated?: boolean;
  answered: boolean;
  /** The caller-agent bridge, made while the phone rings (undefined if that failed). */
  bridge: Promise<string | undefined>;
}

export interface JoinRequest {
  callId: string;
  serverId: string;
  channelId: string;
  callerNumber: string;
  callerName?: string;
  queue: string;
  lane?: string;
  skills: string[];
  priority: number;
  maxWaitMs?: number;
  /** The tree's queue node offers call backs (its `onCallback`). */
  callback?: boolean;
  /** Offered to this agent first, whatever the others (a transfer to a named agent); if not free, a caller like any other. */
  offerTo?: string;
  /** The moment whose place in the queue the caller takes (ms; the queue's `rankAs`): its first join, for a transferred caller. */
  rankAs?: number;
}

export interface HandoffDeps {
  /** ARI of each Asterisk server, by server id: a caller's agent is rung on the caller's server. */
  lines: ReadonlyMap<string, AriGateway>;
  /** The dial string a server uses for an agent's phone (default: the registered endpoint). */
  dial?(agentId: string, endpoint: string, serverId: string): string;
  queue: CallerQueue;
  config: CallsConfig;
  logger: Logger;
  hooks: HandoffHooks;
}
