/**
 * The appointment store's booking speed on one core (this process; Redis runs in its own):
 *
 *   node --import tsx bench/appointments.ts [--bookings 100000] [--concurrency 64] [--agents 100] [--seconds 60]
 *
 *   book        --bookings booking attempts, 10% express, each into a random slot of a 24/7 calendar of
 *               15-minute slots over 14 days (--agents places a slot, 10% held), --concurrency in flight
 *               on one client: bookings/s, p50/p99 per booking; target >= 5,000 bookings/s
 *   one by one  5,000 attempts of the same kind, one at a time: the latency of an unloaded booking
 *   rebalance   express bookings into full slots, one at a time, each moving a standard booking to the
 *               nearest slot with room: p50/p99
 *   memory      Redis's used_memory per live booking; this process's RSS and heap
 *
 * Starts its own redis-server on a free loopback port (no persistence) and stops it; bounded by
 * --bookings and --seconds. Slots are in the future of the real clock.
 */
import * as hdr from "hdr-histogram-js";
import { Redis } from "ioredis";
import { AppointmentStore, type AppointmentQueueInput, type BookingRequest } from "../src/callbacks/index.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { SeededRandom } from "../src/lib/seeded-random.js";
import { arg } from "./args.js";

const BOOKINGS = arg("bookings", 100_000);
const CONCURRENCY = arg("concurrency", 64);
const AGENTS = arg("agents", 100);
const SECONDS = arg("seconds", 60);
const rnd = new SeededRandom(7);

const ALL_DAY = { mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"] };
const QUEUES: Record<string, AppointmentQueueInput> = {
  support: { timeZone: "Europe/Berlin", hours: ALL_DAY, plannedAgents: AGENTS, expressShare: 0.1 },
  tiny: { timeZone: "Europe/Berlin", hours: ALL_DAY, plannedAgents: 2, expressShare: 0 },
};

const hist = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
const us = () => Number(process.hrtime.bigint() / 1000n);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

let serial = 0;
function request(express: boolean): BookingRequest {
  const n = ++serial;
  return { id: `bk-${n}`, phone: `+4930${String(n).padStart(8, "0")}`, express, ...(n % 3 === 0 && { name: "Ada Lovelace" }), reason: "billing" };
}

interface Phase {
  attempts: number;
  booked: number;
  full: number;
  rebalanced: number;
  seconds: number;
  cpuSeconds: number;
  latency: hdr.Histogram;
}

/** `count` attempts (fewer if `deadline` passes) with `concurrency` in flight; `next` names each one. */
async function drive(store: AppointmentStore, count: number, concurrency: number, deadline: number, next: () => [string, number, BookingRequest]): Promise<Phase> {
  const latency = hist();
  const phase: Phase = { attempts: 0, booked: 0, full: 0, rebalanced: 0, seconds: 0, cpuSeconds: 0, latency };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (phase.attempts < count && Date.now() < deadline) {
      phase.attempts++;
      const [queue, slot, req] = next();
      const start = us();
      const r = await store.book(queue, slot, req);
      latency.recordValue(Math.max(1, us() - start));
      if (r.ok) phase.booked++;
      else phase.full++;
      if (r.ok && r.moves.length) phase.rebalanced++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  phase.seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  phase.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return phase;
}

function line(name: string, p: Phase): string {
  const q = (x: number) => (p.latency.getValueAtPercentile(x) / 1000).toFixed(3);
  return [
    `${name}: ${fmt(p.attempts)} attempts in ${p.seconds.toFixed(2)} s: ${fmt(p.booked / p.seconds)} bookings/s (${fmt(p.attempts / p.seconds)} attempts/s; ${fmt(p.full)} full, ${fmt(p.rebalanced)} with a move)`,
    `    per booking p50 ${q(50)} ms, p99 ${q(99)} ms, max ${(p.latency.maxValue / 1000).toFixed(3)} ms; this process ${(p.cpuSeconds / p.seconds).toFixed(2)} cores busy`,
  ].join("\n");
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
}

async function main(): Promise<void> {
  const server = await startLocalRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 2 });
  const stop = setTimeout(() => {
    process.stderr.write(`appointments bench: stopped after ${SECONDS + 60} s\n`);
    process.exit(1);
  }, (SECONDS + 60) * 1000);
  stop.unref();
  try {
    const store = new AppointmentStore({ redis, queues: QUEUES, site: "bench" });
    const now = Date.now();
    const slots = store.calendar("support").bookable(now).filter((s) => s.start > now + 2 * 3_600_000);
    const pick = (): [string, number, BookingRequest] => ["support", rnd.pick(slots).start, request(rnd.chance(0.1))];
    const deadline = Date.now() + SECONDS * 1000;
    await store.book("support", slots[0]!.start, request(false)); // loads the Function library
    const mem0 = await usedMemory(redis);
    const heap0 = process.memoryUsage();

    const book = await drive(store, BOOKINGS, CONCURRENCY, deadline, pick);
    const mem1 = await usedMemory(redis);
    const heap1 = process.memoryUsage();
    const single = await drive(store, 5_000, 1, deadline + 30_000, pick);

    // rebalance: the tiny queue's slots filled with standard bookings, then one express booking into each
    const tiny = store.calendar("tiny").bookable(now).filter((s) => s.start > now + 3 * 3_600_000);
    const full = tiny.filter((_, i) => i % 4 === 0).slice(0, 2_000);
    for (const s of full) await Promise.all([store.book("tiny", s.start, request(false)), store.book("tiny", s.start, request(false))]);
    let i = 0;
    const rebalance = await drive(store, full.length, 1, deadline + 60_000, () => ["tiny", full[i++]!.start, request(true)]);

    const live = book.booked + 1;
    process.stdout.write(
      [
        `appointments: ${slots.length} slots of ${AGENTS} places over 14 days (Europe/Berlin), ${CONCURRENCY} in flight, one client`,
        line("book", book),
        line("one by one", single),
        line("rebalance", rebalance),
        `memory: Redis ${fmt((mem1 - mem0) / live)} bytes per live booking (${fmt((mem1 - mem0) / 1e6)} MB for ${fmt(live)}); ` +
          `this process RSS ${fmt(heap1.rss / 1e6)} MB, heap ${fmt(heap1.heapUsed / 1e6)} MB (${fmt((heap1.heapUsed - heap0.heapUsed) / 1e6)} MB more during the run)`,
        "",
      ].join("\n"),
    );
  } finally {
    await redis.quit();
    await server.stop();
  }
}

await main();
