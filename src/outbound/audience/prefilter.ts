import { compileCel, type CelProgram } from "../../lib/cel.js";
import { codeAt, F, numberAt, offerCodes, pathCodes, TEXT_FIELDS, type AudienceDictionary, type CodedEntry, type CodedOffer } from "./codec.js";
import { nowEnvironment } from "./context.js";

/**
 * What a condition needs of a customer's calls before CEL runs (pure): worked out from the syntax tree
 * once, checked on the coded entries of every customer, so that CEL objects are built and evaluated
 * only for the customers that can match. It is a necessary condition, never a sufficient one: whatever
 * it does not understand counts as "anything may match", and CEL decides. `!calls.exists(...)`, for
 * instance, needs nothing; `calls.exists(c, c.reason == "technical support" && c.daysAgo <= 30)` needs
 * a call with that reason's code in the last 31 days.
 */

/** One entry's test. Time bounds are programs of `now` (`now - duration("720h")`), resolved per run. */
export type EntryNeed =
  | { t: "any" }
  | { t: "and" | "or"; parts: EntryNeed[] }
  | { t: "text"; field: number; values: string[] }
  | { t: "time"; side: "lo" | "hi"; bound: (now: Date) => number | undefined }
  | { t: "number"; field: number; op: string; value: number }
  | { t: "path"; value: string }
  | { t: "offer"; need: OfferNeed };
export type OfferNeed = { t: "any" } | { t: "and" | "or"; parts: OfferNeed[] } | { t: "text"; field: "offer" | "outcome"; values: string[] };
/** A test of the stored record (its JSON, before CEL): text fields, tags, products. */
export type RecordTest = (record: Readonly<Record<string, unknown>>) => boolean;
/**
 * The same test on the record's JSON text, before parsing it: each value as JSON.stringify writes it
 * (`"tier":"gold"`) must be in the text. Never false for a record that passes: the index writes records
 * itself, compact, and a key such as "tier" occurs once (a "name" in a product only lets more through).
 */
export type RawTest = (json: string) => boolean;
interface RecordCheck {
  test: RecordTest;
  raw: RawTest;
}
/** A customer's test: some call of `calls` (or `history`) passes the entry test, or the record passes. */
export type Need = { t: "any" } | { t: "and" | "or"; parts: Need[] } | { t: "call"; list: "calls" | "history"; entry: EntryNeed } | ({ t: "record" } & RecordCheck);

// The library's AST, as far as this module reads it.
interface Node {
  op: string;
  args: unknown;
  range?: { start: number; end: number };
}
const isNode = (v: unknown): v is Node => v !== null && typeof v === "object" && typeof (v as Node).op === "string";
const ANY = { t: "any" } as const;
const DAY_MS = 86_400_000;
/** Bounds are widened by this much: a pre-filter may let too many through, never too few. */
const SLACK_MS = 1;
const MIRROR: Record<string, string> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!=" };

function combine<T extends { t: string }>(t: "and" | "or", a: T, b: T): T | { t: "any" } | { t: "and" | "or"; parts: T[] } {
  if (t === "and") return a.t === "any" ? b : b.t === "any" ? a : { t, parts: [a, b] };
  return a.t === "any" || b.t === "any" ? ANY : { t, parts: [a, b] };
}

const bin = (n: Node): [Node, Node] => n.args as [Node, Node];
const idName = (n: Node | undefined): string | undefined => (n && n.op === "id" && typeof n.args === "string" ? n.args : undefined);
const literal = (n: Node): unknown => (n.op === "value" ? n.args : undefined);
/** `v.field` -> field. */
const fieldOf = (n: Node, v: string): string | undefined => {
  if (n.op !== ".") return undefined;
  const [target, field] = n.args as [Node, string];
  return idName(target) === v ? field : undefined;
};
/** A macro call `recv.name(v, body)`: its parts. */
function macro(n: Node): { name: string; recv: Node; v: string; body: Node } | undefined {
  if (n.op !== "rcall") return undefined;
  const [name, recv, args] = n.args as [string, Node, Node[]];
  const v = idName(args?.[0]);
  return v && args.length === 2 && isNode(args[1]) ? { name, recv, v, body: args[1] } : undefined;
}

