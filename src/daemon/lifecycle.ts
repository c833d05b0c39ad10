import type { Logger } from "../lib/logger.js";

/**
 * How the daemon's capabilities start and stop: each wiring module starts one capability and hands back
 * what it left running; the daemon keeps those in start order, drains them all on SIGTERM, then stops
 * them last-started first (the HTTP server before the calls, the calls before Redis).
 */

/** What a started capability leaves running. */
export interface Running {
  /** SIGTERM's first step, before anything stops: take no new work (new calls, readiness, connections). */
  drain?(): void;
  stop(): Promise<void>;
}

/** The parts started so far, in start order. */
export class RunningParts {
  private readonly parts: Running[] = [];

  constructor(private readonly log: Logger) {}

  /** Keeps what `part` left running, to drain and stop it, and hands the part back. */
  add<T extends Running>(part: T): T {
    this.parts.push(part);
    return part;
  }

  /** A stop step of its own, for a part that needs nothing else. */
  addStop(stop: () => Promise<void> | void): void {
    this.parts.push({ stop: async () => stop() });
  }

  drain(): void {
    for (const p of this.parts) p.drain?.();
  }

  /** Stops the parts last-started first; a step that fails is logged and the others still run. */
  async stop(): Promise<void> {
    for (const p of this.parts.splice(0).reverse()) {
      const step = async () => p.stop(); // a stop that throws is a failed step, not the end of the shutdown
      await step().catch((err) => this.log.warn({ err }, "shutdown step failed"));
    }
  }
}

/** Runs `start` on fresh parts; when it fails, what it had started is stopped before the error goes on. */
export async function startParts<T>(log: Logger, start: (parts: RunningParts) => Promise<T>): Promise<T> {
  const parts = new RunningParts(log);
  try {
    return await start(parts);
  } catch (err) {
    await parts.stop();
    throw err;
  }
}
