import { InvalidArgumentError, type Command } from "commander";
import { agentsNeeded, StaffingInputError, type StaffingResult } from "../metrics/staffing/erlang.js";
import { usageExitCode } from "./usage-errors.js";

/**
 * `switchboard staffing`: how many agents an interval needs to meet a service level target, by Erlang C
 * or, given a mean patience, Erlang A. Everything comes from the command line, so every input problem
 * is a usage error (exit 2).
 */

interface Target {
  percent: number;
  seconds: number;
}

interface Opts {
  calls: number;
  interval: number;
  aht: number;
  target: Target;
  shrinkage?: number;
  patience?: number;
  maxOccupancy?: number;
  maxAbandon?: number;
  json?: boolean;
}

function numberArg(expected: string, ok: (v: number) => boolean): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(v) || !ok(v)) throw new InvalidArgumentError(`expected ${expected}`);
    return v;
  };
}

/** "80/20", "80%/20s": the share of calls to answer and within how many seconds. */
export function parseTarget(raw: string): Target {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*\/\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(raw);
  const percent = Number(m?.[1]);
  if (!m || !(percent > 0 && percent < 100)) throw new InvalidArgumentError("expected <percent>/<seconds> with a percent above 0 and below 100, like 80/20");
  return { percent, seconds: Number(m[2]) };
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

function text(r: StaffingResult, o: Opts): string {
  const shrinkage = o.shrinkage ?? 0;
  const lines = [
    `agents: ${r.agents}`,
    `agents on the phones: ${r.agentsOnPhones}${shrinkage > 0 ? ` (after ${pct(shrinkage)} shrinkage)` : ""}`,
    `traffic: ${r.trafficErlangs.toFixed(2)} erlangs (${o.calls} calls in ${o.interval} min, AHT ${o.aht} s)`,
    `service level: ${pct(r.serviceLevel)} answered within ${o.target.seconds} s (target ${o.target.percent}%)`,
    `ASA: ${r.asa.toFixed(1)} s`,
    `occupancy: ${pct(r.occupancy)}`,
  ];
  if (r.abandonRate !== undefined) lines.push(`abandoned: ${pct(r.abandonRate)} of calls`);
  lines.push(r.model === "erlang-a" ? `model: erlang-a (callers hang up after ${o.patience} s on average)` : "model: erlang-c (callers wait until answered)");
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  const command = program
    .command("staffing")
    .description("agents needed for an interval to meet a service level target (Erlang C, or Erlang A with --patience)")
    .requiredOption("--calls <n>", "calls offered in the interval", numberArg("a number of calls, 0 or more", (v) => v >= 0))
    .requiredOption("--interval <minutes>", "length of the interval", numberArg("a number of minutes above 0", (v) => v > 0))
    .requiredOption("--aht <s>", "average handle time: talk plus wrap-up, seconds", numberArg("a number of seconds above 0", (v) => v > 0))
    .requiredOption("--target <pct>/<s>", "service level target: percent of calls answered within seconds, like 80/20", parseTarget)
    .option("--shrinkage <0..1>", "share of paid time away from the phones (breaks, training), like 0.3", numberArg("a share from 0 up to (not including) 1, like 0.3", (v) => v >= 0 && v < 1))
    .option("--patience <s>", "mean time callers wait before hanging up: switches to Erlang A", numberArg("a number of seconds above 0", (v) => v > 0))
    .option("--max-occupancy <0..1>", "keep agents' occupancy at or below this share, like 0.85", numberArg("a share above 0 and at most 1, like 0.85", (v) => v > 0 && v <= 1))
    .option("--max-abandon <0..1>", "with --patience: keep the share of callers who hang up at or below this, like 0.05", numberArg("a share above 0 and below 1, like 0.05", (v) => v > 0 && v < 1))
    .option("--json", "print the result as JSON")
    .addHelpText("after", "\n  switchboard staffing --calls 100 --interval 30 --aht 180 --target 80/20\n  switchboard staffing --calls 100 --interval 30 --aht 180 --target 80/20 --shrinkage 0.3 --patience 120\n\nExit code 2 for a wrong command line.")
    .action((opts: Opts) => {
      let result: StaffingResult;
      try {
        result = agentsNeeded({
          callsPerInterval: opts.calls,
          intervalSeconds: opts.interval * 60,
          ahtSeconds: opts.aht,
          target: opts.target,
          ...(opts.shrinkage === undefined ? {} : { shrinkage: opts.shrinkage }),
          ...(opts.patience === undefined ? {} : { patienceSeconds: opts.patience }),
          ...(opts.maxOccupancy === undefined ? {} : { maxOccupancy: opts.maxOccupancy }),
          ...(opts.maxAbandon === undefined ? {} : { maxAbandonRate: opts.maxAbandon }),
        });
      } catch (err) {
        if (!(err instanceof StaffingInputError || err instanceof RangeError)) throw err;
        process.stderr.write(`switchboard staffing: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      const { json: _json, ...input } = opts;
      process.stdout.write(opts.json ? `${JSON.stringify({ ...result, input }, null, 2)}\n` : text(result, opts));
      process.exitCode = 0;
    });
  usageExitCode(command);
}