/** Names bound by comprehensions anywhere in the expression (a condition shadowing `calls` gets no pre-filter). */
function boundNames(root: Node): Set<string> {
  const out = new Set<string>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (isNode(n)) {
      const m = macro(n);
      if (m) out.add(m.v);
      if (n.op !== "value" && n.op !== "id") stack.push(n.args);
    }
  }
  return out;
}

/** The customer-level need of a condition (its syntax tree and text). */
export function analyse(root: Node, source: string): Need {
  const bound = boundNames(root);
  if (["calls", "history", "now", "customer"].some((n) => bound.has(n))) return ANY;
  const listOf = (n: Node): "calls" | "history" | undefined => {
    const name = idName(n);
    return name === "calls" || name === "history" ? name : undefined;
  };
  /** A list expression that is `calls`, `history` or their `.filter(v, p)`: which list and what each kept entry passes. */
  const listNeed = (n: Node): { list: "calls" | "history"; entry: EntryNeed } | undefined => {
    const list = listOf(n);
    if (list) return { list, entry: ANY };
    const m = macro(n);
    const inner = m?.name === "filter" ? listOf(m.recv) : undefined;
    return m && inner ? { list: inner, entry: entryNeed(m.body, m.v, source) } : undefined;
  };
  /** `size(X) op k` / `X.size() op k` with X a list above: needs one entry when it cannot hold for an empty list. */
  const sizeNeed = (n: Node): Need => {
    let [a, b] = bin(n);
    let op = n.op;
    if (literal(a) !== undefined) [a, b, op] = [b, a, MIRROR[op]!];
    const k = Number(literal(b));
    if (!Number.isFinite(k)) return ANY;
    const target = a.op === "call" && (a.args as [string, Node[]])[0] === "size" ? (a.args as [string, Node[]])[1][0] : a.op === "rcall" && (a.args as [string])[0] === "size" ? (a.args as [string, Node])[1] : undefined;
    const ln = target && listNeed(target);
    const emptyFails = (op === ">" && k >= 0) || (op === ">=" && k > 0) || (op === "==" && k !== 0) || (op === "!=" && k === 0);
    return ln && emptyFails ? { t: "call", ...ln } : ANY;
  };
  const need = (n: Node): Need => {
    const record = recordTest(n);
    if (record) return { t: "record", ...record };
    switch (n.op) {
      case "&&":
      case "||":
        return combine(n.op === "&&" ? "and" : "or", need(bin(n)[0]), need(bin(n)[1])) as Need;
      case "?:": {
        const [, yes, no] = n.args as [Node, Node, Node];
        return combine("or", need(yes), need(no)) as Need;
      }
      case ">":
      case ">=":
      case "==":
      case "!=":
        return sizeNeed(n);
      case "rcall": {
        const m = macro(n);
        const list = m && (m.name === "exists" || m.name === "exists_one") ? listOf(m.recv) : undefined;
        return m && list ? { t: "call", list, entry: entryNeed(m.body, m.v, source) } : ANY;
      }
      default:
        return ANY;
    }
  };
  return need(root);
}

/** Text fields of the stored record and of its products that equal what CEL sees (enrichment only adds fields). */
const RECORD_TEXT = new Set(["id", "name", "email", "language", "tier", "accountNumber", "contractEnds"]);
const PRODUCT_TEXT = new Set(["sku", "name", "version", "currentVersion", "vendor"]);
type Obj = Readonly<Record<string, unknown>>;
const text = (o: Obj, field: string): string | undefined => (o[field] === undefined || o[field] === null ? undefined : String(o[field]));

const needles = (needles: string[]): RawTest => (json) => needles.some((n) => json.includes(n));

