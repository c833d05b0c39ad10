/**
 * Expected wait time for a caller, from how many are ahead, who is staffed and recent handle times.
 * Pure, so the announcement logic and tests can use it without Redis.
 *
 * Model: idle agents take the first callers at once; after that, staffed agents free up at an average
 * rate of staffed / handleTime, and each freed agent takes the next caller in line.
 */
export interface EwtInput {
  /** Callers ahead of this one in queue order. */
  ahead: number;
  /** Agents of the queue free right now (available, phone reachable). */
  idleAgents: number;
  /** Agents of the queue working it: available, ringing, on a call or in wrap-up (not paused or offline). */
  staffedAgents: number;
  /** Recent average handle time (talk plus wrap-up), milliseconds. */
  handleTimeMs: number;
}

/** Milliseconds, or null when nobody is staffed (no meaningful estimate: the caller may wait forever). */
export function expectedWait(input: EwtInput): number | null {
  const { ahead, idleAgents, staffedAgents, handleTimeMs } = input;
  for (const [k, v] of Object.entries(input)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`expectedWait: ${k} must be a finite number >= 0, got ${v}`);
  }
  if (staffedAgents === 0) return null;
  if (ahead < idleAgents) return 0;
  const mustFreeUp = ahead - idleAgents + 1;
  return Math.round((mustFreeUp * handleTimeMs) / staffedAgents);
}

/** Exponentially weighted mean of handle times: recent calls count more, one odd call does not swing it. */
export const HANDLE_TIME_WEIGHT = 0.2;

export function nextHandleTime(previousMs: number | null, sampleMs: number): number {
  if (previousMs === null) return Math.round(sampleMs);
  return Math.round(previousMs + HANDLE_TIME_WEIGHT * (sampleMs - previousMs));
}
