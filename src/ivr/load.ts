import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { analyze, type FlowInput, type FlowNode } from "./analyze.js";
import { sortDiagnostics, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { compileField, exprFields, varReads } from "./expressions.js";
import type { CompiledExpr, CompiledNode, NodeRef, TreeInfo, TreeSet } from "./model.js";
import { parseTree, treeName, type ParsedTree, type TreeSource } from "./parse-tree.js";
import { didYouMean } from "../lib/yaml-source/suggest.js";
import { mapTargets, splitTarget, targetsOfRaw } from "./targets.js";

export { treeName, type TreeSource };

export interface LoadResult {
  /** Present only when there is no error: a set with errors never runs. Warnings do not stop it. */
  set: TreeSet | undefined;
  /** Every problem in every file, sorted by file, line and column. */
  diagnostics: Diagnostic[];
}

/** The prompt catalogue lives beside the trees (docs/prompts.md) but is not a tree. */
export const PROMPT_CATALOGUE_FILE = "prompts.yaml";

export function isTreeFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !name.startsWith(".") && name !== PROMPT_CATALOGUE_FILE;
}

/** Reads every tree file of a directory (not recursive) in a stable order. */
export function readTreeDir(dir: string): TreeSource[] {
  return readdirSync(dir)
    .filter(isTreeFile)
    .sort()
    .map((name) => ({ file: path.join(dir, name), text: readFileSync(path.join(dir, name), "utf8") }));
}

/** Content hash of a set of sources: equal sources give an equal version. */
export function versionOf(sources: readonly TreeSource[]): string {
  return createHash("sha256")
    .update(sources.map((s) => `${treeName(s.file)}\0${s.text}`).join("\0\0"))
    .digest("hex")
    .slice(0, 12);
}

/** File names a goto can name: `name.yaml#node` with a lower-case name. */
const TARGETABLE_FILE = /^[a-z0-9][a-z0-9_-]*\.ya?ml$/;

/**
 * Parses, checks, compiles and links a set of tree files. Pure: no file system access. Every problem
 * is reported, not just the first: each file, each node and each expression is checked on its own.
 */
export function loadTreeSources(sources: TreeSource[]): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const trees = new Map<string, ParsedTree>();
  for (const source of sources) {
    const name = treeName(source.file);
    const clash = trees.get(name);
    if (clash) {
      diagnostics.push({ file: source.file, line: 1, col: 1, severity: "error", message: `tree name "${name}" is also used by ${clash.source.file}; rename one of the files` });
      continue;
    }
    if (!TARGETABLE_FILE.test(path.basename(source.file))) {
      diagnostics.push({ file: source.file, line: 1, col: 1, severity: "warning", message: `other trees cannot goto into "${path.basename(source.file)}": use a lower-case file name (letters, digits, - and _)` });
    }
    const tree = parseTree(source);
    trees.set(name, tree);
    diagnostics.push(...tree.diagnostics);
  }

  const flow: FlowNode[] = [];
  const compiled = new Map<NodeRef, CompiledNode>();
  const varsSet = new Set<string>();
  for (const tree of trees.values()) {
    for (const name of Object.keys(tree.rawVars)) varsSet.add(name);
    checkStart(tree, diagnostics);
    for (const n of tree.nodes) {
      const body = (n.node ?? n.raw) as Record<string, unknown>;
      const ref = `${tree.name}#${n.id}`;
      const err = (p: (string | number)[], message: string, offset?: number) =>
        diagnostics.push({
          file: tree.source.file,
          ...(offset === undefined ? tree.map.locate(["nodes", n.id, ...p]) : tree.map.locateInScalar(["nodes", n.id, ...p], offset)),
          severity: "error",
          message,
        });

      const edges = targetsOfRaw(body).map((t) => {
        const resolved = resolveTarget(t.value, tree, trees);
        if (resolved.problem) err(t.path, resolved.problem);
        return { path: t.path, to: resolved.ref };
      });

      const exprs: Record<string, CompiledExpr> = {};
      const reads: FlowNode["varReads"] = [];
      for (const field of exprFields(body)) {
        const outcome = compileField(field);
        if (outcome.ok) exprs[field.path.join(".")] = outcome.expr;
        else err(field.path, outcome.message, outcome.offset ?? 0);
        for (const r of varReads(field.source)) reads.push({ name: r.name, path: field.path, offset: r.offset });
      }
      for (const v of varsWritten(body)) varsSet.add(v);

      flow.push({ ref, tree: tree.name, id: n.id, file: path.basename(tree.source.file), type: n.type, valid: n.node !== undefined, body, edges, varReads: reads });
      if (n.node) {
        const qualify = (t: string) => {
          const { file, node } = splitTarget(t);
          return `${file ? treeName(file) : tree.name}#${node}`;
        };
        compiled.set(ref, { ref, tree: tree.name, id: n.id, node: mapTargets(n.node, qualify), exprs });
      }
    }
  }

  const roots = [...trees.values()].flatMap((t) => (t.startId && t.nodes.some((n) => n.id === t.startId) ? [`${t.name}#${t.startId}`] : t.nodes.slice(0, 1).map((n) => `${t.name}#${n.id}`)));
  const input: FlowInput = { nodes: flow, roots, varsSet };
  const byRef = new Map(flow.map((n) => [n.ref, n]));
  for (const f of analyze(input)) {
    const n = byRef.get(f.ref)!;
    const tree = trees.get(n.tree)!;
    const at = ["nodes", n.id, ...f.path];
    const pos = f.offset !== undefined ? tree.map.locateInScalar(at, f.offset) : tree.map.locate(at, { key: f.key });
    diagnostics.push({ file: tree.source.file, ...pos, severity: f.severity, message: f.message });
  }

  const hasErrors = diagnostics.some((d) => d.severity === "error");
  return { set: hasErrors ? undefined : buildSet(sources, trees, compiled), diagnostics: sortDiagnostics(diagnostics) };
}

