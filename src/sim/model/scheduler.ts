/**
 * Real timers with a time scale, all tracked so that `stop()` leaves nothing behind.
 *
 * `timeScale` multiplies every simulated duration: 1 = real time, 0.1 = ten times faster.
 * Timestamps in events stay real wall-clock time.
 */
const MAX_TIMER_MS = 2_147_483_647;

export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private stopped = false;
  private readonly origin = performance.now();

  constructor(readonly timeScale = 1) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  }

  /** Simulated ms since this scheduler (the PBX) started: real time divided by the time scale. */
  now(): number {
    return (performance.now() - this.origin) / this.timeScale;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs `fn` after `ms` simulated milliseconds; returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    if (this.stopped || Number.isNaN(ms)) return () => {};
    if (ms === Number.POSITIVE_INFINITY) return () => {};
    let remaining = Math.max(0, ms * this.timeScale);
    let t: NodeJS.Timeout | undefined;
    // setTimeout fires at once for delays above 2^31-1 ms: chain shorter timers instead
    const arm = (): void => {
      const step = Math.min(remaining, MAX_TIMER_MS);
      remaining -= step;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        if (remaining > 0) arm();
        else fn();
      }, step);
      t = timer;
      this.timers.add(timer);
    };
    arm();
    return () => {
      if (t) {
        clearTimeout(t);
        this.timers.delete(t);
      }
      remaining = 0;
      t = undefined;
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
