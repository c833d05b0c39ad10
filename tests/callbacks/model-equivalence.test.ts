import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppointmentError, type AppointmentQueueInput, type AppointmentStore, type BookingRecord } from "../../src/callbacks/index.js";
import { redisPerFile } from "../setup/redis.js";
import { DAY, HOUR, MIN, VirtualClock, everyDay, makeStore } from "./helpers.js";
import { AppointmentModel } from "./model.js";

/**
 * The Lua scripts must decide exactly as the pure rules do. Random operation sequences (bookings, some
 * express, replays of used ids, cancels, moves, time passing across the October DST change) run against
 * the store and the in-memory model; every result, every error and, after every step, every queue's
 * bookings must be identical. Along the way: no slot ever holds more than its capacity, and a booking
 * changes slot only by its own move or as the standard booking a successful express booking moved.
 */

const { env, redis } = redisPerFile();

const QUEUES: Record<string, AppointmentQueueInput> = {
  a: {
    timeZone: "Europe/Berlin", slotMinutes: 60, hours: everyDay("08:00-20:00"), plannedAgents: 1, expressShare: 0.5,
    agentPlan: [{ days: ["sat", "sun"], from: "08:00", to: "12:00", agents: 2 }], horizonDays: 3,
  },
  // several standard bookings a slot: which one a rebalance moves matters
  b: { timeZone: "Europe/Berlin", slotMinutes: 60, hours: everyDay("01:00-04:00"), plannedAgents: 3, expressShare: 0.2, expressCutoffMinutes: 120, horizonDays: 2 },
};
const QUEUE_NAMES = ["a", "b"] as const;
/** Friday 23 October 2026, 07:00 in Berlin: the sequences run into Sunday's 25-hour day. */
const START = Date.UTC(2026, 9, 23, 5);
/** Ops name a booking by index into the ids used so far (a few past the end: unknown ids). */
const PICK = fc.nat(60);

const opArb = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant("tick" as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 180 }).map((m) => m * MIN)) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("book" as const), queue: fc.constantFrom(...QUEUE_NAMES), slot: fc.nat(200), near: fc.boolean(),
      /** Mostly a new id; else one used before (a retry: replayed). */
      id: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: PICK }), express: fc.boolean(), name: fc.option(fc.constantFrom("Ada", "Grace"), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), id: PICK }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("move" as const), id: PICK, slot: fc.nat(200), near: fc.boolean() }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

const stats = { rebalanced: 0, released: 0, full: 0, replayed: 0, moved: 0 };

/** Runs one operation on one side; an AppointmentError becomes { error: code }. */
async function apply(side: AppointmentStore | AppointmentModel, op: Op, id: string, slotStart: number): Promise<unknown> {
  try {
    if (op.k === "book") return await side.book(op.queue, slotStart, { id, phone: `+4930${id.length}00`, express: op.express, ...(op.name && { name: op.name }) });
    if (op.k === "cancel") return await side.cancel(id);
    if (op.k === "move") return await side.move(id, slotStart);
    return undefined;
  } catch (err) {
    if (err instanceof AppointmentError) return { error: err.code };
    throw err;
  }
}

function record(result: unknown): void {
  const r = result as { ok?: boolean; reason?: string; replayed?: boolean; moves?: unknown[]; booking?: BookingRecord; moved?: boolean };
  if (r?.moves?.length) stats.rebalanced++;
  if (r?.booking?.place === "released") stats.released++;
  if (r?.reason === "full") stats.full++;
  if (r?.replayed) stats.replayed++;
  if (r?.moved) stats.moved++;
}

/**
 * The slot an op names: one of its queue's slots from half a day ago to three days ahead (some started,
 * some too far), or a near one (the next three hours' slots, where the cut-offs are) when there are any.
 */
