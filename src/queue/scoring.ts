import type { LaneConfig } from "./config.js";

/**
 * Static ordering of waiting callers. Pure: no clocks, no I/O. The Lua scripts store the score this
 * module computes and never compute one themselves, so this file is the single definition of the order.
 *
 *   score = enqueuedAt - headStart(lane) - priorityBoost(lane) * priority / 100      (milliseconds)
 *
 * Lower score first; equal scores in arrival order (a per-site sequence number).
 */

export interface Lane {
  name: string;
  displayName: string;
  headStartMs: number;
  /** Extra head start at priority 100, scaled linearly with the caller's priority (0..100). */
  priorityBoostMs: number;
  sla: { ms: number; percent: number };
}

export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 100;

export function laneFromConfig(name: string, cfg: LaneConfig): Lane {
  return {
    name,
    displayName: cfg.displayName,
    headStartMs: Math.round(cfg.headStart * 1000),
    priorityBoostMs: Math.round(cfg.priorityBoost * 1000),
    sla: { ms: Math.round(cfg.sla.seconds * 1000), percent: cfg.sla.percent },
  };
}

/** Head start (ms) a caller of this lane with this priority gets. */
export function effectiveHeadStartMs(lane: Lane, priority = 0): number {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new RangeError(`priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${priority}`);
  }
  return lane.headStartMs + Math.round((lane.priorityBoostMs * priority) / MAX_PRIORITY);
}

/** Integer milliseconds, so Redis (doubles) and JavaScript order scores identically. */
export function callerScore(enqueuedAtMs: number, lane: Lane, priority = 0): number {
  return Math.round(enqueuedAtMs) - effectiveHeadStartMs(lane, priority);
}

export interface Ranked {
  score: number;
  seq: number;
}

/** Queue order: lower score first, then the earlier sequence number (FIFO among equal scores). */
export function compareRanked(a: Ranked, b: Ranked): number {
  return a.score - b.score || a.seq - b.seq;
}

/**
 * The longest a caller of `lane` can be overtaken by: a caller arriving up to this many ms later can
 * still be placed ahead. Zero for the lane with the largest head start (and its top priority).
 */
export function overtakeWindowMs(lane: Lane, lanes: readonly Lane[]): number {
  const own = effectiveHeadStartMs(lane, MIN_PRIORITY);
  let window = 0;
  for (const other of lanes) window = Math.max(window, effectiveHeadStartMs(other, MAX_PRIORITY) - own);
  return window;
}

/**
 * True when `later` (arrived `later.at - earlier.at` ms after `earlier`) may be placed ahead of `earlier`
 * without breaking the lanes' bound: only when it arrived less than its extra head start after.
 */
export function mayOvertake(
  earlier: { at: number; lane: Lane; priority?: number },
  later: { at: number; lane: Lane; priority?: number },
): boolean {
  const gap = later.at - earlier.at;
  const advantage = effectiveHeadStartMs(later.lane, later.priority ?? 0) - effectiveHeadStartMs(earlier.lane, earlier.priority ?? 0);
  // equal scores keep arrival order, so equality is not enough to get ahead
  return gap < advantage;
}
