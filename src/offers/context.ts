import { z } from "zod";
import { celEnvironment, toCel, type CelEnvironment } from "../lib/cel.js";
import type { CustomerView } from "../crm/customer.js";
import { celScalar, celTypeClasses, CUSTOMER_CEL_FIELDS, isCelScalar, RECORD_CEL_TYPES } from "../crm/record-cel-types.js";

/**
 * What offer rules see: `customer` (the enriched CRM record), `call` (what happened on this call so far)
 * and `vars` (the IVR tree's variables). The CEL types below are declared field by field so that a typo
 * such as `customer.contractEndInDays` fails when the rules are loaded, not silently on a live call.
 */

export const offerCallSchema = z
  .object({
    callerNumber: z.string(),
    // Text fields default to "" rather than being absent, so `call.reason == "billing"` is simply false
    // when the IVR recorded no reason, instead of an evaluation error that drops the whole offer.
    did: z.string().default(""),
    tree: z.string().default(""),
    lane: z.string().default(""),
    queue: z.string().default(""),
    /** Why the caller called, as the IVR recorded it ("technical support"). */
    reason: z.string().default(""),
    path: z.array(z.object({ node: z.string(), type: z.string().optional(), choice: z.string().optional(), label: z.string().optional() }).strict()).default([]),
    /** Digits the caller entered, by gather variable. */
    digits: z.record(z.string(), z.string()).default({}),
    /** Seconds waited in the queue so far. */
    waitSeconds: z.number().min(0).default(0),
  })
  .strict();

export type OfferCall = z.infer<typeof offerCallSchema>;
export type OfferCallInput = z.input<typeof offerCallSchema>;

export interface OfferContext {
  customer: CustomerView;
  call: OfferCall;
  vars: Record<string, unknown>;
}

type FieldType = "string" | "int" | "double" | "bool" | "map" | `list<${string}>` | TypeName;
type TypeName = keyof typeof TYPES;

/**
 * Field types per CEL type, in dependency order (a type is declared before types that use it): the
 * customer record's from the CRM (crm/record-cel-types.ts, shared with audiences), then its history as
 * rules see it and the call.
 */
const TYPES = {
  ...RECORD_CEL_TYPES,
  HistoryOffer: { offer: "string", outcome: "string", amount: "double" },
  HistoryEntry: {
    at: "string",
    callId: "string",
    lane: "string",
    queue: "string",
    waitSeconds: "double",
    agent: "string",
    disposition: "string",
    reason: "string",
    path: "list<string>",
    notes: "string",
    offers: "list<HistoryOffer>",
  },
  Customer: { ...CUSTOMER_CEL_FIELDS, history: "list<HistoryEntry>" },
  PathStep: { node: "string", type: "string", choice: "string", label: "string" },
  Call: {
    callerNumber: "string",
    did: "string",
    tree: "string",
    lane: "string",
    queue: "string",
    reason: "string",
    path: "list<PathStep>",
    digits: "map",
    waitSeconds: "double",
  },
} as const satisfies Record<string, Record<string, string>>;

/** Field names per type, for docs and for the test that keeps these declarations in step with the CRM schema. */
export const celFields = (type: TypeName): string[] => Object.keys(TYPES[type]);

const CTORS = celTypeClasses(Object.keys(TYPES) as TypeName[]);

function declare(env: CelEnvironment, withProduct: boolean): CelEnvironment {
  for (const [name, fields] of Object.entries(TYPES)) env.registerType(name, { ctor: CTORS[name as TypeName], fields });
  env.registerVariable("customer", "Customer");
  env.registerVariable("call", "Call");
  if (withProduct) env.registerVariable("product", "Product");
  return env;
}

/** Conditions and the `product` picker see customer, call and vars. */
export const ruleEnv: CelEnvironment = declare(celEnvironment({ vars: "map" }), false);
/** Facts and pitches of an offer with a `product:` also see `product`. */
export const productEnv: CelEnvironment = declare(celEnvironment({ vars: "map" }), true);

export const CONTEXT_NAMES = ["customer", "call", "vars"] as const;

function convert(value: unknown, type: FieldType): unknown {
  if (value === undefined || value === null) return undefined;
  if (isCelScalar(type)) return celScalar(value, type);
  const list = /^list<(.+)>$/.exec(type);
  if (list) return Array.isArray(value) ? value.map((v) => convert(v, list[1] as FieldType)) : [];
  return toCelObject(value, type as TypeName);
}

function toCelObject(value: unknown, type: TypeName): object {
  const fields: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  // Absent fields stay absent so `has(customer.contractEndsInDays)` is false; undeclared ones are dropped.
  for (const [name, fieldType] of Object.entries(TYPES[type])) {
    const v = convert(source[name], fieldType as FieldType);
    if (v !== undefined) fields[name] = v;
  }
  return new CTORS[type](fields);
}

/** The CEL form of a context, built once per ranking and shared by every rule. */
export function toCelContext(ctx: OfferContext): Record<string, unknown> {
  return { customer: toCelObject(ctx.customer, "Customer"), call: toCelObject(ctx.call, "Call"), vars: toCel(ctx.vars) };
}

/** A product as CEL sees it, from whatever the `product:` expression returned. */
export const isCelProduct = (v: unknown): boolean => v instanceof CTORS.Product;
