import { abandonPace } from "./abandon.js";
import { WEEKDAYS, isTimeZone, parseRange, type AttemptKind, type CallingHours, type ComplianceConfig, type Weekday } from "./config.js";
import { calleeZones, normalizeNumber, type ZoneSource } from "./number.js";

/**
 * The compliance decision for one outbound attempt (pure: the caller looks up the do-not-call list, the
 * lead's earlier attempts and the campaign's abandon figures, and passes the clock). Every rule is
 * evaluated and reported, not only the first that fails, so the attempt log shows all of them.
 */

export const RULES = ["number", "dnc", "consent", "hours", "holiday", "attempts-day", "attempts-total", "abandon"] as const;
export type Rule = (typeof RULES)[number];

/** Rules that waiting does not change: an attempt they block is not to be retried as it stands. */
export const FINAL_RULES: readonly Rule[] = ["number", "dnc", "consent", "attempts-total"];
/** Rules that only the clock changes: nextAllowedAt finds when they pass. */
export const TIME_RULES: readonly Rule[] = ["hours", "holiday", "attempts-day"];

/** preview/progressive reserve an agent before dialling (nothing to abandon); predictive over-dials. */
export const DIAL_MODES = ["preview", "progressive", "predictive"] as const;
export type DialMode = (typeof DIAL_MODES)[number];

export interface AttemptInput {
  /** As the lead or record has it; normalised to E.164 with `defaultCountry` for national formats. */
  number: string;
  /** The customer record's IANA zone, if it has one: it beats what the number says. */
  recordZone?: string;
  /** ms since the epoch. */
  now: number;
  kind: AttemptKind;
  /** Recorded consent to be called (needed for the kinds in `consentRequiredFor`: web leads always). */
  consent?: boolean;
  /** This lead's earlier placed attempts: how many in all, and the instants of (at least) those of the last 48 h. */
  attempts: { total: number; recent: readonly number[] };
  /** The campaign's live answers and abandoned calls over the rolling window (abandon.ts); campaigns only. */
  abandon?: { connected: number; abandoned: number };
  /** Defaults: predictive for campaigns, progressive (agent first) for web leads and call backs. */
  mode?: DialMode;
  /** Whether the E.164 number is on the do-not-call list (dnc-store.ts). */
  dnc: boolean;
}

export interface Check {
  rule: Rule;
  ok: boolean;
  detail: string;
}

export interface Decision {
  /** True only when every check is ok. */
  allowed: boolean;
  checks: Check[];
  /** The rules whose check failed, in RULES order. */
  blockedBy: Rule[];
  /** Blocked by a FINAL_RULES rule: give the attempt up (or fix its data) rather than retry it later. */
  final: boolean;
  /** Dialer pacing factor (1 = full speed) from the campaign's abandon rate; only with abandon figures. */
  pace?: number;
  e164?: string;
  country?: string;
  /** The zones the hours, holidays and per-day count were checked in. */
  zones: string[];
  zoneSource: ZoneSource;
}

export function checkAttempt(input: AttemptInput, config: ComplianceConfig): Decision {
  const parsed = normalizeNumber(input.number, config.defaultCountry);
  const country = parsed.ok ? parsed.country : undefined;
  const recordZone = input.recordZone && isTimeZone(input.recordZone) ? input.recordZone : undefined;
  const where = calleeZones(country, parsed.ok ? parsed.national : undefined, recordZone, config.zones);
  const note = input.recordZone && !recordZone ? `the record's zone "${input.recordZone}" is no IANA zone; ${where.note}` : where.note;
  const locals = where.zones.map((zone) => localTime(input.now, zone));
  const rules = (country && config.callingHours.countries[country]) || config.callingHours.default;
  const abandon = abandonCheck(input, config);

  const checks: Check[] = [
    parsed.ok ? { rule: "number", ok: true, detail: `${parsed.e164}${country ? ` (${country})` : ""}` } : { rule: "number", ok: false, detail: `"${input.number}": ${parsed.reason}` },
    input.dnc ? { rule: "dnc", ok: false, detail: "on the do-not-call list" } : { rule: "dnc", ok: true, detail: "not on the do-not-call list" },
    consentCheck(input, config),
    hoursCheck(locals, rules, note),
    holidayCheck(locals, rules, country ? config.holidays[country] : undefined, country),
    perDayCheck(input, locals, config.attempts.perDay),
    input.attempts.total < config.attempts.total
      ? { rule: "attempts-total", ok: true, detail: `${input.attempts.total} of ${config.attempts.total} attempts placed` }
      : { rule: "attempts-total", ok: false, detail: `${input.attempts.total} attempts placed, the most is ${config.attempts.total}` },
    abandon.check,
  ];
  const blockedBy = checks.filter((c) => !c.ok).map((c) => c.rule);
  return {
    allowed: blockedBy.length === 0,
    checks,
    blockedBy,
    final: blockedBy.some((r) => FINAL_RULES.includes(r)),
    ...(abandon.pace !== undefined && { pace: abandon.pace }),
    ...(parsed.ok && { e164: parsed.e164 }),
    ...(country && { country }),
    zones: where.zones,
    zoneSource: where.source,
  };
}

