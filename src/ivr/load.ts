import { createHash } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { analyze, type FlowInput, type FlowNode } from "./analyze.js";
import { clip, sortDiagnostics, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { compileField, exprFields, lazyExpr, varReads, type ExprSource } from "./expressions.js";
import { bytesText, DEFAULT_TREE_LIMITS, type TreeLimits } from "./limits.js";
import type { CompiledExpr, CompiledNode, NodeRef, TreeInfo, TreeSet } from "./model.js";
import { parseTree, treeName, unreadableTree, type ParsedTree, type TreeSource } from "./parse-tree.js";
import type { IvrNode } from "./schema.js";
import { didYouMean, SuggestBudget } from "../lib/yaml-source/suggest.js";
import { mapTargets, splitTarget, targetsOfRaw } from "./targets.js";

export { treeName, type TreeSource };

export interface LoadResult {
  /** Present only when there is no error: a set with errors never runs. Warnings do not stop it. */
  set: TreeSet | undefined;
  /** Every problem in every file, sorted by file, line and column. */
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  limits?: TreeLimits;
}

/**
 * A valid set as plain data (structured-clone safe): what a worker thread validates and sends back. The
 * expressions travel as their sources and are compiled on first use (validation has proved they compile).
 */
export interface PlainTreeSet {
  version: string;
  trees: TreeInfo[];
  nodes: Array<{ ref: NodeRef; tree: string; id: string; node: IvrNode; exprs: Record<string, ExprSource> }>;
}

export interface PlainLoadResult {
  set: PlainTreeSet | undefined;
  diagnostics: Diagnostic[];
}

/** The prompt catalogue lives beside the trees (docs/prompts.md) but is not a tree. */
export const PROMPT_CATALOGUE_FILE = "prompts.yaml";

export function isTreeFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !name.startsWith(".") && name !== PROMPT_CATALOGUE_FILE;
}

/**
 * Reads every tree file of a directory (not recursive) in a stable order. Of a file over the size limit
 * only the beginning is read (with its size on disk), enough to say where it crosses the limit.
 */
export function readTreeDir(dir: string, limits: TreeLimits = DEFAULT_TREE_LIMITS): TreeSource[] {
  return readdirSync(dir)
    .filter(isTreeFile)
    .sort()
    .map((name) => readTreeFile(path.join(dir, name), limits.fileBytes));
}

function readTreeFile(file: string, maxBytes: number): TreeSource {
  const fd = openSync(file, "r");
  try {
    const size = statSync(file).size;
    const buffer = Buffer.alloc(Math.min(size, maxBytes + 4));
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, read).toString("utf8");
    return size > maxBytes ? { file, text, bytes: size } : { file, text };
  } finally {
    closeSync(fd);
  }
}

/** Content hash of a set of sources: equal sources give an equal version. */
export function versionOf(sources: readonly TreeSource[]): string {
  return createHash("sha256")
    .update(sources.map((s) => `${treeName(s.file)}\0${s.bytes ?? ""}\0${s.text}`).join("\0\0"))
    .digest("hex")
    .slice(0, 12);
}

/** File names a goto can name: `name.yaml#node` with a lower-case name. */
const TARGETABLE_FILE = /^[a-z0-9][a-z0-9_-]*\.ya?ml$/;

/**
 * Parses, checks, compiles and links a set of tree files. Pure: no file system access. Every problem
 * is reported, not just the first: each file, each node and each expression is checked on its own.
 * Linear in the size of the files; files and trees past the limits are refused where they cross them.
 */
export function loadTreeSources(sources: TreeSource[], opts: LoadOptions = {}): LoadResult {
  const checked = checkSources(sources, opts.limits ?? DEFAULT_TREE_LIMITS);
  const hasErrors = checked.diagnostics.some((d) => d.severity === "error");
  return { set: hasErrors ? undefined : buildSet(sources, checked.trees, checked.compiled), diagnostics: checked.diagnostics };
}

