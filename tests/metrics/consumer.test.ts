/**
 * The folding consumer on a real redis-server: events made by the real queue scripts and the event log
 * are counted once, whoever folds them: across a restart, with a daemon killed between reading and
 * applying a batch, with two daemons folding at once, and never by a daemon that lost its lease.
 */
import { afterEach, expect, test } from "vitest";
import { EventLog } from "../../src/events/log.js";
import { createLogger } from "../../src/lib/logger.js";
import { dayFormatter } from "../../src/metrics/buckets.js";
import { MetricsConsumer } from "../../src/metrics/consumer.js";
import { Delta } from "../../src/metrics/delta.js";
import { runReport } from "../../src/metrics/report.js";
import { GROUP, MetricsStore, NotLeaderError } from "../../src/metrics/store.js";
import type { CallerQueue } from "../../src/queue/index.js";
import { waitFor } from "../calls/harness.js";
import { makeQueue, staff, VirtualClock } from "../queue/helpers.js";
import { redisPerFile } from "../setup/redis.js";

const { env, redis } = redisPerFile();
const consumers: MetricsConsumer[] = [];
const log = createLogger("silent");

afterEach(async () => {
  for (const c of consumers.splice(0)) await c.stop();
});

const settings = {
  slMs: new Map([
    ["express", 20_000],
    ["standard", 120_000],
  ]),
  shortAbandonMs: 5_000,
  fcrWindowMs: 7 * 86_400_000,
  csatSatisfiedShare: 0.8,
  dayOf: dayFormatter("UTC"),
};

function rig() {
  const clock = new VirtualClock(Date.now());
  const { cq } = makeQueue(redis(), env.prefix, {}, clock);
  const store = new MetricsStore(redis(), cq.keys.base, { intervalMs: 35 * 86_400_000, dayMs: 400 * 86_400_000 });
  const events = new EventLog(redis(), cq.keys.events, 100_000);
  const consumer = () => {
    const c = new MetricsConsumer({ redis: redis(), store, settings, fcrWindowMs: settings.fcrWindowMs, logger: log, leaseMs: 1_500 });
    consumers.push(c);
    c.start();
    return c;
  };
  const report = () => runReport(store, { timeZone: "UTC", formula: "abandons-against", intervalRetentionMs: 35 * 86_400_000 }, { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000, by: "site" });
  const settled = async () => {
    const streamLen = await redis().xlen(cq.keys.events);
    const info = await store.lag();
    return streamLen > 0 && info.pending === 0 && info.lag === 0;
  };
  return { cq, clock, store, events, consumer, report, settled };
}

/** `answered` callers answered by a1/a2 (each freed after), `abandoned` callers who hang up waiting. */
async function traffic(cq: CallerQueue, clock: VirtualClock, tag: string, answered: number, abandoned: number): Promise<void> {
  for (let i = 0; i < answered; i++) {
    await cq.enqueue({ callId: `${tag}-a${i}`, queue: "support", lane: i % 2 ? "express" : "standard", skills: [], priority: 0 });
    clock.advance(5_000);
    const offer = await cq.dispatch("support");
    if (!offer) throw new Error("no agent offered");
    clock.advance(1_000);
    await cq.answered(offer.callId, offer.agentId);
    clock.advance(60_000);
    await cq.agentState(offer.agentId, { to: "wrapup" });
  }
  for (let i = 0; i < abandoned; i++) {
    await cq.enqueue({ callId: `${tag}-x${i}`, queue: "support", lane: "standard", skills: [], priority: 0 });
    clock.advance(30_000);
    await cq.abandon(`${tag}-x${i}`);
  }
}

