import { isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import type { SourceMap } from "./source-map.js";

/**
 * The plain value of a YAML document, as the yaml library's `toJS()` gives it (objects, arrays, scalars,
 * anchors and aliases shared, `<<` merge keys), in one pass over the document. The library resolves each
 * alias and merge by walking the whole document again, which made a file with thousands of aliases take
 * minutes; here anchors are remembered as they are met.
 *
 * Aliases are counted as full copies (what later checks will walk): a document that expands to more than
 * `maxValues` values is refused at the alias that crosses the limit, so "billion laughs" files cost
 * nothing. Every alias without an anchor is reported where it is; an alias inside its own anchor (a value
 * that contains itself) and a merge of something that is not a mapping are errors too.
 */

export const DEFAULT_MAX_YAML_VALUES = 200_000;

export interface YamlValue {
  /** Undefined when there were problems: then the document cannot be read. */
  value: unknown;
  diagnostics: Diagnostic[];
}

class ExpansionLimit extends Error {}

interface Anchored {
  node: Node;
  /** Values it expands to, once converted. */
  size: number | undefined;
  value: unknown;
}

export function documentValue(map: SourceMap, maxValues: number = DEFAULT_MAX_YAML_VALUES): YamlValue {
  const diagnostics: Diagnostic[] = [];
  const anchors = new Map<string, Anchored>();
  const byNode = new Map<Node, Anchored>();
  let total = 0;
  const problem = (node: { range?: [number, number, number] | null } | null | undefined, message: string) =>
    diagnostics.push({ file: map.file, ...map.position(node?.range?.[0] ?? 0), severity: "error", message });
  const count = (n: number, at: Node) => {
    total += n;
    if (total > maxValues) {
      problem(at, `YAML: aliases expand this file to more than ${maxValues.toLocaleString("en")} values (each *alias counts as a full copy of its anchor); use fewer aliases, or fewer values in the anchored ones`);
      throw new ExpansionLimit();
    }
  };

  const resolve = (alias: Node & { source: string }): Anchored | undefined => {
    const target = anchors.get(alias.source);
    if (!target) problem(alias, `YAML: alias "*${alias.source}" has no anchor "&${alias.source}" before it`);
    else if (target.size === undefined) problem(alias, `YAML: alias "*${alias.source}" is inside its own anchor "&${alias.source}": a value cannot contain itself`);
    else return target;
    return undefined;
  };

  const convert = (node: unknown): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = resolve(node);
      if (!target) return null;
      count(target.size!, node);
      return target.value;
    }
    const n = node as Node;
    const anchor = (n as { anchor?: string }).anchor;
    const before = total;
    let entry: Anchored | undefined;
    if (anchor) {
      entry = { node: n, size: undefined, value: undefined };
      anchors.set(anchor, entry);
      byNode.set(n, entry);
    }
    count(1, n);
    let value: unknown;
    if (isScalar(n)) value = typeof n.value === "bigint" ? Number(n.value) : n.value;
    else if (isMap(n)) {
      value = {};
      if (entry) entry.value = value;
      for (const pair of n.items) addPair(value as Record<string, unknown>, pair);
    } else if (isSeq(n)) {
      const list: unknown[] = [];
      value = list;
      if (entry) entry.value = value;
      for (const item of n.items) list.push(isPair(item) ? addPair({}, item) : convert(item));
    }
    if (entry) {
      entry.value = value;
      entry.size = total - before;
    }
    return value;
  };

  const addPair = (target: Record<string, unknown>, pair: Pair): Record<string, unknown> => {
    const key = pair.key as Node | null;
    if (isMergeKey(key)) {
      merge(target, pair.value as Node | null);
      return target;
    }
    const jsKey = convert(key);
    const name = jsKey === null ? "" : typeof jsKey === "object" ? JSON.stringify(jsKey) : String(jsKey);
    const value = convert(pair.value);
    // A key named __proto__ is an own field, never the prototype.
    if (name in target) Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
    else target[name] = value;
    return target;
  };

  const copyInto = (target: Record<string, unknown>, from: unknown, at: Node): void => {
    if (from === null || typeof from !== "object" || Array.isArray(from)) {
      problem(at, "YAML: a merge (`<<:`) takes a mapping, an alias of one, or a list of them");
      return;
    }
    for (const [k, v] of Object.entries(from)) {
      if (!Object.prototype.hasOwnProperty.call(target, k)) Object.defineProperty(target, k, { value: v, writable: true, enumerable: true, configurable: true });
    }
  };

  const mergeAlias = (target: Record<string, unknown>, alias: Node & { source: string }, list: boolean): void => {
    const t = resolve(alias);
    if (!t) return;
    count(t.size!, alias);
    for (const from of list && Array.isArray(t.value) ? t.value : [t.value]) copyInto(target, from, alias);
  };

  /** Keys already in the mapping win; of several merged mappings, the first one listed wins. */
  const merge = (target: Record<string, unknown>, source: Node | null): void => {
    if (isAlias(source)) return mergeAlias(target, source, true);
    for (const s of isSeq(source) ? (source.items as Node[]) : [source]) {
      if (isAlias(s)) mergeAlias(target, s, false);
      else if (isMap(s)) copyInto(target, convert(s), s);
      else problem(s ?? source, "YAML: a merge (`<<:`) takes a mapping, an alias of one, or a list of them");
    }
  };

  let value: unknown;
  try {
    value = convert(map.doc.contents);
  } catch (err) {
    if (!(err instanceof ExpansionLimit)) throw err;
  }
  return diagnostics.length ? { value: undefined, diagnostics } : { value, diagnostics };
}

/** `<<` as a plain key (the yaml library turns it into a merge key when `merge` is on). */
function isMergeKey(key: Node | null): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return (typeof v === "symbol" && v.description === "<<") || (v === "<<" && (!key.type || key.type === "PLAIN"));
}
