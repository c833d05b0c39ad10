import type { Redis } from "ioredis";
import { AppointmentStore, type AppointmentQueueInput } from "../../src/callbacks/index.js";

/** A clock the test moves by hand. */
export class VirtualClock {
  constructor(public t: number) {}
  now = (): number => this.t;
  set(t: number): number {
    this.t = t;
    return t;
  }
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Every weekday open over the same ranges. */
export function everyDay(...ranges: string[]): AppointmentQueueInput["hours"] {
  return { mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges, sat: ranges, sun: ranges };
}

let n = 0;

/** A store on the suite's Redis with a key prefix of its own and a virtual clock. */
export function makeStore(redis: Redis, prefix: string, queues: Record<string, AppointmentQueueInput>, clock: VirtualClock): AppointmentStore {
  return new AppointmentStore({ redis, keyPrefix: `${prefix}${++n}:`, queues, clock });
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The local wall time of an instant in a zone, "YYYY-MM-DD HH:MM", straight from Intl. */
export function localTime(ms: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}
