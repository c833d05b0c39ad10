/**
 * Redis key layout of the appointments. Every key carries the site's hash tag, `{site}`, as the queue's
 * do (queue/keys.ts), so one script reaches all of them atomically, also on a Cluster. lua/lib.lua builds
 * the same names from the base; keep the two in step.
 *
 *   <prefix>{<site>}:ap:s:<queue>:<slotStart>:x  ZSET  express bookings of a slot: id -> booking seq
 *   <prefix>{<site>}:ap:s:<queue>:<slotStart>:s  ZSET  standard bookings of a slot: id -> booking seq
 *   <prefix>{<site>}:ap:i:<queue>                ZSET  every live booking of the queue: id -> slot start
 *   <prefix>{<site>}:ap:b:<id>                   HASH  one booking (types.ts bookingRecordSchema), kept
 *                                                      after a cancel so a retried book() finds it
 *   <prefix>{<site>}:ap:seq                      STRING booking counter (booking order)
 *
 * Slot sets and bookings expire `keepMs` after their slot ends (by the store's clock); the index drops them as bookings go by.
 */
export class AppointmentKeys {
  readonly base: string;

  constructor(prefix: string, readonly site: string) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(site)) throw new Error(`invalid site "${site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(prefix)) throw new Error(`key prefix "${prefix}" must not contain braces: the site is the hash tag`);
    this.base = `${prefix}{${site}}:`;
  }

  slot(queue: string, start: number, kind: "x" | "s"): string {
    return `${this.base}ap:s:${queue}:${start}:${kind}`;
  }
  index(queue: string): string {
    return `${this.base}ap:i:${queue}`;
  }
  booking(id: string): string {
    return `${this.base}ap:b:${id}`;
  }
  get seq(): string {
    return `${this.base}ap:seq`;
  }
}