function checkStart(tree: ParsedTree, diagnostics: Diagnostic[]): void {
  const start = tree.declaredStart;
  if (start === undefined || !tree.readable) return;
  const ids = tree.nodes.map((n) => n.id);
  if (!ids.includes(start)) {
    diagnostics.push({ file: tree.source.file, ...tree.map.locate(["start"]), severity: "error", message: `start node "${start}" does not exist in this file${didYouMean(start, ids)}` });
  }
}

/** Resolves a target written in `tree`; a broken file's nodes are unknown, so gotos into it are not judged. */
function resolveTarget(target: string, tree: ParsedTree, trees: ReadonlyMap<string, ParsedTree>): { ref?: NodeRef; problem?: string } {
  const { file, node } = splitTarget(target);
  const other = file === undefined ? tree : trees.get(treeName(file));
  if (!other) {
    return { problem: `goto "${target}": there is no tree file ${file} beside this one${didYouMean(treeName(file!), [...trees.keys()].map((t) => `${t}.yaml`))}` };
  }
  if (!other.readable) return {};
  const ids = other.nodes.map((n) => n.id);
  if (!ids.includes(node)) {
    return {
      problem:
        file === undefined
          ? `goto "${node}": there is no node "${node}" in this file${didYouMean(node, ids)}`
          : `goto "${target}": ${file} has no node "${node}"${didYouMean(node, ids)}`,
    };
  }
  return { ref: `${other.name}#${node}` };
}

/** Variables a node assigns: set nodes, a gather's variable, menu option `set`s, a lookup `into` a variable. */
function varsWritten(body: Record<string, unknown>): string[] {
  const keys = (v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : []);
  switch (body.type) {
    case "set":
      return [...keys(body.vars), ...keys(body.expr)];
    case "gather":
      return typeof body.variable === "string" ? [body.variable] : [];
    case "menu":
      return Object.values((body.options as Record<string, unknown> | undefined) ?? {}).flatMap((o) => keys((o as { set?: unknown } | null)?.set));
    case "lookup":
      return typeof body.into === "string" && body.into !== "customer" ? [body.into] : [];
    default:
      return [];
  }
}

function buildSet(sources: TreeSource[], trees: ReadonlyMap<string, ParsedTree>, nodes: Map<NodeRef, CompiledNode>): TreeSet {
  const infos = new Map<string, TreeInfo>();
  for (const t of trees.values()) {
    infos.set(t.name, { name: t.name, file: t.source.file, title: t.header!.title, start: `${t.name}#${t.startId!}`, vars: t.header!.vars });
  }
  return { version: versionOf(sources), trees: infos, nodes };
}