test("a stream of real queue events and lifecycle events folds into the report's figures", async () => {
  const r = rig();
  await staff(r.cq, r.clock, [{ id: "a1" }, { id: "a2" }]);
  await traffic(r.cq, r.clock, "t", 6, 4);
  await r.events.append({ type: "offer", at: Date.now(), callId: "t-a0", agentId: "a1", queue: "support", lane: "standard", offerId: "upgrade", outcome: "presented", value: 20 });
  await r.events.append({ type: "offer", at: Date.now(), callId: "t-a0", agentId: "a1", queue: "support", lane: "standard", offerId: "upgrade", outcome: "sold", value: 20, amount: 25 });
  r.consumer();
  await waitFor("the stream to be folded", r.settled);
  const k = (await r.report()).total;
  expect([k.offered, k.answered, k.abandoned]).toEqual([10, 6, 4]);
  // ASA runs to the answer: 5 s waiting and 1 s ringing
  expect(k.asaMs).toBe(6_000);
  expect(k.revenue).toBe(25);
  expect(k.conversion).toBe(1);
  // one queue's rows by day: its express promise (3 express callers, each answered in 6 s of 20) and the day's key
  const byDay = await runReport(r.store, { timeZone: "UTC", formula: "abandons-against", intervalRetentionMs: 35 * 86_400_000 }, { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000, by: "day", queue: "support" });
  expect(byDay.queue).toBe("support");
  expect(byDay.rows.map((row) => [row.key, row.kpis.expressOffered, row.kpis.expressPromiseKept])).toEqual([[dayFormatter("UTC")(Date.now()), 3, 1]]);
  const none = await runReport(r.store, { timeZone: "UTC", formula: "abandons-against", intervalRetentionMs: 35 * 86_400_000 }, { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000, by: "day", queue: "nope" });
  expect(none.rows).toEqual([]);
});

test("restart: a new consumer folds only what came after; nothing counted twice", async () => {
  const r = rig();
  await staff(r.cq, r.clock, [{ id: "a1" }, { id: "a2" }]);
  await traffic(r.cq, r.clock, "one", 3, 2);
  const first = r.consumer();
  await waitFor("the first batch folded", r.settled);
  await first.stop();
  await traffic(r.cq, r.clock, "two", 2, 3);
  r.consumer();
  await waitFor("the rest folded", r.settled);
  const k = (await r.report()).total;
  expect([k.offered, k.answered, k.abandoned]).toEqual([10, 5, 5]);
});

test("a daemon killed after reading a batch and before applying it: the next folder claims the batch and counts it once", async () => {
  const r = rig();
  await staff(r.cq, r.clock, [{ id: "a1" }, { id: "a2" }]);
  await traffic(r.cq, r.clock, "k", 4, 4);
  await r.store.ensureGroup();
  // the dead daemon's read: entries pending for it, never acknowledged
  const read = (await redis().xreadgroup("GROUP", GROUP, "folder-dead", "COUNT", 7, "STREAMS", r.cq.keys.events, ">")) as [string, unknown[]][];
  expect(read[0]![1]).toHaveLength(7);
  r.consumer();
  await waitFor("the stream to be folded", r.settled);
  const k = (await r.report()).total;
  expect([k.offered, k.answered, k.abandoned]).toEqual([8, 4, 4]);
});

test("two daemons folding at once while events arrive: every event counted exactly once", async () => {
  const r = rig();
  await staff(r.cq, r.clock, [{ id: "a1" }, { id: "a2" }]);
  const a = r.consumer();
  const b = r.consumer();
  await traffic(r.cq, r.clock, "p", 10, 10);
  await waitFor("the stream to be folded", r.settled);
  // the folder stops; the other takes over within its lease and folds the rest
  const [leader, other] = a.isLeader ? [a, b] : [b, a];
  await leader.stop();
  await traffic(r.cq, r.clock, "q", 5, 5);
  await waitFor("the other daemon to take over and fold", async () => other.isLeader && (await r.settled()), 20_000);
  const k = (await r.report()).total;
  expect([k.offered, k.answered, k.abandoned]).toEqual([30, 15, 15]);
});

test("a daemon that lost its lease cannot apply a batch", async () => {
  const r = rig();
  await r.store.ensureGroup();
  expect(await r.store.takeLease("holder", 60_000)).toBe(true);
  const delta = new Delta();
  delta.add("kpi:d:2026-12-07:all", "*|offered", 1);
  await expect(r.store.apply("someone-else", [], delta, new Map(), new Map(), 1)).rejects.toBeInstanceOf(NotLeaderError);
  expect(await redis().hget(`${r.cq.keys.base}kpi:d:2026-12-07:all`, "*|offered")).toBeNull();
  await r.store.releaseLease("holder");
});
