import type { Redis } from "ioredis";
import type { Customer, HistoryEntry } from "../crm/customer.js";
import { RedisCustomerStore } from "../crm/redis-store.js";
import { compileAudience } from "./audience/compile.js";
import { dictionaryFrom, encodeHistory, entryTemplate, INDEX_CAP, type AudienceDictionary } from "./audience/codec.js";
import { audienceSchema, type Audience, type AudienceInput } from "./audience/schema.js";
import type { AudienceItem, AudienceSource } from "./audience/source.js";

/**
 * Saved audiences and the audience index, in Redis. Every key carries the site's hash tag like the
 * queue's (queue/keys.ts):
 *
 *   <prefix>{<site>}:aud:def   HASH  audience id -> the saved audience (JSON, audienceSchema)
 *   <prefix>{<site>}:aud:cust  HASH  customer id -> the customer's record without history (JSON)
 *   <prefix>{<site>}:aud:hist  HASH  customer id -> the customer's calls, newest first, one coded line
 *                                    each (audience/codec.ts), at most INDEX_CAP
 *   <prefix>{<site>}:aud:dict  HASH  t:<text> -> code, c:<code> -> text, n -> the last code given
 *   <prefix>{<site>}:aud:last  ZSET  customer id -> time of their newest call (ms): a run whose condition
 *                                    needs a call in the window reads only the customers called since
 *
 * Why an index of its own: the CRM keeps each customer under their own keys (one GET and one LRANGE of
 * JSON per customer, and an HTTP CRM cannot be listed at all). A run reads two hashes in batches (HSCAN)
 * and parses a coded line per call instead of a JSON object; a million calls are ~40 MB.
 *
 * Kept up to date by the desk: `indexHistory` when it writes a call's history entry (one Lua script:
 * codes for new texts, the line put first, the oldest dropped past the cap), `indexCustomer` when the
 * CRM lookup returns a record. `indexCustomers` (re)builds customers with their history, from a
 * customers file or the Redis CRM (`switchboard audience index`).
 */

export class AudienceKeys {
  readonly base: string;

  constructor(prefix: string, readonly site: string) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(site)) throw new Error(`invalid site "${site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(prefix)) throw new Error(`key prefix "${prefix}" must not contain braces: the site is the hash tag`);
    this.base = `${prefix}{${site}}:`;
  }

  get definitions(): string {
    return `${this.base}aud:def`;
  }
  get customers(): string {
    return `${this.base}aud:cust`;
  }
  get history(): string {
    return `${this.base}aud:hist`;
  }
  get dictionary(): string {
    return `${this.base}aud:dict`;
  }
  get newest(): string {
    return `${this.base}aud:last`;
  }
}

/** The code of a text in the dictionary hash `DICT`, given on first sight (atomic inside the script). */
const CODE_LIB = `
local cache = {}
local function code(s)
  if s == '' then return '' end
  local c = cache[s]
  if c then return c end
  c = redis.call('HGET', DICT, 't:' .. s)
  if not c then
    c = tostring(redis.call('HINCRBY', DICT, 'n', 1))
    redis.call('HSET', DICT, 't:' .. s, c, 'c:' .. c, s)
  end
  cache[s] = c
  return c
end`;

/** KEYS: hist, dict, newest. ARGV: customer id, cap, line template (~n: the n-th text), the call's ms, texts. */
const APPEND = `local DICT = KEYS[2]
${CODE_LIB}
local line = (string.gsub(ARGV[3], '~(%d+)', function(i) return code(ARGV[4 + tonumber(i)]) end))
local newest = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not newest or tonumber(newest) < tonumber(ARGV[4]) then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1]) end
local old = redis.call('HGET', KEYS[1], ARGV[1])
local value = line
if old then
  value = line .. '\\n' .. old
  local cap, n, pos = tonumber(ARGV[2]), 0, 0
  while true do
    pos = string.find(value, '\\n', pos + 1, true)
    if not pos then break end
    n = n + 1
    if n == cap then value = string.sub(value, 1, pos - 1) break end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], value)
