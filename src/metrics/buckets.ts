/**
 * Where aggregates live: one Redis hash per period and dimension kind, fields `<id>|<measure>`.
 *
 *   <base>kpi:i:<intervalStartMs>:<dim>   15-minute intervals (kept metrics.retention.intervalDays)
 *   <base>kpi:d:<YYYY-MM-DD>:<dim>        days in the site's time zone (kept metrics.retention.dayDays)
 *
 * Dimension kinds: `all` (the whole site, id "*"), `q` queue, `l` lane, `ql` queue/lane, `a` agent,
 * `o` offer, `t` IVR tree. A report by queue reads only the `q` hashes of its range.
 */
export const INTERVAL_MS = 15 * 60_000;
export const DIMS = ["all", "q", "l", "ql", "a", "o", "t"] as const;
export type Dim = (typeof DIMS)[number];

export const intervalStart = (ms: number): number => Math.floor(ms / INTERVAL_MS) * INTERVAL_MS;

/** Local calendar day of an instant in `timeZone`, as YYYY-MM-DD. */
export function dayFormatter(timeZone: string): (ms: number) => string {
  const fmt = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  // every zone's offset is a whole number of 15 minutes, so one answer per interval
  const cache = new Map<number, string>();
  return (ms) => {
    const start = intervalStart(ms);
    let day = cache.get(start);
    if (day === undefined) {
      day = fmt.format(start);
      if (cache.size > 10_000) cache.clear();
      cache.set(start, day);
    }
    return day;
  };
}

/** Relative key names (the store adds the site's base). */
export const intervalKey = (start: number, dim: Dim): string => `kpi:i:${start}:${dim}`;
export const dayKey = (day: string, dim: Dim): string => `kpi:d:${day}:${dim}`;

/** The instant a local day starts in `timeZone` (the first interval whose day is `day`). */
export function dayStartMs(day: string, timeZone: string): number {
  const dayOf = dayFormatter(timeZone);
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  // within 14 hours of UTC midnight; step by intervals to the first one of that day
  let t = Date.UTC(y, m - 1, d) - 14 * 3_600_000;
  while (dayOf(t) < day) t += INTERVAL_MS;
  return t;
}
