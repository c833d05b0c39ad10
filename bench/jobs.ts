/**
 * Lead hand-off throughput and latency: publish → signed POST arriving at a loopback webhook.
 *
 *   npx tsx bench/jobs.ts [--leads 5000] [--concurrency 4] [--inflight 32]
 *
 * A fresh loopback redis-server (or REDIS_URL) and a real HTTP receiver that verifies every signature.
 * Phase 1 publishes one lead at a time (publish latency); phase 2 publishes `inflight` at a time (publish
 * throughput). Both phases are delivered while they are published; the receiver records, per lead,
 * the time from the start of its publish() to the request's arrival. Prints p50/p99/max and deliveries/s.
 */
import http from "node:http";
import os from "node:os";
import * as hdr from "hdr-histogram-js";
import { JobHub, verifySignature, type LeadPayload } from "../src/jobs/index.js";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { freePort } from "../src/lib/net.js";
import { arg } from "./args.js";

const LEADS = arg("leads", 5000);
const CONCURRENCY = arg("concurrency", 4);
const INFLIGHT = arg("inflight", 32);
const SECRET = "bench-secret";

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
const ms = (us: number) => (us / 1000).toFixed(2);

const lead = (i: number): LeadPayload => ({
  idempotencyKey: `bench-call-${i}:upgrade`,
  occurredAt: new Date().toISOString(),
  callId: `bench-call-${i}`,
  customer: { id: `C-${i}`, name: `Customer ${i}`, phone: `+4930${i}` },
  offer: { id: "upgrade-pro5", title: "Upgrade to Pro 5.0", value: 249 },
  agent: { id: "alice" },
});

async function main() {
  const local = process.env.REDIS_URL ? undefined : await startLocalRedis();
  const redisUrl = process.env.REDIS_URL ?? local!.url;

  const started = new Map<string, bigint>();
  const endToEnd = histogram();
  let arrived = 0;
  let badSignatures = 0;
  let allArrived: () => void = () => {};
  const done = new Promise<void>((r) => (allArrived = r));
  const port = await freePort();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      if (!verifySignature(raw, req.headers["x-switchboard-signature"] as string, SECRET)) badSignatures += 1;
      const t0 = started.get(String(req.headers["idempotency-key"]));
      if (t0 !== undefined) endToEnd.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
      res.writeHead(204).end();
      if (++arrived === LEADS) allArrived();
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));

  const hub = new JobHub({
    redisUrl,
    prefix: `bench:${Date.now()}:`,
    env: { BENCH_SECRET: SECRET },
    config: { concurrency: CONCURRENCY, webhooks: { leads: { url: `http://127.0.0.1:${port}/leads`, secretEnv: "BENCH_SECRET" } } },
  });
  await hub.ready();

  const publish = histogram();
  const one = async (i: number) => {
    const p = lead(i);
    const t0 = process.hrtime.bigint();
    started.set(p.idempotencyKey, t0);
    await hub.publish("lead", p);
    publish.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
  };

  const half = Math.floor(LEADS / 2);
  const t0 = performance.now();
  for (let i = 0; i < half; i++) await one(i);
  const tSerial = performance.now();
  let next = half;
  await Promise.all(Array.from({ length: INFLIGHT }, async () => { while (next < LEADS) await one(next++); }));
  const tPublished = performance.now();
  await done;
  const tDone = performance.now();
  // The last arrivals may not be marked completed yet: wait for the worker to record them.
  let counts = (await hub.counts()).lead;
  while (counts.completed + counts.failed < LEADS) {
    await new Promise((r) => setTimeout(r, 20));
    counts = (await hub.counts()).lead;
  }
  await hub.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await local?.stop();

  console.log(`jobs bench: ${LEADS} leads, worker concurrency ${CONCURRENCY}, node ${process.version}, ${os.cpus().length} cpus`);
  console.log(`publish one at a time:   ${(half / ((tSerial - t0) / 1000)).toFixed(0)} /s`);
  console.log(`publish ${INFLIGHT} in flight:     ${((LEADS - half) / ((tPublished - tSerial) / 1000)).toFixed(0)} /s`);
  console.log(`publish latency ms:      p50 ${ms(publish.getValueAtPercentile(50))}  p99 ${ms(publish.getValueAtPercentile(99))}  max ${ms(publish.maxValue)}`);
  console.log(`delivered:               ${arrived} in ${((tDone - t0) / 1000).toFixed(2)} s = ${(arrived / ((tDone - t0) / 1000)).toFixed(0)} /s (completed ${counts.completed}, failed ${counts.failed}, bad signatures ${badSignatures})`);
  console.log(`publish -> arrival ms:   p50 ${ms(endToEnd.getValueAtPercentile(50))}  p99 ${ms(endToEnd.getValueAtPercentile(99))}  max ${ms(endToEnd.maxValue)}  (includes queueing behind earlier leads)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
