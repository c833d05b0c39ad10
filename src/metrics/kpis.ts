import { z } from "zod";
import { allServiceLevels, SL_FORMULAS, type SlFormulaId } from "./service-level.js";

/**
 * KPIs from folded counters: pure arithmetic, the exact definitions written out in docs/kpis.md. A ratio
 * with nothing to divide by is null ("no calls yet"), never 0 or NaN.
 */
export type Counters = Readonly<Record<string, number>>;

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

const count = z.number().int().min(0);
const share = z.number().nullable().describe("a share from 0 to 1; null when there is nothing to divide by yet");
const ms = z.number().nullable();

/** The KPIs of one row of a report (docs/kpis.md defines each); the admin API's OpenAPI document uses this schema. */
export const kpisSchema = z.object({
  // service
  offered: count,
  answered: count,
  abandoned: count,
  abandonedShort: count,
  timedOut: count,
  /** Callers who left the queue with an appointment booked instead of waiting on. */
  scheduled: count,
  refused: count,
  answerRate: share,
  abandonRate: share,
  /** Abandons after the short-abandon threshold among callers who waited that long. */
  abandonRateExShort: share,
  asaMs: ms,
  maxWaitMs: z.number(),
  /** Mean patience (total wait of every caller / abandons): what Erlang A needs; null before the first abandon. */
  patienceMs: ms,
  serviceLevel: share.describe("by the configured formula (serviceLevelFormula)"),
  serviceLevels: z.record(z.enum(Object.keys(SL_FORMULAS) as [SlFormulaId, ...SlFormulaId[]]), share).describe("by every formula"),
  // handling
  handled: count,
  ahtMs: ms,
  talkMs: ms,
  holdMs: ms,
  wrapupMs: ms,
  occupancy: share,
  staffedHours: z.number(),
  noAnswerRate: share,
  calls: count,
  transferRate: share,
  // quality
  contacts: count,
  repeats: count,
  fcr: share,
  surveys: count,
  csat: share,
  csatAverage: z.number().nullable(),
  // revenue
  offersPresented: count,
  offersInterested: count,
  offersSold: count,
  offersDeclined: count,
  conversion: share,
  revenue: z.number(),
  /** Leads handed to sales: offers marked interested. */
  leadsSent: count,
  leadValue: z.number(),
  revenuePerCall: z.number().nullable(),
  revenuePerAgentHour: z.number().nullable(),
  leadsDelivered: count,
  leadsFailed: count,
  salesDelivered: count,
  expressSold: count,
  expressRevenue: z.number(),
  /** Express credits (refunds and credit notes for a broken express promise) delivered to billing. */
  creditsIssued: count,
  creditValue: z.number(),
  // the express promise and what it costs the others
  expressOffered: count,
  /** Sold-lane callers answered within its SLA, of those whose SLA came due (answered, timed out, or left after it). */
  expressPromiseKept: share,
  standardAsaMs: ms,
  /** Standard callers' mean answered wait minus every caller's: what serving express first costs them (docs/kpis.md). */
  fairnessCostMs: ms,
  // queued call backs
  callbacksOffered: count,
  callbacksAccepted: count,
  /** Attempts to reach a customer (agent rung, customer dialled). */
  callbackAttempts: count,
  callbacksCompleted: count,
  callbacksGaveUp: count,
  /** Completed call backs whose customer was first dialled within the time they were told, of all completed. */
  callbackPromiseKept: share,
  // appointments
  /** Bookings made (express ones included); a retried booking is counted once. */
  appointmentsBooked: count,
  /** Of those, express bookings. */
  appointmentsExpress: count,
  appointmentsCancelled: count,
  /** Bookings moved to another slot, by an admin or by a rebalance. */
  appointmentsMoved: count,
  /** Of those, standard bookings moved to make room for an express customer. */
  appointmentsRebalanced: count,
  /** Appointments whose call back joined the queue at their time. */
  appointmentsCalled: count,
});
export type Kpis = z.infer<typeof kpisSchema>;

