import { appointmentQueueSchema, type AppointmentQueueConfig, type AppointmentQueueInput } from "./config.js";
import { calendarPlan, daySlots, slotsBetween, type CalendarPlan, type Slot } from "./slots.js";
import { DAY_MS, isoDay, localDayOf } from "./wall-time.js";

/** Local days whose slots are kept computed; a day's slots are a few kB. */
const MAX_DAYS_KEPT = 400;

/**
 * One queue's calendar: its slots, computed per local day on first use and kept, so finding the slot a
 * booking names costs a map lookup. No clock of its own: "now" is always an argument.
 */
export class AppointmentCalendar {
  readonly config: AppointmentQueueConfig;
  readonly plan: CalendarPlan;
  private readonly days = new Map<number, Slot[]>();
  /** Every slot of the days computed, by start: a booking's lookup needs no time-zone formatting. */
  private readonly byStart = new Map<number, Slot>();

  constructor(config: AppointmentQueueInput) {
    this.config = appointmentQueueSchema.parse(config);
    this.plan = calendarPlan(this.config);
  }

  get cutoffMs(): number {
    return this.plan.cutoffMs;
  }

  /** The slots of one local day, by its wall value (wall-time.ts). */
  daySlots(day: number): Slot[] {
    let slots = this.days.get(day);
    if (!slots) {
      if (this.days.size >= MAX_DAYS_KEPT) {
        this.days.clear();
        this.byStart.clear();
      }
      slots = daySlots(this.plan, day);
      this.days.set(day, slots);
      for (const s of slots) this.byStart.set(s.start, s);
    }
    return slots;
  }

  /** The slot starting at `start`, or undefined when no slot does. A slot's day is the local day it starts on. */
  slotAt(start: number): Slot | undefined {
    const known = this.byStart.get(start);
    if (known) return known;
    const day = localDayOf(start, this.plan.timeZone);
    if (this.days.has(day)) return undefined;
    return this.daySlots(day).find((s) => s.start === start);
  }

  /** The slots starting in [from, to). */
  slots(from: number, to: number): Slot[] {
    return slotsBetween(this.plan, from, to, (d) => this.daySlots(d));
  }

  /** The last local day (YYYY-MM-DD) customers may book at `now`: today plus horizonDays - 1. */
  lastBookableDay(now: number): string {
    return isoDay(localDayOf(now, this.plan.timeZone) + (this.plan.horizonDays - 1) * DAY_MS);
  }

  /** Why a slot cannot be booked at `now`, or undefined when it can. */
  closedReason(slot: Slot, now: number): "started" | "beyond-horizon" | undefined {
    if (now >= slot.start) return "started";
    if (slot.day > this.lastBookableDay(now)) return "beyond-horizon";
    return undefined;
  }

  /** Every slot from `now` to the end of the horizon. */
  bookable(now: number): Slot[] {
    const last = this.lastBookableDay(now);
    const end = localDayOf(now, this.plan.timeZone) + (this.plan.horizonDays + 1) * DAY_MS;
    return this.slots(now + 1, end).filter((s) => s.day <= last);
  }
}
