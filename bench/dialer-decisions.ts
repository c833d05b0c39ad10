/**
 * Compliance decisions per second, the dialer's gate before each outbound attempt:
 *
 *   node --import tsx bench/dialer-decisions.ts [--decisions 200000] [--redis-decisions 50000] [--concurrency 32] [--dnc 100000] [--seconds 30]
 *
 *   pure        checkAttempt alone on this core, one at a time: --decisions over a fixed mix of numbers
 *               (Berlin, Hamburg and German mobiles; the US with and without the record's zone, so all
 *               eight zones; AT, CH, FR, GB, AU; a few unreadable), moments across a fortnight, campaign /
 *               web lead / call back: decisions/s, p50/p99 per decision
 *   dnc+log     the same mix with the do-not-call lookup (SISMEMBER) before and the attempt-log append
 *               (XADD in a MULTI, plus the lead's counter when allowed) after, --concurrency in flight on
 *               one client: decisions/s, p50/p99 per decision
 *   full gate   dnc+log plus reading the lead's earlier attempts (the caps) before the check
 *
 * Starts its own redis-server on a free loopback port (no persistence), loads a --dnc number list by
 * CSV import first (timed), and stops it; each phase ends after its count or --seconds.
 */
import os from "node:os";
import * as hdr from "hdr-histogram-js";
import { Redis } from "ioredis";
import { startLocalRedis } from "../src/lib/redis-server.js";
import { SeededRandom } from "../src/lib/seeded-random.js";
import { AttemptLog, decisionEntry } from "../src/outbound/attempt-log.js";
import { checkAttempt, type AttemptInput } from "../src/outbound/compliance.js";
import { complianceConfigSchema } from "../src/outbound/config.js";
import { DncStore } from "../src/outbound/dnc-store.js";
import { arg } from "./args.js";

const DECISIONS = arg("decisions", 200_000);
const REDIS_DECISIONS = arg("redis-decisions", 50_000);
const CONCURRENCY = arg("concurrency", 32);
const DNC = arg("dnc", 100_000);
const SECONDS = arg("seconds", 30);
const rnd = new SeededRandom(11);
const cfg = complianceConfigSchema.parse({ holidays: { DE: ["2026-04-03", "2026-04-06"] } });

const hist = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const digits = (n: number) => String(rnd.int(10 ** (n - 1), 10 ** n - 1));

type Drawn = AttemptInput & { leadId: string; campaign?: string };

function number(): { number: string; recordZone?: string } {
  const r = rnd.next();
  if (r < 0.3) return { number: `030 ${digits(7)}` };
  if (r < 0.45) return { number: `+49 40 ${digits(7)}` };
  if (r < 0.6) return { number: `+49 151 ${digits(8)}` };
  if (r < 0.68) return { number: `+1 212 ${rnd.int(200, 999)} ${digits(4)}`, recordZone: rnd.pick(["America/New_York", "America/Chicago", "America/Los_Angeles"]) };
  if (r < 0.75) return { number: `+1 415 ${rnd.int(200, 999)} ${digits(4)}` };
  if (r < 0.8) return { number: `+43 1 ${digits(7)}` };
  if (r < 0.84) return { number: `+41 44 ${digits(7)}` };
  if (r < 0.88) return { number: `+33 1 ${digits(8)}` };
  if (r < 0.93) return { number: `+44 20 ${digits(8)}` };
  if (r < 0.97) return { number: `+61 4${digits(8)}` };
  return { number: rnd.pick(["n/a", "+49 1", "0800"]) };
}

/** A fixed pool of inputs, cycled, so drawing them is not timed. */
function pool(size: number, start: number): Drawn[] {
  return Array.from({ length: size }, (_, i) => {
    const kind = rnd.pick(["campaign", "campaign", "campaign", "web-lead", "callback"] as const);
    const now = start + rnd.int(0, 14 * 86_400_000);
    return {
      ...number(),
      now,
      kind,
      ...(kind === "web-lead" && { consent: rnd.chance(0.95) }),
      attempts: { total: rnd.int(0, 11), recent: rnd.chance(0.5) ? [now - rnd.int(60_000, 40 * 3_600_000)] : [] },
      ...(kind === "campaign" && { abandon: { connected: 10_000, abandoned: rnd.int(0, 350) }, campaign: `c${i % 8}` }),
      dnc: false,
      leadId: `lead-${i}`,
    };
  });
}

interface Phase {
  n: number;
  allowed: number;
  seconds: number;
  /** This process's CPU time (user + system), s: on a busy machine a steadier measure than the wall clock. */
  cpuSeconds: number;
  latency: hdr.Histogram;
}

function timed<T extends Phase>(p: T, run: () => void): T;
function timed<T extends Phase>(p: T, run: () => Promise<void>): Promise<T>;
function timed<T extends Phase>(p: T, run: () => void | Promise<void>): T | Promise<T> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const done = () => {
    p.seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    p.cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return p;
  };
  const r = run();
  return r instanceof Promise ? r.then(done) : done();
}

