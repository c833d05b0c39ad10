import type { Logger } from "../lib/logger.js";
import { overflows, type CallerQueue } from "../queue/index.js";

export interface Placement {
  lane: string;
  /** The lane the caller was entitled to and did not get, and why (a credit is owed, desk/express-credit.ts). */
  promised?: { lane: string; reason: string };
}

/**
 * The lane a caller joins: `lane` (what the tree named), unless it is the lane the queue sells and its
 * promise cannot be kept now (the forecast or a bound refuses; admission.overflow "standard"): then
 * `standard`, the queue's last lane. A queue that cannot be asked keeps the lane.
 */
export async function placeCaller(queue: CallerQueue, log: Logger, name: string, lane: string, standard: string): Promise<Placement> {
  const control = queue.queue(name).admission;
  if (!control?.enabled || control.overflow !== "standard" || lane !== control.lane || standard === lane) return { lane };
  const d = await queue.admission(name, lane, true).catch((err: unknown) => {
    log.warn({ err, queue: name, lane }, "admission not answered at join; the caller keeps its lane");
    return null;
  });
  if (!d || !overflows(control, d)) return { lane };
  log.warn({ queue: name, lane, to: standard, reason: d.reason }, "promise cannot be kept: the caller joins the standard lane, owed a credit");
  return { lane: standard, promised: { lane, reason: d.reason } };
}
