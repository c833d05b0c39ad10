/**
 * The KPI pipeline's speed, side by side in one run:
 *
 *   node --import tsx bench/metrics.ts [--events 500000] [--samples 200] [--scrapes 50]
 *
 *   fold         events folded per second on one core: parse from stream fields + fold (pure, no Redis),
 *                a realistic day's mix (queue moves, agent states, calls, offers, surveys); target >= 100k/s
 *   stream       the same events appended to a real redis-server's stream and folded by the consumer
 *                (XREADGROUP, fold, one apply script per batch of 2,000): events/s end to end
 *   wallboard    an event appended -> the wallboard's listener fires -> a fresh snapshot shows it:
 *                p50/p99 over --samples events at 20/s; target p99 <= 1 s
 *   scrape       GET /metrics' body (prom-client) with 1,000 agents and 100 queues, 2,000 callers
 *                waiting: p50/p99 over --scrapes; target <= 50 ms
 *
 * Loopback only (a redis-server of its own on a free port), bounded in count, stops by itself.
 */
import * as hdr from "hdr-histogram-js";
import { Redis } from "ioredis";
import { EventLog } from "../src/events/log.js";
import { parseSiteEvent } from "../src/events/parse.js";
import type { SiteEvent } from "../src/events/schema.js";
import { createLogger } from "../src/lib/logger.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { SeededRandom } from "../src/lib/seeded-random.js";
import { dayFormatter } from "../src/metrics/buckets.js";
import { fold, type AgentTrack, type FoldSettings } from "../src/metrics/fold.js";
import { startMetrics } from "../src/metrics/index.js";
import { metricsConfigSchema } from "../src/metrics/config.js";
import { CallerQueue } from "../src/queue/index.js";
import { arg } from "./args.js";

const EVENTS = arg("events", 500_000);
const SAMPLES = arg("samples", 200);
const SCRAPES = arg("scrapes", 50);
const rnd = new SeededRandom(11);
const log = createLogger("silent");

const settings: FoldSettings = {
  slMs: new Map([
    ["express", 20_000],
    ["standard", 120_000],
  ]),
  shortAbandonMs: 5_000,
  fcrWindowMs: 7 * 86_400_000,
  csatSatisfiedShare: 0.8,
  dayOf: dayFormatter("Europe/Berlin"),
};

/** A day's events as the stream holds them (flat field lists), in time order. */
function dayOfEvents(n: number, start: number): string[][] {
  const out: string[][] = [];
  let t = start;
  const queues = ["support", "billing", "retention"];
  for (let i = 0; out.length < n; i++) {
    t += rnd.int(50, 400);
    const queue = rnd.pick(queues);
    const lane = rnd.chance(0.1) ? "express" : "standard";
    const agentId = `a${rnd.int(1, 200)}`;
    const callId = `c${i}`;
    const wait = String(rnd.int(0, 300_000));
    out.push(["type", "joined", "at", String(t), "queue", queue, "lane", lane, "callId", callId, "position", "3", "score", String(t)]);
    if (rnd.chance(0.15)) {
      out.push(["type", "abandoned", "at", String(t + 1), "queue", queue, "lane", lane, "callId", callId, "agentId", "", "waitMs", wait]);
      continue;
    }
    out.push(["type", "offered", "at", String(t + 1), "queue", queue, "lane", lane, "callId", callId, "agentId", agentId, "waitMs", wait, "requeues", "0"]);
    out.push(["type", "answered", "at", String(t + 2), "queue", queue, "lane", lane, "callId", callId, "agentId", agentId, "waitMs", wait, "ringMs", "2000", "requeues", "0"]);
    out.push(["type", "agent", "at", String(t + 3), "agentId", agentId, "from", "oncall", "to", "wrapup", "reason", "", "queues", queue]);
    out.push(["type", "agent", "at", String(t + 4), "agentId", agentId, "from", "wrapup", "to", "available", "reason", "", "queues", queue]);
    out.push(["type", "handled", "at", String(t + 5), "callId", callId, "agentId", agentId, "queue", queue, "lane", lane, "talkMs", String(rnd.int(30_000, 600_000)), "disposition", "resolved", "customerId", `cust${rnd.int(1, 5000)}`, "reason", "billing"]);
    out.push(["type", "call", "at", String(t + 6), "callId", callId, "tree", "main", "outcome", "agent", "durationMs", "200000", "customerId", `cust${rnd.int(1, 5000)}`, "reason", rnd.pick(["billing", "tech"]), "queue", queue, "lane", lane, "agentId", agentId]);
    if (rnd.chance(0.3)) out.push(["type", "offer", "at", String(t + 7), "callId", callId, "agentId", agentId, "queue", queue, "lane", lane, "offerId", rnd.pick(["o1", "o2", "o3"]), "outcome", rnd.pick(["presented", "sold", "declined"]), "value", "25"]);
    if (rnd.chance(0.1)) out.push(["type", "survey", "at", String(t + 8), "callId", callId, "score", String(rnd.int(1, 5)), "scale", "5", "agentId", agentId, "queue", queue, "lane", lane]);
  }
  return out.slice(0, n);
}