function slotFor(model: AppointmentModel, op: Op, id: string, now: number): number {
  if (op.k === "tick" || op.k === "cancel") return 0;
  const queue = op.k === "book" ? op.queue : (model.bookings.get(id)?.queue ?? "a");
  const cal = model.calendar(queue);
  const near = op.near ? cal.slots(now + 1, now + 3 * HOUR) : [];
  const slots = near.length ? near : cal.slots(now - DAY / 2, now + 3 * DAY);
  return slots[op.slot % slots.length]!.start;
}

async function run(ops: Op[]): Promise<void> {
  const clock = new VirtualClock(START);
  const store = makeStore(redis(), env.prefix, QUEUES, clock);
  const model = new AppointmentModel(QUEUES, clock);
  for (const [step, op] of ops.entries()) {
    if (op.k === "tick") {
      clock.advance(op.ms);
      continue;
    }
    const before = new Map([...model.bookings.values()].map((b) => [b.id, b.slotStart]));
    const used = [...model.bookings.keys()];
    const id = op.k === "book" && op.id === undefined ? `b${step}` : (used[op.id! % (used.length + 3)] ?? "ghost");
    const slotStart = slotFor(model, op, id, clock.now());
    const expected = await apply(model, op, id, slotStart);
    const actual = await apply(store, op, id, slotStart);
    expect(actual, `step ${step}: ${JSON.stringify(op)}`).toEqual(expected);
    record(actual);
    for (const q of QUEUE_NAMES) expect(await store.list(q, 0, 1e16), `after step ${step}`).toEqual(model.list(q));
    checkInvariants(model, op, id, expected, before);
  }
  expect(await slotSets(store)).toEqual(modelSlotSets(store, model));
}

/** Every slot set in Redis (keys.ts), key -> its booking ids in booking order. */
async function slotSets(store: AppointmentStore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  let cursor = "0";
  do {
    const [next, keys] = await redis().scan(cursor, "MATCH", `${store.keys.base}ap:s:*`, "COUNT", "1000");
    for (const k of keys) out[k] = await redis().zrange(k, "0", "-1");
    cursor = next;
  } while (cursor !== "0");
  return out;
}

/** What the slot sets must hold: each live booking in its slot's set of its kind. */
function modelSlotSets(store: AppointmentStore, model: AppointmentModel): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const q of QUEUE_NAMES) {
    for (const b of model.list(q).sort((x, y) => x.seq - y.seq)) (out[store.keys.slot(q, b.slotStart, b.express ? "x" : "s")] ??= []).push(b.id);
  }
  return out;
}

function checkInvariants(model: AppointmentModel, op: Op, id: string, result: unknown, before: Map<string, number>): void {
  for (const q of QUEUE_NAMES) {
    const perSlot = new Map<number, number>();
    for (const b of model.list(q)) perSlot.set(b.slotStart, (perSlot.get(b.slotStart) ?? 0) + 1);
    for (const [start, n] of perSlot) expect(n).toBeLessThanOrEqual(model.calendar(q).slotAt(start)!.capacity);
  }
  const movedByRebalance = new Set(((result as { moves?: { booking: BookingRecord }[] })?.moves ?? []).map((m) => m.booking.id));
  for (const b of model.bookings.values()) {
    const was = before.get(b.id);
    if (was === undefined || was === b.slotStart) continue;
    if (op.k === "move" && id === b.id) continue;
    expect(op.k === "book" && op.express && !b.express && movedByRebalance.has(b.id)).toBe(true);
  }
}

describe("the appointment store and the pure rules", () => {
  it("decide the same, step for step", async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 40, maxLength: 120 }), run), { numRuns: 60 });
    if (process.env.SBA_STATS) console.log(stats);
    // the sequences reach the interesting cases
    expect(stats.rebalanced).toBeGreaterThan(0);
    expect(stats.released).toBeGreaterThan(0);
    expect(stats.full).toBeGreaterThan(0);
    expect(stats.replayed).toBeGreaterThan(0);
    expect(stats.moved).toBeGreaterThan(0);
  });
});
