import type { Cluster, Redis } from "ioredis";
import { z } from "zod";
import { systemClock, type Clock } from "../queue/index.js";
import { isReleased, mayRebalance, rebalanceOrder, roomFor } from "./booking.js";
import { AppointmentCalendar } from "./calendar.js";
import { bookResult, recordFromHash, type BookContext } from "./codec.js";
import type { AppointmentQueueInput } from "./config.js";
import { AppointmentError } from "./errors.js";
import { AppointmentKeys } from "./keys.js";
import { scriptRunner, type ScriptArg, type ScriptName, type ScriptRunner } from "./scripts.js";
import type { Slot } from "./slots.js";
import {
  bookingIdSchema,
  bookingRequestSchema,
  type BookingRecord,
  type BookingRequest,
  type BookResult,
  type CancelResult,
  type MoveResult,
  type SlotAvailability,
} from "./types.js";

export interface AppointmentStoreOptions {
  /** A client, or an ioredis Cluster: every script runs on the node owning the site's slot. */
  redis: Redis | Cluster;
  /** The `appointments` section: a calendar per queue. */
  queues: Record<string, AppointmentQueueInput>;
  /** The hash tag of every key; the queues' site. Default "main". */
  site?: string;
  /** Default "sb:" (config redis.keyPrefix). */
  keyPrefix?: string;
  clock?: Clock;
  /** Days a booking (and its slot's sets) is kept after its slot ends. Default 30. */
  keepDays?: number;
}

/**
 * Candidate slots sent to one rebalance call, nearest first: the nearest with room is nearly always
 * among the first few, and thousands of script arguments cost milliseconds. Each chunk's call is atomic
 * on its own; a place freed in an earlier chunk meanwhile is not gone back for.
 */