return 1`;

/** KEYS: dict. ARGV: texts. The code of each. */
const CODES = `local DICT = KEYS[1]
${CODE_LIB}
local out = {}
for i = 1, #ARGV do out[i] = code(ARGV[i]) end
return out`;

/** Texts per CODES call: well below Lua's stack limit on unpacked arguments. */
const CODES_CHUNK = 2_000;

export class AudienceIndex implements AudienceSource {
  readonly keys: AudienceKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    site = "main",
  ) {
    this.keys = new AudienceKeys(prefix, site);
  }

  /** One call's history entry (the desk's call): false when its `at` is not a time and nothing was written. */
  async indexHistory(customerId: string, entry: HistoryEntry): Promise<boolean> {
    const t = entryTemplate(entry);
    if (!t) return false;
    await this.redis.eval(APPEND, 3, this.keys.history, this.keys.dictionary, this.keys.newest, customerId, String(INDEX_CAP), t.template, String(Date.parse(entry.at)), ...t.texts);
    return true;
  }

  /** The record as the CRM gave it (its history is not touched): what `customer` shows. */
  async indexCustomer(customer: Customer): Promise<void> {
    const { history: _history, ...record } = customer;
    await this.redis.hset(this.keys.customers, customer.id, JSON.stringify(record));
  }

  /** Records and whole histories, replacing what the index held for these customers. */
  async indexCustomers(customers: readonly Customer[]): Promise<number> {
    const texts = new Set<string>();
    for (const c of customers) for (const h of c.history) for (const t of entryTemplate(h)?.texts ?? []) texts.add(t);
    const codes = await this.codes([...texts]);
    const codeOf = (t: string) => codes.get(t)!;
    const tx = this.redis.pipeline();
    for (const c of customers) {
      const { history, ...record } = c;
      tx.hset(this.keys.customers, c.id, JSON.stringify(record));
      const lines = encodeHistory(history, codeOf);
      const newest = Math.max(...history.map((h) => Date.parse(h.at)).filter(Number.isFinite));
      if (lines === "") tx.hdel(this.keys.history, c.id).zrem(this.keys.newest, c.id);
      else tx.hset(this.keys.history, c.id, lines).zadd(this.keys.newest, String(newest), c.id);
    }
    for (const [err] of (await tx.exec()) ?? []) if (err) throw err;
    return customers.length;
  }

  private async codes(texts: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < texts.length; i += CODES_CHUNK) {
      const chunk = texts.slice(i, i + CODES_CHUNK);
      const got = (await this.redis.eval(CODES, 1, this.keys.dictionary, ...chunk)) as string[];
      chunk.forEach((t, j) => out.set(t, Number(got[j])));
    }
    return out;
  }

  /** Removes a customer from the index (record and calls). */
  async forget(customerId: string): Promise<void> {
    await this.redis.multi().hdel(this.keys.customers, customerId).hdel(this.keys.history, customerId).zrem(this.keys.newest, customerId).exec();
  }

  async size(): Promise<{ customers: number; withCalls: number; texts: number }> {
    const [c, h, d] = await Promise.all([this.redis.hlen(this.keys.customers), this.redis.hlen(this.keys.history), this.redis.hget(this.keys.dictionary, "n")]);
    return { customers: c, withCalls: h, texts: Number(d ?? 0) };
  }

  async dictionary(): Promise<AudienceDictionary> {
    return dictionaryFrom(await this.redis.hgetall(this.keys.dictionary));
  }

  async *scan(mode: "history" | "customers", batchSize: number, calledSince?: number): AsyncIterable<AudienceItem[]> {
    if (mode === "history" && calledSince !== undefined && Number.isFinite(calledSince)) return yield* this.calledSince(calledSince, batchSize);
    const read = async (cursor: string): Promise<[string, AudienceItem[]]> => {
      const [next, flat] = await this.redis.hscan(mode === "history" ? this.keys.history : this.keys.customers, cursor, "COUNT", batchSize);
      const items: AudienceItem[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) items.push(mode === "history" ? { id: flat[i]!, history: flat[i + 1]! } : { id: flat[i]!, record: flat[i + 1]!, history: null });
      if (mode === "customers" && items.length) {
        const lines = await this.redis.hmget(this.keys.history, ...items.map((it) => it.id));
        items.forEach((it, j) => (it.history = lines[j] ?? null));
      }
      return [next, items];
    };
    // the next batch is read while the run works on this one
    let pending = read("0");
    for (;;) {
      const [cursor, items] = await pending;
      if (cursor !== "0") pending = read(cursor);
      if (items.length) yield items;
      if (cursor === "0") return;
    }
  }

  /** Customers whose newest call is at or after `from`, with their calls. */
  private async *calledSince(from: number, batchSize: number): AsyncGenerator<AudienceItem[]> {
    const ids = await this.redis.zrangebyscore(this.keys.newest, String(from), "+inf");
    const read = async (chunk: string[]): Promise<AudienceItem[]> => {
      const lines = chunk.length ? await this.redis.hmget(this.keys.history, ...chunk) : [];
      return chunk.flatMap((id, j) => (lines[j] ? [{ id, history: lines[j]! }] : []));
    };
    let pending = read(ids.slice(0, batchSize));
    for (let i = batchSize; ; i += batchSize) {
      const items = await pending;
      const more = i < ids.length;
      if (more) pending = read(ids.slice(i, i + batchSize));
      if (items.length) yield items;
      if (!more) return;
    }
  }

  async records(ids: readonly string[]): Promise<Array<string | null>> {
    return ids.length ? this.redis.hmget(this.keys.customers, ...ids) : [];
  }
}

export class AudienceExistsError extends Error {
  constructor(id: string) {
    super(`an audience "${id}" exists already (PUT /audiences/${id} replaces it)`);
    this.name = "AudienceExistsError";
  }
}

/** Saved audiences: checked (schema and condition) before they are written. */
export class AudienceStore {
  readonly keys: AudienceKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    site = "main",
  ) {
    this.keys = new AudienceKeys(prefix, site);
  }

  /** Saves an audience; throws a ZodError, AudienceConditionError, or AudienceExistsError unless `replace`. */
  async save(input: AudienceInput, opts: { replace?: boolean; now?: Date } = {}): Promise<Audience> {
    const a = audienceSchema.parse({ ...input, savedAt: (opts.now ?? new Date()).toISOString() });
    compileAudience(a.condition, a.since);
    const json = JSON.stringify(a);
    if (opts.replace) await this.redis.hset(this.keys.definitions, a.id, json);
    else if (!(await this.redis.hsetnx(this.keys.definitions, a.id, json))) throw new AudienceExistsError(a.id);
    return a;
  }

  async get(id: string): Promise<Audience | null> {
    const raw = await this.redis.hget(this.keys.definitions, id);
    return raw === null ? null : parseSaved(raw);
  }

  /** Every saved audience, by id; one that no longer reads (edited by hand) is left out. */
  async list(): Promise<Audience[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.definitions));
    return all
      .map(parseSaved)
      .filter((a): a is Audience => a !== null)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.definitions, id)) === 1;
  }
}

function parseSaved(raw: string): Audience | null {
  try {
    const p = audienceSchema.safeParse(JSON.parse(raw));
    return p.success ? p.data : null;
  } catch {
    return null;
  }
}

/**
 * The customers of a Redis CRM (crm.store: redis), in batches, for rebuilding the index: its records
 * are `<prefix>crm:{<id>}:customer` (crm/redis-store.ts), found with SCAN.
 */
export async function* redisCrmCustomers(redis: Redis, prefix: string, batchSize = 500): AsyncGenerator<Customer[]> {
  const store = new RedisCustomerStore(redis, prefix);
  const head = `${prefix}crm:{`;
  const tail = "}:customer";
  const pattern = `${head.replace(/[*?[\]\\]/g, "\\$&")}*${tail}`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", batchSize);
    cursor = next;
    const found = await Promise.all(keys.map((k) => store.findById(k.slice(head.length, -tail.length))));
    const batch = found.filter((c): c is Customer => c !== null);
    if (batch.length) yield batch;
  } while (cursor !== "0");
}
