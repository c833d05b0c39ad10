import type { CallSession } from "../calls/session-store.js";
import type { HistoryEntry } from "../crm/customer.js";
import type { CallOutcome } from "../events/schema.js";
import type { CallState } from "../ivr/engine/index.js";
import { pathChoices } from "../ivr/engine/transcript.js";

/** Why the caller called: the queue's reason, else the tree's `reason` variable. */
export function reasonOf(call: { session: CallSession; state: CallState }): string | undefined {
  const v = call.state.vars.reason;
  return call.session.queue?.reason ?? (typeof v === "string" ? v : undefined);
}

/** The customer the tree's lookup found, if any. */
export function customerIdOf(state: CallState): string | undefined {
  const id = state.customer?.id;
  return typeof id === "string" && id ? id : undefined;
}

/** How a call ended, for the KPIs (events/schema.ts). */
export function callOutcome(call: { session: CallSession; state: CallState }): CallOutcome {
  if (call.session.agent) return "agent";
  if (call.session.callback) return "callback";
  const o = call.state.outcome;
  switch (o?.kind) {
    case "caller-hangup":
      return call.session.queue ? "abandoned" : "ivr-hangup";
    case "transfer":
      return call.session.transfer?.failed ? "fallback" : "transferred";
    case "error":
      return "fallback";
    default:
      return "ivr-ended";
  }
}

/** How a call that never reached an agent ended, in the words the history shows. */
function howItEnded(call: { session: CallSession; state: CallState }): string {
  const o = call.state.outcome;
  switch (o?.kind) {
    case "caller-hangup":
      return call.session.queue ? "abandoned in queue" : "hung up in the IVR";
    case "transfer": {
      const where = o.endpoint ?? `${o.context},${o.extension}`;
      const failed = call.session.transfer?.failed;
      return failed ? `transfer to ${where} failed (${failed}); sent to the fallback` : `transferred to ${where}`;
    }
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
  const reason = reasonOf(call);
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
