import { enrichCustomer, type Customer } from "../../crm/customer.js";
import { NO_EXPRESS_CONFIG, type ExpressConfig } from "../../crm/express-config.js";
import { celScalar, celTypeClasses, CUSTOMER_CEL_FIELDS, isCelScalar, RECORD_CEL_TYPES } from "../../crm/record-cel-types.js";
import { celEnvironment, type CelEnvironment } from "../../lib/cel.js";
import { codeAt, creditCodes, F, numberAt, offerCodes, pathCodes, type AudienceDictionary, type CodedEntry } from "./codec.js";

/**
 * What an audience condition sees (docs/outbound-audiences.md):
 *
 *   customer  the CRM record as offer rules see it (offers/context.ts), without its history
 *   calls     the customer's calls at or after now minus `since`, newest first
 *   history   every call the audience index holds for the customer, newest first
 *   now       the time of the run (a timestamp)
 *
 * Types are declared field by field, as for offers, so that `c.reson` fails when the audience is
 * checked instead of silently matching no one. A call's text fields are "" when unknown, so
 * `c.agent == "1001"` is simply false for a call no agent took.
 */

type FieldType = "string" | "int" | "double" | "bool" | "map" | "google.protobuf.Timestamp" | `list<${string}>` | TypeName;
type TypeName = keyof typeof TYPES;

/** The customer record's types from the CRM (crm/record-cel-types.ts, shared with offers), then the indexed calls. */
const TYPES = {
  ...RECORD_CEL_TYPES,
  CallOffer: { offer: "string", outcome: "string", amount: "double" },
  Credit: { kind: "string", amount: "double", currency: "string" },
  Call: {
    at: "google.protobuf.Timestamp",
    /** Whole 24-hour periods between the call and now: `c.daysAgo <= 30` instead of timestamp arithmetic. */
    daysAgo: "int",
    reason: "string",
    lane: "string",
    queue: "string",
    disposition: "string",
    agent: "string",
    waitSeconds: "double",
    talkSeconds: "double",
    path: "list<string>",
    offers: "list<CallOffer>",
    credit: "Credit",
  },
  Customer: CUSTOMER_CEL_FIELDS,
} as const satisfies Record<string, Record<string, string>>;

/** Field names per type, for the docs, the did-you-mean and the test that keeps them in step with the CRM. */
export const audienceFields = (type: TypeName): string[] => Object.keys(TYPES[type]);
export const AUDIENCE_NAMES = ["customer", "calls", "history", "now"] as const;
export type AudienceName = (typeof AUDIENCE_NAMES)[number];

const CTORS = celTypeClasses(Object.keys(TYPES) as TypeName[]);

export function audienceEnvironment(): CelEnvironment {
  const env = celEnvironment({});
  for (const [name, fields] of Object.entries(TYPES)) env.registerType(name, { ctor: name === "Call" ? CallView : CTORS[name as TypeName], fields });
  env.registerVariable("customer", "Customer");
  env.registerVariable("calls", "list<Call>");
  env.registerVariable("history", "list<Call>");
  env.registerVariable("now", "google.protobuf.Timestamp");
  return env;
}

/** Only `now`: what the pre-filter uses to work out a time bound such as `now - duration("720h")`. */
export function nowEnvironment(): CelEnvironment {
  const env = celEnvironment({});
  env.registerVariable("now", "google.protobuf.Timestamp");
  return env;
}

/** Field names a condition reads (compile.ts); undefined: all. Objects are built with these fields only. */
export type UsedFields = ReadonlySet<string> | undefined;

const FIELD_LISTS = Object.fromEntries(Object.entries(TYPES).map(([name, fields]) => [name, Object.entries(fields)])) as Record<TypeName, Array<[string, FieldType]>>;

function convert(value: unknown, type: FieldType, used: UsedFields): unknown {
  if (value === undefined || value === null) return undefined;
  if (isCelScalar(type)) return celScalar(value, type);
  if (type === "google.protobuf.Timestamp") return value instanceof Date ? value : new Date(String(value));
  if (type.startsWith("list<")) {
    const inner = type.slice(5, -1) as FieldType;
    return Array.isArray(value) ? value.map((v) => convert(v, inner, used)) : [];
  }
  return toCelObject(value, type as TypeName, used);
}

