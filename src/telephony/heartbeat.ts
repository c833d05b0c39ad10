/** Liveness checking shared by both gateways. */
export interface HeartbeatOptions {
  /** Time between probes, in ms; each probe must finish within this time or it counts as missed. */
  intervalMs: number;
  /** Consecutive missed probes after which the connection is declared dead. */
  maxMisses: number;
  /** One liveness check; rejects (or ignores the signal and stays pending) when the peer is not healthy. */
  probe: (signal: AbortSignal) => Promise<void>;
  /** Called once, when `maxMisses` probes in a row failed. The heartbeat has stopped by then. */
  onDead: (lastError: unknown) => void;
  /** Called for every failed probe (for logs). */
  onMiss?: (misses: number, err: unknown) => void;
}

/**
 * Runs `probe` every `intervalMs`, one at a time. A probe that does not settle within the interval is
 * aborted and counted as a miss, so a stalled peer is noticed even when its socket stays open.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private misses = 0;
  private stopped = false;

  constructor(private readonly opts: HeartbeatOptions) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort(new Error("heartbeat stopped"));
    this.inFlight = undefined;
  }

  /** Callbacks run from a timer: a throw must not become an unhandled rejection. */
  private notify(fn: () => void): void {
    try {
      fn();
    } catch {
      // the gateway's own handlers do not throw; nothing useful can be done with a failure here
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const controller = new AbortController();
    this.inFlight = controller;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.opts.probe(controller.signal),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => {
            const err = new Error(`no answer within ${this.opts.intervalMs} ms`);
            controller.abort(err);
            reject(err);
          }, this.opts.intervalMs);
        }),
      ]);
      if (this.stopped) return;
      this.misses = 0;
    } catch (err) {
      if (this.stopped) return;
      this.misses += 1;
      this.notify(() => this.opts.onMiss?.(this.misses, err));
      if (this.misses >= this.opts.maxMisses) {
        this.stop();
        this.notify(() => this.opts.onDead(err));
        return;
      }
    } finally {
      if (timeout) clearTimeout(timeout);
      if (this.inFlight === controller) this.inFlight = undefined;
    }
    this.schedule();
  }
}
