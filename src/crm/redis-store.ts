import type { Redis } from "ioredis";
import { customerSchema, historyEntrySchema, type Customer, type HistoryEntry } from "./customer.js";
import { HISTORY_CAP } from "./file-store.js";
import { PhoneIndex } from "./phone-index.js";
import { parseCustomerRecord } from "./record.js";
import { normalizePhone, phonesMatch, phoneTail, type CustomerStore } from "./store.js";

/**
 * Customers kept in Redis, shared by every daemon on the same Redis. Key layout (prefix from config):
 *
 *   <prefix>crm:{<id>}:customer   STRING  the record as JSON, without history
 *   <prefix>crm:{<id>}:history    LIST    history entries as JSON, newest first, at most HISTORY_CAP
 *   <prefix>crm:phones            HASH    normalised phone -> customer id (exact matches)
 *   <prefix>crm:tails             HASH    last 7 digits -> JSON [[phone, id], ...] (prefixed/shortened matches)
 *
 * A customer's two keys share the `{id}` hash tag so history is appended atomically on Redis Cluster too.
 */
export class RedisCustomerStore implements CustomerStore {
  readonly name = "redis";

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private customerKey(id: string): string {
    return `${this.prefix}crm:{${id}}:customer`;
  }
  private historyKey(id: string): string {
    return `${this.prefix}crm:{${id}}:history`;
  }
  private get phonesKey(): string {
    return `${this.prefix}crm:phones`;
  }
  private get tailsKey(): string {
    return `${this.prefix}crm:tails`;
  }

  async findByPhone(phone: string, signal?: AbortSignal): Promise<Customer | null> {
    signal?.throwIfAborted();
    const id = await this.idFor(normalizePhone(phone));
    if (id === undefined) return null;
    signal?.throwIfAborted();
    return this.findById(id);
  }

  async findById(id: string): Promise<Customer | null> {
    const res = await this.redis.multi().get(this.customerKey(id)).lrange(this.historyKey(id), 0, HISTORY_CAP - 1).exec();
    const [json, history] = (res ?? []).map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [string | null, string[]];
    // The phone index may outlive a record deleted by hand: that is an unknown caller, not an error.
    if (json === null) return null;
    const source = `Redis key ${this.customerKey(id)}`;
    let record: unknown;
    try {
      record = { ...(JSON.parse(json) as object), history: history.map((h) => JSON.parse(h) as unknown) };
    } catch {
      throw new Error(`${source} does not hold JSON`);
    }
    return parseCustomerRecord(record, source);
  }

  private async idFor(n: string): Promise<string | undefined> {
    if (n === "") return undefined;
    const exact = await this.redis.hget(this.phonesKey, n);
    if (exact !== null) return exact;
    const bucket = await this.readTail(phoneTail(n));
    const ids = new Set(bucket.filter(([p]) => phonesMatch(p, n)).map(([, id]) => id));
    return ids.size === 1 ? [...ids][0] : undefined;
  }

  private async readTail(tail: string): Promise<Array<[string, string]>> {
    const raw = await this.redis.hget(this.tailsKey, tail);
    return raw === null ? [] : (JSON.parse(raw) as Array<[string, string]>);
  }

  /**
   * Writes customers (history included, capped), replacing earlier versions of the same ids and their
   * numbers. Refuses the whole batch when a number would match a customer outside it: a caller must
   * identify one customer. Meant for an admin or a start-up import, not for concurrent writers.
   */
  async seed(customers: readonly Customer[]): Promise<number> {
    const batch = customers.map((c) => customerSchema.parse(c));
    const index = new PhoneIndex();
    for (const c of batch) {
      for (const p of c.phones) {
        const clash = index.add(p, c.id);
        if (clash) throw new Error(`phone ${p} of customer ${c.id} matches ${clash.phone} of customer ${clash.id}`);
      }
    }
    const ids = new Set(batch.map((c) => c.id));
    for (const c of batch) {
      for (const p of c.phones) {
        const n = normalizePhone(p);
        const owners = [[n, await this.redis.hget(this.phonesKey, n)] as const, ...(await this.readTail(phoneTail(n))).filter(([q]) => phonesMatch(q, n))];
        for (const [q, owner] of owners) {
          if (owner !== null && !ids.has(owner)) throw new Error(`phone ${p} of customer ${c.id} matches ${q} of customer ${owner} already in Redis`);
        }
      }
    }
    for (const c of batch) await this.write(c);
    return batch.length;
  }

  private async write(c: Customer): Promise<void> {
    const old = await this.redis.get(this.customerKey(c.id));
    const oldPhones = old === null ? [] : ((JSON.parse(old) as { phones?: string[] }).phones ?? []).map(normalizePhone);
    const newPhones = c.phones.map(normalizePhone);
    const { history, ...record } = c;
    const entries = [...history].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, HISTORY_CAP);
    const tx = this.redis.multi().set(this.customerKey(c.id), JSON.stringify(record)).del(this.historyKey(c.id));
    if (entries.length) tx.rpush(this.historyKey(c.id), ...entries.map((h) => JSON.stringify(h)));
    for (const p of oldPhones) if (!newPhones.includes(p)) tx.hdel(this.phonesKey, p);
    for (const p of newPhones) tx.hset(this.phonesKey, p, c.id);
    await tx.exec();
    for (const tail of new Set([...oldPhones, ...newPhones].map(phoneTail))) {
      const kept = (await this.readTail(tail)).filter(([, id]) => id !== c.id);
      const mine = newPhones.filter((p) => phoneTail(p) === tail).map((p): [string, string] => [p, c.id]);
      const next = [...kept, ...mine];
      if (next.length) await this.redis.hset(this.tailsKey, tail, JSON.stringify(next));
      else await this.redis.hdel(this.tailsKey, tail);
    }
  }

  /** Newest first; the oldest entry beyond HISTORY_CAP is dropped in the same atomic step. */
  async appendHistory(customerId: string, entry: HistoryEntry): Promise<void> {
    const json = JSON.stringify(historyEntrySchema.parse(entry));
    const added = await this.redis.eval(APPEND_HISTORY, 2, this.customerKey(customerId), this.historyKey(customerId), json, HISTORY_CAP);
    if (added !== 1) throw new Error(`no customer "${customerId}" in Redis`);
  }
}

const APPEND_HISTORY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
return 1`;
