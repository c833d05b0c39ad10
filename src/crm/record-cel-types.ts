import { toCel } from "../lib/cel.js";

/**
 * The customer record as CEL sees it, declared field by field: offer rules (offers/context.ts) and
 * audience conditions (outbound/audience/context.ts) both read `customer.<field>`, so both declare these
 * types from here and a field added to the record (customer.ts) is added once. Each reader adds its own
 * types around them (offers: the record's history and the call; audiences: the indexed calls).
 *
 * Counts and day numbers are int; money and seconds are double (they may carry fractions). CEL compares
 * int with double (`balance < 5`), but arithmetic needs matching types (`balance + 5.0`). Types are in
 * dependency order: a type is declared before the types that use it.
 */

export const RECORD_CEL_TYPES = {
  Prepaid: { balance: "double", currency: "string" },
  Period: { from: "string", to: "string" },
  Subscriptions: { express: "Period" },
  Product: {
    sku: "string",
    name: "string",
    version: "string",
    currentVersion: "string",
    purchased: "string",
    warrantyEnds: "string",
    serviceContract: "bool",
    addOns: "list<string>",
    competitor: "bool",
    vendor: "string",
    outdated: "bool",
    warrantyEndsInDays: "int",
    purchasedDaysAgo: "int",
  },
} as const satisfies Record<string, Record<string, string>>;

/**
 * The `Customer` type's fields without its history: the stored record, what enrichCustomer works out
 * (express today, day counts) and the call facts (calls in the last 90 days, waits). A reader that shows
 * the history adds `history` with its own entry type.
 */
export const CUSTOMER_CEL_FIELDS = {
  id: "string",
  name: "string",
  phones: "list<string>",
  email: "string",
  language: "string",
  tier: "string",
  express: "bool",
  expressReason: "string",
  subscription: "Subscriptions",
  accountNumber: "string",
  contractEnds: "string",
  contractEndsInDays: "int",
  prepaid: "Prepaid",
  products: "list<Product>",
  tags: "list<string>",
  callsLast90Days: "int",
  avgWaitSeconds: "double",
  maxWaitSeconds: "double",
} as const satisfies Record<string, string>;

/** One class per CEL type name: the CEL library recognises a value's type by its constructor. */
export function celTypeClasses<Name extends string>(names: readonly Name[]): Record<Name, new (fields: object) => object> {
  return Object.fromEntries(
    names.map((name) => [name, { [name]: class { constructor(fields: object) { Object.assign(this, fields); } } }[name]!]),
  ) as Record<Name, new (fields: object) => object>;
}

/** The field types a value is converted to as it is (the rest are lists and declared types). */
export type CelScalarType = "string" | "int" | "double" | "bool" | "map";
const SCALARS: ReadonlySet<string> = new Set<CelScalarType>(["string", "int", "double", "bool", "map"]);
export const isCelScalar = (type: string): type is CelScalarType => SCALARS.has(type);

/** A present value as a field of a scalar type holds it: ints are BigInt (CEL's int), maps converted through toCel. */
export function celScalar(value: unknown, type: CelScalarType): unknown {
  switch (type) {
    case "string":
      return String(value);
    case "int":
      return BigInt(Math.round(Number(value)));
    case "double":
      return Number(value);
    case "bool":
      return Boolean(value);
    case "map":
      return toCel(value);
  }
}
