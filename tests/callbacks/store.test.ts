import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppointmentError, AppointmentStore, type AppointmentQueueInput } from "../../src/callbacks/index.js";
import { testRedis } from "../setup/redis.js";
import { DAY, HOUR, MIN, VirtualClock, everyDay, makeStore } from "./helpers.js";

const env = testRedis();
let redis: Redis;
beforeAll(() => {
  redis = env.client();
});
afterAll(async () => {
  await redis.quit();
});

/** Two places a slot, one held for express (50%), cut-off 60 minutes; 08:00-12:00 in Berlin. */
const QUEUES: Record<string, AppointmentQueueInput> = {
  support: { timeZone: "Europe/Berlin", hours: everyDay("08:00-12:00"), plannedAgents: 2, expressShare: 0.5, horizonDays: 3 },
  night: { timeZone: "Europe/Berlin", hours: everyDay("01:00-04:00"), plannedAgents: 1, expressShare: 0, horizonDays: 7 },
};
/** Tuesday 20 October 2026, 08:00 in Berlin. */
const MORNING = Date.UTC(2026, 9, 20, 6);
/** The support slot starting at hh:mm on 20 October (CEST, UTC+2). */
const at = (hh: number, mm = 0) => Date.UTC(2026, 9, 20, hh - 2, mm);

let clock: VirtualClock;
let store: AppointmentStore;
beforeEach(() => {
  clock = new VirtualClock(MORNING);
  store = makeStore(redis, env.prefix, QUEUES, clock);
});

const std = (id: string) => ({ id, phone: `+49${id.length}1234567` });
const exp = (id: string) => ({ id, phone: "+4930123456", express: true });

