import { Option, type Command } from "commander";
import { Redis } from "ioredis";
import { enrichCustomer, type Customer } from "../crm/customer.js";
import { CustomerFileError, loadCustomersFile } from "../crm/file-store.js";
import { normalizePhone, phonesMatch } from "../crm/store.js";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import { OfferCaps } from "../offers/caps.js";
import { offerCallSchema } from "../offers/context.js";
import { loadOffers, type OfferRules } from "../offers/load.js";
import { evaluateOffers, type Evaluation, type SkippedOffer } from "../offers/rank.js";
import { usageExitCode } from "./usage-errors.js";

interface Opts {
  rules: string;
  customers: string;
  reason?: string;
  lane?: string;
  queue?: string;
  wait: string;
  redis?: string;
  keyPrefix: string;
  limit?: string;
  json?: boolean;
  check?: string | boolean;
}

/** Exit 1: the data or rules have a problem. Exit 2 is left to usage mistakes. */
class OffersError extends Error {}

function findCustomer(customers: readonly Customer[], key: string): Customer | undefined {
  const byId = customers.find((c) => c.id === key);
  if (byId) return byId;
  const phone = normalizePhone(key);
  return phone === "" ? undefined : customers.find((c) => c.phones.some((p) => phonesMatch(normalizePhone(p), phone)));
}

function rulesOrThrow(file: string): OfferRules {
  const loaded = loadOffers(file);
  if (!loaded.ok) throw new OffersError(`${loaded.diagnostics.map(formatDiagnostic).join("\n")}\n${file} has errors (switchboard offers --check ${file})`);
  return loaded.rules;
}

async function capsUsed(opts: Opts, rules: OfferRules, customerId: string, now: Date): Promise<Record<string, number> | undefined> {
  if (!opts.redis) return undefined;
  const redis = new Redis(opts.redis, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    return await new OfferCaps(redis, opts.keyPrefix).used(customerId, rules.offers.map((o) => o.rule.id), rules, now);
  } catch (err) {
    throw new OffersError(`cannot read offer caps from Redis at ${opts.redis}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

function why(s: SkippedOffer): string {
  switch (s.reason) {
    case "condition-false":
      return "condition false";
    case "capped":
      return `capped: presented ${s.used} of ${s.times} times in the last ${s.days} days`;
    case "error":
      return `evaluation error: ${s.message}`;
    case "over-limit":
      return `fits, but only the top ${s.limit} are shown`;
  }
}

function text(customer: Customer, rulesFile: string, result: Evaluation, capsChecked: boolean): string {
  const lines = [`${customer.id} ${customer.name} (${customer.phones.join(", ")}), rules ${rulesFile}`];
  lines.push(result.offers.length ? "fires:" : "fires: none");
  result.offers.forEach((o, i) => {
    lines.push(`  ${i + 1}. ${o.id}: ${o.title} [${o.kind}, ${o.value} ${o.currency}, priority ${o.priority}]`);
    for (const f of o.facts) lines.push(`       - ${f}`);
    lines.push(`       pitch: ${o.pitch}`);
  });
  if (result.skipped.length) lines.push("does not fire:");
  for (const s of result.skipped) lines.push(`  ${s.id}: ${why(s)}`);
  if (!capsChecked) lines.push("caps: not checked (pass --redis <url> to count earlier presentations)");
  return `${lines.join("\n")}\n`;
}

function check(file: string): void {
  const loaded = loadOffers(file);
  if (loaded.ok) {
    process.stdout.write(`${file}: ${loaded.rules.offers.length} offers, 0 errors\n`);
    process.exitCode = 0;
    return;
  }
  for (const d of loaded.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
  const errors = loaded.diagnostics.filter((d) => d.severity === "error").length;
  process.stdout.write(`${file}: ${errors} error${errors === 1 ? "" : "s"}\n`);
  process.exitCode = 1;
}

async function show(key: string, opts: Opts): Promise<void> {
  const now = new Date();
  const rules = rulesOrThrow(opts.rules);
  let customers: Customer[];
  try {
    customers = loadCustomersFile(opts.customers, now);
  } catch (err) {
    if (err instanceof CustomerFileError) throw new OffersError(err.message);
    throw new OffersError(`cannot read ${opts.customers}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message}`);
  }
  const customer = findCustomer(customers, key);
  if (!customer) throw new OffersError(`no customer with id or phone "${key}" in ${opts.customers}`);
  const wait = Number(opts.wait);
  if (!Number.isFinite(wait) || wait < 0) throw new OffersError(`--wait must be a number of seconds, not "${opts.wait}"`);
  const limit = opts.limit === undefined ? undefined : Number.parseInt(opts.limit, 10);
  if (limit !== undefined && !(limit >= 1)) throw new OffersError(`--limit must be a whole number of at least 1, not "${opts.limit}"`);

  const call = offerCallSchema.parse({
    callerNumber: customer.phones[0]!,
    waitSeconds: wait,
    ...(opts.reason === undefined ? {} : { reason: opts.reason }),
    ...(opts.lane === undefined ? {} : { lane: opts.lane }),
    ...(opts.queue === undefined ? {} : { queue: opts.queue }),
  });
  const used = await capsUsed(opts, rules, customer.id, now);
  const result = evaluateOffers(rules, { customer: enrichCustomer(customer, now), call, vars: {} }, { capsUsed: used ?? {}, ...(limit === undefined ? {} : { limit }) });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ customer: { id: customer.id, name: customer.name }, rules: opts.rules, capsChecked: used !== undefined, offers: result.offers, skipped: result.skipped }, null, 2)}\n`);
  } else {
    process.stdout.write(text(customer, opts.rules, result, used !== undefined));
  }
  process.exitCode = 0;
}

export function register(program: Command): void {
  const command = program
    .command("offers")
    .description("show which offers fire for a customer and why (facts), and which do not and why; --check validates the rules file")
    .argument("[customer]", "customer id (c-1003) or phone number (5551003)")
    .option("--rules <file>", "offers rules file", "config/offers.yaml")
    .option("--customers <file>", "customers file (the file CRM store)", "config/customers.yaml")
    .option("--reason <text>", "call.reason, as the IVR would record it")
    .option("--lane <lane>", "call.lane")
    .option("--queue <queue>", "call.queue")
    .option("--wait <seconds>", "call.waitSeconds", "0")
    .option("--limit <n>", "show at most n offers, like the screen-pop")
    .option("--redis <url>", "read frequency caps from this Redis (otherwise caps are not counted)")
    .option("--key-prefix <prefix>", "Redis key prefix of the daemon", "sb:")
    .addOption(new Option("--check [file]", "validate a rules file (default: --rules) and print file:line:col: error: message"))
    .option("--json", "print the result as JSON")
    .addHelpText("after", "\nExit code 1 when the rules or customers file has errors or the customer is unknown; 2 for a wrong command line.")
    .action(async (key: string | undefined, opts: Opts) => {
      try {
        if (opts.check !== undefined) {
          check(typeof opts.check === "string" ? opts.check : opts.rules);
          return;
        }
        if (key === undefined) {
          command.error("error: name a customer (id or phone), or use --check", { exitCode: 2, code: "commander.missingArgument" });
          return;
        }
        await show(key, opts);
      } catch (err) {
        if (!(err instanceof OffersError)) throw err;
        process.stderr.write(`switchboard offers: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
  usageExitCode(command);
}
