/**
 * The folding consumer through Redis faults: a Redis restarted without its data (the consumer group,
 * the lease and the aggregates gone) is folded into again without anyone's action.
 */
import { Redis } from "ioredis";
import { afterEach, expect, test } from "vitest";
import { EventLog } from "../../src/events/log.js";
import { createLogger } from "../../src/lib/logger.js";
import { startLocalRedis, type LocalRedis } from "../../src/lib/redis-server.js";
import { dayFormatter } from "../../src/metrics/buckets.js";
import { MetricsConsumer } from "../../src/metrics/consumer.js";
import { runReport } from "../../src/metrics/report.js";
import { MetricsStore } from "../../src/metrics/store.js";
import { waitFor } from "../calls/harness.js";

let server: LocalRedis | undefined;
let redis: Redis | undefined;
let consumer: MetricsConsumer | undefined;
afterEach(async () => {
  await consumer?.stop();
  redis?.disconnect();
  await server?.stop();
});

test("Redis restarted empty: the consumer makes its group again and folds what comes after", async () => {
  server = await startLocalRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined);
  const base = "f:{main}:";
  const store = new MetricsStore(redis, base, { intervalMs: 35 * 86_400_000, dayMs: 400 * 86_400_000 });
  const events = new EventLog(redis, `${base}events`, 10_000);
  consumer = new MetricsConsumer({
    redis,
    store,
    settings: { slMs: new Map([["standard", 120_000]]), shortAbandonMs: 5_000, fcrWindowMs: 7 * 86_400_000, csatSatisfiedShare: 0.8, dayOf: dayFormatter("UTC") },
    fcrWindowMs: 7 * 86_400_000,
    logger: createLogger("silent"),
    leaseMs: 1_500,
  });
  consumer.start();
  const sold = async () => (await runReport(store, { timeZone: "UTC", formula: "abandons-against", intervalRetentionMs: 35 * 86_400_000 }, { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000, by: "site" })).total.offersSold;
  const sell = (n: number) => events.append({ type: "offer", at: Date.now(), callId: `c${n}`, agentId: "a1", queue: "support", lane: "standard", offerId: "o1", outcome: "sold", value: 5 });
  await sell(1);
  await waitFor("the first sale folded", async () => (await sold()) === 1);

  await server.restart();
  await waitFor("Redis back", async () => (await redis!.ping().catch(() => "")) === "PONG");
  expect(await sold()).toBe(0); // everything was lost with the data
  await sell(2);
  await sell(3);
  await waitFor("the sales after the restart folded", async () => (await sold()) === 2, 30_000);
});