/** The same checks, answering with a plain set (see PlainTreeSet): what the reload worker runs. */
export function loadPlainTreeSources(sources: TreeSource[], opts: LoadOptions = {}): PlainLoadResult {
  const checked = checkSources(sources, opts.limits ?? DEFAULT_TREE_LIMITS);
  const hasErrors = checked.diagnostics.some((d) => d.severity === "error");
  if (hasErrors) return { set: undefined, diagnostics: checked.diagnostics };
  const set = buildSet(sources, checked.trees, checked.compiled);
  const nodes = [...checked.compiled.values()].map((cn) => ({ ref: cn.ref, tree: cn.tree, id: cn.id, node: cn.node, exprs: checked.exprSources.get(cn.ref)! }));
  return { set: { version: set.version, trees: [...set.trees.values()], nodes }, diagnostics: checked.diagnostics };
}

/** A plain set made runnable: maps rebuilt, expressions compiled when first evaluated. */
export function hydrateTreeSet(plain: PlainTreeSet): TreeSet {
  const nodes = new Map<NodeRef, CompiledNode>();
  for (const n of plain.nodes) {
    const exprs: Record<string, CompiledExpr> = {};
    for (const [key, e] of Object.entries(n.exprs)) exprs[key] = lazyExpr(e);
    nodes.set(n.ref, { ref: n.ref, tree: n.tree, id: n.id, node: n.node, exprs });
  }
  return { version: plain.version, trees: new Map(plain.trees.map((t) => [t.name, t])), nodes };
}

interface Checked {
  trees: Map<string, ParsedTree>;
  compiled: Map<NodeRef, CompiledNode>;
  exprSources: Map<NodeRef, Record<string, ExprSource>>;
  diagnostics: Diagnostic[];
}

function checkSources(sources: TreeSource[], limits: TreeLimits): Checked {
  const diagnostics: Diagnostic[] = [];
  const trees = parseAll(sources, limits, diagnostics);
  const suggest = new SuggestBudget();
  const ids = new Map([...trees].map(([name, t]) => [name, new Set(t.nodes.map((n) => n.id))]));
  const ctx: LinkContext = { trees, ids, suggest, limits };
  const flow: FlowNode[] = [];
  const compiled = new Map<NodeRef, CompiledNode>();
  const exprSources = new Map<NodeRef, Record<string, ExprSource>>();
  const varsSet = new Set<string>();
  for (const tree of trees.values()) {
    for (const name of Object.keys(tree.rawVars)) varsSet.add(name);
    checkStart(tree, ids.get(tree.name)!, suggest, diagnostics);
    for (const n of tree.nodes) {
      const linked = linkNode(tree, n, ctx, diagnostics);
      for (const v of varsWritten(linked.flow.body)) varsSet.add(v);
      flow.push(linked.flow);
      if (linked.compiled) {
        compiled.set(linked.flow.ref, linked.compiled);
        exprSources.set(linked.flow.ref, linked.exprSources);
      }
    }
  }

  const roots = [...trees.values()].flatMap((t) => (t.startId && ids.get(t.name)!.has(t.startId) ? [`${t.name}#${t.startId}`] : t.nodes.slice(0, 1).map((n) => `${t.name}#${n.id}`)));
  const input: FlowInput = { nodes: flow, roots, varsSet, suggest };
  const byRef = new Map(flow.map((n) => [n.ref, n]));
  for (const f of analyze(input)) {
    const n = byRef.get(f.ref)!;
    const tree = trees.get(n.tree)!;
    const at = ["nodes", n.id, ...f.path];
    const pos = f.offset !== undefined ? tree.map.locateInScalar(at, f.offset) : tree.map.locate(at, { key: f.key });
    diagnostics.push({ file: tree.source.file, ...pos, severity: f.severity, message: f.message });
  }
  return { trees, compiled, exprSources, diagnostics: sortDiagnostics(diagnostics) };
}

/** Parses each file once; a name used twice, and files past the directory's size limit, are refused. */
function parseAll(sources: TreeSource[], limits: TreeLimits, diagnostics: Diagnostic[]): Map<string, ParsedTree> {
  const trees = new Map<string, ParsedTree>();
  let dirBytes = 0;
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
    dirBytes += source.bytes ?? Buffer.byteLength(source.text);
    const message = `the tree files of this directory add up to more than ${bytesText(limits.dirBytes)} with this one; it is not read (split the trees over several directories)`;
    const tree = dirBytes > limits.dirBytes ? unreadableTree(source, { file: source.file, line: 1, col: 1, severity: "error", message }) : parseTree(source, limits);
    trees.set(name, tree);
    diagnostics.push(...tree.diagnostics);
  }
  return trees;
}

