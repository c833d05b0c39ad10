/**
 * Stopping the demo: the first Ctrl-C (or SIGTERM, or the terminal closing) asks for the orderly stop,
 * a second one forces it: what must not outlive the demo (its Redis, in a process group of its own) is
 * killed at once and the process exits 130.
 */

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export class Shutdown {
  /** Resolves with the first signal. */
  readonly requested: Promise<NodeJS.Signals>;
  private resolve!: (s: NodeJS.Signals) => void;
  private signals = 0;
  private readonly forceHooks: Array<() => void> = [];

  constructor(private readonly say: (line: string) => void) {
    this.requested = new Promise((r) => (this.resolve = r));
    for (const s of SIGNALS) process.on(s, this.onSignal);
  }

  /** Runs synchronously when forced, before the exit. */
  onForce(fn: () => void): void {
    this.forceHooks.push(fn);
  }

  /** The stop is over: signals go back to their defaults. */
  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.onSignal);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.signals++;
    if (this.signals === 1) {
      this.say("\nStopping: no new calls, the daemon drains and stops, then the simulator and Redis (Ctrl-C again to force)\n");
      this.resolve(signal);
      return;
    }
    this.say("Forced stop\n");
    for (const fn of this.forceHooks) {
      try {
        fn();
      } catch {
        // forcing: nothing left to report to
      }
    }
    process.exit(130);
  };
}

/** Runs the stop steps in order, each bounded; a step that fails or hangs is reported in one line and the next goes on. */
export async function stopInOrder(steps: ReadonlyArray<{ name: string; run: () => Promise<void> | void }>, say: (line: string) => void, boundMs = 20_000): Promise<boolean> {
  let clean = true;
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), boundMs)));
    try {
      const r = await Promise.race([Promise.resolve().then(step.run), bound]);
      if (r === "late") {
        clean = false;
        say(`switchboard demo: ${step.name} did not stop within ${boundMs / 1000} s; going on\n`);
      }
    } catch (err) {
      clean = false;
      say(`switchboard demo: stopping ${step.name} failed: ${(err as Error).message}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}
