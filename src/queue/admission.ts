import { z } from "zod";
import type { AdmissionConfig } from "./config.js";
import { MAX_FORECAST_PERCENT, freeUpsQuantile, waitQuantile } from "./ewt.js";
import { overtakeWindowMs } from "./scoring.js";
import type { SiteSettings } from "./settings.js";

/**
 * Admission control: may a caller be offered (and join) the lane whose promise is sold, given the queue
 * as it stands? Pure: the caller queue reads the state (admission.lua), the benchmark builds it from the
 * model, and this decides. docs/queue.md ("Admission control") states the model and the three checks:
 *
 *   1. share cap: with this caller, at most maxShare of the waiting callers are in the lane (at least one
 *      is always allowed: one caller of one waiting is 100%);
 *   2. forecast: the lane's SLA percentile of this caller's wait (Erlang, ewt.ts) is within its target;
 *   3. bound: no caller it would be placed ahead of waits, because of the callers placed ahead of it who
 *      arrived after it (this one included), longer than its lane's overtake window.
 */

export const admissionLaneSchema = z.object({
  name: z.string(),
  displayName: z.string(),
  headStartMs: z.number().min(0),
  priorityBoostMs: z.number().min(0),
  sla: z.object({ ms: z.number().positive(), percent: z.number().gt(0).max(100) }),
});

export const admissionStateSchema = z.object({
  /** The queue's lanes: head starts (overtake windows follow) and SLA targets. */
  lanes: z.array(admissionLaneSchema).min(1),
  /** Waiting callers: lane, how long each has waited and its effective head start (lane + priority boost). */
  waiting: z.array(z.object({ lane: z.string(), waitMs: z.number().min(0), headStartMs: z.number().min(0) })),
  /** All waiting callers; above waiting.length when the read was capped (the rest count as ahead). */
  waitingTotal: z.number().int().min(0),
  idleAgents: z.number().int().min(0),
  staffedAgents: z.number().int().min(0),
  /** The queue's measured handle time (talk + wrap-up), ms. */
  handleTimeMs: z.number().positive(),
  /** The queue's reserved share: while a reserved-lane caller waits, others hold at most (1 - share) of the agents. */
  reserve: z.object({ share: z.number().min(0).max(1), lanes: z.array(z.string()) }).nullable(),
});
export type AdmissionState = z.infer<typeof admissionStateSchema>;

/** Which check decided: none ran ("open"), or the one that refused. */
export const ADMISSION_CHECKS = ["open", "staff", "share", "forecast", "bound", "admitted"] as const;

export const admissionDecisionSchema = z.object({
  admit: z.boolean(),
  check: z.enum(ADMISSION_CHECKS),
  /** Why, in the admin's words. */
  reason: z.string(),
  /** The forecast wait (ms, at the lane's SLA percentile) of one more caller of the lane; null when none was made. */
  forecastWaitMs: z.number().int().min(0).nullable(),
  /** Callers of the lane waiting now; null when the queue was not read. */
  laneWaiting: z.number().int().min(0).nullable(),
});
export type AdmissionDecision = z.infer<typeof admissionDecisionSchema>;

/** What admission.lua (and QueueModel.admissionRead) return: the waiting callers in queue order. */
export const admissionReadSchema = z.object({
  waitingTotal: z.number().int().min(0),
  idle: z.number().int().min(0),
  staffed: z.number().int().min(0),
  ahtMs: z.number().positive().nullable(),
  waiting: z.array(z.object({ lane: z.string(), enqueuedAt: z.number(), score: z.number() })),
});
export type AdmissionRead = z.infer<typeof admissionReadSchema>;

/** Callers read at most per decision: beyond it they all count as placed ahead (the forecast only grows). */
export const ADMISSION_READ_LIMIT = 1000;

/** The state admission decides on, from what Redis (or the model) holds at `now`. */
export function admissionState(site: SiteSettings, queue: string, read: AdmissionRead, now: number): AdmissionState {
  const q = site.queues.get(queue);
  if (!q) throw new RangeError(`admissionState: unknown queue ${queue}`);
  return {
    lanes: q.lanes.map((name) => site.lanes.get(name)!),
    // a score is enqueuedAt minus the effective head start, so the head start needs no read of the caller's priority
    waiting: read.waiting.map((c) => ({ lane: c.lane, waitMs: Math.max(0, now - c.enqueuedAt), headStartMs: Math.max(0, c.enqueuedAt - c.score) })),
    waitingTotal: Math.max(read.waitingTotal, read.waiting.length),
    idleAgents: read.idle,
    staffedAgents: read.staffed,
    handleTimeMs: read.ahtMs ?? q.defaultHandleTimeMs,
    reserve: q.reservedLanes.size ? { share: q.reserveShare, lanes: [...q.reservedLanes] } : null,
  };
}

