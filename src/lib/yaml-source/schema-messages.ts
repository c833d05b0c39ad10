import type { z } from "zod";
import { didYouMean } from "./suggest.js";

/**
 * Turns zod issues into plain-English problems with the exact path they concern. zod's own messages
 * ("Invalid input: expected string, received number") are written for programmers; admins get
 * `"timeout" in node "main-menu" must be a number, not text "5s"`. How a place is named is the file
 * format's own business (an IVR tree speaks of nodes and options): it passes `PlaceNames`.
 */

export interface SchemaProblem {
  /** Path from the top of the file. */
  path: PropertyKey[];
  /** Point at the key of the last segment (unknown fields, bad digits) rather than its value. */
  key?: boolean;
  message: string;
}

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

export interface IssueContext {
  /** The schema that produced the issues (for the list of known fields). */
  schema: Schema;
  /** The value that was checked. */
  input: unknown;
  /** Where that value sits in the file, e.g. ["nodes", "welcome"]. */
  base: PropertyKey[];
  /** The file format's words for places; plain field paths when left out. */
  places?: PlaceNames;
}

/** How one file format names the places of its problems. */
export interface PlaceNames {
  /** `"timeout" in node "main-menu"`, `the file`, ... */
  subject(path: readonly PropertyKey[]): string;
  /** A missing field: point at the key of the mapping that lacks it (a node's id) instead of its value. */
  missingAtKey?(parent: readonly PropertyKey[]): boolean;
  /** A message of the format's own for a key that is not allowed, or undefined for the usual one. */
  badKey?(path: readonly PropertyKey[]): string | undefined;
}

/** Places named by their field path: `"retry.delay"`, `"offers" item 2`, `the file`. */
export const fieldPlaces: PlaceNames = { subject: (path) => (path.length === 0 ? "the file" : fieldName(path)) };

export function describeIssues(issues: readonly Issue[], ctx: IssueContext): SchemaProblem[] {
  return issues.flatMap((issue) => describeIssue(issue, [], ctx));
}

function describeIssue(issue: Issue, prefix: PropertyKey[], ctx: IssueContext): SchemaProblem[] {
  const places = ctx.places ?? fieldPlaces;
  const { subject } = places;
  const rel = [...prefix, ...issue.path];
  const path = [...ctx.base, ...rel];
  const value = valueAt(ctx.input, rel);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownFields(ctx.schema, rel);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, known) || (known.length ? ` (fields: ${known.join(", ")})` : "");
        return { path: [...path, key], key: true, message: `unknown field "${key}" in ${subject(path)}${hint}` };
      });
    }
    case "invalid_type": {
      const parentValue = valueAt(ctx.input, rel.slice(0, -1));
      const field = rel.at(-1);
      if (value === undefined && field !== undefined && isRecord(parentValue) && !(String(field) in parentValue)) {
        return [missing(path, places)];
      }
      return [{ path, message: `${subject(path)} must be ${typeName(issue.expected)}, not ${valueName(value)}` }];
    }
    case "too_small":
    case "too_big":
      return [{ path, message: `${subject(path)} ${bound(issue)}` }];
    case "invalid_format":
      return [{ path, message: `${subject(path)} ${mustBe(issue.message)}, not ${valueName(value)}` }];
    case "invalid_value":
      return [{ path, message: `${subject(path)} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, not ${valueName(value)}` }];
    case "invalid_key": {
      const inner = issue.issues[0];
      const key = String(path.at(-1));
      const own = places.badKey?.(path);
      if (own) return [{ path, key: true, message: own }];
      const message = inner ? mustBe(inner.message) : "is not allowed here";
      const what = ["vars", "expr", "set"].includes(String(path.at(-2))) ? "variable name" : "name";
      return [{ path, key: true, message: `${what} "${key}" in ${subject(path.slice(0, -1))} ${message}` }];
    }
    case "invalid_union":
      return describeUnion(issue, rel, path, value, ctx);
    default:
      return [{ path, message: `${subject(path)}: ${issue.message}` }];
  }
}

