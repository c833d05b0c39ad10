import { z } from "zod";
import { QUEUE_ID } from "../queue/config.js";

/**
 * The `appointments` section: per queue, the calendar customers book a call-back time in. Slots are in
 * the queue's local wall time; each slot's capacity comes from the agents planned for it, and a share of
 * the places is held for express customers until a cut-off before the slot (docs/callbacks.md).
 */

/** Weekday names in the order Date#getUTCDay numbers them. */
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const RANGE = /^((?:[01]\d|2[0-3]):[0-5]\d)-((?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** "08:30" -> 510 (minutes after local midnight); "24:00" -> 1440. */
export function minuteOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** "08:00-18:00" -> [480, 1080]. */
export function parseRange(range: string): [number, number] {
  const m = RANGE.exec(range);
  if (!m) throw new Error(`not a time range: ${range}`);
  return [minuteOfDay(m[1]!), minuteOfDay(m[2]!)];
}

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Berlin or UTC");

/** Exact in parts per million, so shares and rates compute in integers (hold.ts). */
const sixDecimals = (x: number): boolean => Math.abs(Math.round(x * 1e6) - x * 1e6) < 1e-6;

// zod runs refinements after a failed regex too: malformed ranges are the regex's to report
const wellFormed = (r: string): boolean => RANGE.test(r);

const range = z
  .string()
  .regex(RANGE, 'a local time range such as "08:00-18:00" ("24:00" ends at midnight)')
  .refine((r) => !wellFormed(r) || parseRange(r)[0] < parseRange(r)[1], "the range must end after it starts (no ranges over midnight: split them)");

const dayHours = z.array(range).refine((ranges) => {
  const sorted = ranges.filter(wellFormed).map(parseRange).sort((a, b) => a[0] - b[0]);
  return sorted.every((r, i) => i === 0 || sorted[i - 1]![1] <= r[0]);
}, "the ranges of one day must not overlap");

/** Opening hours per weekday; a day left out is closed. */
const hoursSchema = z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<Weekday, z.ZodOptional<typeof dayHours>>).strict();

/** A staffing override: on these weekdays, slots starting in [from, to) have this many agents. */
const agentPlanEntry = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1),
    from: z.string().regex(TIME, 'a local time such as "08:00"'),
    to: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a local time such as "12:00" ("24:00" for midnight)'),
    agents: z.number().int().min(0).max(100_000),
  })
  .strict()
  .refine((e) => minuteOfDay(e.from) < minuteOfDay(e.to), { message: "`to` must be after `from`", path: ["to"] });

export const appointmentQueueSchema = z
  .object({
    /** Length of one slot in minutes; slots start at each opening range's start, every slotMinutes. */
    slotMinutes: z.number().int().min(5).max(240).default(15),
    /** How many local days ahead (today included) customers may book. */
    horizonDays: z.number().int().min(1).max(366).default(14),
    /** Opening hours and slots are local wall time here (DST: a day has 23 or 25 hours' worth). */
    timeZone: timeZone.default("UTC"),
    hours: hoursSchema.default({}),
    /** Agents planned for appointments in each slot, unless an `agentPlan` entry says otherwise. */
    plannedAgents: z.number().int().min(0).max(100_000),
    /** Overrides of plannedAgents by weekday and time of day; a later entry wins where two match. */
    agentPlan: z.array(agentPlanEntry).default([]),
    /** Calls one agent takes per slot; a slot's capacity is floor(agents x this). */
    callsPerAgentPerSlot: z.number().gt(0).max(1_000).refine(sixDecimals, "at most 6 decimal places").default(1),
    /** Share of each day's places held for express customers (rounding: docs/callbacks.md, hold.ts). */
    expressShare: z.number().min(0).max(1).refine(sixDecimals, "at most 6 decimal places").default(0.1),
    /** Held places not booked by express customers this long before the slot starts go to everyone. */
    expressCutoffMinutes: z.number().int().min(0).max(10_080).default(60),
    /**
     * The allowance: a booking's call back joins the queue this long before its slot starts, as if it had
     * joined then, so live callers who come later queue behind it. Fractions allowed (0.5 is 30 s).
     */
    callAheadMinutes: z.number().min(0).max(1_440).refine(sixDecimals, "at most 6 decimal places").default(2),
    /** The customer's reminder (a notifications job) goes out this long before the slot; 0 sends none. */
    reminderMinutes: z.number().min(0).max(10_080).refine(sixDecimals, "at most 6 decimal places").default(60),
  })
  .strict();

export const appointmentsConfigSchema = z.record(z.string().regex(QUEUE_ID, "a queue name"), appointmentQueueSchema);

export type AppointmentQueueConfig = z.infer<typeof appointmentQueueSchema>;
export type AppointmentQueueInput = z.input<typeof appointmentQueueSchema>;
export type AppointmentsConfig = z.infer<typeof appointmentsConfigSchema>;