const open = (reason: string): AdmissionDecision => ({ admit: true, check: "open", reason, forecastWaitMs: null, laneWaiting: null });

/** The decision when no state is needed (no control for this queue or lane); null when it must be read. */
export function admissionWithoutState(settings: AdmissionConfig | null | undefined, lane: string): AdmissionDecision | null {
  if (!settings) return open("no admission control");
  if (!settings.enabled) return open("no admission control (switched off in this queue's config)");
  if (lane !== settings.lane) return open(`no admission control for lane ${lane} (this queue controls ${settings.lane})`);
  return null;
}

/**
 * Whether an entitled caller about to join the sold lane joins standard instead, owed a credit
 * (admission.overflow "standard"): only when the forecast or a bound says the promise cannot be kept
 * and callers of the lane already wait (the lane is what is full: the first of its callers is served
 * next whatever the forecast, and would only wait longer in standard). The cap on sales does not apply
 * to those who have paid already.
 */
export function overflows(settings: AdmissionConfig | null | undefined, d: AdmissionDecision): boolean {
  return !!settings?.enabled && settings.overflow === "standard" && !d.admit && (d.check === "forecast" || d.check === "bound") && (d.laneWaiting ?? 0) > 0;
}

/** Seconds for people: one decimal below 100 s ("20.4 s", "41 s"). */
const secs = (ms: number): string => String(ms >= 99_950 ? Math.round(ms / 1000) : Math.round(ms / 100) / 10);
const percentOf = (share: number): string => `${Math.round(share * 1000) / 10}%`;

const ordinal = (n: number): string => {
  const last = n % 10;
  const suffix = Number.isInteger(n) && Math.floor(n / 10) % 10 !== 1 && last >= 1 && last <= 3 ? ["st", "nd", "rd"][last - 1] : "th";
  return `${n}${suffix}`;
};

/** Forecasts stop short of 100%: an Erlang tail has no finite 100th percentile. */
const forecastPercent = (percent: number): number => Math.min(percent, MAX_FORECAST_PERCENT);

/** Waiting callers by score relative to now (lower first): -(waited + head start). */
const relScore = (c: { waitMs: number; headStartMs: number }): number => -(c.waitMs + c.headStartMs);

/**
 * Decides whether one more caller may join `lane` (default: the lane the settings control) by upgrade.
 * The caller would join now at priority 0: placed after every waiting caller whose score is not higher.
 * `entitled`: the caller has the lane already (subscriber, tier, buyer): the cap on sales is not theirs.
 */
export function decideAdmission(state: AdmissionState, settings: AdmissionConfig | null | undefined, lane = settings?.lane ?? "", entitled = false): AdmissionDecision {
  const early = admissionWithoutState(settings, lane);
  if (early) return early;
  const { maxShare } = settings!;
  const target = state.lanes.find((l) => l.name === lane);
  if (!target) throw new RangeError(`decideAdmission: lane ${lane} is not one of the queue's lanes`);
  const refuse = (check: AdmissionDecision["check"], reason: string, forecastWaitMs: number | null): AdmissionDecision => ({ admit: false, check, reason, forecastWaitMs, laneWaiting: mine });

  const newScore = -target.headStartMs;
  const mine = state.waiting.filter((c) => c.lane === lane).length;
  const unread = Math.max(0, state.waitingTotal - state.waiting.length);
  const isReserved = (l: string) => state.reserve !== null && state.reserve.share > 0 && state.reserve.lanes.includes(l);
  let ahead = unread;
  let aheadReserved = unread;
  for (const c of state.waiting) {
    if (relScore(c) <= newScore) {
      ahead += 1;
      if (isReserved(c.lane)) aheadReserved += 1;
    }
  }
  const forecast = forecastWait(state, target.sla.percent, ahead, isReserved(lane) ? aheadReserved : null);
  if (forecast === null) return refuse("staff", `nobody staffed: no ${lane} wait can be forecast, so none is promised`, null);

  const total = Math.max(state.waitingTotal, state.waiting.length);
  const allowed = Math.max(1, Math.floor(maxShare * (total + 1) + 1e-9));
  if (!entitled && mine + 1 > allowed) return refuse("share", `${lane} full: ${mine} of ${total} waiting are ${lane} (cap ${percentOf(maxShare)})`, forecast);

  if (forecast > target.sla.ms) {
    return refuse(
      "forecast",
      `forecast ${lane} wait ${secs(forecast)} s > ${secs(target.sla.ms)} s target (${ordinal(forecastPercent(target.sla.percent))} percentile: ` +
        `${ahead} ahead, ${state.idleAgents} of ${state.staffedAgents} agents free, handle time ${secs(state.handleTimeMs)} s)`,
      forecast,
    );
  }

  const breach = boundBreach(state, newScore);
  if (breach) {
    return refuse(
      "bound",
      `${breach.lane} bound: the longest ${breach.lane} wait would pass its bound (a caller waiting ${secs(breach.waitMs)} s would wait ` +
        `${secs(breach.extraMs)} s longer than at its first-come place; the head start allows ${secs(breach.windowMs)} s)`,
      forecast,
    );
  }
  return {
    admit: true,
    check: "admitted",
    reason:
      `forecast ${lane} wait ${secs(forecast)} s <= ${secs(target.sla.ms)} s target; ${mine + 1} of ${total + 1} waiting would be ${lane} ` +
      `(cap ${percentOf(maxShare)}); every caller it passes stays within its bound`,
    forecastWaitMs: forecast,
    laneWaiting: mine,
  };
}