const REBALANCE_CHUNK = 64;

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppointmentError("SBA_INVALID_INPUT", `invalid ${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

/**
 * The appointment calendars of one site in Redis. Every write is one Lua function (lua/), so the
 * capacity check and the write are atomic: concurrent bookers never double-book a place, and a booking
 * id booked twice is booked once. Stateless apart from configuration: any number of daemons may share it.
 */
export class AppointmentStore {
  readonly keys: AppointmentKeys;
  readonly clock: Clock;
  private readonly redis: Redis | Cluster;
  private readonly runScript: ScriptRunner;
  private readonly calendars: Map<string, AppointmentCalendar>;
  private readonly keepMs: number;

  constructor(opts: AppointmentStoreOptions) {
    this.keys = new AppointmentKeys(opts.keyPrefix ?? "sb:", opts.site ?? "main");
    this.clock = opts.clock ?? systemClock;
    this.redis = opts.redis;
    this.runScript = scriptRunner(opts.redis);
    this.calendars = new Map(Object.entries(opts.queues).map(([q, cfg]) => [q, new AppointmentCalendar(cfg)]));
    this.keepMs = (opts.keepDays ?? 30) * 86_400_000;
  }

  /** The queues with a calendar, in config order. */
  get queues(): string[] {
    return [...this.calendars.keys()];
  }

  calendar(queue: string): AppointmentCalendar {
    const cal = this.calendars.get(queue);
    if (!cal) throw new AppointmentError("SBA_UNKNOWN_QUEUE", `no appointment calendar for queue "${queue}" (calendars: ${[...this.calendars.keys()].join(", ") || "none"})`);
    return cal;
  }

  private slotOf(queue: string, start: number): { cal: AppointmentCalendar; slot: Slot } {
    const cal = this.calendar(queue);
    const slot = cal.slotAt(start);
    if (!slot) throw new AppointmentError("SBA_NO_SLOT", `no slot of queue "${queue}" starts at ${new Date(start).toISOString()}`);
    return { cal, slot };
  }

  private run(name: ScriptName, now: number, args: readonly ScriptArg[]): Promise<unknown[]> {
    return this.runScript(name, this.keys.seq, [this.keys.base, Math.round(now), ...args]) as Promise<unknown[]>;
  }

  /** Arguments every slot-writing script starts with (lua/book.lua). */
  private slotArgs(queue: string, slot: Slot, released: boolean, open: boolean): ScriptArg[] {
    return [queue, slot.start, slot.end, this.keepMs, slot.capacity, slot.expressHeld, released ? 1 : 0, open ? 1 : 0];
  }

  /**
   * Books the slot starting at `slotStart`. An express booking on a full slot moves the slot's latest
   * standard booking to the nearest slot with room (before the cut-off only): the result lists the move,
   * so the caller can tell that customer. Booking an id again returns the first booking (replayed).
   */
  async book(queue: string, slotStart: number, request: BookingRequest): Promise<BookResult> {
    const { cal, slot } = this.slotOf(queue, slotStart);
    const req = parse(bookingRequestSchema, request, "booking");
    const now = this.clock.now();
    const closed = cal.closedReason(slot, now);
    const released = isReleased(slot.start, now, cal.cutoffMs);
    const ctx: BookContext = { queue, slot, request: req, now, closed };
    const args = [...this.slotArgs(queue, slot, released, !closed), req.id, req.express ? 1 : 0, req.phone, req.name ?? "", req.customerId ?? "", req.reason ?? ""];
    const reply = await this.run("book", now, args);
    if (reply[0] !== "full" || !req.express) return bookResult(reply, ctx);
    const state = { capacity: slot.capacity, held: slot.expressHeld, express: Number(reply[1]), standard: Number(reply[2]) };
    if (!mayRebalance(state, released)) return bookResult(reply, ctx);
    // the slot is full and a standard booking may move: the rebalance checks everything again
    const targets = rebalanceOrder(cal.bookable(now), slot.start, now, cal.cutoffMs);
    for (let from = 0; from < targets.length; from += REBALANCE_CHUNK) {
      const chunk = targets.slice(from, from + REBALANCE_CHUNK);
      const candidates: ScriptArg[] = [chunk.length];
      for (const c of chunk) candidates.push(c.start, c.end, c.capacity, c.expressHeld);
      const answer = await this.run("rebalance", now, [...args, ...candidates]);
      if (answer[0] !== "no-room") return bookResult(answer, ctx);
    }
    return { ok: false, reason: "full" };
  }

  /** Moves a booking to another slot of its queue, if that slot has room for its kind (no rebalancing). */
  async move(id: string, slotStart: number): Promise<MoveResult> {
    parse(bookingIdSchema, id, "booking id");
    const queue = await this.redis.hget(this.keys.booking(id), "queue");
    if (queue === null) throw new AppointmentError("SBA_UNKNOWN_BOOKING", `no booking ${id}`);
    const { cal, slot } = this.slotOf(queue, slotStart);
    const now = this.clock.now();
    const closed = cal.closedReason(slot, now);
    const released = isReleased(slot.start, now, cal.cutoffMs);
    const reply = await this.run("move", now, [id, ...this.slotArgs(queue, slot, released, !closed)]);
    switch (reply[0]) {
      case "unknown":
        throw new AppointmentError("SBA_UNKNOWN_BOOKING", `no booking ${id}`);
      case "cancelled":
        throw new AppointmentError("SBA_CANCELLED", `booking ${id} is cancelled`);
      case "other-queue":
        throw new AppointmentError("SBA_OTHER_QUEUE", `booking ${id} is for queue ${String(reply[1])}`);
      case "same":
        return { ok: true, booking: recordFromHash(reply[1]), moved: false };
      case "moved":
        return { ok: true, booking: recordFromHash(reply[1]), moved: true };
      case "closed":
        return { ok: false, reason: closed ?? "started" };
      default:
        return { ok: false, reason: "full" };
    }
  }

  /** Frees the booking's place. Cancelling again, or an unknown id, changes nothing (cancelled: false). */
  async cancel(id: string): Promise<CancelResult> {
    parse(bookingIdSchema, id, "booking id");
    const reply = await this.run("cancel", this.clock.now(), [id]);
    if (reply[0] === "unknown") return { cancelled: false };
    return { cancelled: reply[0] === "cancelled", booking: recordFromHash(reply[1]) };
  }

  /** The booking, cancelled or not, until it expires (keepDays after its slot). */
  async get(id: string): Promise<BookingRecord | undefined> {
    parse(bookingIdSchema, id, "booking id");
    const hash = await this.redis.hgetall(this.keys.booking(id));
    return Object.keys(hash).length ? recordFromHash(hash) : undefined;
  }

  /** The live bookings of a queue whose slot starts in [from, to), in slot and booking order. */
  async list(queue: string, from: number, to: number, limit = 10_000): Promise<BookingRecord[]> {
    this.calendar(queue);
    const reply = await this.run("list", this.clock.now(), [queue, Math.floor(from), Math.ceil(to), limit]);
    return reply.map(recordFromHash).sort((a, b) => a.slotStart - b.slotStart || a.seq - b.seq);
  }

  /** The slots starting in [from, to) with their bookings and the room left for each kind of customer now. */
  async availability(queue: string, from: number, to: number): Promise<SlotAvailability[]> {
    const cal = this.calendar(queue);
    const slots = cal.slots(from, to);
    const now = this.clock.now();
    const counts = slots.length ? await this.run("occupancy", now, [queue, ...slots.map((s) => s.start)]) : [];
    return slots.map((s, i) => {
      const state = { capacity: s.capacity, held: s.expressHeld, express: Number(counts[2 * i]), standard: Number(counts[2 * i + 1]) };
      const released = isReleased(s.start, now, cal.cutoffMs);
      const open = cal.closedReason(s, now) === undefined;
      return {
        start: s.start,
        end: s.end,
        day: s.day,
        time: s.time,
        capacity: s.capacity,
        expressHeld: s.expressHeld,
        booked: { express: state.express, standard: state.standard },
        released,
        room: { express: open ? roomFor(state, true, released) : 0, standard: open ? roomFor(state, false, released) : 0 },
      };
    });
  }
}