describe("booking", () => {
  it("gives standard customers the places not held, express customers the held ones first", async () => {
    expect(await store.book("support", at(10), std("s1"))).toMatchObject({ ok: true, booking: { place: "standard", slotStart: at(10), slotEnd: at(10, 15) } });
    expect(await store.book("support", at(10), std("s2"))).toEqual({ ok: false, reason: "full" });
    expect(await store.book("support", at(10), exp("x1"))).toMatchObject({ ok: true, booking: { place: "held", express: true }, moves: [] });
    const [slot] = await store.availability("support", at(10), at(10, 15));
    expect(slot).toMatchObject({ capacity: 2, expressHeld: 1, booked: { express: 1, standard: 1 }, room: { express: 0, standard: 0 } });
  });

  it("releases the held place to everyone at the cut-off, not a millisecond before", async () => {
    await store.book("support", at(10), std("s1"));
    clock.set(at(9) - 1);
    expect(await store.book("support", at(10), std("s2"))).toEqual({ ok: false, reason: "full" });
    clock.set(at(9));
    expect(await store.book("support", at(10), std("s2"))).toMatchObject({ ok: true, booking: { place: "released" } });
    expect((await store.availability("support", at(10), at(10, 15)))[0]).toMatchObject({ released: true, room: { express: 0, standard: 0 } });
  });

  it("books an id once: a retry, even a concurrent one, returns the first booking", async () => {
    const first = await store.book("support", at(9), std("s1"));
    const again = await store.book("support", at(9), { ...std("s1"), phone: "+4999" });
    expect(again).toMatchObject({ ok: true, replayed: true, booking: { id: "s1", phone: first.ok ? first.booking.phone : "" } });
    const racing = await Promise.all(Array.from({ length: 20 }, () => store.book("support", at(11), exp("x-race"))));
    expect(racing.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
    expect((await store.availability("support", at(11), at(11, 15)))[0]!.booked).toEqual({ express: 1, standard: 0 });
  });

  it("refuses slots that started or lie beyond the horizon, and names what is not a slot", async () => {
    clock.set(at(10));
    expect(await store.book("support", at(10), std("late"))).toEqual({ ok: false, reason: "started" });
    expect(await store.book("support", at(10) + 3 * DAY, std("far"))).toEqual({ ok: false, reason: "beyond-horizon" });
    await expect(store.book("support", at(10, 5), std("odd"))).rejects.toMatchObject({ code: "SBA_NO_SLOT" });
    await expect(store.book("support", at(13), std("closed"))).rejects.toMatchObject({ code: "SBA_NO_SLOT" });
    await expect(store.book("sales", at(11), std("q"))).rejects.toMatchObject({ code: "SBA_UNKNOWN_QUEUE" });
    await expect(store.book("support", at(11), { id: "bad id", phone: "1" })).rejects.toBeInstanceOf(AppointmentError);
  });

  it("books both 02:00 slots of the night the clocks go back, and none in the hour they skip", async () => {
    clock.set(Date.UTC(2026, 2, 27, 12));
    const march = await store.availability("night", Date.UTC(2026, 2, 29), Date.UTC(2026, 2, 29, 12));
    expect(march.map((s) => s.time)).toEqual(["01:00", "01:15", "01:30", "01:45", "03:00", "03:15", "03:30", "03:45"]);
    clock.set(Date.UTC(2026, 9, 23, 12));
    const first = Date.UTC(2026, 9, 25, 0); // 02:00 CEST
    const second = Date.UTC(2026, 9, 25, 1); // 02:00 CET
    expect(await store.book("night", first, std("summer"))).toMatchObject({ ok: true, booking: { slotStart: first } });
    expect(await store.book("night", second, std("winter"))).toMatchObject({ ok: true, booking: { slotStart: second } });
    expect(await store.book("night", second, std("winter2"))).toEqual({ ok: false, reason: "full" });
    expect((await store.list("night", first, second + HOUR)).map((b) => b.id)).toEqual(["summer", "winter"]);
  });

  it("keeps a booking until keepDays after its slot, by the store's clock", async () => {
    await store.book("support", at(10), std("s1"));
    // PTTL counts down in Redis's real time: a minute's slack, to depend on no timing
    const ttl = await redis.pttl(store.keys.booking("s1"));
    expect(ttl).toBeLessThanOrEqual(at(10, 15) + 30 * DAY - MORNING);
    expect(ttl).toBeGreaterThan(at(10, 15) + 30 * DAY - MORNING - MIN);
  });
});

describe("rebalancing for express customers", () => {
  it("moves the latest standard booking to the nearest slot with room, and tells who was moved", async () => {
    await store.book("support", at(10), std("s1"));
    await store.book("support", at(10), exp("x1"));
    const r = await store.book("support", at(10), { ...exp("x2"), name: "Ada" });
    expect(r).toMatchObject({ ok: true, booking: { id: "x2", place: "standard", slotStart: at(10) } });
    // 09:45 and 10:15 are as near: the later one
    expect(r.ok && r.moves).toEqual([{ from: at(10), to: at(10, 15), booking: expect.objectContaining({ id: "s1", phone: std("s1").phone, slotStart: at(10, 15), movedFrom: at(10), moves: 1 }) }]);
    expect(await store.get("s1")).toMatchObject({ slotStart: at(10, 15), place: "standard", state: "booked" });
  });

  it("moves the standard booking made last: those who booked first keep their time", async () => {
    const wide = makeStore(redis, env.prefix, { q: { timeZone: "UTC", hours: everyDay("08:00-10:00"), plannedAgents: 3, expressShare: 0 } }, clock);
    const slot = Date.UTC(2026, 9, 21, 9);
    for (const id of ["s1", "s2", "s3"]) await wide.book("q", slot, std(id));
    const r = await wide.book("q", slot, exp("x1"));
    expect(r.ok && r.moves.map((m) => m.booking.id)).toEqual(["s3"]);
  });

  it("never moves an express booking: a slot of express bookings only stays full", async () => {
    await store.book("support", at(10), exp("x1"));
    await store.book("support", at(10), exp("x2"));
    expect(await store.book("support", at(10), exp("x3"))).toEqual({ ok: false, reason: "full" });
    expect((await store.list("support", at(10), at(10, 15))).map((b) => b.id)).toEqual(["x1", "x2"]);
  });

  it("moves nobody after the cut-off, nor to a slot past its own cut-off", async () => {
    await store.book("support", at(10), std("s1"));
    await store.book("support", at(10), exp("x1"));
    await store.book("support", at(10, 15), std("s2"));
    clock.set(at(8, 50)); // 09:45 is past its cut-off (08:45), 10:00 is not (09:00)
    const r = await store.book("support", at(10), exp("x2"));
    expect(r.ok && r.moves.map((m) => [m.booking.id, m.to])).toEqual([["s1", at(10, 30)]]);
    clock.set(at(9, 30)); // 10:30 is past its cut-off now
    await store.book("support", at(10, 30), exp("x3"));
    expect(await store.book("support", at(10, 30), exp("x4"))).toEqual({ ok: false, reason: "full" });
    expect(await store.get("s1")).toMatchObject({ slotStart: at(10, 30) });
  });

  it("refuses when no slot has room for the moved booking, and changes nothing", async () => {
    const tiny = makeStore(redis, env.prefix, { q: { timeZone: "UTC", hours: everyDay("08:00-08:30"), plannedAgents: 1, expressShare: 0, horizonDays: 1 } }, clock);
    const [a, b] = [Date.UTC(2026, 9, 20, 8), Date.UTC(2026, 9, 20, 8, 15)];
    await tiny.book("q", a, std("s1"));
    await tiny.book("q", b, std("s2"));
    expect(await tiny.book("q", a, exp("x1"))).toEqual({ ok: false, reason: "full" });
    expect((await tiny.list("q", a, b + HOUR)).map((x) => [x.id, x.slotStart])).toEqual([["s1", a], ["s2", b]]);
    expect(await tiny.get("x1")).toBeUndefined();
  });
});

describe("cancel and move", () => {
  it("cancels once, frees the place, and keeps the id from being booked again", async () => {
    await store.book("support", at(10), std("s1"));
    expect(await store.cancel("s1")).toMatchObject({ cancelled: true, booking: { state: "cancelled", cancelledAt: MORNING } });
    expect(await store.cancel("s1")).toMatchObject({ cancelled: false, booking: { state: "cancelled" } });
    expect(await store.cancel("nobody")).toEqual({ cancelled: false });
    expect(await store.book("support", at(10), std("s2"))).toMatchObject({ ok: true });
    expect(await store.book("support", at(10), std("s1"))).toMatchObject({ ok: true, replayed: true, booking: { state: "cancelled" } });
    expect((await store.list("support", at(8), at(12))).map((b) => b.id)).toEqual(["s2"]);
  });

  it("moves a booking under the rules of its kind, keeping its booking order", async () => {
    await store.book("support", at(10), std("s1"));
    await store.book("support", at(11), std("s2"));
    expect(await store.move("s1", at(11))).toEqual({ ok: false, reason: "full" });
    expect(await store.move("s1", at(10))).toMatchObject({ ok: true, moved: false });
    const moved = await store.move("s1", at(11, 15));
    expect(moved).toMatchObject({ ok: true, moved: true, booking: { slotStart: at(11, 15), slotEnd: at(11, 30), movedFrom: at(10), moves: 1, seq: 1 } });
    await store.book("support", at(11), exp("x1"));
    expect(await store.move("x1", at(10))).toMatchObject({ ok: true, booking: { place: "held" } });
    expect((await store.availability("support", at(10), at(10, 15)))[0]!.booked).toEqual({ express: 1, standard: 0 });
    clock.set(at(11, 15));
    expect(await store.move("x1", at(11))).toEqual({ ok: false, reason: "started" });
    await store.cancel("s2");
    await expect(store.move("s2", at(11, 30))).rejects.toMatchObject({ code: "SBA_CANCELLED" });
    await expect(store.move("ghost", at(11, 30))).rejects.toMatchObject({ code: "SBA_UNKNOWN_BOOKING" });
  });
});

describe("the example of docs/callbacks.md", () => {
  it("goes as the page says", async () => {
    const support: AppointmentQueueInput = {
      timeZone: "Europe/Berlin", hours: { mon: ["08:00-12:00", "13:00-17:00"], sat: ["09:00-12:00"] }, plannedAgents: 3,
      agentPlan: [{ days: ["mon"], from: "08:00", to: "10:00", agents: 5 }],
    };
    const local = (hh: number, mm: number) => Date.UTC(2026, 10, 2, hh - 1, mm); // CET
    clock.set(local(6, 30));
    const docs = makeStore(redis, env.prefix, { support }, clock);
    expect(await docs.book("support", local(8, 15), std("ana"))).toMatchObject({ ok: true, booking: { place: "standard" } });
    clock.set(local(6, 40));
    for (const id of ["s2", "s3", "s4"]) expect(await docs.book("support", local(8, 15), std(id))).toMatchObject({ ok: true });
    expect(await docs.book("support", local(8, 15), std("s5"))).toEqual({ ok: false, reason: "full" });
    expect(await docs.book("support", local(8, 15), exp("ben"))).toMatchObject({ ok: true, booking: { place: "held" } });
    clock.set(local(6, 50));
    const cleo = await docs.book("support", local(8, 15), exp("cleo"));
    expect(cleo.ok && cleo.moves.map((m) => [m.booking.id, m.to])).toEqual([["s4", local(8, 30)]]);
    clock.set(local(7, 45));
    expect(await docs.book("support", local(8, 45), std("s6"))).toMatchObject({ ok: true, booking: { place: "standard" } });
    expect(await docs.book("support", local(8, 45), std("s7"))).toMatchObject({ ok: true, booking: { place: "standard" } });
    expect(await docs.book("support", local(8, 45), std("s8"))).toMatchObject({ ok: true, booking: { place: "standard" } });
    expect(await docs.book("support", local(8, 45), std("s9"))).toMatchObject({ ok: true, booking: { place: "standard" } });
    expect(await docs.book("support", local(8, 45), std("s10"))).toMatchObject({ ok: true, booking: { place: "released" } });
  });
});

describe("concurrent bookers", () => {
  it("never double-book nor move an express booking, whatever the interleaving of several clients", async () => {
    const clients = Array.from({ length: 4 }, () => env.client());
    const keyPrefix = `${env.prefix}race:`;
    const stores = clients.map((c) => new AppointmentStore({ redis: c, keyPrefix, queues: QUEUES, clock }));
    const slots = [at(10), at(10, 15), at(10, 30)];
    const asked = new Map<string, number>();
    // full slots first (one express, one standard each): the first express request to reach each one
    // must move its standard booking, in any interleaving
    for (const [i, slot] of slots.entries()) {
      await stores[0]!.book("support", slot, exp(`x-pre${i}`));
      await stores[0]!.book("support", slot, std(`s-pre${i}`));
      asked.set(`x-pre${i}`, slot);
    }
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const slot = slots[i % 3]!;
        const req = i % 2 === 0 ? exp(`x${i}`) : std(`s${i}`);
        asked.set(req.id, slot);
        return stores[i % 4]!.book("support", slot, req);
      }),
    );
    const live = await stores[0]!.list("support", at(8), at(12));
    const perSlot = new Map<number, number>();
    for (const b of live) perSlot.set(b.slotStart, (perSlot.get(b.slotStart) ?? 0) + 1);
    for (const n of perSlot.values()) expect(n).toBeLessThanOrEqual(2);
    expect(new Set(live.map((b) => b.id)).size).toBe(live.length);
    expect(results.filter((r) => r.ok)).toHaveLength(live.length - 6);
    for (const b of live) if (b.express) expect(b.slotStart).toBe(asked.get(b.id));
    const moved = results.flatMap((r) => (r.ok ? r.moves : []));
    expect(moved.map((m) => m.booking.id).sort()).toEqual(["s-pre0", "s-pre1", "s-pre2"]);
    expect(moved.every((m) => !m.booking.express)).toBe(true);
    await Promise.all(clients.map((c) => c.quit()));
  });
});
