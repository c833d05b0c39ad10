import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { Customer } from "../../crm/customer.js";
import type { ExpressConfig } from "../../crm/express-config.js";
import { CelBudgetError } from "../../lib/cel.js";
import { decodeLines, type AudienceDictionary, type CodedEntry } from "./codec.js";
import type { CompiledAudience } from "./compile.js";
import { celCall, celCustomer } from "./context.js";
import { customerTest, needsCall, needsRecentCall, rawRecordTest, type CustomerTest } from "./prefilter.js";
import type { AudienceMember } from "./schema.js";
import type { AudienceItem, AudienceSource } from "./source.js";

/**
 * One pass over a source (pure apart from the source): customers in batches, their coded calls checked
 * by the pre-filter, CEL built and evaluated only for the rest. The pass gives the event loop a turn
 * every `sliceMs` of work, and stops at the deadline, at the signal, or at the first evaluation that
 * spends its step budget: a condition that costly would hold every customer up the same way.
 */

export interface RunOptions {
  /** The time of the run: `now` in conditions, the end of the `calls` window. */
  now?: Date;
  /** Stop the pass after this long (ms). Default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Who is express (customer.express); default: subscriptions in UTC, no tiers. */
  express?: Pick<ExpressConfig, "timeZone" | "tiers">;
  /** Skip the pre-filter (tests hold it to giving the same answer without it). */
  prefilter?: boolean;
  /** Longest stretch of work between two turns of the event loop (ms). Default 10. */
  sliceMs?: number;
  /** Customers per read from the source. Default 1,000. */
  batchSize?: number;
}

export interface RunStats {
  /** Customers looked at, and the history entries decoded (not those of customers the record's JSON ruled out). */
  scanned: number;
  entries: number;
  /** Customers the pre-filter let through (calls and record), and those evaluated with CEL. */
  candidates: number;
  evaluated: number;
  /** Evaluations that failed (a field read on an empty list...): no match; the first message kept. */
  errors: number;
  firstError?: string;
  /** Customers with calls but no record in the index (nothing to call), or a record that is not readable. */
  withoutRecord: number;
  unreadable: number;
}

export class AudienceStoppedError extends Error {
  constructor(
    message: string,
    /** "budget": the condition is too costly for one customer; "timeout": the whole pass took too long. */
    readonly reason: "budget" | "timeout",
  ) {
    super(message);
    this.name = "AudienceStoppedError";
  }
}

export const newStats = (): RunStats => ({ scanned: 0, entries: 0, candidates: 0, evaluated: 0, errors: 0, withoutRecord: 0, unreadable: 0 });

interface Candidate {
  item: AudienceItem;
  calls: CodedEntry[];
  history: CodedEntry[];
}

const newestFirst = (a: CodedEntry, b: CodedEntry) => b.at - a.at;

