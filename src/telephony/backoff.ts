/** Reconnect timing shared by both gateways. */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** No delay exceeds this, in ms. */
  maxDelayMs: number;
  /**
   * Share of each delay that is random, 0..1. 0.5 means a delay lies between half and all of the
   * exponential value, so daemons that lost the same PBX at the same moment do not retry in lockstep.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0.5 };

/**
 * Capped exponential backoff with jitter: attempt 0 waits about `initialDelayMs`, each further attempt
 * doubles it, never beyond `maxDelayMs`. `random` returns a number in [0, 1).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(exp * (1 - jitter) + exp * jitter * random());
}