/** `v.f == "x"`, `v.f in ["x", "y"]`, `v.f.startsWith("x")` and their &&, || over a raw object's text fields. */
function objectTest(n: Node, v: string, allowed: ReadonlySet<string>): RecordCheck | undefined {
  if (n.op === "&&" || n.op === "||") {
    const [a, b] = bin(n).map((x) => objectTest(x, v, allowed));
    if (n.op === "&&") return a && b ? { test: (o) => a.test(o) && b.test(o), raw: (j) => a.raw(j) && b.raw(j) } : (a ?? b);
    return a && b ? { test: (o) => a.test(o) || b.test(o), raw: (j) => a.raw(j) || b.raw(j) } : undefined;
  }
  if (n.op === "==" || n.op === "in") {
    const [a, b] = bin(n);
    const field = fieldOf(a, v) ?? (n.op === "==" ? fieldOf(b, v) : undefined);
    const values = field === undefined ? undefined : strings(field === fieldOf(a, v) ? b : a);
    if (!field || !values || !allowed.has(field) || (n.op === "==" && values.length !== 1)) return undefined;
    const set = new Set(values);
    return { test: (o) => set.has(text(o, field) as string), raw: needles(values.map((x) => `"${field}":${JSON.stringify(x)}`)) };
  }
  const m = n.op === "rcall" ? (n.args as [string, Node, Node[]]) : undefined;
  const field = m && m[0] === "startsWith" && m[2].length === 1 ? fieldOf(m[1], v) : undefined;
  const prefix = field === undefined ? undefined : literal(m![2][0]!);
  if (!field || !allowed.has(field) || typeof prefix !== "string") return undefined;
  // JSON escapes character by character: the escaped prefix is a prefix of the escaped value
  return { test: (o) => text(o, field)?.startsWith(prefix) === true, raw: needles([`"${field}":${JSON.stringify(prefix).slice(0, -1)}`]) };
}

/** What the record alone must pass: `customer.tier == "gold"`, `"vip" in customer.tags`, `customer.products.exists(p, ...)`. */
function recordTest(n: Node): RecordCheck | undefined {
  if (n.op === "==" || n.op === "in" || (n.op === "rcall" && (n.args as [string])[0] === "startsWith")) {
    const direct = objectTest(n, "customer", RECORD_TEXT);
    if (direct) return direct;
    const [a, b] = bin(n);
    const tag = literal(a);
    if (n.op !== "in" || typeof tag !== "string" || fieldOf(b, "customer") !== "tags") return undefined;
    return { test: (o) => Array.isArray(o.tags) && o.tags.some((t) => String(t) === tag), raw: needles([JSON.stringify(tag)]) };
  }
  const m = macro(n);
  if (!m || (m.name !== "exists" && m.name !== "exists_one") || fieldOf(m.recv, "customer") !== "products") return undefined;
  const product = objectTest(m.body, m.v, PRODUCT_TEXT);
  return {
    test: (o) => Array.isArray(o.products) && o.products.some((p) => p !== null && typeof p === "object" && (!product || product.test(p as Obj))),
    raw: product?.raw ?? (() => true),
  };
}

function strings(n: Node): string[] | undefined {
  const one = literal(n);
  if (typeof one === "string") return [one];
  if (n.op !== "list") return undefined;
  const all = (n.args as Node[]).map(literal);
  return all.every((s): s is string => typeof s === "string") ? all : undefined;
}

