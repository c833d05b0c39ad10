/** Name under which the capped exponential strategy is registered with BullMQ (its own is uncapped). */
export const BACKOFF_TYPE = "switchboard-capped-exponential";

/**
 * Wait before the next attempt after `attemptsMade` failed ones: delayMs, 2x, 4x, ... never above
 * maxDelayMs. A receiver's Retry-After (429/503) is honoured when longer, still within the cap, so an
 * overloaded receiver cannot park a job for hours.
 */
export function retryDelayMs(
  attemptsMade: number,
  backoff: { delayMs: number; maxDelayMs: number },
  retryAfterMs?: number,
): number {
  const exp = Math.min(backoff.maxDelayMs, backoff.delayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.min(backoff.maxDelayMs, Math.max(exp, retryAfterMs ?? 0));
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