interface LinkContext {
  trees: ReadonlyMap<string, ParsedTree>;
  ids: ReadonlyMap<string, ReadonlySet<string>>;
  suggest: SuggestBudget;
  limits: TreeLimits;
}

/** One node's edges resolved and expressions compiled: its part of the flow graph and, if valid, of the set. */
function linkNode(tree: ParsedTree, n: ParsedTree["nodes"][number], ctx: LinkContext, diagnostics: Diagnostic[]) {
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
    const resolved = resolveTarget(t.value, tree, ctx);
    if (resolved.problem) err(t.path, resolved.problem);
    return { path: t.path, to: resolved.ref };
  });

  const exprs: Record<string, CompiledExpr> = {};
  const sources: Record<string, ExprSource> = {};
  const reads: FlowNode["varReads"] = [];
  for (const field of exprFields(body)) {
    const outcome = compileField(field, ctx.limits.expressionChars);
    const key = field.path.join(".");
    if (outcome.ok) {
      exprs[key] = outcome.expr;
      sources[key] = { source: field.source, expected: field.expected, withValue: field.withValue };
    } else err(field.path, outcome.message, outcome.offset ?? 0);
    if (field.source.length <= ctx.limits.expressionChars) {
      for (const r of varReads(field.source)) reads.push({ name: r.name, path: field.path, offset: r.offset });
    }
  }

  const flow: FlowNode = { ref, tree: tree.name, id: n.id, file: path.basename(tree.source.file), type: n.type, valid: n.node !== undefined, body, edges, varReads: reads };
  if (!n.node) return { flow, compiled: undefined, exprSources: sources };
  const qualify = (t: string) => {
    const { file, node } = splitTarget(t);
    return `${file ? treeName(file) : tree.name}#${node}`;
  };
  return { flow, compiled: { ref, tree: tree.name, id: n.id, node: mapTargets(n.node, qualify), exprs } as CompiledNode, exprSources: sources };
}

function checkStart(tree: ParsedTree, ids: ReadonlySet<string>, suggest: SuggestBudget, diagnostics: Diagnostic[]): void {
  const start = tree.declaredStart;
  if (start === undefined || !tree.readable) return;
  if (!ids.has(start)) {
    diagnostics.push({ file: tree.source.file, ...tree.map.locate(["start"]), severity: "error", message: `start node "${clip(start)}" does not exist in this file${didYouMean(start, ids, suggest)}` });
  }
}

/** Resolves a target written in `tree`; a broken file's nodes are unknown, so gotos into it are not judged. */
function resolveTarget(target: string, tree: ParsedTree, ctx: LinkContext): { ref?: NodeRef; problem?: string } {
  const { file, node } = splitTarget(target);
  const other = file === undefined ? tree : ctx.trees.get(treeName(file));
  if (!other) {
    const files = [...ctx.trees.keys()].map((t) => `${t}.yaml`);
    return { problem: `goto "${clip(target)}": there is no tree file ${clip(file!)} beside this one${didYouMean(treeName(file!), files, ctx.suggest)}` };
  }
  if (!other.readable) return {};
  const ids = ctx.ids.get(other.name)!;
  if (!ids.has(node)) {
    return {
      problem:
        file === undefined
          ? `goto "${clip(node)}": there is no node "${clip(node)}" in this file${didYouMean(node, ids, ctx.suggest)}`
          : `goto "${clip(target)}": ${file} has no node "${clip(node)}"${didYouMean(node, ids, ctx.suggest)}`,
    };
  }
  return { ref: `${other.name}#${node}` };
}

/** Variables a node assigns: set nodes, a gather's variable, menu option and purchase `set`s, a lookup `into` a variable. */
function varsWritten(body: Record<string, unknown>): string[] {
  const keys = (v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : []);
  switch (body.type) {
    case "set":
      return [...keys(body.vars), ...keys(body.expr)];
    case "gather":
      return typeof body.variable === "string" ? [body.variable] : [];
    case "purchase":
      return keys(body.set);
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
