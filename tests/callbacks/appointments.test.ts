/**
 * The appointments service over a real redis-server, real BullMQ delayed jobs and a real webhook
 * receiver: express checked against the CRM record, a booking's call and reminder scheduled and moved
 * with it, a rebalanced customer told, jobs that come due for a booking changed since doing nothing.
 * The service's clock is virtual (so slots are where the test wants them), BullMQ's delays are real:
 * a job due in a second is waited for as a condition, never slept for.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { AppointmentSchedule, AppointmentStore, Appointments, type AppointmentCallbacks, type AppointmentQueueInput } from "../../src/callbacks/index.js";
import { expressEntitlement } from "../../src/crm/entitlement.js";
import { FileCustomerStore } from "../../src/crm/file-store.js";
import type { LifecycleEvent } from "../../src/events/schema.js";
import { JobHub } from "../../src/jobs/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { waitFor } from "../calls/harness.js";
import { WebhookServer } from "../jobs/helpers.js";
import { redisPerFile } from "../setup/redis.js";
import { everyDay, HOUR, MIN, VirtualClock } from "./helpers.js";

const { env, redis } = redisPerFile();
let webhook: WebhookServer;
beforeAll(async () => {
  webhook = await WebhookServer.reservePort();
  await webhook.start();
});
afterAll(async () => {
  await webhook.stop();
});

/** One place a slot, none held (express only ever takes a place by a rebalance), every 15 minutes all day in UTC. */
const QUEUES: Record<string, AppointmentQueueInput> = {
  support: { timeZone: "UTC", hours: everyDay("00:00-24:00"), plannedAgents: 1, expressShare: 0, expressCutoffMinutes: 30, callAheadMinutes: 2, reminderMinutes: 60 },
};
/** A slot start two to three hours from now (real time: BullMQ delays are real). */
const SLOT = Math.ceil((Date.now() + 2 * HOUR) / (15 * MIN)) * 15 * MIN;

interface Rig {
  clock: VirtualClock;
  appointments: Appointments;
  schedule: AppointmentSchedule;
  created: Array<Parameters<AppointmentCallbacks["create"]>[0]>;
  cancelled: string[];
  events: LifecycleEvent[];
  hub: JobHub;
}
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.schedule.close();
    await r.hub.close();
  }
});

let n = 0;
function rig(now: number): Rig {
  const prefix = `${env.prefix}${++n}:`;
  const clock = new VirtualClock(now);
  const logger = createLogger("silent");
  const store = new AppointmentStore({ redis: redis(), keyPrefix: prefix, queues: QUEUES, clock });
  const customers = FileCustomerStore.open("config/customers.yaml");
  const hub = new JobHub({ redisUrl: env.url, prefix, config: { webhooks: { notifications: { url: webhook.url, secretEnv: "T_NOTIFY" } }, attempts: 1 }, env: { T_NOTIFY: "notify-secret" } });
  const created: Rig["created"] = [];
  const cancelled: string[] = [];
  const events: LifecycleEvent[] = [];
  const callbacks: AppointmentCallbacks = {
    create: async (r) => {
      const again = created.some((c) => c.id === r.id);
      if (!again) created.push(r);
      return { id: r.id, created: !again };
    },
    cancel: async (id) => {
      if (!created.some((c) => c.id === id)) return undefined;
      cancelled.push(id);
      return "cancelled";
    },
    state: async (id) => (cancelled.includes(id) ? "cancelled" : created.some((c) => c.id === id) ? "waiting" : undefined),
  };
  // the worker's jobs go to the service made just below
  const schedule: AppointmentSchedule = new AppointmentSchedule({ redisUrl: env.url, prefix, run: (name, data) => appointments.due(name, data), now: clock.now, logger });
  const appointments: Appointments = new Appointments({
    store,
    schedule,
    callbacks,
    entitlement: (q) => expressEntitlement(customers, { timeZone: "UTC", tiers: ["gold"] }, q, 1000),
    jobs: hub,
    events: { append: async (e) => void events.push(e) },
    logger,
    now: clock.now,
  });
  const r = { clock, appointments, schedule, created, cancelled, events, hub };
  rigs.push(r);
  return r;
}

/** The delivered notices of a booking, by kind. */
const notices = (bookingId: string, kind: string) =>
  webhook.received.map((x) => JSON.parse(x.raw) as { kind: string; data: { bookingId: string } & Record<string, unknown> }).filter((b) => b.kind === kind && b.data.bookingId === bookingId);

