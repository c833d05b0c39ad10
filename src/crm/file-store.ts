import { readFileSync } from "node:fs";
import { z } from "zod";
import { formatDiagnostic, type Diagnostic } from "../ivr/diagnostics.js";
import { SourceMap } from "../ivr/source-map.js";
import { customerSchema, type Customer, type HistoryEntry } from "./customer.js";
import { normalizePhone, type CustomerStore } from "./store.js";

/**
 * Customers from a YAML file (the demo's `config/customers.yaml`). Dates may be written relative to the
 * moment the file is loaded ("+12d", "-30d", "today") so demo data never goes stale. History appended
 * at run time stays in memory (newest first, 50 per customer).
 */

const fileSchema = z.object({ customers: z.array(customerSchema) }).strict();
const RELATIVE = /^(today|[+-]\d{1,5}d)$/;
const HISTORY_CAP = 50;

export class CustomerFileError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "CustomerFileError";
  }
}

function resolveDates(value: unknown, now: Date, key = ""): unknown {
  if (typeof value === "string" && RELATIVE.test(value)) {
    const days = value === "today" ? 0 : Number.parseInt(value, 10);
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + days * 86_400_000);
    // history timestamps are instants, the other dates calendar days
    return key === "at" ? new Date(d.getTime() + 10 * 3_600_000).toISOString() : d.toISOString().slice(0, 10);
  }
  if (Array.isArray(value)) return value.map((v) => resolveDates(v, now));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDates(v, now, k)]));
  return value;
}

export function parseCustomers(file: string, text: string, now: Date): Customer[] {
  const map = new SourceMap(file, text);
  const at = (path: PropertyKey[], message: string): Diagnostic => ({ file, ...map.locate(path), severity: "error", message });
  if (map.doc.errors.length) {
    throw new CustomerFileError(map.doc.errors.map((e) => ({ file, ...map.position(e.pos[0]), severity: "error" as const, message: `YAML syntax error: ${e.message.split("\n")[0]}` })));
  }
  const parsed = fileSchema.safeParse(resolveDates(map.doc.toJS(), now));
  if (!parsed.success) {
    throw new CustomerFileError(parsed.error.issues.map((i) => at(i.path, `${i.path.join(".") || "file"}: ${i.message}`)));
  }
  const problems: Diagnostic[] = [];
  const ids = new Map<string, number>();
  const phones = new Map<string, string>();
  parsed.data.customers.forEach((c, i) => {
    if (ids.has(c.id)) problems.push(at(["customers", i, "id"], `duplicate customer id "${c.id}" (also customer ${ids.get(c.id)! + 1})`));
    ids.set(c.id, i);
    c.phones.forEach((p, j) => {
      const n = normalizePhone(p);
      const owner = phones.get(n);
      if (owner !== undefined && owner !== c.id) problems.push(at(["customers", i, "phones", j], `phone ${p} also belongs to customer ${owner}`));
      phones.set(n, c.id);
    });
  });
  if (problems.length) throw new CustomerFileError(problems);
  return parsed.data.customers;
}

export function loadCustomersFile(path: string, now: Date): Customer[] {
  return parseCustomers(path, readFileSync(path, "utf8"), now);
}

export class FileCustomerStore implements CustomerStore {
  readonly name = "file";
  private readonly byPhone = new Map<string, Customer>();

  constructor(customers: readonly Customer[]) {
    for (const c of customers) for (const p of c.phones) this.byPhone.set(normalizePhone(p), c);
  }

  static open(path: string, now = new Date()): FileCustomerStore {
    return new FileCustomerStore(loadCustomersFile(path, now));
  }

  async findByPhone(phone: string): Promise<Customer | null> {
    return this.byPhone.get(normalizePhone(phone)) ?? null;
  }

  async appendHistory(customerId: string, entry: HistoryEntry): Promise<void> {
    for (const c of new Set(this.byPhone.values())) {
      if (c.id === customerId) c.history = [entry, ...c.history].slice(0, HISTORY_CAP);
    }
  }

  findById(id: string): Customer | undefined {
    return [...this.byPhone.values()].find((c) => c.id === id);
  }
}
