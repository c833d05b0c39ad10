import type { Cluster, Redis } from "ioredis";
import { COUNTRY } from "./config.js";
import { normalizeNumber } from "./number.js";

/**
 * The do-not-call list: a Redis SET of E.164 numbers, every number normalised before it is stored or
 * looked up, so "030 1234567", "+49 30 1234567" and "0049301234567" are one entry. Beside it, when and
 * why each number was added (the first time), for whoever asks why a customer is not called.
 *
 *   <prefix>{<site>}:dnc       SET   E.164 numbers
 *   <prefix>{<site>}:dnc:why   HASH  E.164 -> JSON { at, source } of the first add
 */

export interface DncStoreOptions {
  redis: Redis | Cluster;
  /** Key prefix ("sb:"); braces not allowed: the site is the hash tag, as in queue/keys.ts. */
  keyPrefix: string;
  site: string;
  /** Country of numbers written without a country code. */
  defaultCountry: string;
}

/** Who put the number on the list: "disposition:agent-7", "import:crm-2026-03.csv", "admin:alice"... */
export interface DncReason {
  source: string;
  at: number;
}

export type DncChange = { ok: true; e164: string; changed: boolean } | { ok: false; reason: string };

export interface DncImportResult {
  /** Data rows read (blank, comment and header lines left out). */
  rows: number;
  /** Numbers new on the list. */
  added: number;
  /** Valid numbers that were on the list already or repeated in the file. */
  already: number;
  /** Rows that were not a valid number, with the file's line number (1-based). */
  invalid: Array<{ line: number; value: string; reason: string }>;
}

const CHUNK = 1_000;

export class DncStore {
  readonly key: string;
  readonly whyKey: string;

  constructor(private readonly opts: DncStoreOptions) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(opts.site)) throw new Error(`invalid site "${opts.site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(opts.keyPrefix)) throw new Error(`key prefix "${opts.keyPrefix}" must not contain braces: the site is the hash tag`);
    this.key = `${opts.keyPrefix}{${opts.site}}:dnc`;
    this.whyKey = `${this.key}:why`;
  }

  async add(number: string, why: DncReason): Promise<DncChange> {
    const n = normalizeNumber(number, this.opts.defaultCountry);
    if (!n.ok) return n;
    const res = await this.opts.redis.multi().sadd(this.key, n.e164).hsetnx(this.whyKey, n.e164, JSON.stringify(why)).exec();
    return { ok: true, e164: n.e164, changed: res?.[0]?.[1] === 1 };
  }

  async remove(number: string): Promise<DncChange> {
    const n = normalizeNumber(number, this.opts.defaultCountry);
    if (!n.ok) return n;
    const res = await this.opts.redis.multi().srem(this.key, n.e164).hdel(this.whyKey, n.e164).exec();
    return { ok: true, e164: n.e164, changed: res?.[0]?.[1] === 1 };
  }

  /** An invalid number is not listed (and the compliance check's "number" rule blocks it anyway). */
  async has(number: string): Promise<boolean> {
    const n = normalizeNumber(number, this.opts.defaultCountry);
    return n.ok && (await this.opts.redis.sismember(this.key, n.e164)) === 1;
  }

  async why(number: string): Promise<DncReason | undefined> {
    const n = normalizeNumber(number, this.opts.defaultCountry);
    const raw = n.ok ? await this.opts.redis.hget(this.whyKey, n.e164) : null;
    return raw ? (JSON.parse(raw) as DncReason) : undefined;
  }

  async size(): Promise<number> {
    return this.opts.redis.scard(this.key);
  }

  /** Adds every valid number of a CSV (parseNumberCsv); bad rows are reported, not fatal. */
  async import(csv: string, why: DncReason): Promise<DncImportResult> {
    const rows = parseNumberCsv(csv);
    const result: DncImportResult = { rows: rows.length, added: 0, already: 0, invalid: [] };
    const numbers = new Set<string>();
    for (const row of rows) {
      const n = normalizeNumber(row.value, row.country ?? this.opts.defaultCountry);
      if (!n.ok) result.invalid.push({ line: row.line, value: row.value, reason: n.reason });
      else if (numbers.has(n.e164)) result.already++;
      else numbers.add(n.e164);
    }
    const all = [...numbers];
    const reason = JSON.stringify(why);
    for (let i = 0; i < all.length; i += CHUNK) {
      const chunk = all.slice(i, i + CHUNK);
      const p = this.opts.redis.pipeline().sadd(this.key, ...chunk);
      for (const e164 of chunk) p.hsetnx(this.whyKey, e164, reason);
      const res = await p.exec();
      const [err, added] = res?.[0] ?? [new Error("no reply")];
      if (err) throw err;
      result.added += Number(added);
      result.already += chunk.length - Number(added);
    }
    return result;
  }
}

const HEADER = /^(number|phone|phone[ _-]?number|telephone|tel|msisdn|e\.?164|nummer|rufnummer|telefon)$/i;

/**
 * The numbers of a CSV file: one per row, in the column a header names (number, phone, msisdn, e164,
 * Rufnummer, ...) or else the first; a `country` column, when the header has one, gives the country of
 * national numbers on that row. Comma, semicolon (spreadsheets in much of Europe) or tab, detected from
 * the first row; double quotes as RFC 4180 has them, within one line. Blank lines and lines starting
 * with "#" are skipped.
 */
export function parseNumberCsv(text: string): Array<{ line: number; value: string; country?: string }> {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const rows: Array<{ line: number; value: string; country?: string }> = [];
  let delimiter: string | undefined;
  let column = 0;
  let countryColumn = -1;
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    if (delimiter === undefined) {
      delimiter = detectDelimiter(raw);
      const cells = splitRow(raw, delimiter).map((c) => c.trim());
      const at = cells.findIndex((c) => HEADER.test(c));
      if (at >= 0) {
        column = at;
        countryColumn = cells.findIndex((c) => /^(country|land|country[ _-]?code)$/i.test(c));
        continue;
      }
    }
    const cells = splitRow(raw, delimiter);
    const value = (cells[column] ?? "").trim();
    const country = countryColumn >= 0 ? (cells[countryColumn] ?? "").trim().toUpperCase() : "";
    rows.push({ line: i + 1, value, ...(COUNTRY.test(country) && { country }) });
  }
  return rows;
}

function detectDelimiter(row: string): string {
  const counts = [",", ";", "\t"].map((d) => [d, splitRow(row, d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

function splitRow(row: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const ch = row[i]!;
    if (quoted && ch === '"' && row[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && ch === '"') {
      quoted = false;
    } else if (quoted) {
      cell += ch;
    } else if (ch === '"' && cell.trim() === "") {
      quoted = true;
      cell = "";
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = "";
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  return cells;
}