/** What one entry `v` must pass for `body` to hold. */
function entryNeed(body: Node, v: string, source: string): EntryNeed {
  const walk = (n: Node): EntryNeed => {
    switch (n.op) {
      case "&&":
      case "||":
        return combine(n.op === "&&" ? "and" : "or", walk(bin(n)[0]), walk(bin(n)[1])) as EntryNeed;
      case "==":
      case "in": {
        const [a, b] = bin(n);
        const field = fieldOf(a, v) ?? (n.op === "==" ? fieldOf(b, v) : undefined);
        const values = strings(field === fieldOf(a, v) ? b : a);
        if (field && values && field in TEXT_FIELDS && (n.op === "in" || values.length === 1)) return { t: "text", field: TEXT_FIELDS[field as keyof typeof TEXT_FIELDS], values };
        const one = literal(a);
        if (n.op === "in" && typeof one === "string" && fieldOf(b, v) === "path") return { t: "path", value: one };
        return ANY;
      }
      case ">":
      case ">=":
      case "<":
      case "<=":
        return numberNeed(n, v) ?? timeNeed(n, v, source);
      case "rcall": {
        const m = macro(n);
        return m && (m.name === "exists" || m.name === "exists_one") && fieldOf(m.recv, v) === "offers" ? { t: "offer", need: offerNeed(m.body, m.v) } : ANY;
      }
      default:
        return ANY;
    }
  };
  return walk(body);
}

function offerNeed(body: Node, o: string): OfferNeed {
  const walk = (n: Node): OfferNeed => {
    if (n.op === "&&" || n.op === "||") return combine(n.op === "&&" ? "and" : "or", walk(bin(n)[0]), walk(bin(n)[1])) as OfferNeed;
    if (n.op !== "==" && n.op !== "in") return ANY;
    const [a, b] = bin(n);
    const field = fieldOf(a, o) ?? (n.op === "==" ? fieldOf(b, o) : undefined);
    const values = strings(field === fieldOf(a, o) ? b : a);
    return (field === "offer" || field === "outcome") && values && (n.op === "in" || values.length === 1) ? { t: "text", field, values } : ANY;
  };
  return walk(body);
}

let timeEnv: ReturnType<typeof nowEnvironment> | undefined;
const NUMBER_FIELDS: Record<string, number> = { waitSeconds: F.wait, talkSeconds: F.talk };

/** `v.waitSeconds > 300.0` (either side): an absent number fails, as CEL's error does inside exists(). */
function numberNeed(n: Node, v: string): EntryNeed | undefined {
  let [a, b] = bin(n);
  let op = n.op;
  if (!fieldOf(a, v)) [a, b, op] = [b, a, MIRROR[op]!];
  const field = NUMBER_FIELDS[fieldOf(a, v) ?? ""];
  const value = literal(b);
  if (field === undefined || (typeof value !== "number" && typeof value !== "bigint")) return undefined;
  return { t: "number", field, op, value: Number(value) };
}

/** `v.at op <time of now>` or `v.daysAgo op <number>` (either side): a bound on the entry's time. */
function timeNeed(n: Node, v: string, source: string): EntryNeed {
  let [a, b] = bin(n);
  let op = n.op;
  if (!fieldOf(a, v)) [a, b, op] = [b, a, MIRROR[op]!];
  const field = fieldOf(a, v);
  const upper = op === "<" || op === "<=";
  if (field === "daysAgo") {
    const k = Number(literal(b));
    if (!Number.isFinite(k)) return ANY;
    // daysAgo = floor((now - at) / day): `<= k` is at > now - (k+1) days, `>= k` is at <= now - k days
    const days = op === "<=" ? k + 1 : op === "<" ? k : op === ">=" ? k : k + 1;
    return { t: "time", side: upper ? "lo" : "hi", bound: (now) => now.getTime() - days * DAY_MS };
  }
  if (field !== "at" || !b.range) return ANY;
  let program: CelProgram;
  try {
    program = compileCel((timeEnv ??= nowEnvironment()), source.slice(b.range.start, b.range.end));
  } catch {
    return ANY; // the bound reads more than `now`: CEL decides
  }
  const bound = (now: Date) => {
    const at = program.evaluate({ now });
    return at instanceof Date ? at.getTime() : undefined;
  };
  return { t: "time", side: upper ? "hi" : "lo", bound };
}

/**
 * The test for one run: true when a customer with these calls can match. Record tests read the parsed
 * record when given, else its JSON text (the raw test) when given, else pass.
 */
export type CustomerTest = (calls: readonly CodedEntry[], history: readonly CodedEntry[], record?: Obj, json?: string) => boolean;

