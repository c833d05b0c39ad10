/**
 * Audiences over a million history entries:
 *
 *   node --import tsx bench/audience.ts [--customers 200000] [--calls 5] [--runs 3] [--seed 42]
 *
 * Builds the audience index (outbound/audience-store.ts) in a redis-server of its own on a free loopback
 * port: --customers customers with --calls calls each over the last year (seeded), then times a preview
 * (count and sample, one pass over the index) of representative conditions, p50 of --runs runs each:
 * three a site would write, one whose || both sides pre-filter, and one nothing can pre-filter.
 * Target: <= 5 s for 1,000,000 entries. Prints entries, matches, seconds and memory (Redis and this
 * process). Bounded in size, stops by itself.
 */
import os from "node:os";
import { Redis } from "ioredis";
import type { Customer, HistoryEntry } from "../src/crm/customer.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { SeededRandom } from "../src/lib/seeded-random.js";
import { compileAudience, runAudience, type AudienceResult } from "../src/outbound/audience.js";
import { AudienceIndex } from "../src/outbound/audience-store.js";
import { arg } from "./args.js";

const CUSTOMERS = arg("customers", 200_000);
const CALLS = arg("calls", 5);
const RUNS = arg("runs", 3);
const rnd = new SeededRandom(arg("seed", 42, "number"));
const NOW = new Date("2026-06-15T12:00:00Z");
const DAY = 86_400_000;
if (CUSTOMERS * CALLS > 5_000_000) throw new Error("at most 5,000,000 entries (--customers x --calls)");

const CONDITIONS: Array<{ name: string; since: string; condition: string }> = [
  {
    name: "issue example (reason pre-filter)",
    since: "30d",
    condition: `calls.exists(c, c.reason == "technical support")
      && customer.products.exists(p, p.sku == "PRO" && p.version.startsWith("4."))
      && !customer.products.exists(p, p.sku == "PRO" && p.version.startsWith("5."))
      && !history.exists(h, h.offers.exists(o, o.offer == "pro-5-upgrade" && o.outcome == "sold"))`,
  },
  {
    name: "declined express, waited long (offer + lane pre-filter)",
    since: "30d",
    condition: `history.exists(h, h.offers.exists(o, o.offer == "express-subscription" && o.outcome == "declined"))
      && calls.exists(c, c.lane == "standard" && c.waitSeconds > 300)`,
  },
  {
    name: "gold, nothing resolved in 90 days (every customer)",
    since: "90d",
    condition: `customer.tier == "gold" && !calls.exists(c, c.disposition == "resolved")`,
  },
  {
    name: "platinum or a long wait on Internet support (pre-filter on both sides of ||)",
    since: "all",
    condition: `customer.tier == "platinum" || history.exists(h, h.waitSeconds > 590.0 && "support=Internet" in h.path)`,
  },
  {
    name: "worst case: nothing to pre-filter (every customer, every call through CEL)",
    since: "all",
    condition: `history.filter(h, h.reason.contains("support") && h.waitSeconds > 300.0).size() >= 2 || customer.name.endsWith("77")`,
  },
];

const REASONS = ["technical support", "technical support", "billing", "billing", "new order", "cancel", "payment", "moving house"];
const OFFERS = ["pro-5-upgrade", "express-subscription", "service-contract", "warranty-extension"];
const OUTCOMES = ["presented", "declined", "interested", "sold"];

function entry(): HistoryEntry {
  const reason = rnd.pick(REASONS);
  const agent = rnd.chance(0.85);
  return {
    at: new Date(NOW.getTime() - rnd.int(0, 365 * DAY)).toISOString(),
    reason,
    queue: reason === "technical support" ? "support" : reason === "new order" ? "sales" : "billing",
    lane: rnd.chance(0.1) ? "express" : "standard",
    waitSeconds: rnd.int(0, 600),
    ...(agent ? { agent: String(rnd.int(1001, 1200)), talkSeconds: rnd.int(30, 900), disposition: rnd.pick(["resolved", "resolved", "callback", "escalated", "sale"]) } : { disposition: "abandoned in queue" }),
    path: ["menu=Support", `support=${rnd.pick(["Internet", "Phone", "TV"])}`],
    ...(agent && rnd.chance(0.3) ? { offers: [{ offer: rnd.pick(OFFERS), outcome: rnd.pick(OUTCOMES) }] } : {}),
  };
}

function customer(i: number): Customer {
  const products = rnd.chance(0.6) ? [{ sku: "PRO", name: "Pro", version: rnd.pick(["4.0", "4.2", "4.2", "5.0"]), currentVersion: "5.0", serviceContract: false, addOns: [], competitor: false }] : [];
  return {
    id: `c${i}`,
    name: `Customer ${i}`,
    phones: [`+4930${String(1_000_000 + i)}`],
    email: `c${i}@example.com`,
    language: rnd.chance(0.8) ? "de" : "en",
    tier: rnd.pick(["standard", "standard", "silver", "gold", "platinum"] as const),
    express: false,
    products,
    tags: [],
    history: Array.from({ length: CALLS }, entry),
  };
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const server = await startLocalRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const index = new AudienceIndex(redis, "bench:");
    const t0 = performance.now();
    for (let i = 0; i < CUSTOMERS; i += 2_000) await index.indexCustomers(Array.from({ length: Math.min(2_000, CUSTOMERS - i) }, (_, k) => customer(i + k)));
    const size = await index.size();
    const info = await redis.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    console.log(`load       ${os.loadavg()[0]!.toFixed(1)} (1-minute average) on ${os.cpus().length} cores: timings stretch on a busy machine`);
    console.log(`index      ${size.customers.toLocaleString("en")} customers, ${(CUSTOMERS * CALLS).toLocaleString("en")} history entries, ${size.texts} texts coded; built in ${((performance.now() - t0) / 1000).toFixed(1)} s; Redis ${mb(used)}`);

    for (const c of CONDITIONS) {
      const audience = compileAudience(c.condition, c.since);
      const times: number[] = [];
      const cpu: number[] = [];
      let last: AudienceResult | undefined;
      for (let r = 0; r < RUNS; r++) {
        const t = performance.now();
        const u = process.cpuUsage();
        last = await runAudience(index, audience, { now: NOW, sample: 10, timeoutMs: 120_000 });
        const used = process.cpuUsage(u);
        times.push((performance.now() - t) / 1000);
        cpu.push((used.user + used.system) / 1e6);
      }
      const s = last!.stats;
      const secs = p50(times);
      console.log(
        `${c.name}\n  ${secs.toFixed(2)} s p50 of ${RUNS} (${times.map((x) => x.toFixed(2)).join(", ")}; this process's CPU p50 ${p50(cpu).toFixed(2)} s)  ${last!.count.toLocaleString("en")} matches; ${s.scanned.toLocaleString("en")} customers and ${s.entries.toLocaleString("en")} entries read, ${s.evaluated.toLocaleString("en")} evaluated   ${secs <= 5 ? "ok" : "OVER"} target <= 5 s`,
      );
    }
    const m = process.memoryUsage();
    console.log(`memory     this process: rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)}; Redis used_memory ${mb(used)} (${(used / (CUSTOMERS * CALLS)).toFixed(0)} bytes per entry, records included)`);
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

await main();
