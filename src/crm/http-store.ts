import type { Logger } from "../lib/logger.js";
import { historyEntrySchema, type Customer, type HistoryEntry } from "./customer.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { parseCustomerRecord } from "./record.js";
import { normalizePhone, type CustomerStore } from "./store.js";
import { TtlCache } from "./ttl-cache.js";

export interface HttpStoreOptions {
  /** e.g. "https://crm.example.com/api"; paths are appended to it. */
  baseUrl: string;
  /** Lookup path; `{phone}` becomes the normalised caller number, URL-encoded. */
  path?: string;
  /** History path; `{id}` becomes the customer id. Without `postHistory` no history is written. */
  historyPath?: string;
  postHistory?: boolean;
  /** Sent as `Authorization: Bearer <token>`; read from the environment by the caller, never logged. */
  token?: string;
  /** Bound on each request, combined with the caller's own signal. */
  timeoutMs: number;
  /** How long hits and misses are remembered; 0 turns the cache off. */
  cacheSeconds: number;
  cacheSize?: number;
  breaker: { failures: number; openSeconds: number };
  logger: Logger;
  /** Clock for the cache and breaker (tests). */
  now?: () => number;
}

export const DEFAULT_LOOKUP_PATH = "/customers?phone={phone}";
export const DEFAULT_HISTORY_PATH = "/customers/{id}/history";

/** A response that says the CRM is unwell (as opposed to "no such customer" or a malformed record). */
class UpstreamError extends Error {}

/**
 * An external CRM over HTTP (contract in docs/crm.md). Lookups are bounded by a timeout, remembered for a
 * short while (so a caller who calls twice, or the IVR and the screen-pop, cost one request), and guarded
 * by a circuit breaker so a CRM that is down costs callers nothing but the fallback path.
 */
export class HttpCustomerStore implements CustomerStore {
  readonly name = "http";
  private readonly cache: TtlCache<string, Customer | null>;
  private readonly breaker: CircuitBreaker;
  private readonly base: string;

  constructor(private readonly opts: HttpStoreOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.cache = new TtlCache({ ttlMs: opts.cacheSeconds * 1000, maxEntries: opts.cacheSize ?? 1000, now: opts.now });
    this.breaker = new CircuitBreaker(`CRM at ${this.base}`, { failures: opts.breaker.failures, openMs: opts.breaker.openSeconds * 1000, now: opts.now });
  }

  get circuit() {
    return this.breaker.state;
  }

  async findByPhone(phone: string, signal?: AbortSignal): Promise<Customer | null> {
    const key = normalizePhone(phone);
    const cached = this.cache.get(key);
    if (cached) return cached.value;
    const url = this.base + (this.opts.path ?? DEFAULT_LOOKUP_PATH).replaceAll("{phone}", encodeURIComponent(key));
    const body = await this.request(url, { method: "GET" }, signal);
    const customer = body === undefined ? null : toCustomer(body, url);
    this.cache.set(key, customer);
    return customer;
  }

  async appendHistory(customerId: string, entry: HistoryEntry): Promise<void> {
    if (!this.opts.postHistory) return;
    const url = this.base + (this.opts.historyPath ?? DEFAULT_HISTORY_PATH).replaceAll("{id}", encodeURIComponent(customerId));
    await this.request(url, { method: "POST", body: JSON.stringify(historyEntrySchema.parse(entry)), headers: { "content-type": "application/json" } });
    // Cached copies of this customer now lack the new entry.
    this.cache.deleteWhere((c) => c?.id === customerId);
  }

  /** The parsed JSON body, or undefined for "nothing there" (404, 204, empty body). */
  private request(url: string, init: RequestInit, signal?: AbortSignal): Promise<unknown> {
    const own = AbortSignal.timeout(this.opts.timeoutMs);
    const combined = signal ? AbortSignal.any([own, signal]) : own;
    const headers: Record<string, string> = { accept: "application/json", ...(init.headers as Record<string, string> | undefined) };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const where = `${init.method} ${redact(url)}`;
    // Only the CRM's own trouble counts against it: not a caller who gave up, nor a malformed record.
    const isFailure = (err: unknown) => err instanceof UpstreamError;
    return this.breaker.run(async () => {
      let res: Response;
      try {
        res = await fetch(url, { ...init, headers, signal: combined, redirect: "error" });
      } catch (err) {
        if (own.aborted) throw new UpstreamError(`${where} timed out after ${this.opts.timeoutMs} ms`);
        if (signal?.aborted) throw new Error(`${where} cancelled by the caller`);
        throw new UpstreamError(`${where} failed: ${causeOf(err)}`);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new UpstreamError(`${where}: reading the response failed: ${own.aborted ? `timed out after ${this.opts.timeoutMs} ms` : causeOf(err)}`);
      }
      if (res.status === 404 || res.status === 204) return undefined;
      if (!res.ok) {
        this.opts.logger.warn({ url: redact(url), status: res.status }, "CRM request failed");
        throw new UpstreamError(`${where} answered HTTP ${res.status}`);
      }
      if (text.trim() === "") return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`${where} answered with a body that is not JSON`);
      }
    }, isFailure);
  }
}

/** A customer object, `null`, or a list (first entry) are accepted; anything else is named. */
function toCustomer(body: unknown, url: string): Customer | null {
  const record = Array.isArray(body) ? body[0] : body;
  if (record === null || record === undefined) return null;
  return parseCustomerRecord(record, `CRM at ${redact(url)}`);
}

/** Query strings may carry the caller's number; log lines keep only the path. */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
