import { z } from "zod";
import { WEEKDAYS, minuteOfDay, parseRange, type AppointmentQueueConfig, type Weekday } from "./config.js";
import { cumulativeFloorHolds, floorPpm, toPpm } from "./hold.js";
import { DAY_MS, MINUTE_MS, dayResolver, isoDay, isoTime, localDayOf } from "./wall-time.js";

/** One slot of a queue's calendar. */
export const slotSchema = z.object({
  /** Epoch ms. */
  start: z.number().int(),
  /** start + the slot's length (real time, also across a DST change). */
  end: z.number().int(),
  /** Appointments the slot takes: floor(planned agents x calls per agent per slot). */
  capacity: z.number().int().min(0),
  /** Of those, places held for express customers until the cut-off (hold.ts). */
  expressHeld: z.number().int().min(0),
  /** The local day (YYYY-MM-DD) and wall time (HH:MM) it starts at, and the zone's UTC offset then. */
  day: z.string(),
  time: z.string(),
  offsetMinutes: z.number().int(),
});
export type Slot = z.infer<typeof slotSchema>;

/** A queue's appointment config turned into the numbers slot arithmetic needs, once. */
export interface CalendarPlan {
  timeZone: string;
  slotMinutes: number;
  horizonDays: number;
  cutoffMs: number;
  sharePpm: number;
  callsPpm: number;
  hours: Record<Weekday, Array<[number, number]>>;
  plannedAgents: number;
  agentPlan: Array<{ days: Set<Weekday>; from: number; to: number; agents: number }>;
}

export function calendarPlan(cfg: AppointmentQueueConfig): CalendarPlan {
  const hours = Object.fromEntries(WEEKDAYS.map((d) => [d, (cfg.hours[d] ?? []).map(parseRange).sort((a, b) => a[0] - b[0])]));
  return {
    timeZone: cfg.timeZone,
    slotMinutes: cfg.slotMinutes,
    horizonDays: cfg.horizonDays,
    cutoffMs: cfg.expressCutoffMinutes * MINUTE_MS,
    sharePpm: toPpm(cfg.expressShare),
    callsPpm: toPpm(cfg.callsPerAgentPerSlot),
    hours: hours as CalendarPlan["hours"],
    plannedAgents: cfg.plannedAgents,
    agentPlan: cfg.agentPlan.map((e) => ({ days: new Set(e.days), from: minuteOfDay(e.from), to: minuteOfDay(e.to), agents: e.agents })),
  };
}

/** Agents planned for a slot starting at `minute` of a `weekday`: the last matching agentPlan entry wins. */
function agentsAt(plan: CalendarPlan, weekday: Weekday, minute: number): number {
  let agents = plan.plannedAgents;
  for (const e of plan.agentPlan) if (e.days.has(weekday) && e.from <= minute && minute < e.to) agents = e.agents;
  return agents;
}

/**
 * The slots of the local day starting at wall value `day` (wall-time.ts), in time order. Slot starts are
 * wall times: each opening range from its start, every slotMinutes, while the slot ends inside the range.
 * A wall time the clocks skip has no slot; one they repeat has two (23 or 25 hours' worth of slots on
 * the DST days). Where a zone shifts by less than a slot, a slot that would overlap the one before is
 * left out. The express holds are assigned over the whole day, so they do not depend on a query's range.
 */
export function daySlots(plan: CalendarPlan, day: number): Slot[] {
  const weekday = WEEKDAYS[new Date(day).getUTCDay()]!;
  const resolve = dayResolver(day, plan.timeZone);
  const slotMs = plan.slotMinutes * MINUTE_MS;
  const raw: Array<{ start: number; minute: number }> = [];
  for (const [from, to] of plan.hours[weekday]) {
    for (let m = from; m + plan.slotMinutes <= to; m += plan.slotMinutes) {
      for (const start of resolve(day + m * MINUTE_MS)) raw.push({ start, minute: m });
    }
  }
  raw.sort((a, b) => a.start - b.start);
  const kept = raw.filter((r, i) => i === 0 || r.start >= raw[i - 1]!.start + slotMs);
  const capacities = kept.map((r) => floorPpm(plan.callsPpm, agentsAt(plan, weekday, r.minute)));
  const held = cumulativeFloorHolds(capacities, plan.sharePpm);
  const date = isoDay(day);
  return kept.map((r, i) => {
    const wall = day + r.minute * MINUTE_MS;
    return {
      start: r.start,
      end: r.start + slotMs,
      capacity: capacities[i]!,
      expressHeld: held[i]!,
      day: date,
      time: isoTime(wall),
      offsetMinutes: (wall - r.start) / MINUTE_MS,
    };
  });
}

/** The slots starting in [from, to), epoch ms, in time order. */
export function slotsBetween(plan: CalendarPlan, from: number, to: number, dayOf = (d: number) => daySlots(plan, d)): Slot[] {
  if (to <= from) return [];
  const out: Slot[] = [];
  // a day either side: a fall-back at midnight can put a slot of the day before after `from`
  const last = localDayOf(to, plan.timeZone) + DAY_MS;
  for (let d = localDayOf(from, plan.timeZone) - DAY_MS; d <= last; d += DAY_MS) {
    for (const s of dayOf(d)) if (s.start >= from && s.start < to) out.push(s);
  }
  return out.sort((a, b) => a.start - b.start);
}
