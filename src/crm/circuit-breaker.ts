/** Thrown instead of calling a backend that has just failed repeatedly. */
export class CircuitOpenError extends Error {
  constructor(
    readonly target: string,
    readonly retryInMs: number,
  ) {
    super(`${target} is unavailable (circuit open after repeated failures; next try in ${Math.ceil(retryInMs / 1000)} s)`);
    this.name = "CircuitOpenError";
  }
}

export type BreakerState = "closed" | "open" | "half-open";

/**
 * Stops calling a backend after `failures` consecutive failures, for `openMs`: callers then fail at once
 * instead of each waiting for its own timeout. After the pause one trial request goes through (half-open);
 * its success closes the circuit, its failure opens it for another `openMs`.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly target: string,
    private readonly opts: { failures: number; openMs: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  get state(): BreakerState {
    if (this.openedAt === undefined) return "closed";
    return this.now() - this.openedAt >= this.opts.openMs ? "half-open" : "open";
  }

  /** Runs `fn` unless the circuit is open; `isFailure` decides which errors count (default: all). */
  async run<T>(fn: () => Promise<T>, isFailure: (err: unknown) => boolean = () => true): Promise<T> {
    const state = this.state;
    if (state === "open" || (state === "half-open" && this.trialInFlight)) {
      throw new CircuitOpenError(this.target, Math.max(0, this.openedAt! + this.opts.openMs - this.now()));
    }
    const trial = state === "half-open";
    if (trial) this.trialInFlight = true;
    try {
      const result = await fn();
      this.consecutive = 0;
      this.openedAt = undefined;
      return result;
    } catch (err) {
      if (isFailure(err)) {
        this.consecutive++;
        if (trial || this.consecutive >= this.opts.failures) this.openedAt = this.now();
      } else if (trial) {
        // An error that says nothing about the backend's health (the caller gave up): let the next call try.
        this.openedAt = this.now() - this.opts.openMs;
      }
      throw err;
    } finally {
      if (trial) this.trialInFlight = false;
    }
  }
}
