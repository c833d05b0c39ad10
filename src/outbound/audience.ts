import type { Customer } from "../crm/customer.js";
import { SeededRandom } from "../lib/seeded-random.js";
import { compileAudience, type CompiledAudience } from "./audience/compile.js";
import { csvChunks } from "./audience/csv.js";
import { members, newStats, type RunOptions, type RunStats } from "./audience/run.js";
import type { AudienceMember } from "./audience/schema.js";
import { MemoryAudienceSource, type AudienceSource } from "./audience/source.js";

/**
 * Audiences mined from service data (docs/outbound-audiences.md): a CEL condition over a customer and
 * their calls, e.g. "called about technical support on Pro 4.x in the last 30 days and has not bought
 * 5.0". Checked when previewed or saved (`compileAudience`, errors with line and column), run in one
 * bounded pass over the audience index (`runAudience`: count and sample; `audienceMembers`,
 * `audienceNumbers`, `audienceCsv`: every match, streamed, for an export or a campaign).
 */

export { AUDIENCE_ID, audienceSchema, previewSchema, sinceMs, sinceSchema, type Audience, type AudienceInput, type AudienceMember, type PreviewRequest } from "./audience/schema.js";
export { AudienceConditionError, compileAudience, type CompiledAudience } from "./audience/compile.js";
export { AudienceStoppedError, type RunOptions, type RunStats } from "./audience/run.js";
export { MemoryAudienceSource, type AudienceItem, type AudienceSource } from "./audience/source.js";
export { CSV_COLUMNS, csvCell, csvChunks, csvHeader, csvRow } from "./audience/csv.js";
export { audienceFields, AUDIENCE_NAMES } from "./audience/context.js";

type AudienceLike = CompiledAudience | { condition: string; since?: string };
const compiled = (a: AudienceLike): CompiledAudience => ("program" in a ? a : compileAudience(a.condition, a.since));

export interface AudienceResult {
  /** Customers matched (at least this many when `complete` is false: the limit was reached). */
  count: number;
  complete: boolean;
  /** Up to `sample` matches picked evenly from all of them (a seeded reservoir), by id. */
  sample: AudienceMember[];
  since: string;
  /** The `calls` window: from (ISO; absent for "all") to the run's time. */
  window: { from?: string; to: string };
  stats: RunStats;
  ms: number;
}

export interface RunAudienceOptions extends RunOptions {
  /** Stop counting after this many matches. */
  limit?: number;
  /** Matches to show. Default 10. */
  sample?: number;
  /** Seed of the sample's pick (the same index and seed give the same sample). */
  seed?: number;
}

/** Counts the audience and picks a sample, in one pass. Throws AudienceConditionError, AudienceStoppedError. */
export async function runAudience(source: AudienceSource, audience: AudienceLike, opts: RunAudienceOptions = {}): Promise<AudienceResult> {
  const a = compiled(audience);
  const now = opts.now ?? new Date();
  const started = performance.now();
  const size = opts.sample ?? 10;
  const rnd = new SeededRandom(opts.seed ?? 1);
  const stats = newStats();
  const sample: AudienceMember[] = [];
  let count = 0;
  let complete = true;
  for await (const m of members(source, a, { ...opts, now }, stats)) {
    count++;
    // reservoir sampling: every match has the same chance to be shown, whatever the scan order
    if (sample.length < size) sample.push(m);
    else {
      const j = Math.floor(rnd.next() * count);
      if (j < size) sample[j] = m;
    }
    if (opts.limit !== undefined && count >= opts.limit) {
      complete = false;
      break;
    }
  }
  sample.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const from = now.getTime() - a.sinceMs;
  return { count, complete, sample, since: a.since, window: { ...(Number.isFinite(from) ? { from: new Date(from).toISOString() } : {}), to: now.toISOString() }, stats, ms: Math.round(performance.now() - started) };
}

/** Every customer the audience selects, streamed (an export, a campaign's list). */
export function audienceMembers(source: AudienceSource, audience: AudienceLike, opts: RunOptions = {}, stats?: RunStats): AsyncGenerator<AudienceMember> {
  return members(source, compiled(audience), opts, stats);
}

/** The number to dial per selected customer (their first phone); customers without one are left out. */
export async function* audienceNumbers(source: AudienceSource, audience: AudienceLike, opts: RunOptions = {}): AsyncGenerator<{ customerId: string; number: string }> {
  for await (const m of audienceMembers(source, audience, opts)) if (m.phones[0]) yield { customerId: m.id, number: m.phones[0] };
}

/** The audience as CSV text chunks (header first), streamed. */
export function audienceCsv(source: AudienceSource, audience: AudienceLike, opts: RunOptions = {}): AsyncGenerator<string> {
  return csvChunks(audienceMembers(source, audience, opts));
}

/** Whether one customer (with their history) is in the audience: the same evaluation as a run's. */
export async function inAudience(audience: AudienceLike, customer: Customer, opts: RunOptions = {}): Promise<boolean> {
  for await (const _ of audienceMembers(new MemoryAudienceSource([customer]), audience, opts)) return true;
  return false;
}
