/**
 * Local wall-clock time in an IANA zone, with Intl only. A "wall" value is a local date and time written
 * as if it were UTC (Date.UTC of the local fields): adding a day or 15 minutes to it is calendar
 * arithmetic with no DST in the way, and turning it back into instants is where the zone's gaps (spring
 * forward: no instant) and repeats (fall back: two instants) show up.
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall value of instant `ms` in `timeZone`. */
export function wallOf(ms: number, timeZone: string): number {
  const f: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== "literal") f[p.type] = Number(p.value);
  const wholeSeconds = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
  return wholeSeconds + (((ms % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at instant `ms`, in ms (Berlin in summer: +7,200,000). */
export function offsetAt(ms: number, timeZone: string): number {
  return wallOf(ms, timeZone) - ms;
}

/**
 * Every instant whose wall value is `wall`, earliest first: one normally, none in a spring-forward gap,
 * two in a fall-back repeat. Offsets lie within +-14 h, so the offsets a day either side are the ones
 * before and after any transition near `wall`.
 */
export function instantsOf(wall: number, timeZone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY_MS, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY_MS, timeZone)]);
  const out = [...offsets].map((o) => wall - o).filter((t) => wallOf(t, timeZone) === wall);
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * A resolver of wall values to instants for the local day starting at wall value `day`: when the offset
 * is the same from the day before to the day after, every wall time of the day has exactly one instant
 * and no formatting is needed per slot; otherwise (a transition day) each is resolved on its own.
 */
export function dayResolver(day: number, timeZone: string): (wall: number) => number[] {
  const o = offsetAt(day - DAY_MS, timeZone);
  const steady = [day, day + DAY_MS, day + 2 * DAY_MS].every((t) => offsetAt(t, timeZone) === o);
  return steady ? (wall) => [wall - o] : (wall) => instantsOf(wall, timeZone);
}

/** The wall value of the local midnight starting the day instant `ms` falls on. */
export function localDayOf(ms: number, timeZone: string): number {
  return Math.floor(wallOf(ms, timeZone) / DAY_MS) * DAY_MS;
}

/** "2026-03-29" for a wall value on that day. */
export function isoDay(wall: number): string {
  return new Date(wall).toISOString().slice(0, 10);
}

/** "02:15" for a wall value at that time of day. */
export function isoTime(wall: number): string {
  return new Date(wall).toISOString().slice(11, 16);
}
