/**
 * Per-agent login lockout: after `maxFailures` wrong passwords in a row the agent id is locked for
 * `lockMs`, which turns online guessing into a few tries per lock period. Kept in memory, per daemon:
 * a guesser spreading tries over daemons gets at most `maxFailures` per daemon per period.
 */
export class LoginLockout {
  private readonly entries = new Map<string, { failures: number; lockedUntil: number }>();

  constructor(
    private readonly maxFailures = 5,
    private readonly lockMs = 5 * 60_000,
  ) {}

  /** Milliseconds left on a lock, 0 when the agent may try. */
  lockedFor(agentId: string, now: number): number {
    const e = this.entries.get(agentId);
    return e && e.lockedUntil > now ? e.lockedUntil - now : 0;
  }

  failed(agentId: string, now: number): void {
    const e = this.entries.get(agentId) ?? { failures: 0, lockedUntil: 0 };
    if (e.lockedUntil && e.lockedUntil <= now) e.failures = 0; // the previous lock ran out: a fresh series
    e.failures += 1;
    if (e.failures >= this.maxFailures) e.lockedUntil = now + this.lockMs;
    this.entries.set(agentId, e);
  }

  succeeded(agentId: string): void {
    this.entries.delete(agentId);
  }
}
