/**
 * When the wallboard's streams get a snapshot (pure: times in, times out). A change is shown soon, but
 * never sooner than `minGapMs` after the previous snapshot, so a busy minute of events cannot flood a wall
 * screen; without changes a snapshot still goes every `periodMs`, because the waits on the board move.
 */

export interface Pace {
  /** Shortest gap between two snapshots on one stream (250 ms: at most 4 a second). */
  minGapMs: number;
  /** Longest gap between two snapshots while the feed is quiet. */
  periodMs: number;
}

export const DEFAULT_PACE: Pace = { minGapMs: 250, periodMs: 1000 };

/**
 * When the next snapshot is fetched for every stream, from when the last fetch began (so a slow feed
 * does not stretch the period; each stream's own gap is kept by sendDelay).
 */
export function nextBroadcastAt(lastAt: number, changed: boolean, pace: Pace): number {
  return lastAt + (changed ? pace.minGapMs : pace.periodMs);
}

/** How long one stream must wait before it may get another snapshot (0: now). */
export function sendDelay(lastSentAt: number, now: number, pace: Pace): number {
  return Math.max(0, lastSentAt + pace.minGapMs - now);
}

/** A snapshot is worth sending to a stream that just opened when it is this fresh; else one is fetched. */
export function freshEnough(takenAt: number, now: number, pace: Pace): boolean {
  return now - takenAt < pace.minGapMs;
}

/** One Server-Sent Event: JSON never holds a raw line break, so one `data:` line carries it. */
export function sseFrame(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}
