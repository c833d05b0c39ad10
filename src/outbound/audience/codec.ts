import type { HistoryEntry } from "../../crm/customer.js";

/**
 * The audience index's form of a history entry (pure): one line of `|`-separated fields, every text
 * replaced by its code in the site's dictionary. A JSON entry is ~230 bytes and a million of them take
 * seconds to parse; a coded line is ~40 bytes and splits in a fraction of that, and the pre-filter
 * compares codes without decoding text. Notes and call ids are left out: no audience reads them.
 *
 *   at36|reason|lane|queue|disposition|agent|wait|talk|path|offers|credit
 *
 * `at` is epoch ms in base 36; texts are decimal codes (empty: absent); `path` is codes joined by `,`;
 * `offers` is `offer:outcome:amount` joined by `,`; `credit` is `kind:amount:currency`. Codes and
 * numbers never contain `|`, `,`, `:`, `~` or a newline, so nothing needs escaping.
 */

export const F = { at: 0, reason: 1, lane: 2, queue: 3, disposition: 4, agent: 5, wait: 6, talk: 7, path: 8, offers: 9, credit: 10 } as const;
/** The text fields a condition compares with `==` or `in`, by their index in a line. */
export const TEXT_FIELDS = { reason: F.reason, lane: F.lane, queue: F.queue, disposition: F.disposition, agent: F.agent } as const;
export type TextField = keyof typeof TEXT_FIELDS;

/**
 * One line of a customer's value, its time parsed: `start` to `end` in `src`. Fields are read in place
 * (fieldAt) or split on first use (fieldsOf): a run reads the time of every call, a few fields of some.
 */
export interface CodedEntry {
  at: number;
  src: string;
  start: number;
  end: number;
  f: string[] | undefined;
}

export function fieldsOf(e: CodedEntry): string[] {
  return (e.f ??= e.src.slice(e.start, e.end).split("|"));
}

/** Field `i` of the line without splitting it ("" when the line has fewer). */
export function fieldAt(e: CodedEntry, i: number): string {
  if (e.f) return e.f[i] ?? "";
  let p = e.start;
  for (let k = 0; k < i; k++) {
    p = e.src.indexOf("|", p) + 1;
    if (p === 0 || p > e.end) return "";
  }
  let q = e.src.indexOf("|", p);
  if (q < 0 || q > e.end) q = e.end;
  return e.src.slice(p, q);
}

/** Texts by code (index 0 is "", the absent text) and codes by text. */
export interface AudienceDictionary {
  texts: readonly string[];
  codes: ReadonlyMap<string, number>;
}

/**
 * The line of an entry with `~n` where the n-th text goes (texts deduplicated), for the index to fill
 * with codes; undefined when `at` is not a time.
 */
export function entryTemplate(e: HistoryEntry): { template: string; texts: string[] } | undefined {
  const at = Date.parse(e.at);
  if (!Number.isFinite(at)) return undefined;
  const texts: string[] = [];
  const seen = new Map<string, number>();
  const t = (s: string | undefined): string => {
    if (s === undefined || s === "") return "";
    let i = seen.get(s);
    if (i === undefined) {
      i = texts.push(s);
      seen.set(s, i);
    }
    return `~${i}`;
  };
  const num = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "" : String(n));
  const parts = [
    at.toString(36),
    t(e.reason),
    t(e.lane),
    t(e.queue),
    t(e.disposition),
    t(e.agent),
    num(e.waitSeconds),
    num(e.talkSeconds),
    (e.path ?? []).map(t).join(","),
    (e.offers ?? []).map((o) => `${t(o.offer)}:${t(o.outcome)}:${num(o.amount)}`).join(","),
    e.credit ? `${t(e.credit.kind)}:${num(e.credit.amount)}:${t(e.credit.currency)}` : "",
  ];
  return { template: parts.join("|"), texts };
}

/** The template with its texts' codes in place (what the index's Lua script does in Redis). */
export function fillTemplate(template: string, codes: readonly number[]): string {
  return template.replace(/~(\d+)/g, (_m, i: string) => String(codes[Number(i) - 1]));
}

/** A customer's lines (newest first, one per line); lines without a time are skipped. */
export function decodeLines(value: string | null | undefined): CodedEntry[] {
  const out: CodedEntry[] = [];
  if (!value) return out;
  let start = 0;
  while (start < value.length) {
    let end = value.indexOf("\n", start);
    if (end < 0) end = value.length;
    const bar = value.indexOf("|", start);
    const at = bar > start && bar < end ? parseInt(value.slice(start, bar), 36) : NaN;
    if (Number.isFinite(at)) out.push({ at, src: value, start, end, f: undefined });
    start = end + 1;
  }
  return out;
}

/** The code in a text field, 0 when absent. */
export function codeAt(e: CodedEntry, field: number): number {
  const s = fieldAt(e, field);
  return s ? Number(s) : 0;
}

export function numberAt(e: CodedEntry, field: number): number | undefined {
  const s = fieldAt(e, field);
  return s ? Number(s) : undefined;
}

export function pathCodes(e: CodedEntry): number[] {
  const p = fieldAt(e, F.path);
  return p ? p.split(",").map(Number) : [];
}

export interface CodedOffer {
  offer: number;
  outcome: number;
  amount: number | undefined;
}

export function offerCodes(e: CodedEntry): CodedOffer[] {
  const o = fieldAt(e, F.offers);
  if (!o) return [];
  return o.split(",").map((s) => {
    const [offer = "", outcome = "", amount = ""] = s.split(":");
    return { offer: offer === "" ? 0 : Number(offer), outcome: outcome === "" ? 0 : Number(outcome), amount: amount === "" ? undefined : Number(amount) };
  });
}

export function creditCodes(e: CodedEntry): { kind: number; amount: number | undefined; currency: number } | undefined {
  const c = fieldAt(e, F.credit);
  if (!c) return undefined;
  const [kind = "", amount = "", currency = ""] = c.split(":");
  return { kind: kind === "" ? 0 : Number(kind), amount: amount === "" ? undefined : Number(amount), currency: currency === "" ? 0 : Number(currency) };
}

/** The dictionary from the index's hash: `c:<code>` -> text (the `t:<text>` -> code fields are its mirror). */
export function dictionaryFrom(hash: Record<string, string>): AudienceDictionary {
  const texts: string[] = [""];
  const codes = new Map<string, number>();
  for (const [k, v] of Object.entries(hash)) {
    if (!k.startsWith("c:")) continue;
    const code = Number(k.slice(2));
    if (!Number.isInteger(code) || code <= 0) continue;
    texts[code] = v;
    codes.set(v, code);
  }
  for (let i = 0; i < texts.length; i++) texts[i] ??= "";
  return { texts, codes };
}

/** Calls the index keeps per customer, newest first: a caller who rings daily stays readable. */
export const INDEX_CAP = 200;

/** A customer's whole history as the index's value (newest first, capped); entries without a time are left out. */
export function encodeHistory(entries: readonly HistoryEntry[], codeOf: (text: string) => number, cap = INDEX_CAP): string {
  const lines: Array<{ at: number; line: string }> = [];
  for (const e of entries) {
    const t = entryTemplate(e);
    if (t) lines.push({ at: Date.parse(e.at), line: fillTemplate(t.template, t.texts.map(codeOf)) });
  }
  return lines
    .sort((a, b) => b.at - a.at)
    .slice(0, cap)
    .map((l) => l.line)
    .join("\n");
}