export function kpisOf(c: Counters, formula: SlFormulaId): Kpis {
  const n = (k: string) => c[k] ?? 0;
  const offered = n("offered");
  const answered = n("answered");
  const abandoned = n("abandoned");
  const abandonedShort = n("abandonedShort");
  const sl = { offered, answered, answeredWithin: n("answeredWithin"), abandonedWithin: n("abandonedWithin"), abandonedShort };
  const handled = n("handled");
  const talked = n("talked");
  const talkMs = ratio(n("talkMs"), talked);
  const holdMs = ratio(n("holdMs"), handled);
  const wrapupMs = ratio(n("wrapupMs"), handled);
  const staffedHours = n("staffedMs") / 3_600_000;
  const revenue = n("revenue");
  const presented = n("offers.presented");
  return {
    offered,
    answered,
    abandoned,
    abandonedShort,
    timedOut: n("timeout"),
    scheduled: n("scheduled"),
    refused: n("refusedFull") + n("refusedEmpty"),
    answerRate: ratio(answered, offered),
    abandonRate: ratio(abandoned, offered),
    abandonRateExShort: ratio(abandoned - abandonedShort, offered - abandonedShort),
    asaMs: ratio(n("waitAnsweredMs"), answered),
    maxWaitMs: n("maxWaitMs"),
    // the maximum-likelihood mean of exponential patience: every waiting second over the abandons
    patienceMs: ratio(n("waitAllMs"), abandoned),
    serviceLevel: SL_FORMULAS[formula].compute(sl),
    serviceLevels: allServiceLevels(sl),
    handled,
    ahtMs: handled > 0 ? (talkMs ?? 0) + (holdMs ?? 0) + (wrapupMs ?? 0) : null,
    talkMs,
    holdMs,
    wrapupMs,
    occupancy: ratio(n("busyMs"), n("staffedMs")),
    staffedHours,
    noAnswerRate: ratio(n("ringsMissed"), n("rings")),
    calls: n("calls"),
    transferRate: ratio(n("calls.transferred"), n("calls")),
    contacts: n("contacts"),
    repeats: n("repeats"),
    fcr: n("contacts") > 0 ? Math.max(0, 1 - n("repeats") / n("contacts")) : null,
    surveys: n("surveys"),
    csat: ratio(n("csatSatisfied"), n("surveys")),
    csatAverage: ratio(n("csatScore"), n("surveys")),
    offersPresented: presented,
    offersInterested: n("offers.interested"),
    offersSold: n("offers.sold"),
    offersDeclined: n("offers.declined"),
    conversion: ratio(n("offers.sold"), presented),
    revenue,
    leadsSent: n("offers.interested"),
    leadValue: n("leadValue"),
    revenuePerCall: ratio(revenue, handled),
    revenuePerAgentHour: staffedHours > 0 ? revenue / staffedHours : null,
    leadsDelivered: n("jobs.lead.delivered"),
    leadsFailed: n("jobs.lead.failed"),
    salesDelivered: n("jobs.sale.delivered"),
    expressSold: n("jobs.express-upgrade.delivered"),
    expressRevenue: n("jobs.express-upgrade.delivered.value"),
    creditsIssued: n("jobs.express-credit.delivered"),
    creditValue: n("jobs.express-credit.delivered.value"),
    ...expressKpis(n, ratio(n("waitAnsweredMs"), answered)),
    callbacksOffered: n("callbacks.offered"),
    callbacksAccepted: n("callbacks.accepted"),
    callbackAttempts: n("callbacks.attempt"),
    callbacksCompleted: n("callbacks.completed"),
    callbacksGaveUp: n("callbacks.gave-up"),
    callbackPromiseKept: ratio(n("callbacks.kept"), n("callbacks.completed")),
    appointmentsBooked: n("appointments.booked"),
    appointmentsExpress: n("appointments.express"),
    appointmentsCancelled: n("appointments.cancelled"),
    appointmentsMoved: n("appointments.moved"),
    appointmentsRebalanced: n("appointments.rebalanced"),
    appointmentsCalled: n("appointments.called"),
  };
}

/**
 * A work-conserving queue's mean wait does not depend on the order callers are served in (the
 * conservation law), so every caller's ASA is what standard callers would have waited without a sold
 * lane; the difference is the fairness cost.
 */
function expressKpis(n: (k: string) => number, asaMs: number | null): Pick<Kpis, "expressOffered" | "expressPromiseKept" | "standardAsaMs" | "fairnessCostMs"> {
  const standardAsaMs = ratio(n("standard.waitAnsweredMs"), n("standard.answered"));
  return {
    expressOffered: n("express.offered"),
    expressPromiseKept: ratio(n("express.kept"), n("express.offered") - n("express.leftWithin")),
    standardAsaMs,
    fairnessCostMs: standardAsaMs === null || asaMs === null ? null : standardAsaMs - asaMs,
  };
}

/** Counters of several rows added up (maxima kept), e.g. a site total from its queues. */
export function sumCounters(rows: Iterable<Counters>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [k, v] of Object.entries(r)) out[k] = k.startsWith("max") ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
  return out;
}
