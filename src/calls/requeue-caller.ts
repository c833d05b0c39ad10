import type { Logger } from "../lib/logger.js";
import type { Connected, QueueHandoff } from "./queue-handoff.js";
import type { SessionDirectory } from "./session-directory.js";

/**
 * The agent's part of a call is over and the caller goes on to a queue (a blind transfer, or a caller whose
 * transfer to an agent or consultation fell through): the hand-off lets the conversation go as if the caller
 * had gone (the agent leg hangs up, the agent goes to wrap-up; the call manager is not told: the caller is
 * still its call), the agent's part is closed (`handedOver`: the desk's history entry), then the caller
 * joins the queue with music and is dispatched like any caller, without a maximum wait. `offerTo` rings
 * that agent first; `rankAs` gives the caller the place of that moment (its first join).
 */

export interface RequeueDeps {
  handoff: Pick<QueueHandoff, "callerGone" | "join" | "placement" | "defaultLane">;
  /** The calls' sessions: the caller's number and name for the queue (and the next agent's caller id). */
  sessions: Pick<SessionDirectory, "find">;
  /** The caller could not be queued after all (the queue refused): to the dialplan fallback. */
  fallback(callId: string, serverId: string, why: string): void;
  logger: Logger;
}

export interface RequeueRequest {
  queue: string;
  /** The lanes of `queue`: the caller keeps its lane when the queue has it. */
  lanes: readonly string[];
  offerTo?: string;
  rankAs?: number;
  handedOver(): Promise<void>;
}

/** The caller's details as the queue needs them; undefined when the session cannot be read (nothing was done). */
export async function callerOf(deps: Pick<RequeueDeps, "sessions">, callId: string): Promise<{ number: string; name: string; joinedAt: number | undefined } | undefined> {
  const session = (await deps.sessions.find(callId))[0];
  const caller = session?.engine.call;
  return session && caller ? { number: caller.callerNumber, name: caller.callerName ?? "", joinedAt: session.queue?.joinedAt } : undefined;
}

/** Resolves with the queue's verdict; anything but "queued" has sent the caller to the dialplan fallback. */
export async function requeueCaller(deps: RequeueDeps, c: Connected, caller: { number: string; name: string }, req: RequeueRequest): Promise<"queued" | "empty" | "full"> {
  const log = deps.logger;
  await deps.handoff.callerGone(c.callId);
  await req.handedOver().catch((err) => log.error({ err, callId: c.callId }, "the agent's part of a transferred call was not closed"));
  const placed = await deps.handoff.placement(req.queue, req.lanes.includes(c.lane) ? c.lane : deps.handoff.defaultLane(req.queue));
  const verdict = await deps.handoff
    .join({
      callId: c.callId,
      serverId: c.serverId,
      channelId: c.callId,
      callerNumber: caller.number,
      callerName: caller.name,
      queue: req.queue,
      lane: placed.lane,
      skills: [],
      priority: 0,
      ...(req.offerTo ? { offerTo: req.offerTo } : {}),
      ...(req.rankAs ? { rankAs: req.rankAs } : {}),
    })
    .catch((err) => {
      log.error({ err, callId: c.callId, queue: req.queue }, "transferred caller not queued");
      return "empty" as const;
    });
  log.info({ callId: c.callId, from: c.agentId, queue: req.queue, lane: placed.lane, offerTo: req.offerTo, verdict }, "caller sent to a queue");
  if (verdict !== "queued") deps.fallback(c.callId, c.serverId, `transfer to ${req.queue}: the queue answered ${verdict}`);
  return verdict;
}
