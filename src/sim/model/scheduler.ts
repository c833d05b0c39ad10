/**
 * Real timers with a time scale, all tracked so that `stop()` leaves nothing behind.
 *
 * `timeScale` multiplies every simulated duration: 1 = real time, 0.1 = ten times faster.
 * Timestamps in events stay real wall-clock time.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private stopped = false;

  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs `fn` after `ms` simulated milliseconds; returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    if (this.stopped) return () => {};
    const delay = Math.max(0, ms * this.timeScale);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, delay);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  /** Runs `fn` once the current synchronous work and pending I/O callbacks are done. */
  defer(fn: () => void): void {
    if (this.stopped) return;
    const i = setImmediate(() => {
      this.immediates.delete(i);
      if (!this.stopped) fn();
    });
    this.immediates.add(i);
  }

  /**
   * Waits `ms` simulated milliseconds. Resolves `true` when the time elapsed, `false` when `signal`
   * aborted first or the scheduler was stopped. Never rejects.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.stopped || signal?.aborted) return resolve(false);
      if (!Number.isFinite(ms)) {
        // "forever": only an abort or stop ends it
        const onAbort = (): void => resolve(false);
        signal?.addEventListener("abort", onAbort, { once: true });
        this.waiters.add(onAbort);
        return;
      }
      let cancel = (): void => {};
      const onAbort = (): void => {
        cancel();
        this.waiters.delete(onAbort);
        resolve(false);
      };
      cancel = this.after(ms, () => {
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(onAbort);
        resolve(true);
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(onAbort);
    });
  }

  private readonly waiters = new Set<() => void>();

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const i of this.immediates) clearImmediate(i);
    this.immediates.clear();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}
