import type { Command } from "commander";
import { Redis } from "ioredis";
import { loadConfig } from "../config/load.js";
import { formatReport, MetricsStore, parseWhen, REPORT_BY, runReport } from "../metrics/index.js";
import { QueueKeys } from "../queue/index.js";
import { usageExitCode } from "./usage-errors.js";

/**
 * `switchboard report --from --to [--by ...] [--format table|csv|json]`: the KPIs of a period from the
 * aggregates in the Redis the config names (what the admin API's /admin/reports gives).
 */
interface ReportOptions {
  config: string;
  from: string;
  to: string;
  by: string;
  queue?: string;
  format: string;
}

export function register(program: Command): void {
  const command = program
    .command("report")
    .description("KPIs of a period by queue, lane, agent (with scorecards), offer, interval or day")
    .requiredOption("--from <when>", "start: YYYY-MM-DD (the day's start in metrics.timeZone), an ISO date-time, today or now")
    .option("--to <when>", "end: YYYY-MM-DD (through that day), an ISO date-time, today or now", "now")
    .option("--by <what>", `grouping: ${REPORT_BY.join(", ")}`, "queue")
    .option("--queue <queue>", "with --by day or interval: that queue's rows instead of the site's")
    .option("--format <format>", "table, csv or json", "table")
    .option("-c, --config <file>", "config file naming redis.url, redis.keyPrefix and the metrics section", "config/switchboard.yaml")
    .addHelpText("after", "\nThe URL of a Redis with a password comes from the environment: SWITCHBOARD__REDIS__URL. Definitions: docs/kpis.md.")
    .action(async (opts: ReportOptions) => {
      if (!(REPORT_BY as readonly string[]).includes(opts.by)) return usage(`--by must be one of ${REPORT_BY.join(", ")} (got "${opts.by}")`);
      if (!["table", "csv", "json"].includes(opts.format)) return usage(`--format must be table, csv or json (got "${opts.format}")`);
      let config;
      try {
        config = loadConfig(opts.config);
      } catch (err) {
        return fail((err as Error).message);
      }
      const m = config.metrics;
      let from: number;
      let to: number;
      try {
        from = parseWhen(opts.from, m.timeZone, false);
        to = parseWhen(opts.to, m.timeZone, true);
      } catch (err) {
        return usage((err as Error).message);
      }
      if (to <= from) return usage("--to must be after --from");
      const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
      let connectError: Error | undefined;
      redis.on("error", (err: Error) => (connectError ??= err));
      try {
        try {
          await redis.connect();
        } catch (err) {
          throw new Error(`cannot reach Redis: ${(connectError ?? (err as Error)).message}`);
        }
        const store = new MetricsStore(redis, new QueueKeys(config.redis.keyPrefix, "main").base, { intervalMs: m.retention.intervalDays * 86_400_000, dayMs: m.retention.dayDays * 86_400_000 });
        const report = await runReport(store, { timeZone: m.timeZone, formula: m.serviceLevelFormula, intervalRetentionMs: m.retention.intervalDays * 86_400_000 }, { from, to, by: opts.by as (typeof REPORT_BY)[number], ...(opts.queue ? { queue: opts.queue } : {}) });
        process.stdout.write(formatReport(report, opts.format as "table"));
      } catch (err) {
        fail((err as Error).message);
      } finally {
        redis.disconnect();
      }
    });
  usageExitCode(command);
}

function usage(message: string): void {
  process.stderr.write(`switchboard report: ${message}\n`);
  process.exitCode = 2;
}

function fail(message: string): void {
  process.stderr.write(`switchboard report: ${message}\n`);
  process.exitCode = 1;
}
