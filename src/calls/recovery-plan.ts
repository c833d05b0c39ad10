import type { WaitingFor } from "../ivr/engine/index.js";
import type { CallSession } from "./session-store.js";

/**
 * What restart recovery does with one session a previous daemon (or this one, before its ARI link
 * dropped) left in Redis, judged from the channels Asterisk still has in the Stasis application. Pure:
 * the manager performs the plan.
 */
export type RecoveryPlan =
  /** The caller left while nobody held the call: it ends now (a queue place is abandoned, history written). */
  | { kind: "gone" }
  /** In the IVR: the node starts again, after the prompt the old daemon left playing (an engine playback id) is stopped. */
  | { kind: "ivr"; stopPlayback?: string }
  /** In the queue: the place in Redis is taken up again. */
  | { kind: "queued" }
  /** Bridged with an agent: the conversation is taken charge of again, or ended if either side left. */
  | { kind: "conversation"; agent: { agentId: string; channelId: string; bridgeId: string; answeredAt: number }; callerUp: boolean; agentUp: boolean }
  /**
   * Transferred to an endpoint: `leg` is the old daemon's leg of the target (none when an older daemon
   * redirected the caller). Answered (`answeredAt`, or the leg found up in the app: it picked up while no
   * daemon ran): taken charge of again, or ended if either side left. Not answered: rung again, the old
   * leg hung up first. Not reached (`failed`): on to the fallback.
   */
  | { kind: "transfer"; endpoint: string; leg?: { channelId: string; bridgeId?: string; answeredAt?: number }; failed?: string; callerUp: boolean; targetUp: boolean };

/** The engine playback a waiting call may still hear: every prompt is waited on, so this is the only one. */
export function playbackOf(waiting: WaitingFor | null): string | undefined {
  return waiting && (waiting.kind === "playback" || waiting.kind === "input") ? waiting.playbackId : undefined;
}

export function planRecovery(s: CallSession, inApp: ReadonlySet<string>): RecoveryPlan {
  const callerUp = inApp.has(s.channelId);
  if (s.agent?.channelId) {
    const { agentId, channelId, bridgeId = "", answeredAt = s.startedAt } = s.agent;
    return { kind: "conversation", agent: { agentId, channelId, bridgeId, answeredAt }, callerUp, agentUp: inApp.has(channelId) };
  }
  const transfer = transferOf(s);
  if (transfer) {
    const { endpoint, leg, failed } = transfer;
    return { kind: "transfer", endpoint, ...(leg ? { leg } : {}), ...(failed ? { failed } : {}), callerUp, targetUp: leg !== undefined && inApp.has(leg.channelId) };
  }
  if (!callerUp) return { kind: "gone" };
  if (s.engine.status === "queued") return { kind: "queued" };
  const stopPlayback = playbackOf(s.engine.waiting);
  return stopPlayback ? { kind: "ivr", stopPlayback } : { kind: "ivr" };
}

/**
 * The session's transfer to an endpoint: the leg it keeps, or (a tree that ended in such a transfer
 * before any leg was kept: an older daemon redirected the caller, which leaves it in the app) none yet.
 */
function transferOf(s: CallSession): { endpoint: string; leg?: { channelId: string; bridgeId?: string; answeredAt?: number }; failed?: string } | undefined {
  if (s.transfer) {
    const { endpoint, channelId, bridgeId, answeredAt, failed } = s.transfer;
    return { endpoint, leg: { channelId, ...(bridgeId ? { bridgeId } : {}), ...(answeredAt === undefined ? {} : { answeredAt }) }, ...(failed ? { failed } : {}) };
  }
  const o = s.engine.status === "ended" ? s.engine.outcome : undefined;
  return o?.kind === "transfer" && o.endpoint ? { endpoint: o.endpoint } : undefined;
}