describe("express is the CRM record's to grant", () => {
  test("asked for: granted by subscription or tier, refused otherwise; left out: as entitled; false: standard", async () => {
    const { appointments } = rig(SLOT - 3 * HOUR);
    const book = (id: string, extra: Record<string, unknown>, slot = SLOT) => appointments.book({ id, queue: "support", slotStart: slot, ...extra } as never);
    // Eva: a running subscription; Jo (c-1010): the gold tier
    expect(await book("e1", { number: "5551005", customerId: "c-1005", express: true })).toMatchObject({ ok: true, booking: { express: true, customerId: "c-1005" }, express: { granted: true, why: expect.stringMatching(/^customer c-1005: subscription until /) } });
    expect(await book("e2", { number: "5551010", express: true }, SLOT + 15 * MIN)).toMatchObject({ ok: true, booking: { express: true, customerId: "c-1010" }, express: { why: "customer c-1010: tier gold" } });
    // Carla is silver without a subscription; Eva's number is not Carla's record; an unknown number has no record
    await expect(book("x1", { number: "5551003", customerId: "c-1003", express: true })).rejects.toMatchObject({ code: "SBA_NOT_EXPRESS", message: /c-1003 is not entitled/ });
    await expect(book("x2", { number: "5551005", customerId: "c-1003", express: true })).rejects.toMatchObject({ code: "SBA_NOT_EXPRESS", message: /not customer c-1003's/ });
    await expect(book("x3", { number: "5559999", express: true })).rejects.toMatchObject({ code: "SBA_NOT_EXPRESS", message: /no customer record/ });
    // left out: Eva is express by her record; Carla standard; false: Eva standard
    expect(await book("e3", { number: "5551005" }, SLOT + 30 * MIN)).toMatchObject({ ok: true, booking: { express: true } });
    expect(await book("s1", { number: "5551003" }, SLOT + 45 * MIN)).toMatchObject({ ok: true, booking: { express: false, customerId: "c-1003" }, express: { granted: false } });
    expect(await book("s2", { number: "5551005", express: false }, SLOT + 60 * MIN)).toMatchObject({ ok: true, booking: { express: false }, express: { granted: false, why: "standard asked for" } });
  });
});

describe("a booking's jobs", () => {
  test("the call is scheduled callAheadMinutes before the slot and the reminder reminderMinutes before; booking again schedules nothing new", async () => {
    const r = rig(SLOT - 3 * HOUR);
    const booked = await r.appointments.book({ id: "a1", queue: "support", slotStart: SLOT, number: "5551003" });
    expect(booked).toMatchObject({ ok: true, replayed: false });
    const call = await r.schedule.job("call", { bookingId: "a1", moves: 0 });
    const remind = await r.schedule.job("remind", { bookingId: "a1", moves: 0 });
    expect(call?.opts.delay).toBe(3 * HOUR - 2 * MIN);
    expect(remind?.opts.delay).toBe(2 * HOUR);
    expect(call?.data).toEqual({ bookingId: "a1", slotStart: SLOT, moves: 0 });
    expect(await r.appointments.book({ id: "a1", queue: "support", slotStart: SLOT, number: "5551003" })).toMatchObject({ ok: true, replayed: true });
    expect(await r.schedule.queue.getJobCounts("delayed")).toEqual({ delayed: 2 });
    expect(r.events.filter((e) => e.type === "appointment")).toEqual([expect.objectContaining({ outcome: "booked", bookingId: "a1", kind: "standard", slotStart: SLOT })]);
  });

  test("booked inside the reminder's lead time: no reminder", async () => {
    const r = rig(SLOT - 30 * MIN);
    await r.appointments.book({ id: "late", queue: "support", slotStart: SLOT, number: "5551003" });
    expect(await r.schedule.job("remind", { bookingId: "late", moves: 0 })).toBeUndefined();
    expect(await r.schedule.job("call", { bookingId: "late", moves: 0 })).toBeDefined();
  });

  test("the reminder comes due: the customer's notice goes to the notifications webhook", async () => {
    // a second and a half before the reminder is due
    const r = rig(SLOT - 60 * MIN - 1500);
    await r.appointments.book({ id: "rem", queue: "support", slotStart: SLOT, number: "5551003", name: "Carla Diaz" });
    const [notice] = await waitFor("the reminder delivered", () => notices("rem", "appointment-reminder").length > 0 && notices("rem", "appointment-reminder"));
    const hh = new Date(SLOT).toISOString().slice(11, 16);
    expect(notice!.data).toMatchObject({
      idempotencyKey: `rem:reminder:${SLOT}`,
      queue: "support",
      customer: { name: "Carla Diaz", phone: "5551003", id: "c-1003" },
      slot: { start: new Date(SLOT).toISOString(), time: hh, timeZone: "UTC" },
      minutesBefore: 60,
    });
  });

  test("the call comes due: the booking's call back joins as of the slot minus the allowance, with the appointment's time as its reason", async () => {
    const r = rig(SLOT - 2 * MIN - 1000);
    await r.appointments.book({ id: "due", queue: "support", slotStart: SLOT, number: "5551005", reason: "router setup" });
    const [cb] = await waitFor("the call back created", () => r.created.length > 0 && r.created);
    expect(cb).toEqual({
      id: "due-0",
      queue: "support",
      number: "5551005",
      customerId: "c-1005",
      express: true,
      reason: `appointment ${new Date(SLOT).toISOString().slice(11, 16)}: router setup`,
      joinedAt: SLOT - 2 * MIN,
      quotedMs: expect.any(Number),
    });
    await waitFor("the called event", () => r.events.some((e) => e.type === "appointment" && e.outcome === "called"));
    expect(await r.appointments.get("due")).toMatchObject({ callback: { id: "due-0", state: "waiting" } });
  });
});

describe("rebalancing, moving and cancelling", () => {
  test("an express customer on a full slot moves the standard booking: its jobs move with it and its customer is told", async () => {
    const r = rig(SLOT - 3 * HOUR);
    expect(await r.appointments.book({ id: "std", queue: "support", slotStart: SLOT, number: "5551003", name: "Carla Diaz" })).toMatchObject({ ok: true });
    expect(await r.appointments.book({ id: "std2", queue: "support", slotStart: SLOT, number: "5551004", express: false })).toMatchObject({ ok: false, reason: "full" });
    const exp = await r.appointments.book({ id: "exp", queue: "support", slotStart: SLOT, number: "5551005", express: true });
    // the two neighbours are as near: the later one is taken
    expect(exp).toMatchObject({ ok: true, booking: { express: true, slotStart: SLOT }, moves: [{ from: SLOT, to: SLOT + 15 * MIN, booking: { id: "std", moves: 1, movedFrom: SLOT } }] });
    expect(await r.schedule.job("call", { bookingId: "std", moves: 0 })).toBeUndefined();
    expect(await r.schedule.job("remind", { bookingId: "std", moves: 0 })).toBeUndefined();
    expect((await r.schedule.job("call", { bookingId: "std", moves: 1 }))?.data).toEqual({ bookingId: "std", slotStart: SLOT + 15 * MIN, moves: 1 });
    const [moved] = await waitFor("the moved notice delivered", () => notices("std", "appointment-moved").length > 0 && notices("std", "appointment-moved"));
    expect(moved!.data).toMatchObject({
      idempotencyKey: "std:moved:1",
      reason: "rebalanced",
      customer: { id: "c-1003", name: "Carla Diaz", phone: "5551003" },
      from: { start: new Date(SLOT).toISOString() },
      to: { start: new Date(SLOT + 15 * MIN).toISOString() },
    });
    expect(r.events.filter((e) => e.type === "appointment" && e.outcome === "moved")).toEqual([expect.objectContaining({ bookingId: "std", result: "rebalance", slotStart: SLOT + 15 * MIN })]);
  });

  test("moved by an admin: the jobs follow; a job of the booking as it was does nothing", async () => {
    const r = rig(SLOT - 3 * HOUR);
    await r.appointments.book({ id: "mv", queue: "support", slotStart: SLOT, number: "5551003" });
    expect(await r.appointments.move("mv", SLOT + HOUR)).toMatchObject({ ok: true, moved: true, booking: { slotStart: SLOT + HOUR, moves: 1 } });
    expect(await r.schedule.job("call", { bookingId: "mv", moves: 0 })).toBeUndefined();
    expect((await r.schedule.job("call", { bookingId: "mv", moves: 1 }))?.opts.delay).toBe(4 * HOUR - 2 * MIN);
    await r.appointments.due("call", { bookingId: "mv", slotStart: SLOT, moves: 0 });
    expect(r.created).toEqual([]);
    expect(notices("mv", "appointment-moved")).toEqual([]);
    expect(r.events.map((e) => e.type === "appointment" && `${e.outcome} ${e.result ?? ""}`)).toEqual(["booked ", "moved admin"]);
  });

  test("cancelled: the place is free again, the jobs are gone, a call back already queued is cancelled; cancelling again changes nothing", async () => {
    const r = rig(SLOT - 2 * MIN - 500);
    await r.appointments.book({ id: "cx", queue: "support", slotStart: SLOT, number: "5551003" });
    await waitFor("the call back created", () => r.created.length > 0);
    const c = await r.appointments.cancel("cx");
    expect(c).toMatchObject({ cancelled: true, booking: { state: "cancelled" }, callback: { id: "cx-0", state: "cancelled" } });
    expect(r.cancelled).toEqual(["cx-0"]);
    expect(await r.schedule.job("remind", { bookingId: "cx", moves: 0 })).toBeUndefined();
    const [slot] = await r.appointments.slots("support", SLOT, SLOT + 1);
    expect(slot).toMatchObject({ booked: { standard: 0, express: 0 }, room: { standard: 1 } });
    expect(await r.appointments.cancel("cx")).toMatchObject({ cancelled: false });
    await expect(r.appointments.cancel("nope")).rejects.toMatchObject({ code: "SBA_UNKNOWN_BOOKING" });
    await expect(r.appointments.move("cx", SLOT + HOUR)).rejects.toMatchObject({ code: "SBA_CANCELLED" });
  });
});
