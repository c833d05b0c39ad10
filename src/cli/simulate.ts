import { Option, type Command } from "commander";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parse as parseYaml } from "yaml";
import { AppointmentCalendar } from "../callbacks/calendar.js";
import { spokenSlot } from "../callbacks/slot-speech.js";
import { saleTermsFor } from "../calls/express-sale.js";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { ExpressConfig } from "../crm/express-config.js";
import { expressStatus, type ExpressFacts } from "../crm/express.js";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import type { OfferedSlot } from "../ivr/engine/index.js";
import { simulateCall, scriptedKeys, type KeySource, type SimulateOptions } from "../ivr/engine/simulate.js";
import { outcomeText, pathChoices, transcript } from "../ivr/engine/transcript.js";
import { loadTreeSources, treeName } from "../ivr/load.js";
import { InputError, treeGroups } from "./ivr-inputs.js";
import { usageExitCode } from "./usage-errors.js";

interface Opts {
  dir: string;
  caller: string;
  did?: string;
  customer?: string;
  input?: string;
  interactive?: boolean;
  lookup: "found" | "not-found" | "error" | "timeout";
  queue: "answered" | "timeout" | "empty" | "full" | "callback";
  admission: "open" | "closed" | "timeout";
  config: string;
  json?: boolean;
}

/** The command line is wrong (exit 2); InputError means the named tree is missing (exit 1). */
class UsageError extends Error {}

