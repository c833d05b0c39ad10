import { readFileSync } from "node:fs";
import { z } from "zod";
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { describeIssues, type SchemaProblem } from "../lib/yaml-source/schema-messages.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { complexKeyDiagnostics, duplicateKeyDiagnostics } from "../lib/yaml-source/keys.js";
import { syntaxErrors } from "../lib/yaml-source/syntax.js";
import { customerSchema, type Customer, type HistoryEntry } from "./customer.js";
import { PhoneIndex } from "./phone-index.js";
import type { CustomerStore } from "./store.js";

/**
 * Customers from a YAML file (the demo's `config/customers.yaml`), checked like IVR trees: every problem
 * is reported with file:line:column. Dates may be written relative to the moment the file is loaded
 * ("+12d", "-30d", "today") so demo warranties and contracts never go stale.
 */

const fileSchema = z.object({ customers: z.array(customerSchema) }).strict();
const RELATIVE = /^(today|[+-]\d{1,5}d)$/;
/** Fields holding dates; only these take relative dates (a customer may well be named "today"). */
const DATE_FIELDS = new Set(["contractEnds", "purchased", "warrantyEnds", "at", "from", "to"]);
export const HISTORY_CAP = 50;
const DAY_MS = 86_400_000;

export class CustomerFileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "CustomerFileError";
  }
}

/** "+12d" -> the calendar day 12 days after `now` (UTC); history times (`at`) become 10:00 UTC that day. */
export function resolveRelativeDate(value: string, now: Date, field: string): string {
  const days = value === "today" ? 0 : Number.parseInt(value, 10);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + days * DAY_MS);
  return field === "at" ? new Date(day.getTime() + 10 * 3_600_000).toISOString() : day.toISOString().slice(0, 10);
}

function resolveDates(value: unknown, now: Date, field = ""): unknown {
  if (typeof value === "string" && DATE_FIELDS.has(field) && RELATIVE.test(value.trim())) return resolveRelativeDate(value.trim(), now, field);
  if (Array.isArray(value)) return value.map((v) => resolveDates(v, now));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDates(v, now, k)]));
  return value;
}

const newestFirst = (a: HistoryEntry, b: HistoryEntry) => Date.parse(b.at) - Date.parse(a.at);

/** Parses and checks a customers file. Pure: `file` only names the source in messages. */
export function parseCustomers(file: string, text: string, now: Date): Customer[] {
  const map = new SourceMap(file, text);
  const diag = (pos: { line: number; col: number }, message: string): Diagnostic => ({ file, ...pos, severity: "error", message });
  const report = (p: SchemaProblem) => diag(map.locate(p.path, { key: p.key }), p.message);

  if (map.doc.errors.length) {
    throw new CustomerFileError(syntaxErrors(map));
  }
  const keyProblems = [...complexKeyDiagnostics(map), ...duplicateKeyDiagnostics(map)];
  if (keyProblems.length) throw new CustomerFileError(sortDiagnostics(keyProblems));

  const raw = resolveDates(map.doc.toJS({ maxAliasCount: 1000 }), now);
  if (raw === null || raw === undefined) throw new CustomerFileError([diag({ line: 1, col: 1 }, "the file is empty: it needs `customers:` with a list of customers")]);
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues, { schema: fileSchema, input: raw, base: [] }).map((p) => {
      let message = p.message;
      // Admins know customers by id, not by their position in the list.
      const i = p.path[0] === "customers" ? p.path[1] : undefined;
      const id = typeof i === "number" ? (raw as { customers?: Array<{ id?: unknown }> }).customers?.[i]?.id : undefined;
      if (typeof i === "number" && typeof id === "string" && id !== "") message = message.replace(`"customers" item ${i + 1}`, `customer "${id}"`);
      if (DATE_FIELDS.has(String(p.path.at(-1))) && !p.key && message.includes("must be a date")) message += " (or relative to load time: today, +12d, -30d)";
      return { ...p, message };
    });
    throw new CustomerFileError(sortDiagnostics(problems.map(report)));
  }

  const problems: Diagnostic[] = [];
  const ids = new Map<string, number>();
  const phones = new PhoneIndex();
  parsed.data.customers.forEach((c, i) => {
    const first = ids.get(c.id);
    if (first !== undefined) problems.push(report({ path: ["customers", i, "id"], message: `customer id "${c.id}" is used twice (first by customer ${first + 1} of the list)` }));
    else ids.set(c.id, i);
    c.phones.forEach((p, j) => {
      const clash = phones.add(p, c.id);
      if (clash) problems.push(report({ path: ["customers", i, "phones", j], message: `phone "${p}" of customer "${c.id}" matches ${clash.phone} of customer "${clash.id}": a caller must identify one customer` }));
    });
    c.history.forEach((h, j) => {
      if (Number.isNaN(Date.parse(h.at))) problems.push(report({ path: ["customers", i, "history", j, "at"], message: `"at" of history entry ${j + 1} of customer "${c.id}" must be a time like 2026-11-02T14:30:00Z (or relative: today, -30d), not "${h.at}"` }));
    });
  });
  if (problems.length) throw new CustomerFileError(sortDiagnostics(problems));
  for (const c of parsed.data.customers) c.history.sort(newestFirst);
  return parsed.data.customers;
}

export function loadCustomersFile(path: string, now: Date): Customer[] {
  return parseCustomers(path, readFileSync(path, "utf8"), now);
}

/**
 * An in-memory store over a list of customers (normally a loaded file). History appended at run time
 * stays in this process only: newest first, at most HISTORY_CAP entries per customer, gone on restart.
 */
export class FileCustomerStore implements CustomerStore {
  readonly name = "file";
  private readonly byId = new Map<string, Customer>();
  private readonly phones = new PhoneIndex();

  constructor(customers: readonly Customer[]) {
    for (const c of customers) {
      this.byId.set(c.id, structuredClone(c));
      for (const p of c.phones) this.phones.add(p, c.id);
    }
  }

  static open(path: string, now = new Date()): FileCustomerStore {
    return new FileCustomerStore(loadCustomersFile(path, now));
  }

  async findByPhone(phone: string): Promise<Customer | null> {
    const id = this.phones.find(phone);
    const c = id === undefined ? undefined : this.byId.get(id);
    // A copy: callers may decorate the record without changing what the next caller sees.
    return c ? structuredClone(c) : null;
  }

  async appendHistory(customerId: string, entry: HistoryEntry): Promise<void> {
    const c = this.byId.get(customerId);
    if (!c) throw new Error(`no customer "${customerId}" in the customer file`);
    c.history = [structuredClone(entry), ...c.history].slice(0, HISTORY_CAP);
  }

  findById(id: string): Customer | undefined {
    const c = this.byId.get(id);
    return c ? structuredClone(c) : undefined;
  }
}