/** The customers the audience selects, one at a time, as the pass finds them. */
export async function* members(source: AudienceSource, audience: CompiledAudience, opts: RunOptions = {}, stats: RunStats = newStats()): AsyncGenerator<AudienceMember> {
  const now = opts.now ?? new Date();
  const nowMs = now.getTime();
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const sliceMs = opts.sliceMs ?? 10;
  const from = nowMs - audience.sinceMs;
  const dict = await source.dictionary();
  const test: CustomerTest = opts.prefilter === false ? () => true : customerTest(audience.need, dict, now);
  const raw = opts.prefilter === false ? undefined : rawRecordTest(audience.need);
  const mode = opts.prefilter !== false && needsCall(audience.need) ? "history" : "customers";
  const calledSince = mode === "history" && Number.isFinite(from) && needsRecentCall(audience.need) ? from : undefined;
  const seen = new Set<string>();
  let slice = performance.now();
  /** Stops at the signal or the deadline; true when this slice of work is over and the loop is due a turn. */
  const due = () => {
    opts.signal?.throwIfAborted();
    if (Date.now() > deadline) throw new AudienceStoppedError(`the audience took longer than ${((opts.timeoutMs ?? 60_000) / 1000).toLocaleString("en")} s and was stopped (${stats.scanned.toLocaleString("en")} customers looked at)`, "timeout");
    return performance.now() - slice >= sliceMs;
  };
  const turn = async () => {
    await yieldToLoop();
    slice = performance.now();
  };
  for await (const batch of source.scan(mode, opts.batchSize ?? 2_000, calledSince)) {
    const candidates: Candidate[] = [];
    for (const item of batch) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      stats.scanned++;
      if (raw && typeof item.record === "string" && !raw(item.record)) continue;
      const history = decodeLines(item.history);
      stats.entries += history.length;
      const calls = audience.sinceMs === Infinity ? history : history.filter((e) => e.at >= from);
      if (test(calls, history, undefined, item.record ?? undefined)) candidates.push({ item, calls, history });
      if ((stats.scanned & 255) === 0 && due()) await turn();
    }
    const records = mode === "customers" ? candidates.map((c) => c.item.record ?? null) : await source.records(candidates.map((c) => c.item.id));
    for (let i = 0; i < candidates.length; i++) {
      const member = evaluate(audience, candidates[i]!, records[i] ?? null, { dict, now, opts, stats, test });
      if (member) yield member;
      if (due()) await turn();
    }
    if (due()) await turn();
  }
}

interface Pass {
  dict: AudienceDictionary;
  now: Date;
  opts: RunOptions;
  stats: RunStats;
  test: CustomerTest;
}

function evaluate(audience: CompiledAudience, c: Candidate, json: string | null, { dict, now, opts, stats, test }: Pass): AudienceMember | undefined {
  if (json === null) {
    stats.withoutRecord++;
    return undefined;
  }
  let record: Customer;
  try {
    record = JSON.parse(json) as Customer;
    if (typeof record?.id !== "string") throw new Error("no id");
  } catch {
    stats.unreadable++;
    return undefined;
  }
  // the pre-filter again, now with the record: `customer.tier == "gold"` and the like
  if (!test(c.calls, c.history, record as unknown as Record<string, unknown>)) return undefined;
  stats.candidates++;
  c.calls.sort(newestFirst);
  const nowMs = now.getTime();
  const ctx: Record<string, unknown> = { now };
  try {
    if (audience.uses.has("customer")) ctx.customer = celCustomer(record, c.history, now, opts.express, audience.fields);
    if (audience.uses.has("calls")) ctx.calls = c.calls.map((e) => celCall(e, dict, nowMs));
    if (audience.uses.has("history")) ctx.history = [...c.history].sort(newestFirst).map((e) => celCall(e, dict, nowMs));
  } catch {
    stats.unreadable++;
    return undefined;
  }
  stats.evaluated++;
  let result: unknown;
  try {
    result = audience.program.evaluateCel(ctx);
  } catch (err) {
    if (err instanceof CelBudgetError) throw new AudienceStoppedError(`${err.message} (on customer ${record.id}); the audience was stopped: narrow the condition (fewer nested comprehensions)`, "budget");
    stats.errors++;
    stats.firstError ??= `customer ${record.id}: ${(err as Error).message.split("\n")[0]}`;
    return undefined;
  }
  return result === true ? memberOf(record, c.calls) : undefined;
}

function memberOf(r: Customer, calls: readonly CodedEntry[]): AudienceMember {
  return {
    id: r.id,
    name: typeof r.name === "string" ? r.name : r.id,
    phones: Array.isArray(r.phones) ? r.phones.map(String) : [],
    ...(typeof r.email === "string" ? { email: r.email } : {}),
    language: typeof r.language === "string" ? r.language : "en",
    tier: typeof r.tier === "string" ? r.tier : "standard",
    calls: calls.length,
    ...(calls.length ? { lastCall: new Date(calls[0]!.at).toISOString() } : {}),
  };
}
