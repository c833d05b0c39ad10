import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { CelCompileError, celEnvironment, compileCel, type CelEnvironment } from "../lib/cel.js";
import { sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import type { CompiledExpr, CompiledNode, NodeRef, TreeInfo, TreeSet } from "./model.js";
import { NODE_TYPES, treeSchema, type IvrNode, type TreeFile } from "./schema.js";
import { SourceMap } from "./source-map.js";
import { mapTargets, targetsOf } from "./targets.js";

export interface TreeSource {
  /** Path as shown in messages (relative to where the admin ran the command, when possible). */
  file: string;
  text: string;
}

export interface LoadResult {
  /** Present only when there is no error: a set with errors never runs. */
  set: TreeSet | undefined;
  diagnostics: Diagnostic[];
}

const env: CelEnvironment = celEnvironment({ customer: "dyn", call: "dyn", vars: "dyn" });
const validateEnv: CelEnvironment = celEnvironment({ customer: "dyn", call: "dyn", vars: "dyn", value: "string" });

/** Tree name of a file: its base name without `.yaml`/`.yml`. */
export function treeName(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, "");
}

export function isTreeFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !name.startsWith(".");
}

/** Reads every tree file of a directory (not recursive) in a stable order. */
export function readTreeDir(dir: string): TreeSource[] {
  return readdirSync(dir)
    .filter(isTreeFile)
    .sort()
    .map((name) => ({ file: path.join(dir, name), text: readFileSync(path.join(dir, name), "utf8") }));
}

interface ParsedFile {
  source: TreeSource;
  map: SourceMap;
  tree: TreeFile;
}

/** Parses, schema-checks, compiles and links a set of tree files. Pure: no file system access. */
export function loadTreeSources(sources: TreeSource[]): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const parsed: ParsedFile[] = [];
  const names = new Map<string, string>();
  for (const source of sources) {
    const name = treeName(source.file);
    const clash = names.get(name);
    if (clash) {
      diagnostics.push({ file: source.file, line: 1, col: 1, severity: "error", message: `tree name "${name}" is also used by ${clash}` });
      continue;
    }
    names.set(name, source.file);
    const file = parseFile(source, diagnostics);
    if (file) parsed.push(file);
  }

  const nodes = new Map<NodeRef, CompiledNode>();
  const trees = new Map<string, TreeInfo>();
  const known = new Map(parsed.map((p) => [treeName(p.source.file), new Set(Object.keys(p.tree.nodes))]));
  for (const p of parsed) linkFile(p, known, nodes, trees, diagnostics);

  const hasErrors = diagnostics.some((d) => d.severity === "error");
  const version = createHash("sha256")
    .update(sources.map((s) => `${treeName(s.file)}\0${s.text}`).join("\0\0"))
    .digest("hex")
    .slice(0, 12);
  return { set: hasErrors ? undefined : { version, trees, nodes }, diagnostics: sortDiagnostics(diagnostics) };
}

function parseFile(source: TreeSource, diagnostics: Diagnostic[]): ParsedFile | undefined {
  const map = new SourceMap(source.file, source.text);
  for (const e of map.doc.errors) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    diagnostics.push({ file: source.file, ...pos, severity: "error", message: yamlMessage(e.code, e.message) });
  }
  if (map.doc.errors.length) return undefined;
  const result = treeSchema.safeParse(map.doc.toJS() ?? {});
  if (!result.success) {
    for (const issue of result.error.issues) diagnostics.push(schemaDiagnostic(map, issue));
    return undefined;
  }
  return { source, map, tree: result.data };
}

