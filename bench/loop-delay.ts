import { monitorEventLoopDelay } from "node:perf_hooks";

const RESOLUTION_MS = 10;

/**
 * How late the event loop runs, as the benchmarks report it: how much later than due a 10 ms timer
 * fired, in ms. Node's histogram counts the 10 ms period itself (an idle process reads about 10.1), so it
 * is taken off here.
 */
export function loopDelay(): { p99(): number; max(): number; reset(): void; stop(): void } {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    p99: () => late(h.percentile(99)),
    max: () => late(h.max),
    reset: () => h.reset(),
    stop: () => h.disable(),
  };
}