/** `--customer` takes JSON or a JSON/YAML file holding one record, as trees see `customer`. */
function readCustomer(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = value.trim().startsWith("{") ? JSON.parse(value) : parseYaml(readFileSync(value, "utf8"));
  } catch (err) {
    throw new UsageError(`--customer: ${existsSync(value) || value.trim().startsWith("{") ? (err as Error).message : `${value}: no such file`}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new UsageError("--customer must be one object (a customer record)");
  return parsed as Record<string, unknown>;
}

/** A tree file, or a tree name inside --dir. */
function resolveTree(tree: string, dir: string): { file: string; name: string } {
  if (existsSync(tree) && statSync(tree).isFile()) return { file: tree, name: treeName(tree) };
  for (const ext of [".yaml", ".yml"]) {
    const file = path.join(dir, `${tree}${ext}`);
    if (existsSync(file)) return { file, name: tree };
  }
  throw new InputError(`${tree}: no such tree file, and no ${tree}.yaml in ${dir}`);
}

function interactiveKeys(): KeySource & { close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return {
    async next({ state }) {
      const answer = await rl.question(`keys at ${state.node} (Enter or "." for silence): `).catch(() => null);
      return answer === null ? null : answer.trim() || ".";
    },
    close: () => rl.close(),
  };
}

/** The daemon's express rule and upgrade terms (config `express`), as a call on the daemon would get them. */
function readConfig(file: string): Config {
  try {
    return loadConfig(file);
  } catch (err) {
    throw new UsageError(`--config: ${(err as Error).message}`);
  }
}

/** Appointment nodes are offered the next slots of the config's calendar as if nothing were booked yet. */
function emptyCalendar(calendars: Config["appointments"]): (queue: string, count: number) => OfferedSlot[] {
  return (queue, count) => {
    const plan = calendars[queue];
    if (!plan) return [];
    const now = Date.now();
    const cal = new AppointmentCalendar(plan);
    return cal
      .bookable(now)
      .slice(0, count)
      .map((s) => ({ start: s.start, ...spokenSlot(s.start, now, cal.config.timeZone) }));
  };
}

/** The record as the daemon's lookup gives it to trees: `express` and `expressReason` by the config's rule. */
function withExpress(record: Record<string, unknown>, express: ExpressConfig): Record<string, unknown> {
  const facts: ExpressFacts = { express: record.express === true, tier: typeof record.tier === "string" ? record.tier : "standard", subscription: record.subscription as ExpressFacts["subscription"] };
  const status = expressStatus(facts, express, new Date());
  const { expressReason: _old, ...rest } = record;
  return { ...rest, express: status.express, ...(status.reason ? { expressReason: status.reason } : {}) };
}

function lookupAnswer(opts: Opts, customer: Record<string, unknown> | undefined): SimulateOptions["lookup"] {
  if (opts.lookup === "error") return { error: "simulated CRM failure" };
  if (opts.lookup === "timeout") return { timeout: true };
  if (opts.lookup === "not-found" || !customer) return { notFound: true };
  return { found: customer };
}

export function register(program: Command): void {
  const command = program
    .command("simulate")
    .description("walk an IVR tree as a call would, printing each prompt, key, branch and the final action")
    .argument("<tree>", "a tree file, or a tree name in --dir")
    .option("--dir <dir>", "tree directory (for tree names and cross-file gotos)", "ivr-trees")
    .option("--caller <number>", "caller number (call.callerNumber)", "5550100")
    .option("--did <number>", "dialled number (call.did)")
    .option("--customer <json|file>", "the CRM record the lookup finds (JSON, or a JSON/YAML file)")
    .option("--input <keys>", 'keys the caller presses, one group per input: "9,1,12345678#"; "." is silence')
    .option("--interactive", "ask for the keys at each input instead")
    .addOption(new Option("--lookup <result>", "what lookups answer").choices(["found", "not-found", "error", "timeout"]).default("found"))
    .addOption(new Option("--queue <result>", "what the queue does with the caller").choices(["answered", "timeout", "empty", "full", "callback"]).default("answered"))
    .addOption(new Option("--admission <answer>", "what the queue answers an admission node").choices(["open", "closed", "timeout"]).default("open"))
    .option("-c, --config <file>", "daemon config: the express rule for --customer and the upgrade's terms", "config/switchboard.yaml")
    .option("--json", "print the final state and every step as JSON")
    .addHelpText("after", '\nExamples:\n  switchboard simulate main --input "9,1,12345678#"\n  switchboard simulate main --customer \'{"tier":"gold"}\'\n  switchboard simulate main --lookup not-found --admission closed --input 9\n  switchboard simulate ivr-trees/main.yaml --lookup timeout --queue empty')
    .action(async (tree: string, opts: Opts) => {
      let keys: KeySource & { close?(): void };
      let customer: Record<string, unknown> | undefined;
      let target: { file: string; name: string };
      let express: ExpressConfig;
      let calendars: Config["appointments"];
      try {
        if (opts.input !== undefined && opts.interactive) throw new UsageError("give --input or --interactive, not both");
        keys = opts.interactive ? interactiveKeys() : scriptedKeys(opts.input ?? "");
        ({ express, appointments: calendars } = readConfig(opts.config));
        customer = opts.customer === undefined ? undefined : withExpress(readCustomer(opts.customer), express);
        target = resolveTree(tree, opts.dir);
      } catch (err) {
        process.stderr.write(`switchboard simulate: ${(err as Error).message}\n`);
        process.exitCode = err instanceof InputError ? 1 : 2;
        return;
      }
      const { set, diagnostics } = loadTreeSources(treeGroups([target.file])[0]!.sources);
      if (!set) {
        for (const d of diagnostics.filter((x) => x.severity === "error")) process.stderr.write(`${formatDiagnostic(d)}\n`);
        process.stderr.write(`switchboard simulate: the trees have errors; fix them first (switchboard validate ${path.dirname(target.file)})\n`);
        process.exitCode = 1;
        return;
      }
      const call = { callId: "simulated", callerNumber: opts.caller, ...(opts.did ? { did: opts.did } : {}) };
      try {
        const sales = saleTermsFor(express, opts.caller);
        const result = await simulateCall(set, target.name, call, keys, { lookup: lookupAnswer(opts, customer), queue: opts.queue, admission: opts.admission, appointments: emptyCalendar(calendars), ...(sales ? { sales } : {}) });
        if (opts.json) {
          const { state } = result;
          process.stdout.write(`${JSON.stringify({ outcome: state.outcome ?? null, node: state.node, vars: state.vars, path: state.path, truncated: result.truncated, steps: result.lines }, null, 2)}\n`);
        } else {
          process.stdout.write(`${transcript(result.lines).join("\n")}\nResult: ${outcomeText(result.state)}\n`);
          const choices = pathChoices(result.state.path);
          process.stdout.write(`Path: ${choices.join(" > ") || "(no choices)"}\nVars: ${JSON.stringify(result.state.vars)}\n`);
          if (result.truncated) process.stdout.write("Stopped: the event limit ran out before the call ended\n");
        }
        if (result.state.outcome?.kind === "error") process.exitCode = 1;
      } finally {
        keys.close?.();
      }
    });
  usageExitCode(command);
}
