import type { CallInfo, TreeSet } from "../model.js";
import { startCall, step } from "./index.js";
import type { CallState, EngineAction, EngineEvent, OfferedSlot, SaleTerms, StepResult } from "./types.js";

/**
 * Drives the engine the way a call would, without a PBX: prompts play out, keys come from a script (or a
 * person at a terminal), silence lets the node's timer fire, lookups and the queue answer as told.
 * Used by `switchboard simulate` and the tests; it is the same `step` the daemon runs.
 */

/** Where the caller's keys come from. A token is one or more keys pressed in a row; "." (or null) is silence. */
export interface KeySource {
  next(ctx: { state: CallState }): string | null | Promise<string | null>;
}

/** "1,2,12345678#,." -> a source that hands out one token each time the tree waits for input. */
export function scriptedKeys(input: string): KeySource {
  const tokens = input
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
  const bad = tokens.find((t) => t !== "." && !/^[0-9*#]+$/.test(t));
  if (bad !== undefined) throw new Error(`input "${bad}" is not DTMF keys (0-9, * and #) or "." for silence`);
  let i = 0;
  return { next: () => tokens[i++] ?? null };
}

export interface SimulateOptions {
  /** The CRM answer to a lookup: a record (found), null (not found), or an error / a timeout. */
  lookup?: { found: Record<string, unknown> } | { notFound: true } | { error: string } | { timeout: true };
  /** What the queue does with the caller. */
  queue?: "answered" | "timeout" | "empty" | "full" | "callback";
  /**
   * Who ends the conversation of an answered caller whose queue node goes on `afterAgent`: the caller
   * (default; the call ends answered, as without afterAgent) or the agent (the tree goes on).
   */
  hangsUpFirst?: "caller" | "agent";
  /** Customer already known when the call starts (the prefetch). */
  customer?: Record<string, unknown> | null;
  /** What admission nodes hear from the queue (default: open), or `timeout` for no answer. */
  admission?: "open" | "closed" | "timeout";
  /** What purchase nodes may sell, as the daemon would give them from its config; none: nothing is for sale. */
  sales?: Record<string, SaleTerms>;
  /** The free slots an appointment node is offered for a queue (every pick is booked); none: no calendar, nothing is booked. */
  appointments?: (queue: string, count: number) => OfferedSlot[];
  /** Bound on the number of events, so a tree that keeps asking for input cannot loop forever. */
  maxEvents?: number;
}

export type SimLine =
  | { kind: "action"; action: EngineAction }
  | { kind: "event"; event: EngineEvent }
  | { kind: "trace"; node: string; message: string };

export interface SimulateResult {
  state: CallState;
  lines: SimLine[];
  /** True when maxEvents ran out before the call ended. */
  truncated: boolean;
}

export async function simulateCall(
  set: TreeSet,
  tree: string,
  call: CallInfo,
  keys: KeySource,
  opts: SimulateOptions = {},
): Promise<SimulateResult> {
  const lines: SimLine[] = [];
  const take = (r: StepResult): CallState => {
    for (const t of r.trace) lines.push({ kind: "trace", node: t.node, message: t.message });
    for (const a of r.actions) lines.push({ kind: "action", action: a });
    return r.state;
  };
  let state = take(startCall(set, tree, call, { ...(opts.customer === undefined ? {} : { customer: opts.customer }), ...(opts.sales ? { sales: opts.sales } : {}) }));
  const feed = (event: EngineEvent) => {
    lines.push({ kind: "event", event });
    state = take(step(set, state, event));
  };
  const lookup = opts.lookup ?? { notFound: true };
  let pending: string[] = [];
  const max = opts.maxEvents ?? 500;
  for (let n = 0; n < max; n++) {
    const w = state.waiting;
    if (state.status === "ended" || !w) return { state, lines, truncated: false };
    if (w.kind === "playback") feed({ type: "playbackFinished", id: w.playbackId });
    else if (w.kind === "queue") feed({ type: "queueResult", outcome: opts.queue ?? "answered" });
    else if (w.kind === "agent") feed(opts.hangsUpFirst === "agent" ? { type: "agentEnded" } : { type: "hangup" });
    else if (w.kind === "lookup" && set.nodes.get(state.node)?.node.type === "callback") {
      // the place the caller holds is booked (a queue that answered `callback` kept it)
      feed({ type: "callbackResult", id: w.lookupId, ok: true, reason: "simulated: booked" });
    } else if (w.kind === "lookup" && set.nodes.get(state.node)?.node.type === "appointment") {
      const asked = lines.findLast((l) => l.kind === "action" && "id" in l.action && l.action.id === w.lookupId);
      const a = asked?.kind === "action" ? asked.action : undefined;
      if (a?.type === "appointmentBook") feed({ type: "appointmentResult", id: w.lookupId, ok: true, reason: "simulated: booked" });
      else {
        const slots = a?.type === "appointmentSlots" ? (opts.appointments?.(a.queue, a.count) ?? []) : [];
        feed({ type: "appointmentSlots", id: w.lookupId, slots, reason: slots.length ? "simulated" : "no calendar for this queue in the simulation" });
      }
    } else if (w.kind === "lookup" && set.nodes.get(state.node)?.node.type === "admission") {
      const answer = opts.admission ?? "open";
      if (answer === "timeout") feed({ type: "timer", id: w.timerId });
      else feed({ type: "admissionResult", id: w.lookupId, admit: answer === "open", reason: `simulated: ${answer}` });
    } else if (w.kind === "lookup") {
      if ("timeout" in lookup) feed({ type: "timer", id: w.timerId });
      else if ("error" in lookup) feed({ type: "lookupResult", id: w.lookupId, ok: false, error: lookup.error });
      else if ("found" in lookup) feed({ type: "lookupResult", id: w.lookupId, ok: true, found: true, data: lookup.found });
      else feed({ type: "lookupResult", id: w.lookupId, ok: true, found: false });
    } else if (w.playbackId) {
      // the caller listens to the whole prompt, then answers
      feed({ type: "playbackFinished", id: w.playbackId });
    } else {
      if (pending.length === 0) {
        const token = await keys.next({ state });
        pending = token === null || token === "." ? [] : [...token];
        if (pending.length === 0) {
          if (w.timerId) feed({ type: "timer", id: w.timerId });
          continue;
        }
      }
      feed({ type: "dtmf", digit: pending.shift()! });
    }
  }
  return { state, lines, truncated: true };
}
