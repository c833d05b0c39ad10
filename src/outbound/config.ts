import { z } from "zod";

/**
 * The `outbound.compliance` section: the rules every outbound attempt (campaign call, web lead, queued
 * call back) is checked against before it is placed (docs/outbound.md, "Compliance"). Calling hours are
 * the callee's local wall time; a country without its own entry gets `callingHours.default`.
 */

/** What places an outbound call; each is checked the same way, consent as `consentRequiredFor` says. */
export const ATTEMPT_KINDS = ["campaign", "web-lead", "callback"] as const;
export type AttemptKind = (typeof ATTEMPT_KINDS)[number];

/** Weekday names in the order Date#getUTCDay numbers them. */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const RANGE = /^((?:[01]\d|2[0-3]):[0-5]\d)-((?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** ISO 3166-1 alpha-2, as libphonenumber-js names countries. */
export const COUNTRY = /^[A-Z]{2}$/;
const country = z.string().regex(COUNTRY, "an ISO 3166-1 alpha-2 country code such as DE or US");

/** "08:30" -> 510 (minutes after local midnight); "24:00" -> 1440. */
export function minuteOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** "08:00-21:00" -> [480, 1260]: calls from the first minute up to, not including, the second. */
export function parseRange(range: string): [number, number] {
  const m = RANGE.exec(range);
  if (!m) throw new Error(`not a time range: ${range}`);
  return [minuteOfDay(m[1]!), minuteOfDay(m[2]!)];
}

const zoneValidity = new Map<string, boolean>();

/** Whether Intl knows the zone; remembered, since every attempt with a record zone asks (bounded: record zones are few). */
export function isTimeZone(tz: string): boolean {
  let ok = zoneValidity.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (zoneValidity.size >= 10_000) zoneValidity.clear();
    zoneValidity.set(tz, ok);
  }
  return ok;
}

const timeZone = z.string().refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin");

// zod runs refinements after a failed regex too: malformed ranges are the regex's to report
const wellFormed = (r: string): boolean => RANGE.test(r);

const range = z
  .string()
  .regex(RANGE, 'a local time range such as "08:00-21:00" ("24:00" ends at midnight)')
  .refine((r) => !wellFormed(r) || parseRange(r)[0] < parseRange(r)[1], "the range must end after it starts (no ranges over midnight: split them)");

const dayHours = z.array(range).refine((ranges) => {
  const sorted = ranges.filter(wellFormed).map(parseRange).sort((a, b) => a[0] - b[0]);
  return sorted.every((r, i) => i === 0 || sorted[i - 1]![1] <= r[0]);
}, "the ranges of one day must not overlap");

/** Allowed calling times per weekday; a day left out (or empty) has none. */
const weekHours = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<Weekday, z.ZodOptional<typeof dayHours>>).strict();

export const callingHoursSchema = z
  .object({
    hours: weekHours,
    /** No calls on the country's dates in `holidays` (in the callee's local date). */
    closedOnHolidays: z.boolean().default(true),
  })
  .strict();

/** Weekdays 08:00-21:00, Saturday 09:00-20:00, no Sundays, no public holidays: inside the strictest common rules (TCPA's 8-21 included). */
export const DEFAULT_CALLING_HOURS = {
  hours: { mon: ["08:00-21:00"], tue: ["08:00-21:00"], wed: ["08:00-21:00"], thu: ["08:00-21:00"], fri: ["08:00-21:00"], sat: ["09:00-20:00"] },
  closedOnHolidays: true,
};

const fraction = z.number().gt(0).lt(1);

export const abandonConfigSchema = z
  .object({
    /** A live answer with no agent on the line within this many ms counts as abandoned (Ofcom: 2 s). */
    agentWithinMs: z.number().int().min(100).max(60_000).default(2_000),
    /** Days in the rolling window (UTC days, today included). */
    windowDays: z.number().int().min(1).max(366).default(30),
    /** Abandoned / live-answered at or over this: no predictive (over-)dialling for the campaign. */
    limit: fraction.default(0.03),
    /** From this rate on the dialer is told to slow down (a pace below 1). */
    slowFrom: fraction.default(0.025),
    /** The pace at `slowFrom`; it falls linearly to 0 at `limit`. */
    paceAtSlowFrom: z.number().gt(0).lt(1).default(0.75),
  })
  .strict()
  .refine((a) => a.slowFrom < a.limit, { message: "slowFrom must be below limit", path: ["slowFrom"] });

export const complianceConfigSchema = z
  .object({
    /** Country of numbers written without a country code (national format: "030 1234567"). */
    defaultCountry: country.default("DE"),
    callingHours: z
      .object({
        default: callingHoursSchema.default(DEFAULT_CALLING_HOURS),
        /** Per country; replaces the default for that country as a whole. */
        countries: z.record(country, callingHoursSchema).default({}),
      })
      .strict()
      .prefault({}),
    /** Public holidays per country as local ISO dates ("2026-12-25"); list each year's. */
    holidays: z.record(country, z.array(z.string().regex(ISO_DATE, 'an ISO date such as "2026-12-25"'))).default({}),
    /** The time zones of a country, replacing the built-in table's entry (or adding a country it lacks). */
    zones: z.record(country, z.array(timeZone).min(1)).default({}),
    /** Kinds of attempt that need recorded consent; web leads always do. */
    consentRequiredFor: z
      .array(z.enum(ATTEMPT_KINDS))
      .default(["web-lead"])
      .refine((k) => k.includes("web-lead"), "web leads always need consent: keep \"web-lead\" in the list"),
    attempts: z
      .object({
        /** Placed attempts per lead per local day of the callee. */
        perDay: z.number().int().min(1).max(100).default(3),
        /** Placed attempts per lead in all (as long as the log keeps the lead's attempts: log.leadRetentionDays). */
        total: z.number().int().min(1).max(1_000).default(10),
      })
      .strict()
      .prefault({}),
    abandon: abandonConfigSchema.prefault({}),
    log: z
      .object({
        /** The attempt stream is trimmed to about this many entries (XADD MAXLEN ~). */
        maxLen: z.number().int().min(1_000).max(100_000_000).default(1_000_000),
        /** A lead's attempt instants (for the caps) are kept this long after its last attempt. */
        leadRetentionDays: z.number().int().min(1).max(3_650).default(400),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type CallingHours = z.infer<typeof callingHoursSchema>;
export type AbandonConfig = z.infer<typeof abandonConfigSchema>;
export type ComplianceConfig = z.infer<typeof complianceConfigSchema>;
export type ComplianceConfigInput = z.input<typeof complianceConfigSchema>;