/** Local calendar day, weekday and minute of an instant in a zone. */
export interface LocalTime {
  zone: string;
  date: string;
  weekday: Weekday;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
const QUARTER_MS = 900_000;

/**
 * The zone's offset from UTC at an instant (Berlin in summer: +7,200,000), to the minute. Offsets change
 * only on quarter hours of UTC (every zone's offset and transition time today is a multiple of 15
 * minutes), so one Intl call per zone and quarter hour serves every instant in it: Intl costs ~5 µs.
 */
export function offsetAt(ms: number, zone: string): number {
  const quarter = Math.floor(ms / QUARTER_MS);
  const key = `${zone}|${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    let f = formatters.get(zone);
    if (!f) {
      f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
      formatters.set(zone, f);
    }
    const at = quarter * QUARTER_MS;
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value);
    offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - at;
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

export function localTime(ms: number, zone: string): LocalTime {
  const wall = new Date(ms + offsetAt(ms, zone));
  const date = wall.toISOString().slice(0, 10);
  return { zone, date, weekday: WEEKDAYS[wall.getUTCDay()]!, minute: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
}

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
const show = (l: LocalTime): string => `${l.zone} ${l.weekday} ${l.date} ${hhmm(l.minute)}`;

/** Inside one of the day's ranges: from its start up to, not including, its end. */
export function insideHours(l: LocalTime, rules: CallingHours): boolean {
  return (rules.hours[l.weekday] ?? []).some((r) => {
    const [from, to] = parseRange(r);
    return l.minute >= from && l.minute < to;
  });
}

function hoursCheck(locals: LocalTime[], rules: CallingHours, note: string): Check {
  if (locals.length === 0) return { rule: "hours", ok: false, detail: `${note}: no local time to check, so no call` };
  const outside = locals.filter((l) => !insideHours(l, rules));
  const day = (l: LocalTime) => (rules.hours[l.weekday] ?? []).join(",") || "no calls";
  if (outside.length === 0) return { rule: "hours", ok: true, detail: `${note}; inside calling hours: ${locals.map((l) => `${show(l)} (${day(l)})`).join("; ")}` };
  return { rule: "hours", ok: false, detail: `${note}; outside calling hours: ${outside.map((l) => `${show(l)} (${day(l)})`).join("; ")}` };
}

function holidayCheck(locals: LocalTime[], rules: CallingHours, holidays: readonly string[] | undefined, country: string | undefined): Check {
  if (!rules.closedOnHolidays) return { rule: "holiday", ok: true, detail: "calls allowed on holidays" };
  if (!country) return { rule: "holiday", ok: true, detail: "no country, no holidays to check" };
  const hit = locals.filter((l) => holidays?.includes(l.date));
  if (hit.length > 0) return { rule: "holiday", ok: false, detail: `public holiday in ${country}: ${hit.map((l) => `${l.date} in ${l.zone}`).join(", ")}` };
  return { rule: "holiday", ok: true, detail: `no ${country} holiday on ${[...new Set(locals.map((l) => l.date))].join(", ") || "-"}` };
}

function consentCheck(input: AttemptInput, config: ComplianceConfig): Check {
  if (!config.consentRequiredFor.includes(input.kind)) return { rule: "consent", ok: true, detail: `not required for ${input.kind}` };
  if (input.consent === true) return { rule: "consent", ok: true, detail: `consent recorded (${input.kind})` };
  return { rule: "consent", ok: false, detail: `no recorded consent: required for ${input.kind}` };
}

/** Attempts on the callee's local today; over several zones the largest count (most restrictive). */
function perDayCheck(input: AttemptInput, locals: LocalTime[], perDay: number): Check {
  if (locals.length === 0) {
    const n = input.attempts.recent.filter((t) => input.now - t < 86_400_000).length;
    const detail = `no zone: ${n} attempts in the last 24 h, the most per day is ${perDay}`;
    return { rule: "attempts-day", ok: n < perDay, detail };
  }
  let worst = { n: -1, l: locals[0]! };
  for (const l of locals) {
    const n = input.attempts.recent.filter((t) => localTime(t, l.zone).date === l.date).length;
    if (n > worst.n) worst = { n, l };
  }
  const where = `${worst.l.date} in ${worst.l.zone}`;
  return worst.n < perDay
    ? { rule: "attempts-day", ok: true, detail: `${worst.n} of ${perDay} attempts today (${where})` }
    : { rule: "attempts-day", ok: false, detail: `${worst.n} attempts today (${where}), the most is ${perDay}` };
}

function abandonCheck(input: AttemptInput, config: ComplianceConfig): { check: Check; pace?: number } {
  const mode = input.mode ?? (input.kind === "campaign" ? "predictive" : "progressive");
  const figures = input.abandon;
  if (!figures) {
    if (input.kind === "campaign" && mode === "predictive") return { check: { rule: "abandon", ok: false, detail: "predictive campaign attempt without the campaign's abandon figures" } };
    return { check: { rule: "abandon", ok: true, detail: `no campaign figures (${input.kind}, ${mode})` } };
  }
  const a = config.abandon;
  const { rate, pace, atLimit } = abandonPace(figures, a);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const figuresText = `${figures.abandoned} abandoned of ${figures.connected} live answers over ${a.windowDays} days = ${pct(rate)}`;
  if (atLimit && mode === "predictive") return { check: { rule: "abandon", ok: false, detail: `${figuresText}, at or over the ${pct(a.limit)} limit: no predictive dialling` }, pace };
  const state = atLimit ? `at the limit, but ${mode} dialling reserves an agent first` : pace < 1 ? `over ${pct(a.slowFrom)}: slow down to pace ${pace.toFixed(3)}` : `under ${pct(a.slowFrom)}`;
  return { check: { rule: "abandon", ok: true, detail: `${figuresText}, ${state}` }, pace };
}

const DAY_MS = 86_400_000;

/** The instant of a local date and minute in a zone (in a spring-forward gap, an instant near it). */
function instantOf(date: string, minute: number, zone: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minute * 60_000;
  return wall - offsetAt(wall - offsetAt(wall, zone), zone);
}

/**
 * When an attempt blocked only by the clock (TIME_RULES) may be placed: the first start of a calling
 * window, in any of the callee's zones, within `horizonDays` at which checkAttempt allows it (the other
 * inputs unchanged). `now` when allowed already; undefined when another rule blocks or nothing opens.
 * Windows open at a range's start in some zone, so those are the only candidates to try.
 */
export function nextAllowedAt(input: AttemptInput, config: ComplianceConfig, horizonDays = 14): number | undefined {
  const first = checkAttempt(input, config);
  if (first.allowed) return input.now;
  if (first.blockedBy.some((r) => !TIME_RULES.includes(r))) return undefined;
  const rules = (first.country && config.callingHours.countries[first.country]) || config.callingHours.default;
  const candidates = new Set<number>();
  for (const zone of first.zones) {
    const dates = new Set(Array.from({ length: horizonDays + 2 }, (_, i) => localTime(input.now + i * DAY_MS, zone).date));
    for (const date of dates) {
      const weekday = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
      for (const r of rules.hours[weekday] ?? []) {
        const t = instantOf(date, parseRange(r)[0], zone);
        if (t > input.now && t <= input.now + horizonDays * DAY_MS) candidates.add(t);
      }
    }
  }
  return [...candidates].sort((a, b) => a - b).find((t) => checkAttempt({ ...input, now: t }, config).allowed);
}
