import type { NodeRef } from "./model.js";
import type { NodeType } from "./schema.js";
import { shortestCycle, stronglyConnected } from "./scc.js";
import { closest, type SuggestBudget } from "../lib/yaml-source/suggest.js";

/**
 * Checks that need the whole set of trees rather than one node: reachability, menus the caller can never
 * leave, loops that never wait for the caller, variables read but never set, plus the few per-node rules
 * a schema cannot express. Pure: it sees nodes and edges, and answers with findings that the loader turns
 * into file:line:column.
 */

export interface FlowEdge {
  /** Path of the target field inside the node. */
  path: (string | number)[];
  /** Undefined when the target does not resolve (already reported as a dangling goto). */
  to: NodeRef | undefined;
}

export interface FlowNode {
  ref: NodeRef;
  tree: string;
  id: string;
  /** File name of the tree, e.g. `retention.yaml`, for naming nodes of other files in messages. */
  file: string;
  /** Undefined when the type is missing or unknown. */
  type: NodeType | undefined;
  /** Whether the node passed the schema; nodes with errors are treated as possible exits to avoid noise. */
  valid: boolean;
  /** The node as written (with defaults when valid). */
  body: Record<string, unknown>;
  edges: FlowEdge[];
  /** `vars.<name>` reads in the node's expressions. */
  varReads: Array<{ name: string; path: (string | number)[]; offset: number }>;
}

export interface FlowInput {
  /** Every node of every file, in file order. */
  nodes: FlowNode[];
  /** Entry points: the start node of every tree. */
  roots: NodeRef[];
  /** Variables some tree sets (tree `vars`, set nodes, gathers, menu options, lookups into a variable). */
  varsSet: ReadonlySet<string>;
  /** Work left for "did you mean" (shared with the rest of the load). */
  suggest?: SuggestBudget;
}

export interface Finding {
  ref: NodeRef;
  /** Path inside the node; with `key` the position is the key of the last segment (or the node id). */
  path: (string | number)[];
  key?: boolean;
  /** Offset inside the scalar at `path` (expressions). */
  offset?: number;
  severity: "error" | "warning";
  message: string;
}

/** Nodes the caller waits in (prompt, input, lookup, queue); set, branch, goto and survey run instantly. */
const INSTANT: ReadonlySet<NodeType> = new Set(["set", "branch", "goto", "survey"]);
/** Where the IVR ends or hands the caller on. A queue counts: the caller is waiting for an agent. */
const EXIT: ReadonlySet<NodeType> = new Set(["queue", "transfer", "hangup"]);

export function analyze(input: FlowInput): Finding[] {
  return [...nodeRules(input), ...unreachable(input), ...noWayOut(input), ...instantLoops(input), ...unsetVars(input)];
}

function nodeRules(input: FlowInput): Finding[] {
  const out: Finding[] = [];
  for (const n of input.nodes) {
    if (n.type === "gather") {
      // Read leniently: a gather with another mistake still gets this one reported.
      const min = typeof n.body.minDigits === "number" ? n.body.minDigits : 1;
      const max = n.body.maxDigits;
      if (typeof max === "number" && max < min) out.push({ ref: n.ref, path: ["maxDigits"], severity: "error", message: `maxDigits (${max}) is less than minDigits (${min}) in gather "${n.id}": no input could ever be accepted` });
    }
  }
  return out;
}

function successorsOf(input: FlowInput): (ref: NodeRef) => NodeRef[] {
  const byRef = new Map(input.nodes.map((n) => [n.ref, n]));
  return (ref) => [...new Set((byRef.get(ref)?.edges ?? []).flatMap((e) => (e.to && byRef.has(e.to) ? [e.to] : [])))];
}

/** At most ten names in a message; a trap of a thousand nodes is named by its first ones. */
function listed(names: string[], more?: string): string[] {
  if (names.length <= 10) return names;
  return [...names.slice(0, 9), more ?? `${(names.length - 9).toLocaleString("en")} more`];
}

/** Names a node for a message written at `from`: the id in the same file, `file.yaml#id` across files. */
function nameOf(n: FlowNode, from: FlowNode): string {
  return n.tree === from.tree ? `"${n.id}"` : `"${n.file}#${n.id}"`;
}

/**
 * Every tree's start node is an entry point, since the dialplan can send a call to any tree; a node is
 * reachable when some path from any entry leads to it, through gotos across files too. While a reachable
 * node has errors of its own or a dangling goto, its real edges are unknown, so nothing in its tree is
 * called unreachable until those are fixed (otherwise one missing `next` would flag half the tree).
 */
function unreachable(input: FlowInput): Finding[] {
  const byRef = new Map(input.nodes.map((n) => [n.ref, n]));
  const next = successorsOf(input);
  const seen = new Set<NodeRef>(input.roots);
  const queue = [...input.roots];
  for (let head = 0; head < queue.length; head++) {
    for (const s of next(queue[head]!)) {
      if (seen.has(s)) continue;
      seen.add(s);
      queue.push(s);
    }
  }
  const uncertainTrees = new Set(
    [...seen].flatMap((r) => {
      const n = byRef.get(r);
      return n && (!n.valid || n.edges.some((e) => e.to === undefined)) ? [n.tree] : [];
    }),
  );
  return input.nodes
    .filter((n) => !seen.has(n.ref) && !uncertainTrees.has(n.tree))
    .map((n) => ({
      ref: n.ref,
      path: [],
      key: true,
      severity: "warning" as const,
      message: `node "${n.id}" is unreachable: nothing leads to it from the start of this tree or from any other tree`,
    }));
}

