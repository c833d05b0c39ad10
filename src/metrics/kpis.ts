import { allServiceLevels, SL_FORMULAS, type SlFormulaId } from "./service-level.js";

/**
 * KPIs from folded counters: pure arithmetic, the exact definitions written out in docs/kpis.md. A ratio
 * with nothing to divide by is null ("no calls yet"), never 0 or NaN.
 */
export type Counters = Readonly<Record<string, number>>;

const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

export interface Kpis {
  // service
  offered: number;
  answered: number;
  abandoned: number;
  abandonedShort: number;
  timedOut: number;
  refused: number;
  answerRate: number | null;
  abandonRate: number | null;
  /** Abandons after the short-abandon threshold among callers who waited that long. */
  abandonRateExShort: number | null;
  asaMs: number | null;
  maxWaitMs: number;
  serviceLevel: number | null;
  serviceLevels: Record<SlFormulaId, number | null>;
  // handling
  handled: number;
  ahtMs: number | null;
  talkMs: number | null;
  holdMs: number | null;
  wrapupMs: number | null;
  occupancy: number | null;
  staffedHours: number;
  noAnswerRate: number | null;
  calls: number;
  transferRate: number | null;
  // quality
  contacts: number;
  repeats: number;
  fcr: number | null;
  surveys: number;
  csat: number | null;
  csatAverage: number | null;
  // revenue
  offersPresented: number;
  offersInterested: number;
  offersSold: number;
  offersDeclined: number;
  conversion: number | null;
  revenue: number;
  leadValue: number;
  revenuePerCall: number | null;
  revenuePerAgentHour: number | null;
  leadsDelivered: number;
  leadsFailed: number;
  salesDelivered: number;
  expressSold: number;
  expressRevenue: number;
}

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
    refused: n("refusedFull") + n("refusedEmpty"),
    answerRate: ratio(answered, offered),
    abandonRate: ratio(abandoned, offered),
    abandonRateExShort: ratio(abandoned - abandonedShort, offered - abandonedShort),
    asaMs: ratio(n("waitAnsweredMs"), answered),
    maxWaitMs: n("maxWaitMs"),
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
    leadValue: n("leadValue"),
    revenuePerCall: ratio(revenue, handled),
    revenuePerAgentHour: staffedHours > 0 ? revenue / staffedHours : null,
    leadsDelivered: n("jobs.lead.delivered"),
    leadsFailed: n("jobs.lead.failed"),
    salesDelivered: n("jobs.sale.delivered"),
    expressSold: n("jobs.express-upgrade.delivered"),
    expressRevenue: n("jobs.express-upgrade.delivered.value"),
  };
}

/** Counters of several rows added up (maxima kept), e.g. a site total from its queues. */
export function sumCounters(rows: Iterable<Counters>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) for (const [k, v] of Object.entries(r)) out[k] = k.startsWith("max") ? Math.max(out[k] ?? 0, v) : (out[k] ?? 0) + v;
  return out;
}
