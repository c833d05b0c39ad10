import { z } from "zod";
import { dayFormatter, dayStartMs, INTERVAL_MS, intervalStart, type Dim } from "./buckets.js";
import { kpisOf, sumCounters, type Kpis } from "./kpis.js";
import { scorecard, type Scorecard } from "./scorecard.js";
import type { SlFormulaId } from "./service-level.js";
import type { MetricsStore } from "./store.js";

/**
 * Reports over a period, grouped by queue, lane, agent, offer, 15-minute interval or day: the KPIs of
 * each row and of the whole period, read from the folded aggregates. Ranges within the 15-minute
 * retention are read from the intervals (exact to 15 minutes); longer ones from whole days.
 */
export const REPORT_BY = ["site", "queue", "lane", "queue-lane", "agent", "offer", "interval", "day"] as const;
export const reportQuerySchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    by: z.enum(REPORT_BY).default("queue"),
    /** With `by` day or interval: that queue's rows instead of the whole site's (e.g. its express KPIs per day). */
    queue: z.string().min(1).max(64).optional(),
  })
  .refine((q) => q.queue === undefined || q.by === "day" || q.by === "interval", { message: "`queue` narrows a report by day or interval", path: ["queue"] })
  .refine((q) => q.to > q.from, { message: "`to` must be after `from`", path: ["to"] })
  .refine((q) => q.to - q.from <= 400 * 86_400_000, { message: "a report covers at most 400 days", path: ["to"] });
export type ReportQuery = z.input<typeof reportQuerySchema>;

export interface ReportRow {
  key: string;
  kpis: Kpis;
  scorecard?: Scorecard;
}

export interface Report {
  from: string;
  to: string;
  by: (typeof REPORT_BY)[number];
  /** The queue the rows are of (by day or interval); absent: the whole site. */
  queue?: string;
  timeZone: string;
  /** Which periods were read: 15-minute intervals or whole days. */
  resolution: "interval" | "day";
  serviceLevelFormula: SlFormulaId;
  rows: ReportRow[];
  total: Kpis;
}

const DIM_OF: Record<Exclude<(typeof REPORT_BY)[number], "interval" | "day" | "site">, Dim> = { queue: "q", lane: "l", "queue-lane": "ql", agent: "a", offer: "o" };

export interface ReportSettings {
  timeZone: string;
  formula: SlFormulaId;
  intervalRetentionMs: number;
  now?: () => number;
}

export async function runReport(store: MetricsStore, s: ReportSettings, query: ReportQuery): Promise<Report> {
  const q = reportQuerySchema.parse(query);
  const now = s.now?.() ?? Date.now();
  const dayOf = dayFormatter(s.timeZone);
  const byInterval = q.by === "interval" || q.from >= now - s.intervalRetentionMs;
  if (q.by === "interval" && q.from < now - s.intervalRetentionMs) throw new Error(`15-minute intervals are kept ${Math.round(s.intervalRetentionMs / 86_400_000)} days: report by day for older periods`);
  const periods: { kind: "i" | "d"; period: string | number }[] = [];
  if (byInterval) {
    for (let t = intervalStart(q.from); t < q.to; t += INTERVAL_MS) periods.push({ kind: "i", period: t });
  } else {
    for (let day = dayOf(q.from); dayStartMs(day, s.timeZone) < q.to; day = dayOf(dayStartMs(day, s.timeZone) + 26 * 3_600_000)) periods.push({ kind: "d", period: day });
  }
  let rows: ReportRow[];
  if (q.by === "interval" || q.by === "day") {
    const per = q.by === "day" && byInterval ? groupByDay(periods, dayOf) : periods.map((p) => [String(p.period), [p]] as const);
    rows = [];
    for (const [key, ps] of per) {
      const counters = q.queue === undefined ? (await store.read(ps, "all")).get("*") : (await store.read(ps, "q")).get(q.queue);
      if (counters) rows.push({ key: q.by === "interval" ? new Date(Number(key)).toISOString() : key, kpis: kpisOf(counters, s.formula) });
    }
  } else {
    const dim = q.by === "site" ? "all" : DIM_OF[q.by];
    const read = await store.read(periods, dim);
    rows = [...read].sort(([a], [b]) => a.localeCompare(b)).map(([key, c]) => ({ key: q.by === "site" ? "site" : key, kpis: kpisOf(c, s.formula) }));
  }
  const siteCounters = q.by === "site" ? undefined : (await store.read(periods, "all")).get("*");
  const total = kpisOf(siteCounters ?? sumCounters([]), s.formula);
  if (q.by === "site") rows = rows.length ? rows : [];
  if (q.by === "agent") for (const r of rows) r.scorecard = scorecard(r.kpis, total);
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    by: q.by,
    ...(q.queue === undefined ? {} : { queue: q.queue }),
    timeZone: s.timeZone,
    resolution: byInterval ? "interval" : "day",
    serviceLevelFormula: s.formula,
    rows,
    total: q.by === "site" ? (rows[0]?.kpis ?? total) : total,
  };
}

function groupByDay(periods: readonly { kind: "i" | "d"; period: string | number }[], dayOf: (ms: number) => string): [string, { kind: "i" | "d"; period: string | number }[]][] {
  const m = new Map<string, { kind: "i" | "d"; period: string | number }[]>();
  for (const p of periods) {
    const d = dayOf(Number(p.period));
    m.set(d, [...(m.get(d) ?? []), p]);
  }
  return [...m];
}

/** `2026-12-01` (the day's start, or with `end` the next day's), an ISO date-time, `now` or `today`. */
export function parseWhen(s: string, timeZone: string, end: boolean, now = Date.now()): number {
  if (s === "now") return now;
  const dayOf = dayFormatter(timeZone);
  if (s === "today") s = dayOf(now);
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const start = dayStartMs(s, timeZone);
    if (dayOf(start) !== s) throw new Error(`"${s}" is not a date`);
    return end ? dayStartMs(dayOf(start + 26 * 3_600_000), timeZone) : start;
  }
  const t = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(t)) throw new Error(`"${s}" is not a date (YYYY-MM-DD), an ISO date-time, "today" or "now"`);
  return t;
}