function report(name: string, p: Phase): string {
  const q = (x: number) => (p.latency.getValueAtPercentile(x) / 1000).toFixed(1);
  return [
    `${name}: ${fmt(p.n)} decisions in ${p.seconds.toFixed(2)} s = ${fmt(p.n / p.seconds)} decisions/s (${((100 * p.allowed) / p.n).toFixed(1)}% allowed)`,
    `    per decision p50 ${q(50)} µs, p99 ${q(99)} µs, max ${(p.latency.maxValue / 1000).toFixed(1)} µs; this process ${((p.cpuSeconds * 1e6) / p.n).toFixed(1)} µs CPU per decision (${fmt(p.n / p.cpuSeconds)} per CPU-second)`,
  ].join("\n");
}

function pure(inputs: Drawn[], count: number, deadline: number): Phase {
  const p: Phase = { n: 0, allowed: 0, seconds: 0, cpuSeconds: 0, latency: hist() };
  for (let i = 0; i < 2_000; i++) checkAttempt(inputs[i % inputs.length]!, cfg); // warm the formatters and the JIT
  return timed(p, () => {
    while (p.n < count && (p.n % 1024 !== 0 || Date.now() < deadline)) {
      const input = inputs[p.n % inputs.length]!;
      const s = process.hrtime.bigint();
      const d = checkAttempt(input, cfg);
      p.latency.recordValue(Math.max(1, Number(process.hrtime.bigint() - s)));
      if (d.allowed) p.allowed++;
      p.n++;
    }
  });
}

async function gated(inputs: Drawn[], count: number, deadline: number, dnc: DncStore, log: AttemptLog, counts: boolean): Promise<Phase> {
  const p: Phase = { n: 0, allowed: 0, seconds: 0, cpuSeconds: 0, latency: hist() };
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      const { leadId, campaign, ...drawn } = inputs[i % inputs.length]!;
      const s = process.hrtime.bigint();
      const listed = await dnc.has(drawn.number);
      const attempts = counts ? await log.leadAttempts(leadId, drawn.now) : drawn.attempts;
      const input: AttemptInput = { ...drawn, dnc: listed, attempts };
      const d = checkAttempt(input, cfg);
      await log.appendDecision(decisionEntry({ id: `a${i}`, leadId, ...(campaign && { campaign }) }, input, d));
      p.latency.recordValue(Math.max(1, Number(process.hrtime.bigint() - s)));
      if (d.allowed) p.allowed++;
      p.n++;
    }
  };
  return timed(p, async () => {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  });
}

async function main(): Promise<void> {
  const inputs = pool(20_000, Date.parse("2026-03-23T00:00:00Z"));
  const pureRun = pure(inputs, DECISIONS, Date.now() + SECONDS * 1000);
  process.stdout.write(`dialer decisions: ${fmt(inputs.length)} drawn attempts cycled, node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} cores\n${report("pure", pureRun)}\n`);

  const server = await startLocalRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 2 });
  const stop = setTimeout(() => {
    process.stderr.write(`dialer-decisions bench: stopped after ${3 * SECONDS + 120} s\n`);
    process.exit(1);
  }, (3 * SECONDS + 120) * 1000);
  stop.unref();
  try {
    const dnc = new DncStore({ redis, keyPrefix: "bench:", site: "main", defaultCountry: "DE" });
    const log = new AttemptLog({ redis, keyPrefix: "bench:", site: "main", maxLen: 100_000, leadRetentionDays: 30, defaultCountry: "DE" });
    // a tenth of the drawn German fixed-line numbers are listed, the rest of the list is other numbers
    const listed = inputs.filter((x, i) => i % 10 === 0 && x.number.startsWith("030")).map((x) => x.number);
    const csv = ["phone", ...listed, ...Array.from({ length: Math.max(0, DNC - listed.length) }, () => `+49 89 ${digits(7)}`)].join("\n");
    const t0 = performance.now();
    const imported = await dnc.import(csv, { source: "bench", at: Date.now() });
    const importS = (performance.now() - t0) / 1000;
    process.stdout.write(`dnc import: ${fmt(imported.rows)} rows in ${importS.toFixed(2)} s = ${fmt(imported.rows / importS)} rows/s (${fmt(imported.added)} added, ${imported.invalid.length} invalid)\n`);

    const withLog = await gated(inputs, REDIS_DECISIONS, Date.now() + SECONDS * 1000, dnc, log, false);
    process.stdout.write(`${report(`dnc+log (${CONCURRENCY} in flight)`, withLog)}\n`);
    const full = await gated(inputs, REDIS_DECISIONS, Date.now() + SECONDS * 1000, dnc, log, true);
    process.stdout.write(`${report(`full gate (${CONCURRENCY} in flight)`, full)}\n`);
    process.stdout.write(`attempt stream: ${fmt(await redis.xlen(log.key))} entries (MAXLEN ~ 100,000)\n`);
  } finally {
    await redis.quit();
    await server.stop();
  }
}

await main();