/**
 * Parts of the graph the caller can enter but never leave: no path reaches a queue, transfer or hangup.
 * Each such trap is reported once, at a menu inside it when there is one.
 */
function noWayOut(input: FlowInput): Finding[] {
  const byRef = new Map(input.nodes.map((n) => [n.ref, n]));
  const next = successorsOf(input);
  const canExit = new Set<NodeRef>();
  const preds = new Map<NodeRef, NodeRef[]>();
  for (const n of input.nodes) {
    for (const s of next(n.ref)) {
      const list = preds.get(s);
      if (list) list.push(n.ref);
      else preds.set(s, [n.ref]);
    }
    // Nodes with their own errors, and dangling gotos, are given the benefit of the doubt.
    const exit = !n.valid || n.type === undefined || EXIT.has(n.type) || n.edges.some((e) => e.to === undefined || !byRef.has(e.to));
    if (exit) canExit.add(n.ref);
  }
  const queue = [...canExit];
  for (let head = 0; head < queue.length; head++) {
    for (const p of preds.get(queue[head]!) ?? []) {
      if (canExit.has(p)) continue;
      canExit.add(p);
      queue.push(p);
    }
  }

  const trapped = input.nodes.filter((n) => !canExit.has(n.ref));
  const trappedRefs = new Set(trapped.map((n) => n.ref));
  const order = new Map(input.nodes.map((n, i) => [n.ref, i]));
  const out: Finding[] = [];
  for (const component of stronglyConnected(
    trapped.map((n) => n.ref),
    (r) => next(r).filter((s) => trappedRefs.has(s)),
  )) {
    const inside = new Set(component);
    const members = component.map((r) => byRef.get(r)!).sort((a, b) => order.get(a.ref)! - order.get(b.ref)!);
    const menu = members.find((m) => m.type === "menu" || m.type === "gather");
    // Every trapped menu is worth naming; other trapped nodes only where the trap itself is (the innermost
    // component), not on the way into it. Loops of instant nodes are reported as loops without a pause.
    const innermost = !component.some((r) => next(r).some((s) => !inside.has(s)));
    if (!menu && (!innermost || members.every((m) => m.type && INSTANT.has(m.type)))) continue;
    const at = menu ?? members[0]!;
    const others = listed(members.filter((m) => m !== at).map((m) => nameOf(m, at)));
    const via = others.length ? ` (through ${others.join(", ")})` : "";
    out.push({
      ref: at.ref,
      path: [],
      key: true,
      severity: "error",
      message: menu
        ? `${menu.type} "${menu.id}" has no way out: no option, retry or failure path${others.length ? ` (here or through ${others.join(", ")})` : ""} leads to a queue, transfer or hangup`
        : `node "${at.id}" loops forever${via}: no path from it reaches a queue, transfer or hangup`,
    });
  }
  return out;
}

/** Cycles made only of instant nodes: the engine would go round them without ever waiting for the caller. */
function instantLoops(input: FlowInput): Finding[] {
  const instant = input.nodes.filter((n) => n.valid && n.type && INSTANT.has(n.type));
  const refs = new Set(instant.map((n) => n.ref));
  const byRef = new Map(instant.map((n) => [n.ref, n]));
  const order = new Map(input.nodes.map((n, i) => [n.ref, i]));
  const next = successorsOf(input);
  const within = (r: NodeRef) => next(r).filter((s) => refs.has(s));
  const out: Finding[] = [];
  for (const component of stronglyConnected([...refs], within)) {
    const first = component.map((r) => byRef.get(r)!).sort((a, b) => order.get(a.ref)! - order.get(b.ref)!)[0]!;
    if (component.length === 1 && !within(first.ref).includes(first.ref)) continue;
    const refs = shortestCycle(first.ref, within, new Set(component));
    const cycle = listed(refs.map((r) => nameOf(byRef.get(r)!, first)), "...");
    const kinds = refs.some((r) => byRef.get(r)!.type === "survey") ? "set, branch, goto and survey" : "set, branch and goto";
    out.push({
      ref: first.ref,
      path: [],
      key: true,
      severity: "error",
      message: `loop without a pause: ${cycle.join(" -> ")} uses only ${kinds} nodes, so a call could go round it forever without waiting for the caller (put a play, menu or gather in the loop)`,
    });
  }
  return out;
}

function unsetVars(input: FlowInput): Finding[] {
  const out: Finding[] = [];
  for (const n of input.nodes) {
    for (const r of n.varReads) {
      if (input.varsSet.has(r.name)) continue;
      const hint = closest(r.name, input.varsSet, input.suggest);
      out.push({
        ref: n.ref,
        path: r.path,
        offset: r.offset,
        severity: "warning",
        message: `vars.${r.name} is never set by any tree${hint ? ` (did you mean vars.${hint}?)` : ""}`,
      });
    }
  }
  return out;
}