/** A union failed: explain the alternative the admin evidently meant, or list the accepted shapes. */
function describeUnion(issue: z.core.$ZodIssueInvalidUnion, rel: PropertyKey[], path: PropertyKey[], value: unknown, ctx: IssueContext): SchemaProblem[] {
  const rootTypeMismatch = (errs: readonly Issue[]) => errs.some((e) => e.code === "invalid_type" && e.path.length === 0);
  const plausible = issue.errors.filter((errs) => !rootTypeMismatch(errs));
  if (plausible.length > 0) {
    const best = plausible.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((e) => describeIssue(e, rel, ctx));
  }
  const expected = issue.errors.flatMap((errs) => errs.filter((e) => e.code === "invalid_type" && e.path.length === 0).map((e) => typeName((e as z.core.$ZodIssueInvalidType).expected)));
  const places = ctx.places ?? fieldPlaces;
  if (value === undefined) return [missing(path, places)];
  return [{ path, message: `${places.subject(path)} must be ${[...new Set(expected)].join(" or ") || "something else"}, not ${valueName(value)}` }];
}

function missing(path: PropertyKey[], places: PlaceNames): SchemaProblem {
  const parent = path.slice(0, -1);
  return { path: parent, key: places.missingAtKey?.(parent) ?? false, message: `missing required field "${String(path.at(-1))}" in ${places.subject(parent)}` };
}

/**
 * Names a field path: `"retry.delay"`, `"goto" of "cases" item 2`. List items count from 1. `label` may
 * name a run of field names its own way (an IVR menu's `options.1` is `option "1"`).
 */
export function fieldName(path: readonly PropertyKey[], label?: (names: string[]) => string | undefined): string {
  const groups: string[] = [];
  let names: string[] = [];
  const flush = (item?: number) => {
    const head = label?.(names) ?? (names.length ? `"${names.join(".")}"` : "");
    groups.push(item === undefined ? head : `${head} item ${item + 1}`);
    names = [];
  };
  for (const seg of path) {
    if (typeof seg === "number") flush(seg);
    else names.push(String(seg));
  }
  if (names.length) flush();
  return groups.reverse().join(" of ");
}

function mustBe(message: string): string {
  return message.startsWith("must") ? message : `is invalid: ${message}`;
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  switch (issue.origin) {
    case "array":
      return small ? `needs at least ${limit} item${limit === 1 ? "" : "s"}` : `takes at most ${limit} items`;
    case "string":
      return small ? (limit <= 1 ? "must not be empty" : `must be at least ${limit} characters`) : `must be at most ${limit} characters`;
    default:
      if (small) return issue.inclusive ? `must be at least ${limit}` : `must be more than ${limit}`;
      return issue.inclusive ? `must be at most ${limit}` : `must be less than ${limit}`;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case "string":
      return "text";
    case "number":
      return "a number";
    case "int":
      return "a whole number";
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "object":
    case "record":
      return "a mapping (field: value)";
    case "null":
      return "empty";
    default:
      return expected;
  }
}

export function valueName(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 37)}...` : value}"`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "a mapping";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isRecord(v)) v = v[String(seg)];
    else return undefined;
  }
  return v;
}

// zod keeps each schema's structure in `_zod.def`; walking it gives the fields allowed at a path.
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  in?: Schema;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
}
const defOf = (s: Schema) => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: Schema): Schema {
  for (;;) {
    const def = defOf(s);
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in) s = def.in;
    else return s;
  }
}

/** Field names of the mapping(s) a schema accepts at `path`. */
export function knownFields(schema: Schema, path: readonly PropertyKey[]): string[] {
  const s = unwrap(schema);
  const def = defOf(s);
  if (def.type === "union" && def.options) return [...new Set(def.options.flatMap((o) => knownFields(o, path)))];
  if (path.length === 0) return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
  const [seg, ...rest] = path;
  if (def.type === "object" && def.shape) {
    const field = def.shape[String(seg)];
    return field ? knownFields(field, rest) : [];
  }
  if (def.type === "record" && def.valueType) return knownFields(def.valueType, rest);
  if (def.type === "array" && def.element) return knownFields(def.element, rest);
  return [];
}
