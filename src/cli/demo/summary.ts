import type { Daemon } from "../../daemon/index.js";
import type { ScenarioSummary } from "../../sim/scenario/index.js";

/**
 * What the demo has done so far, read from the scenario runner (calls placed), the daemon's KPIs (the
 * folded event stream: answered, abandoned, occupancy) and queues, and the local webhook sink (leads,
 * sales, history entries delivered): the progress line every 30 seconds and the summary on exit.
 */

export interface Figures {
  seconds: number;
  placed: number;
  live: number;
  waiting: number | null;
  /** Agents on a call or in wrap-up now, of those staffed: "2 of 3". */
  busyNow: string | null;
  answered: number | null;
  abandoned: number | null;
  /** Busy share of staffed time so far, from the folded events (spans still open are not in it yet). */
  occupancy: number | null;
  pops: number;
  leads: number;
  sales: number;
  history: number;
}

/** The daemon's side of the figures since `from` (nulls when Redis or the fold cannot say). */
export async function daemonFigures(daemon: Daemon, from: number): Promise<DaemonFigures> {
  const [report, queues] = await Promise.all([
    daemon.metrics.report({ from, to: Date.now() + 1, by: "site" }).catch(() => null),
    Promise.all([...daemon.queue.settings.queues.keys()].map((q) => daemon.queue.status(q, 0))).catch(() => null),
  ]);
  // an agent of several queues is listed by each
  const states = new Map(queues?.flatMap((q) => q.agents.map((a) => [a.agentId, a.state] as const)));
  const staffed = [...states.values()].filter((s) => s !== "offline" && s !== "paused");
  return {
    waiting: queues ? queues.reduce((n, q) => n + q.waiting, 0) : null,
    busyNow: queues ? `${staffed.filter((s) => s === "oncall" || s === "wrapup").length} of ${staffed.length}` : null,
    answered: report?.total.answered ?? null,
    abandoned: report?.total.abandoned ?? null,
    occupancy: report?.total.occupancy ?? null,
  };
}

type DaemonFigures = Pick<Figures, "waiting" | "busyNow" | "answered" | "abandoned" | "occupancy">;

export function figures(
  startedAt: number,
  run: Pick<ScenarioSummary, "placed" | "live">,
  daemon: DaemonFigures,
  counts: { pops: number; received: ReadonlyMap<string, number> },
): Figures {
  const got = (k: string) => counts.received.get(k) ?? 0;
  return {
    seconds: Math.round((Date.now() - startedAt) / 1000),
    placed: run.placed,
    live: run.live,
    ...daemon,
    pops: counts.pops,
    leads: got("lead"),
    sales: got("sale") + got("express-upgrade"),
    history: got("history"),
  };
}

const n = (x: number | null) => (x === null ? "?" : String(x));
const pct = (x: number | null) => (x === null ? "?" : `${Math.round(x * 100)}%`);

export function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

/** One line every 30 seconds. */
export function progressLine(f: Figures): string {
  return `placed ${f.placed}, live ${f.live}, waiting ${n(f.waiting)}, agents busy ${f.busyNow ?? "?"}, answered ${n(f.answered)}, abandoned ${n(f.abandoned)}, occupancy so far ${pct(f.occupancy)}, leads ${f.leads}, sales ${f.sales}`;
}

/** The summary printed on exit. */
export function summaryLines(f: Figures): string[] {
  return [
    `Demo summary after ${duration(f.seconds)}:`,
    `  calls placed ${f.placed}, answered by agents ${n(f.answered)}, abandoned in the queue ${n(f.abandoned)}`,
    `  screen-pops ${f.pops}, leads ${f.leads}, sales ${f.sales}, history entries ${f.history}, agent occupancy ${pct(f.occupancy)}`,
  ];
}