function toCelObject(value: unknown, type: TypeName, used: UsedFields): object {
  const fields: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  // Absent fields stay absent so `has(customer.contractEndsInDays)` is false; undeclared ones are dropped.
  for (const [name, fieldType] of FIELD_LISTS[type]) {
    if (used !== undefined && !used.has(name)) continue;
    const v = convert(source[name], fieldType, used);
    if (v !== undefined) fields[name] = v;
  }
  return new CTORS[type](fields);
}

const DAY_MS = 86_400_000;

/**
 * A coded entry as CEL sees it: each field is decoded when the condition reads it (the library reads
 * fields by property access), so a million calls cost one small object each, not a dozen values.
 * Absent numbers and credit read as undefined, which CEL treats as an absent field (`has()` false).
 */
class CallView {
  constructor(
    private readonly e: CodedEntry,
    private readonly t: readonly string[],
    private readonly nowMs: number,
  ) {}
  get at(): Date {
    return new Date(this.e.at);
  }
  get daysAgo(): bigint {
    return BigInt(Math.floor((this.nowMs - this.e.at) / DAY_MS));
  }
  get reason(): string {
    return this.t[codeAt(this.e, F.reason)] ?? "";
  }
  get lane(): string {
    return this.t[codeAt(this.e, F.lane)] ?? "";
  }
  get queue(): string {
    return this.t[codeAt(this.e, F.queue)] ?? "";
  }
  get disposition(): string {
    return this.t[codeAt(this.e, F.disposition)] ?? "";
  }
  get agent(): string {
    return this.t[codeAt(this.e, F.agent)] ?? "";
  }
  get waitSeconds(): number | undefined {
    return numberAt(this.e, F.wait);
  }
  get talkSeconds(): number | undefined {
    return numberAt(this.e, F.talk);
  }
  get path(): string[] {
    return pathCodes(this.e).map((c) => this.t[c] ?? "");
  }
  get offers(): object[] {
    return offerCodes(this.e).map((o) => new CTORS.CallOffer({ offer: this.t[o.offer] ?? "", outcome: this.t[o.outcome] ?? "", ...(o.amount === undefined ? {} : { amount: o.amount }) }));
  }
  get credit(): object | undefined {
    const c = creditCodes(this.e);
    return c && new CTORS.Credit({ kind: this.t[c.kind] ?? "", currency: this.t[c.currency] ?? "", ...(c.amount === undefined ? {} : { amount: c.amount }) });
  }
}

export function celCall(e: CodedEntry, dict: AudienceDictionary, nowMs: number): object {
  return new CallView(e, dict.texts, nowMs);
}

/** Customer fields worked out by enrichCustomer (offers' view) rather than stored. */
const DERIVED = ["express", "expressReason", "contractEndsInDays", "products"];
const CALL_FACTS = ["callsLast90Days", "avgWaitSeconds", "maxWaitSeconds"];

/**
 * The record as offers see it (enrichCustomer: day counts, express today), its call facts taken from
 * the index's entries (`entries`: every indexed call, not only the window's). Enrichment and call facts
 * are worked out only when the condition reads them.
 */
export function celCustomer(record: Customer, entries: readonly CodedEntry[], now: Date, express: Pick<ExpressConfig, "timeZone" | "tiers"> = NO_EXPRESS_CONFIG, used: UsedFields = undefined): object {
  const enrich = used === undefined || DERIVED.some((f) => used.has(f));
  const view: Record<string, unknown> = enrich ? enrichCustomer({ ...record, products: record.products ?? [], tags: record.tags ?? [], history: [] }, now, express) : { ...record };
  if (used === undefined || CALL_FACTS.some((f) => used.has(f))) {
    const nowMs = now.getTime();
    let recent = 0;
    let waits = 0;
    let sum = 0;
    let max = 0;
    for (const e of entries) {
      if (nowMs - e.at <= 90 * DAY_MS) recent++;
      const w = numberAt(e, F.wait);
      if (w === undefined || !Number.isFinite(w)) continue;
      waits++;
      sum += w;
      if (w > max) max = w;
    }
    Object.assign(view, { callsLast90Days: recent, avgWaitSeconds: waits ? Math.round(sum / waits) : 0, maxWaitSeconds: max });
  }
  return toCelObject(view, "Customer", used);
}