function yamlMessage(code: string, message: string): string {
  if (code === "DUPLICATE_KEY") return "the same key appears twice in this mapping (a digit or node id used twice?)";
  return `YAML syntax error: ${message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
}

function schemaDiagnostic(map: SourceMap, issue: z.core.$ZodIssue): Diagnostic {
  const at = (p: PropertyKey[], key = false) => ({ file: map.file, ...map.locate(p, { key }), severity: "error" as const });
  const where = issue.path.map(String).join(".") || "the file";
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = issue.keys[0]!;
      return { ...at([...issue.path, key], true), message: `unknown field "${key}" in ${where}${issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(", ")})` : ""}` };
    }
    case "invalid_union": {
      const node = map.doc.getIn(issue.path as unknown[]) as unknown;
      const type = node && typeof node === "object" && "get" in node ? (node as { get(k: string): unknown }).get("type") : undefined;
      if (issue.path.length === 2 && issue.path[0] === "nodes") {
        return type === undefined
          ? { ...at(issue.path), message: `node "${String(issue.path[1])}" has no type (one of: ${NODE_TYPES.join(", ")})` }
          : { ...at([...issue.path, "type"]), message: `unknown node type "${String(type)}" (one of: ${NODE_TYPES.join(", ")})` };
      }
      return { ...at(issue.path), message: `${where}: ${issue.message}` };
    }
    case "invalid_type":
      if (issue.input === undefined) {
        const field = String(issue.path.at(-1));
        return { ...at(issue.path.slice(0, -1), false), message: `missing required field "${field}" in ${issue.path.slice(0, -1).map(String).join(".") || "the file"}` };
      }
      return { ...at(issue.path), message: `${where}: ${issue.message}` };
    default:
      return { ...at(issue.path), message: `${where}: ${issue.message}` };
  }
}

/** The CEL fields of a node: path inside the node, source, expected type, and whether `value` is in scope. */
function exprFields(node: IvrNode): Array<{ path: (string | number)[]; source: string; type?: "bool" | "string"; withValue?: boolean }> {
  switch (node.type) {
    case "branch":
      return node.cases.map((c, i) => ({ path: ["cases", i, "when"], source: c.when, type: "bool" as const }));
    case "set":
      return Object.entries(node.expr ?? {}).map(([k, v]) => ({ path: ["expr", k], source: v }));
    case "gather":
      return node.validate ? [{ path: ["validate"], source: node.validate, type: "bool", withValue: true }] : [];
    case "queue":
      return node.laneExpr ? [{ path: ["laneExpr"], source: node.laneExpr, type: "string" }] : [];
    case "lookup":
      return [{ path: ["key"], source: node.key }];
    default:
      return [];
  }
}

function linkFile(
  p: ParsedFile,
  known: Map<string, Set<string>>,
  nodes: Map<NodeRef, CompiledNode>,
  trees: Map<string, TreeInfo>,
  diagnostics: Diagnostic[],
): void {
  const tree = treeName(p.source.file);
  const ids = Object.keys(p.tree.nodes);
  const err = (nodePath: PropertyKey[], message: string, opts: { key?: boolean } = {}) =>
    diagnostics.push({ file: p.source.file, ...p.map.locate(nodePath, opts), severity: "error", message });

  if (ids.length === 0) err(["nodes"], "a tree needs at least one node");
  const start = p.tree.start ?? ids[0];
  if (p.tree.start && !known.get(tree)!.has(p.tree.start)) err(["start"], `start node "${p.tree.start}" does not exist in this file`);
  if (start) trees.set(tree, { name: tree, file: p.source.file, title: p.tree.name, start: `${tree}#${start}`, vars: p.tree.vars });

  for (const [id, node] of Object.entries(p.tree.nodes)) {
    const base = ["nodes", id];
    for (const t of targetsOf(node)) {
      const [file, target] = t.value.includes("#") ? t.value.split("#") as [string, string] : [undefined, t.value];
      const other = file ? treeName(file) : tree;
      const otherIds = known.get(other);
      if (!otherIds) err([...base, ...t.path], `goto "${t.value}": there is no tree file ${file} beside this one`);
      else if (!otherIds.has(target)) err([...base, ...t.path], file ? `goto "${t.value}": ${file} has no node "${target}"` : `goto "${target}": there is no node "${target}" in this file`);
    }
    const exprs: Record<string, CompiledExpr> = {};
    for (const f of exprFields(node)) {
      try {
        exprs[f.path.join(".")] = compileCel(f.withValue ? validateEnv : env, f.source, f.type);
      } catch (e) {
        const offset = e instanceof CelCompileError ? e.offset : undefined;
        const pos = offset === undefined ? p.map.locate([...base, ...f.path]) : p.map.locateInScalar([...base, ...f.path], offset);
        diagnostics.push({ file: p.source.file, ...pos, severity: "error", message: `${(e as Error).message} in \`${f.source}\`` });
      }
    }
    const qualify = (t: string) => (t.includes("#") ? `${treeName(t.split("#")[0]!)}#${t.split("#")[1]}` : `${tree}#${t}`);
    nodes.set(`${tree}#${id}`, { ref: `${tree}#${id}`, tree, id, node: mapTargets(node, qualify), exprs });
  }
}
