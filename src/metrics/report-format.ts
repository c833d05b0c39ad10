import type { Kpis } from "./kpis.js";
import type { Report, ReportRow } from "./report.js";
import { SL_FORMULAS, type SlFormulaId } from "./service-level.js";

/** A report as a text table, CSV or JSON: the same columns in table and CSV. */

const pct = (v: number | null) => (v === null ? "" : `${(v * 100).toFixed(1)}%`);
const sec = (v: number | null) => (v === null ? "" : (v / 1000).toFixed(1));
const money = (v: number | null) => (v === null ? "" : v.toFixed(2));
const int = (v: number) => String(Math.round(v));

interface Column {
  name: string;
  value(k: Kpis, row: ReportRow): string;
}

function columns(report: Report): Column[] {
  const sls = (Object.keys(SL_FORMULAS) as SlFormulaId[]).map((id) => ({ name: `SL ${id}`, value: (k: Kpis) => pct(k.serviceLevels[id]) }));
  const cols: Column[] = [
    { name: "offered", value: (k) => int(k.offered) },
    { name: "answered", value: (k) => int(k.answered) },
    { name: "abandoned", value: (k) => int(k.abandoned) },
    { name: "answer rate", value: (k) => pct(k.answerRate) },
    { name: "ASA s", value: (k) => sec(k.asaMs) },
    { name: "max wait s", value: (k) => sec(k.maxWaitMs) },
    { name: `SL (${report.serviceLevelFormula})`, value: (k) => pct(k.serviceLevel) },
    ...sls,
    { name: "handled", value: (k) => int(k.handled) },
    { name: "AHT s", value: (k) => sec(k.ahtMs) },
    { name: "occupancy", value: (k) => pct(k.occupancy) },
    { name: "no-answer", value: (k) => pct(k.noAnswerRate) },
    { name: "FCR", value: (k) => pct(k.fcr) },
    { name: "CSAT", value: (k) => pct(k.csat) },
    { name: "offers", value: (k) => int(k.offersPresented) },
    { name: "sold", value: (k) => int(k.offersSold) },
    { name: "conversion", value: (k) => pct(k.conversion) },
    { name: "revenue", value: (k) => money(k.revenue) },
    { name: "revenue/agent h", value: (k) => money(k.revenuePerAgentHour) },
    { name: "leads value", value: (k) => money(k.leadValue) },
    { name: "express sold", value: (k) => int(k.expressSold) },
    { name: "express revenue", value: (k) => money(k.expressRevenue) },
    { name: "express promise kept", value: (k) => pct(k.expressPromiseKept) },
    { name: "credits", value: (k) => int(k.creditsIssued) },
    { name: "credit value", value: (k) => money(k.creditValue) },
    { name: "standard ASA s", value: (k) => sec(k.standardAsaMs) },
    { name: "fairness cost s", value: (k) => sec(k.fairnessCostMs) },
    { name: "call backs offered", value: (k) => int(k.callbacksOffered) },
    { name: "call backs accepted", value: (k) => int(k.callbacksAccepted) },
    { name: "call back attempts", value: (k) => int(k.callbackAttempts) },
    { name: "call backs completed", value: (k) => int(k.callbacksCompleted) },
    { name: "call back promise kept", value: (k) => pct(k.callbackPromiseKept) },
    { name: "appointments booked", value: (k) => int(k.appointmentsBooked) },
    { name: "appointments express", value: (k) => int(k.appointmentsExpress) },
    { name: "appointments cancelled", value: (k) => int(k.appointmentsCancelled) },
    { name: "appointments moved", value: (k) => int(k.appointmentsMoved) },
  ];
  if (report.by === "agent") {
    cols.push(
      { name: "quality", value: (_k, r) => (r.scorecard?.quality == null ? "" : r.scorecard.quality.toFixed(2)) },
      { name: "score", value: (_k, r) => (r.scorecard?.score == null ? "" : r.scorecard.score.toFixed(2)) },
      { name: "flags", value: (_k, r) => r.scorecard?.flags.join("; ") ?? "" },
    );
  }
  return cols;
}

function grid(report: Report): string[][] {
  const cols = columns(report);
  const head = [report.by, ...cols.map((c) => c.name)];
  const body = report.rows.map((r) => [r.key, ...cols.map((c) => c.value(r.kpis, r))]);
  const total = ["total", ...cols.map((c) => c.value(report.total, { key: "total", kpis: report.total }))];
  return [head, ...body, total];
}

/** RFC 4180 quoting; a text cell starting like a formula gets a leading ' so a spreadsheet shows it instead of running it. */
const csvCell = (s: string) => {
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function formatReport(report: Report, format: "table" | "csv" | "json"): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const rows = grid(report);
  if (format === "csv") return `${rows.map((r) => r.map(csvCell).join(",")).join("\n")}\n`;
  // table: one block per row (the columns are too many for one line), readable in a terminal
  const head = rows[0]!;
  const width = Math.max(...head.map((h) => h.length));
  const blocks = rows.slice(1).map((r) => [`${head[0]}: ${r[0]}`, ...head.slice(1).map((h, i) => `  ${h.padEnd(width)}  ${r[i + 1] || "-"}`)].join("\n"));
  const title = `Report ${report.from} .. ${report.to} (${report.timeZone}), by ${report.by}${report.queue ? ` of queue ${report.queue}` : ""}, from ${report.resolution === "interval" ? "15-minute intervals" : "days"}`;
  return `${title}\n\n${blocks.join("\n\n")}\n`;
}
