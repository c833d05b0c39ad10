import path from "node:path";
import { visit } from "yaml";
import { z } from "zod";
import type { Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { complexKeyDiagnostics, duplicateKeyDiagnostics } from "../lib/yaml-source/keys.js";
import { describeIssues, valueName, type SchemaProblem } from "../lib/yaml-source/schema-messages.js";
import { treePlaces } from "./schema-places.js";
import { NODE_ID, NODE_TYPES, nodeSchema, treeSchema, type IvrNode, type NodeType } from "./schema.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { firstLine, syntaxErrors, syntaxWarnings } from "../lib/yaml-source/syntax.js";
import { closest } from "../lib/yaml-source/suggest.js";

/** One file as the loader sees it: a YAML source, checked field by field and node by node. */
export interface TreeSource {
  /** Path as shown in messages (relative to where the admin ran the command, when possible). */
  file: string;
  text: string;
}

export interface ParsedNode {
  id: string;
  /** Undefined when the type is missing or unknown. */
  type: NodeType | undefined;
  /** The node as written (a mapping, or {} if it was not one). */
  raw: Record<string, unknown>;
  /** The checked node with defaults filled in; only when it passed the schema. */
  node: IvrNode | undefined;
}

export interface ParsedTree {
  source: TreeSource;
  /** File name without `.yaml`: the name calls and cross-file gotos use. */
  name: string;
  map: SourceMap;
  /** False when the YAML itself is broken: then nothing is known about its nodes. */
  readable: boolean;
  /** Top-level fields, when they passed the schema. */
  header: { title: string | undefined; start: string | undefined; vars: Record<string, unknown> } | undefined;
  /** Initial variables as written (also when the header has mistakes), for the "never set" check. */
  rawVars: Record<string, unknown>;
  /** `start:` as written, if it is text. */
  declaredStart: string | undefined;
  /** The start node id as written, or the first node. */
  startId: string | undefined;
  nodes: ParsedNode[];
  diagnostics: Diagnostic[];
}

/** Tree name of a file: its base name without `.yaml`/`.yml`. */
export function treeName(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, "");
}

const headerSchema = treeSchema.extend({ nodes: z.record(z.string(), z.unknown()) });
const NODE_SCHEMAS = new Map<string, z.ZodType>(nodeSchema.options.map((o) => [o.shape.type.value, o]));

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

export function parseTree(source: TreeSource): ParsedTree {
  const map = new SourceMap(source.file, source.text);
  const diagnostics: Diagnostic[] = [];
  const report = (problem: SchemaProblem) =>
    diagnostics.push({ file: source.file, ...map.locate(problem.path, { key: problem.key }), severity: "error", message: problem.message });
  const tree: ParsedTree = { source, name: treeName(source.file), map, readable: true, header: undefined, rawVars: {}, declaredStart: undefined, startId: undefined, nodes: [], diagnostics };

  diagnostics.push(...syntaxErrors(map), ...syntaxWarnings(map));
  if (map.doc.errors.length) {
    tree.readable = false;
    return tree;
  }
  const complexKeys = complexKeyDiagnostics(map);
  if (complexKeys.length) {
    diagnostics.push(...complexKeys);
    tree.readable = false;
    return tree;
  }
  diagnostics.push(...duplicateKeyDiagnostics(map));

  let raw: unknown;
  try {
    raw = map.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // Aliases are resolved only here: `*name` without an earlier `&name`, or aliases nested into a huge value.
    diagnostics.push(...aliasDiagnostics(map, err as Error));
    tree.readable = false;
    return tree;
  }
  if (raw === null || raw === undefined) {
    report({ path: [], message: "the file is empty: a tree needs at least `nodes:`" });
    return tree;
  }
  if (!isRecord(raw)) {
    report({ path: [], message: `the file must be a mapping with \`nodes:\`, not ${valueName(raw)}` });
    return tree;
  }

  const header = headerSchema.safeParse(raw);
  if (header.success) tree.header = { title: header.data.name, start: header.data.start, vars: header.data.vars };
  else for (const p of describeIssues(header.error.issues, { schema: headerSchema, input: raw, base: [], places: treePlaces })) report(p);
  if (isRecord(raw.vars)) tree.rawVars = raw.vars;

  if (!isRecord(raw.nodes)) return tree;
  const ids = Object.keys(raw.nodes);
  if (ids.length === 0) report({ path: ["nodes"], message: "a tree needs at least one node" });
  tree.declaredStart = typeof raw.start === "string" ? raw.start : undefined;
  tree.startId = tree.declaredStart ?? ids[0];
  for (const id of ids) {
    if (!NODE_ID.test(id)) report({ path: ["nodes", id], key: true, message: `node id "${id}" must be lower-case (letters, digits, - and _, starting with a letter)` });
    tree.nodes.push(parseNode(id, raw.nodes[id], report));
  }
  return tree;
}

function parseNode(id: string, raw: unknown, report: (p: SchemaProblem) => void): ParsedNode {
  const at = ["nodes", id];
  if (!isRecord(raw)) {
    report({ path: at, key: true, message: `node "${id}" must be a mapping with a "type" field, not ${valueName(raw)}` });
    return { id, type: undefined, raw: {}, node: undefined };
  }
  const type = raw.type;
  if (type === undefined || type === null) {
    report({ path: at, key: true, message: `node "${id}" has no type (add \`type:\`, one of: ${NODE_TYPES.join(", ")})` });
    return { id, type: undefined, raw, node: undefined };
  }
  const schema = NODE_SCHEMAS.get(String(type));
  if (typeof type !== "string" || !schema) {
    report({ path: [...at, "type"], message: `unknown node type ${JSON.stringify(type)} (one of: ${NODE_TYPES.join(", ")})${suggestion(String(type), NODE_TYPES)}` });
    return { id, type: undefined, raw, node: undefined };
  }
  const result = schema.safeParse(raw);
  if (!result.success) for (const p of describeIssues(result.error.issues, { schema, input: raw, base: at, places: treePlaces })) report(p);
  return { id, type: type as NodeType, raw, node: result.success ? (result.data as IvrNode) : undefined };
}

function aliasDiagnostics(map: SourceMap, err: Error): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(map.doc, {
    Alias(_key, node) {
      if (node.resolve(map.doc) === undefined) {
        out.push({ file: map.file, ...map.position(node.range?.[0] ?? 0), severity: "error", message: `YAML: alias "*${node.source}" has no anchor "&${node.source}" before it` });
      }
    },
  });
  if (out.length === 0) out.push({ file: map.file, line: 1, col: 1, severity: "error", message: `YAML: ${firstLine(err.message)}` });
  return out;
}

function suggestion(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c ? `; did you mean "${c}"?` : "";
}