/**
 * The lane's SLA percentile of the new caller's wait: `ahead` callers before it, agents freeing up at
 * staffed / handle time. With a reserved share for its lane, only the reserved-lane callers ahead can
 * hold it up once the other lanes fill their (1 - share), and floor(share * staffed) agents free up for
 * them: the smaller of the two forecasts.
 */
function forecastWait(state: AdmissionState, percent: number, ahead: number, aheadReserved: number | null): number | null {
  const p = forecastPercent(percent);
  const all = waitQuantile({ ahead, idleAgents: state.idleAgents, staffedAgents: state.staffedAgents, handleTimeMs: state.handleTimeMs }, p);
  if (all === null || aheadReserved === null) return all;
  const reserved = Math.floor(state.reserve!.share * state.staffedAgents + 1e-9);
  if (reserved < 1) return all;
  const own = waitQuantile({ ahead: aheadReserved, idleAgents: 0, staffedAgents: reserved, handleTimeMs: state.handleTimeMs }, p)!;
  return Math.min(all, own);
}

/**
 * Check 3. A caller c the new one would pass must be served after A + 1 callers (A placed ahead of it
 * now), where first come, first served would serve it after F (those who arrived before it): with i
 * idle agents it waits for max(0, A + 2 - i) agents to free up instead of max(0, F + 1 - i). The
 * difference d is what the callers who arrived after it and are placed ahead cost it; its lane's SLA
 * percentile (d free-ups, Erlang) must stay within the lane's overtake window W, the most docs/queue.md's
 * bound lets it wait beyond first come, first served. Returns the oldest caller that would pass it.
 */
function boundBreach(state: AdmissionState, newScore: number): { lane: string; waitMs: number; extraMs: number; windowMs: number } | null {
  const lanes = new Map(state.lanes.map((l) => [l.name, l]));
  const windows = new Map(state.lanes.map((l) => [l.name, overtakeWindowMs(l, state.lanes)]));
  const order = state.waiting.map((c, i) => ({ c, i, score: relScore(c) })).sort((a, b) => a.score - b.score || a.i - b.i);
  const waitsDesc = state.waiting.map((c) => c.waitMs).sort((a, b) => b - a);
  const gapMs = state.handleTimeMs / state.staffedAgents;
  const idle = state.idleAgents;
  let worst: { lane: string; waitMs: number; extraMs: number; windowMs: number } | null = null;
  for (const [placed, { c, score }] of order.entries()) {
    const lane = lanes.get(c.lane);
    if (score <= newScore || !lane) continue;
    const arrivedBefore = countAbove(waitsDesc, c.waitMs);
    const d = Math.max(0, placed + 2 - idle) - Math.max(0, arrivedBefore + 1 - idle);
    if (d <= 0) continue;
    const extraMs = Math.round(freeUpsQuantile(d, forecastPercent(lane.sla.percent)) * gapMs);
    const windowMs = windows.get(c.lane)!;
    if (extraMs > windowMs && (!worst || c.waitMs > worst.waitMs)) worst = { lane: c.lane, waitMs: c.waitMs, extraMs, windowMs };
  }
  return worst;
}

/** How many of `desc` (sorted high to low) are above `v`. */
function countAbove(desc: readonly number[], v: number): number {
  let lo = 0;
  let hi = desc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (desc[mid]! > v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
