import type { CallInfo, NodeRef } from "../model.js";
import type { HangupNode } from "../schema.js";

/**
 * The engine is a pure function: step(treeSet, state, event) -> { state, actions, trace }.
 * No I/O and no clocks: waiting is expressed as timer actions, and whoever drives the engine feeds back
 * events. States are plain JSON so a session can be persisted in Redis and resumed by another process.
 */

export type EngineEvent =
  | { type: "start" }
  | { type: "dtmf"; digit: string }
  | { type: "playbackFinished"; id: string }
  | { type: "timer"; id: string }
  | { type: "lookupResult"; id: string; ok: true; found: boolean; data?: Record<string, unknown> }
  | { type: "lookupResult"; id: string; ok: false; error: string }
  | { type: "queueResult"; outcome: "answered" | "timeout" | "empty" | "full" }
  /** The agent hung up first on an answered caller whose queue node goes on `afterAgent`. */
  | { type: "agentEnded" }
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
    }
  | { type: "transfer"; endpoint?: string; context?: string; extension?: string; priority?: number }
  | { type: "hangup"; reason: HangupNode["reason"] }
  /** The caller's answer to a post-call survey, a whole number from 1 to `scale`, to be recorded. */
  | { type: "survey"; score: number; scale: number };

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
  | { kind: "input"; playbackId?: string; timerId?: string }
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
