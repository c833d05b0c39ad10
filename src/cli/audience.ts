import { InvalidArgumentError, type Command } from "commander";
import { Redis } from "ioredis";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { CustomerFileError, loadCustomersFile } from "../crm/file-store.js";
import { AudienceConditionError, audienceMembers, AudienceStoppedError, csvHeader, csvRow, compileAudience, MemoryAudienceSource, runAudience, sinceMs, type AudienceResult, type AudienceSource } from "../outbound/audience.js";
import { AudienceIndex, redisCrmCustomers } from "../outbound/audience-store.js";
import { usageExitCode } from "./usage-errors.js";

/**
 * `switchboard audience preview '<cel>'`: how many customers a condition over their record and calls
 * selects, and a sample (or, with --format csv, all of them), from the audience index in the Redis the
 * config names, or from a customers file. `switchboard audience index [file]` (re)builds that index from
 * a customers file or the configured CRM. Exit 1: the condition or the data has a problem; 2: the
 * command line is wrong.
 */

interface PreviewOpts {
  config: string;
  since: string;
  sample: number;
  format: "table" | "csv";
  limit?: number;
  customers?: string;
  site: string;
  timeout: number;
}

const count = (what: string, ok: (v: number) => boolean) => (raw: string) => {
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(v) || !ok(v)) throw new InvalidArgumentError(`expected ${what}`);
  return v;
};
const since = (raw: string) => {
  try {
    sinceMs(raw);
    return raw;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

/** Exit 1 with a message (the data, Redis or the condition). */
class Failure extends Error {}

export function register(program: Command): void {
  const audience = program.command("audience").description("audiences: customers selected by a CEL condition over their record and calls");
  usageExitCode(audience);
  const preview = audience
    .command("preview")
    .description("count the customers a condition selects and show a sample (or all of them as CSV)")
    .argument("<condition>", 'CEL giving true or false, e.g. \'calls.exists(c, c.reason == "technical support")\'')
    .option("--since <window>", "calls reach this far back: 12h, 30d, 8w, or all", since, "30d")
    .option("--sample <n>", "matches to show (table)", count("a whole number from 0 to 100", (v) => v >= 0 && v <= 100), 10)
    .option("--format <format>", "table (count and sample) or csv (every match, for an export)", (v) => {
      if (v !== "table" && v !== "csv") throw new InvalidArgumentError('expected "table" or "csv"');
      return v;
    }, "table")
    .option("--limit <n>", "stop after this many matches", count("a whole number above 0", (v) => v > 0))
    .option("--customers <file>", "read a customers file (config/customers.yaml format) instead of the index in Redis")
    .option("--site <site>", "the site whose index is read (the queues' site)", "main")
    .option("--timeout <s>", "give up after this many seconds", count("a whole number of seconds above 0", (v) => v > 0), 120)
    .option("-c, --config <file>", "config file naming redis.url, redis.keyPrefix and express", "config/switchboard.yaml")
    .addHelpText("after", "\nNames: customer, calls (within --since, newest first), history (every indexed call), now. Fields: docs/outbound-audiences.md.")
    .action(async (condition: string, opts: PreviewOpts) => {
      try {
        await runPreview(condition, opts);
      } catch (err) {
        fail("preview", err);
      }
    });
  usageExitCode(preview);

  const index = audience
    .command("index")
    .description("(re)build the audience index from a customers file, or from the configured CRM (crm.store file or redis)")
    .argument("[file]", "customers file (default: the config's CRM)")
    .option("--site <site>", "the site whose index is written", "main")
    .option("-c, --config <file>", "config file naming redis.url, redis.keyPrefix and crm", "config/switchboard.yaml")
    .action(async (file: string | undefined, opts: { config: string; site: string }) => {
      try {
        await runIndex(file, opts);
      } catch (err) {
        fail("index", err);
      }
    });
  usageExitCode(index);
}

async function runPreview(condition: string, opts: PreviewOpts): Promise<void> {
  let compiled;
  try {
    compiled = compileAudience(condition, opts.since);
  } catch (err) {
    if (err instanceof AudienceConditionError) throw new Failure(`${err.format()}\n${err.pointer()}`);
    throw err;
  }
  const config = configOrFail(opts.config);
  const run = { express: config.express, timeoutMs: opts.timeout * 1000 };
  await withSource(config, opts, async (source) => {
    if (opts.format === "csv") {
      let rows = 0;
      let buffer = csvHeader();
      for await (const m of audienceMembers(source, compiled, run)) {
        buffer += csvRow(m);
        if (buffer.length >= 64_000) {
          await write(buffer);
          buffer = "";
        }
        if (opts.limit !== undefined && ++rows >= opts.limit) break;
      }
      await write(buffer);
      return;
    }
    const r = await runAudience(source, compiled, { ...run, sample: opts.sample, ...(opts.limit === undefined ? {} : { limit: opts.limit }) });
    process.stdout.write(table(condition, r));
  });
}

async function withSource(config: Config, opts: { customers?: string; site: string }, use: (source: AudienceSource) => Promise<void>): Promise<void> {
  if (opts.customers) return use(new MemoryAudienceSource(customersFile(opts.customers)));
  await withRedis(config, (redis) => use(new AudienceIndex(redis, config.redis.keyPrefix, opts.site)));
}

async function runIndex(file: string | undefined, opts: { config: string; site: string }): Promise<void> {
  const config = configOrFail(opts.config);
  if (file === undefined && config.crm.store === "http") throw new Failure('an HTTP CRM cannot be listed: give a customers file, or let the index fill as calls are written (docs/outbound-audiences.md)');
  await withRedis(config, async (redis) => {
    const index = new AudienceIndex(redis, config.redis.keyPrefix, opts.site);
    let n = 0;
    if (file !== undefined || config.crm.store === "file") {
      const list = customersFile(file ?? config.crm.file);
      for (let i = 0; i < list.length; i += 1000) n += await index.indexCustomers(list.slice(i, i + 1000));
    } else {
      for await (const batch of redisCrmCustomers(redis, config.redis.keyPrefix)) n += await index.indexCustomers(batch);
    }
    const size = await index.size();
    process.stdout.write(`indexed ${n.toLocaleString("en")} customer${n === 1 ? "" : "s"} for site "${opts.site}" (index: ${size.customers.toLocaleString("en")} customers, ${size.withCalls.toLocaleString("en")} with calls)\n`);
  });
}

/** Writes to stdout, waiting when the pipe is full (a large export into `head` or a slow disk). */
async function write(text: string): Promise<void> {
  if (text && !process.stdout.write(text)) await new Promise((r) => process.stdout.once("drain", r));
}

function table(condition: string, r: AudienceResult): string {
  const s = r.stats;
  const lines = [
    `condition: ${condition.replace(/\s+/g, " ")}`,
    `calls since ${r.window.from ?? "the first indexed call"} (${r.since}), now ${r.window.to}`,
    `${r.complete ? "" : "at least "}${r.count.toLocaleString("en")} customer${r.count === 1 ? "" : "s"} match, of ${s.scanned.toLocaleString("en")} looked at (${s.entries.toLocaleString("en")} calls read, ${s.evaluated.toLocaleString("en")} evaluated) in ${(r.ms / 1000).toFixed(2)} s`,
  ];
  if (s.errors) lines.push(`${s.errors.toLocaleString("en")} evaluation${s.errors === 1 ? "" : "s"} failed and counted as no match; first: ${s.firstError}`);
  if (s.withoutRecord) lines.push(`${s.withoutRecord.toLocaleString("en")} customers with calls have no record in the index (switchboard audience index)`);
  if (s.unreadable) lines.push(`${s.unreadable.toLocaleString("en")} records in the index could not be read`);
  if (r.sample.length) {
    const rows = [["id", "name", "phone", "tier", "calls", "last call"], ...r.sample.map((m) => [m.id, m.name, m.phones[0] ?? "", m.tier, String(m.calls), m.lastCall ?? ""])];
    const widths = rows[0]!.map((_, i) => Math.min(40, Math.max(...rows.map((row) => row[i]!.length))));
    lines.push("", `sample (${r.sample.length}):`, ...rows.map((row) => `  ${row.map((c, i) => c.slice(0, 40).padEnd(widths[i]!)).join("  ").trimEnd()}`));
  }
  return `${lines.join("\n")}\n`;
}

function configOrFail(file: string): Config {
  try {
    return loadConfig(file);
  } catch (err) {
    throw new Failure((err as Error).message);
  }
}

function customersFile(file: string) {
  try {
    return loadCustomersFile(file, new Date());
  } catch (err) {
    throw new Failure(err instanceof CustomerFileError ? err.message : `cannot read ${file}: ${(err as Error).message}`);
  }
}

async function withRedis(config: Config, use: (redis: Redis) => Promise<void>): Promise<void> {
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  let connectError: Error | undefined;
  redis.on("error", (err: Error) => (connectError ??= err)); // reported below, with its cause
  try {
    try {
      await redis.connect();
    } catch (err) {
      // the URL may carry a password: the error names host and port only
      throw new Failure(`cannot reach Redis: ${(connectError ?? (err as Error)).message}`);
    }
    await use(redis);
  } finally {
    redis.disconnect();
  }
}

function fail(verb: string, err: unknown): void {
  const known = err instanceof Failure || err instanceof AudienceStoppedError;
  process.stderr.write(`switchboard audience ${verb}: ${known ? (err as Error).message : `failed: ${(err as Error).message}`}\n`);
  process.exitCode = 1;
}
