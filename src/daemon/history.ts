import type { CallSession } from "../calls/session-store.js";
import type { HistoryEntry } from "../crm/customer.js";
import type { CallState } from "../ivr/engine/index.js";

/** The caller's choices as `node=label` (node without its tree), as the pop and the history show them. */
export function pathChoices(path: CallState["path"]): string[] {
  return path.filter((p) => p.choice !== undefined).map((p) => `${p.node.split("#")[1] ?? p.node}=${p.label ?? p.choice}`);
}

/** The customer the tree's lookup found, if any. */
export function customerIdOf(state: CallState): string | undefined {
  const id = state.customer?.id;
  return typeof id === "string" && id ? id : undefined;
}

/** How a call that never reached an agent ended, in the words the history shows. */
function howItEnded(call: { session: CallSession; state: CallState }): string {
  const o = call.state.outcome;
  switch (o?.kind) {
    case "caller-hangup":
      return call.session.queue ? "abandoned in queue" : "hung up in the IVR";
    case "transfer":
      return "transferred";
    case "hangup":
      return "ended by the IVR";
    case "error":
      return "sent to the fallback";
    default:
      return "ended";
  }
}

/** The history entry of a call that ended without an agent: the path it took and how it ended. */
export function unattendedEntry(call: { session: CallSession; state: CallState }, endedAt: Date): HistoryEntry {
  const q = call.session.queue;
  const reason = q?.reason ?? (typeof call.state.vars.reason === "string" ? call.state.vars.reason : undefined);
  const path = pathChoices(call.state.path);
  return {
    at: new Date(call.session.startedAt).toISOString(),
    callId: call.session.callId,
    disposition: howItEnded(call),
    ...(q ? { queue: q.queue, lane: q.lane, waitSeconds: Math.max(0, Math.round((endedAt.getTime() - q.joinedAt) / 1000)) } : {}),
    ...(reason ? { reason } : {}),
    ...(path.length ? { path } : {}),
  };
}
