import path from "node:path";
import { z } from "zod";
import { clip, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { complexKeyDiagnostics, duplicateKeyDiagnostics } from "../lib/yaml-source/keys.js";
import { describeIssues, valueName, type SchemaProblem } from "../lib/yaml-source/schema-messages.js";
import { treePlaces } from "./schema-places.js";
import { NODE_ID, NODE_TYPES, nodeSchema, treeSchema, type IvrNode, type NodeType } from "./schema.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { syntaxErrors, syntaxWarnings } from "../lib/yaml-source/syntax.js";
import { closest } from "../lib/yaml-source/suggest.js";
import { documentValue } from "../lib/yaml-source/to-js.js";
import { bytesText, DEFAULT_TREE_LIMITS, limitText, offsetPastBytes, type TreeLimits } from "./limits.js";

/** One file as the loader sees it: a YAML source, checked field by field and node by node. */
export interface TreeSource {
  /** Path as shown in messages (relative to where the admin ran the command, when possible). */
  file: string;
  text: string;
  /** Size of the file when only its beginning was read because it is over the size limit. */
  bytes?: number;
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

/** A file too big to read: reported where it crosses the limit, nothing else looked at. */
function oversized(source: TreeSource, limits: TreeLimits): ParsedTree | undefined {
  const past = offsetPastBytes(source.text, limits.fileBytes);
  if (past < 0 && (source.bytes ?? 0) <= limits.fileBytes) return undefined;
  const before = source.text.slice(0, past < 0 ? source.text.length : past);
  const lastBreak = before.lastIndexOf("\n");
  const bytes = source.bytes ?? Buffer.byteLength(source.text);
  const message = `the file is ${limitText.number(bytes)} bytes, more than the ${bytesText(limits.fileBytes)} a tree file may have (the limit is reached here); split it into several files (gotos work across files)`;
  return unreadableTree(source, { file: source.file, line: before.split("\n").length, col: before.length - lastBreak, severity: "error", message });
}

/** A file that is not looked into (too big, or past the directory's limit): nothing is known of its nodes. */
export function unreadableTree(source: TreeSource, problem: Diagnostic): ParsedTree {
  const map = new SourceMap(source.file, "");
  return { source, name: treeName(source.file), map, readable: false, header: undefined, rawVars: {}, declaredStart: undefined, startId: undefined, nodes: [], diagnostics: [problem] };
}

export function parseTree(source: TreeSource, limits: TreeLimits = DEFAULT_TREE_LIMITS): ParsedTree {
  const tooBig = oversized(source, limits);
  if (tooBig) return tooBig;
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

  // Aliases are resolved only here: `*name` without an earlier `&name`, or aliases expanding to a huge value.
  const converted = documentValue(map, limits.yamlValues);
  if (converted.diagnostics.length) {
    diagnostics.push(...converted.diagnostics);
    tree.readable = false;
    return tree;
  }
  const raw = converted.value;
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
  if (ids.length > limits.nodesPerTree) {
    const message = `the tree has ${limitText.number(ids.length)} nodes, more than the ${limitText.number(limits.nodesPerTree)} a tree may have (the limit is reached here); split it into several files (gotos work across files)`;
    report({ path: ["nodes", ids[limits.nodesPerTree]!], key: true, message });
    tree.readable = false;
    return tree;
  }
  tree.declaredStart = typeof raw.start === "string" ? raw.start : undefined;
  tree.startId = tree.declaredStart ?? ids[0];
  for (const id of ids) {
    if (!NODE_ID.test(id)) report({ path: ["nodes", id], key: true, message: `node id "${clip(id)}" must be lower-case (letters, digits, - and _, starting with a letter)` });
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
    report({ path: [...at, "type"], message: `unknown node type ${JSON.stringify(clip(String(type)))} (one of: ${NODE_TYPES.join(", ")})${suggestion(String(type), NODE_TYPES)}` });
    return { id, type: undefined, raw, node: undefined };
  }
  const result = schema.safeParse(raw);
  if (!result.success) for (const p of describeIssues(result.error.issues, { schema, input: raw, base: at, places: treePlaces })) report(p);
  return { id, type: type as NodeType, raw, node: result.success ? (result.data as IvrNode) : undefined };
}

function suggestion(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c ? `; did you mean "${c}"?` : "";
}
