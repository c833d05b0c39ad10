import type { CallInfo, NodeRef } from "../model.js";
import type { HangupNode } from "../schema.js";

/**
 * The engine is a pure function: step(treeSet, state, event) -> { state, actions, trace }.
 * No I/O and no clocks: waiting is expressed as timer actions, and whoever drives the engine feeds back
 * events. States are plain JSON so a session can be persisted in Redis and resumed by another process.
 */

/**
 * What a purchase node may sell in this call, and on which terms. The driver puts them on the call when
 * it starts, from the daemon's config (the engine reads no config and no tree carries a price): the price
 * a caller hears is the one recorded with their consent, even if the config changes while they listen.
 */
export interface SaleTerms {
  price: number;
  /** ISO 4217, e.g. EUR. */
  currency: string;
  /** The one key that accepts; any other key, or silence, declines. */
  confirmKey: string;
  /** Names the wording the caller heard; recorded with the consent. */
  promptVersion: string;
  /** How the price is said: `number:` URIs and the currency's words. */
  priceMedia: string[];
  /** Fields the caller's record (`customer`) takes once they accept, e.g. express: true. */
  grants?: Record<string, unknown>;
}

/** A free appointment slot as an appointment node reads it out: its start, how it is said, and in words for the path. */
export interface OfferedSlot {
  start: number;
  media: string[];
  label: string;
}

export type EngineEvent =
  | { type: "start" }
  | { type: "dtmf"; digit: string }
  | { type: "playbackFinished"; id: string }
  | { type: "timer"; id: string }
  | { type: "lookupResult"; id: string; ok: true; found: boolean; data?: Record<string, unknown> }
  | { type: "lookupResult"; id: string; ok: false; error: string }
  | { type: "queueResult"; outcome: "answered" | "timeout" | "empty" | "full" | "callback" }
  /** The agent hung up first on an answered caller whose queue node goes on `afterAgent`. */
  | { type: "agentEnded" }
  /** The queue's answer to an admission node: can it keep the lane's promise to a caller joining now? */
  | { type: "admissionResult"; id: string; admit: boolean; reason: string }
  /** The queue's answer to a callback node: booked at the caller's place, or why not. */
  | { type: "callbackResult"; id: string; ok: boolean; reason: string }
  /** The calendar's answer to an appointment node: the next free slots (none: `reason` says why). */
  | { type: "appointmentSlots"; id: string; slots: OfferedSlot[]; reason: string }
  /** The calendar's answer to the caller's pick: booked, or why not. */
  | { type: "appointmentResult"; id: string; ok: boolean; reason: string }
  | { type: "hangup" };

export type EngineAction =
  | { type: "play"; id: string; media: string[]; bargeIn: boolean }
  | { type: "stopPlayback"; id: string }
  | { type: "startTimer"; id: string; ms: number }
  | { type: "cancelTimer"; id: string }
  | { type: "lookup"; id: string; source: string; key: string; timeoutMs: number }
  | {
      type: "enqueue";
      queue: string;
      /** Absent when the node names no lane (or its laneExpr failed): the queue's default lane applies. */
      lane?: string;
      skills: string[];
      priority: number;
      reason?: string;
      maxWaitMs?: number;
      /** The node has `onCallback`: the caller may be offered a call back that keeps their place. */
      callback?: true;
    }
  | { type: "transfer"; endpoint?: string; context?: string; extension?: string; priority?: number }
  | { type: "hangup"; reason: HangupNode["reason"] }
  /** The caller's answer to a post-call survey, a whole number from 1 to `scale`, to be recorded. */
  | { type: "survey"; score: number; scale: number }
  /** Ask the queue whether a caller joining `lane` of `queue` now would be served as the lane promises. */
  | { type: "admission"; id: string; queue: string; lane: string }
  /** Book a call back on `number` at the place the caller holds in the queue (they pressed the key there). */
  | { type: "callback"; id: string; number: string }
  /** The next `count` free slots of `queue`'s calendar for the caller on `number` (an express customer also sees held places). */
  | { type: "appointmentSlots"; id: string; queue: string; number: string; count: number }
  /** Book the slot starting at `slotStart` in `queue`'s calendar, to call `number`. */
  | { type: "appointmentBook"; id: string; queue: string; number: string; slotStart: number }
  /**
   * The caller accepted a charge: the driver records the consent and bills it. `node` stated the price
   * (`price` `currency`, worded as `promptVersion`); `digits` is what the caller pressed to accept.
   */
  | { type: "purchase"; product: string; price: number; currency: string; digits: string; promptVersion: string; node: NodeRef };

/** One line of "what happened and why", for `switchboard simulate`, logs and the call's IVR path. */
export interface TraceEntry {
  node: NodeRef;
  message: string;
}

/** One step of the caller's journey through the tree, kept on the state for the screen-pop and reports. */
export interface PathEntry {
  node: NodeRef;
  type: string;
  /** Digit or value the caller gave, branch label taken, lane chosen... */
  choice?: string;
  label?: string;
}

export type WaitingFor =
  | { kind: "playback"; playbackId: string }
  /** `offered`: the slots an appointment node read out, key 1 first. */
  | { kind: "input"; playbackId?: string; timerId?: string; offered?: OfferedSlot[] }
  /** Waiting for an answer from outside: a lookup, or the queue's answer to an admission node (`lookupId` then is its id). */
  | { kind: "lookup"; lookupId: string; timerId: string }
  | { kind: "queue"; queue: string; lane?: string }
  /** Answered, and the queue node goes on `afterAgent`: the IVR waits for the conversation to end. */
  | { kind: "agent"; queue: string; lane?: string };

export interface CallState {
  callId: string;
  /** TreeSet version this call is pinned to. */
  version: string;
  tree: string;
  node: NodeRef;
  status: "running" | "waiting" | "queued" | "ended";
  waiting: WaitingFor | null;
  /** Attempts used at the current menu/gather (0 on entry). */
  attempt: number;
  /** Digits collected so far by a gather. */
  digits: string;
  /** Counter for deterministic playback/timer/lookup ids. */
  seq: number;
  call: CallInfo;
  customer: Record<string, unknown> | null;
  vars: Record<string, unknown>;
  /** What this call may sell, by product (see SaleTerms); absent: nothing is for sale. */
  sales?: Record<string, SaleTerms>;
  /** Products the caller has accepted in this call: never offered, nor charged, twice. */
  purchased?: string[];
  path: PathEntry[];
  /** Set when status is "ended": what the call finished with. */
  outcome?:
    | { kind: "hangup"; reason: string }
    | { kind: "transfer"; endpoint?: string; context?: string; extension?: string }
    | { kind: "answered"; queue: string; lane?: string }
    | { kind: "caller-hangup"; at: NodeRef }
    | { kind: "error"; message: string };
}

export interface StepResult {
  state: CallState;
  actions: EngineAction[];
  trace: TraceEntry[];
}