function foldBench(flat: string[][]): { perSecond: number; foldOnly: number } {
  const BATCH = 2_000;
  const agents = new Map<string, AgentTrack>();
  const parsed: SiteEvent[] = [];
  const t0 = performance.now();
  for (let i = 0; i < flat.length; i += BATCH) {
    const events = flat.slice(i, i + BATCH).map((f, k) => parseSiteEvent(`${i + k}-0`, f)!);
    const out = fold(events, settings, { agents, contacts: new Map() });
    out.agents.forEach((v, k) => agents.set(k, v));
    if (i === 0) parsed.push(...events);
  }
  const ms = performance.now() - t0;
  // the fold alone, on already parsed events (the part zod does not take)
  const all = flat.map((f, k) => parseSiteEvent(`${k}-0`, f)!);
  const t1 = performance.now();
  for (let i = 0; i < all.length; i += BATCH) fold(all.slice(i, i + BATCH), settings, { agents: new Map(), contacts: new Map() });
  const foldMs = performance.now() - t1;
  return { perSecond: (flat.length / ms) * 1000, foldOnly: (all.length / foldMs) * 1000 };
}

const hist = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });

async function main(): Promise<void> {
  const flat = dayOfEvents(EVENTS, Date.now() - 86_400_000);
  const f = foldBench(flat);
  console.log(`fold       ${Math.round(f.perSecond).toLocaleString("en")} events/s parsed and folded (fold alone ${Math.round(f.foldOnly).toLocaleString("en")}/s), ${EVENTS.toLocaleString("en")} events, one core   target >= 100,000/s`);

  const server = await startLocalRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const queues = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`q${i}`, { lanes: ["express", "standard"], wrapUp: 0 }]));
    const lanes = { express: { displayName: "Priority", headStart: 60, sla: { seconds: 20, percent: 80 } }, standard: { displayName: "Standard", headStart: 0, sla: { seconds: 120, percent: 80 } } };
    const queue = new CallerQueue({ redis, keyPrefix: "bench:", lanes, queues });
    const config = metricsConfigSchema.parse({ timeZone: "Europe/Berlin" });

    // stream: append the day, then fold it with the consumer
    const stream = queue.keys.events;
    for (let i = 0; i < flat.length; i += 5_000) {
      const pipe = redis.pipeline();
      for (const f of flat.slice(i, i + 5_000)) pipe.xadd(stream, "*", ...f);
      await pipe.exec();
    }
    const t0 = performance.now();
    const metrics = startMetrics({ redis, config, keys: queue.keys, site: queue.settings, jobs: async () => ({}), logger: log });
    for (;;) {
      if (metrics.consumer.folded >= flat.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const streamMs = performance.now() - t0;
    console.log(`stream     ${Math.round((flat.length / streamMs) * 1000).toLocaleString("en")} events/s read, folded and applied in Redis by the consumer (${(streamMs / 1000).toFixed(1)} s for ${flat.length.toLocaleString("en")})`);

    // wallboard latency: one event at a time, 20/s
    const events = new EventLog(redis, stream, 2_000_000);
    const h = hist();
    let waiting: { at: number; done: () => void } | undefined;
    metrics.wallboard.subscribe(() => {
      const w = waiting;
      if (!w) return;
      void metrics.wallboard.snapshot().then((s) => {
        if (s.revenue.today.sold >= sold && waiting === w) {
          waiting = undefined;
          h.recordValue(Math.max(1, Math.round((performance.now() - w.at) * 1000)));
          w.done();
        }
      });
    });
    let sold = (await metrics.wallboard.snapshot()).revenue.today.sold;
    // the signal's subscription is made in the background: give it time before the first sample
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < SAMPLES; i++) {
      sold++;
      await new Promise<void>((done) => {
        waiting = { at: performance.now(), done };
        void events.append({ type: "offer", at: Date.now(), callId: `w${i}`, agentId: "a1", queue: "q1", lane: "standard", offerId: "o1", outcome: "sold", value: 10 });
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`wallboard  event -> snapshot showing it: p50 ${(h.getValueAtPercentile(50) / 1000).toFixed(1)} ms, p99 ${(h.getValueAtPercentile(99) / 1000).toFixed(1)} ms, max ${(h.maxValue / 1000).toFixed(1)} ms over ${SAMPLES}   target p99 <= 1,000 ms`);

    // scrape: 1,000 agents in 100 queues (each agent in 5), 2,000 callers waiting
    for (let i = 0; i < 1_000; i++) {
      const qs = Array.from({ length: 5 }, (_, k) => `q${(i + k * 20) % 100}`);
      await queue.registerAgent({ agentId: `a${i}`, endpoint: `PJSIP/${2000 + i}`, skills: {}, queues: qs });
      if (i % 3) await queue.agentState(`a${i}`, rnd.chance(0.8) ? { to: "available" } : { to: "paused", reason: "break" });
    }
    for (let i = 0; i < 2_000; i++) await queue.enqueue({ callId: `s${i}`, queue: `q${i % 100}`, lane: i % 5 ? "standard" : "express", skills: ["nobody-has-it"], priority: 0 });
    const s = hist();
    let bytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      const t = performance.now();
      bytes = (await metrics.prometheus.exposition()).body.length;
      s.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
      await new Promise((r) => setTimeout(r, 300)); // past the live read's cache
    }
    console.log(`scrape     /metrics with 1,000 agents, 100 queues, 2,000 waiting: p50 ${(s.getValueAtPercentile(50) / 1000).toFixed(1)} ms, p99 ${(s.getValueAtPercentile(99) / 1000).toFixed(1)} ms (${Math.round(bytes / 1024)} KiB)   target <= 50 ms`);
    await metrics.stop();
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

await main();