/** Every match has at least one indexed call: the run need only look at customers with history. */
export function needsCall(need: Need): boolean {
  if (need.t === "call") return true;
  if (need.t === "and") return need.parts.some(needsCall);
  if (need.t === "or") return need.parts.every(needsCall);
  return false;
}

/** The record's part of the need, on its JSON text (undefined: nothing to test there). */
export function rawRecordTest(need: Need): RawTest | undefined {
  if (need.t === "record") return need.raw;
  if (need.t === "any" || need.t === "call") return undefined;
  const parts = need.parts.map(rawRecordTest);
  if (need.t === "or") return parts.every((p) => p !== undefined) ? (j) => parts.some((p) => p!(j)) : undefined;
  const known = parts.filter((p): p is RawTest => p !== undefined);
  return known.length === 0 ? undefined : (j) => known.every((p) => p(j));
}

/** Every match has a call in `calls`: the run need only look at customers called within the window. */
export function needsRecentCall(need: Need): boolean {
  if (need.t === "call") return need.list === "calls";
  if (need.t === "and") return need.parts.some(needsRecentCall);
  if (need.t === "or") return need.parts.every(needsRecentCall);
  return false;
}

/** The need resolved against this run's dictionary and clock. */
export function customerTest(need: Need, dict: AudienceDictionary, now: Date): CustomerTest {
  const codes = (values: string[]) => new Set(values.map((s) => (s === "" ? 0 : (dict.codes.get(s) ?? -1))));
  const offer = (n: OfferNeed): ((o: CodedOffer) => boolean) => {
    if (n.t === "any") return () => true;
    if (n.t === "text") {
      const set = codes(n.values);
      return n.field === "offer" ? (o) => set.has(o.offer) : (o) => set.has(o.outcome);
    }
    const parts = n.parts.map(offer);
    return n.t === "and" ? (o) => parts.every((p) => p(o)) : (o) => parts.some((p) => p(o));
  };
  const entry = (n: EntryNeed): ((e: CodedEntry) => boolean) => {
    switch (n.t) {
      case "any":
        return () => true;
      case "text": {
        const set = codes(n.values);
        return (e) => set.has(codeAt(e, n.field));
      }
      case "time": {
        const ms = n.bound(now);
        if (ms === undefined || !Number.isFinite(ms)) return () => true;
        return n.side === "lo" ? (e) => e.at >= ms - SLACK_MS : (e) => e.at <= ms + SLACK_MS;
      }
      case "number": {
        const { field, op, value } = n;
        const cmp = op === ">" ? (x: number) => x > value : op === ">=" ? (x: number) => x >= value : op === "<" ? (x: number) => x < value : (x: number) => x <= value;
        return (e) => {
          const x = numberAt(e, field);
          return x !== undefined && cmp(x);
        };
      }
      case "path": {
        const code = dict.codes.get(n.value) ?? -1;
        return (e) => pathCodes(e).includes(code);
      }
      case "offer": {
        const test = offer(n.need);
        return (e) => offerCodes(e).some(test);
      }
      default: {
        const parts = n.parts.map(entry);
        return n.t === "and" ? (e) => parts.every((p) => p(e)) : (e) => parts.some((p) => p(e));
      }
    }
  };
  const customer = (n: Need): CustomerTest => {
    if (n.t === "any") return () => true;
    if (n.t === "record") {
      const { test, raw } = n;
      return (_c, _h, record, json) => (record !== undefined ? test(record) : json === undefined || raw(json));
    }
    if (n.t === "call") {
      const test = entry(n.entry);
      return n.list === "calls" ? (calls) => calls.some(test) : (_calls, history) => history.some(test);
    }
    const parts = n.parts.map(customer);
    return n.t === "and" ? (c, h, r, j) => parts.every((p) => p(c, h, r, j)) : (c, h, r, j) => parts.some((p) => p(c, h, r, j));
  };
  return customer(need);
}
