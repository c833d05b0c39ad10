import path from "node:path";
import type { CompiledNode, NodeRef, TreeSet } from "./model.js";
import type { IvrNode, Prompt } from "./schema.js";
import { targetsOf, type TargetField } from "./targets.js";

/**
 * Drawings of trees: a neutral graph model, and its Graphviz (dot) and Mermaid texts. Pure: rendering
 * dot to SVG happens in the CLI.
 *
 * Express highlighting: a node or edge is "express" when the caller can get from it to a queue node with
 * `lane: express`, and "maybe express" when the only express queues it leads to choose their lane with a
 * `laneExpr` that mentions "express" (the lane then depends on the caller's data at run time).
 */

export type Express = "yes" | "maybe" | undefined;

export interface GraphNode {
  ref: NodeRef;
  tree: string;
  id: string;
  type: IvrNode["type"];
  /** Short facts shown under the id: prompts, queue and lane, variables set... */
  facts: string[];
  description: string | undefined;
  start: boolean;
  /** A node of another tree that this drawing only points to. */
  external: boolean;
  express: Express;
}

export interface GraphEdge {
  from: NodeRef;
  to: NodeRef;
  label: string;
  /** Failure paths (retries used up, timeouts, errors, no agents) are drawn dashed. */
  failure: boolean;
  express: Express;
}

export interface GraphCluster {
  tree: string;
  title: string;
  refs: NodeRef[];
}

export interface TreeGraph {
  title: string;
  clusters: GraphCluster[];
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Choices first, then the normal way on, then the failure paths: dot lays edges out in this order. */
const EDGE_ORDER = ["options", "cases", "open", "next", "target", "default", "afterAgent", "onCallback", "onNotFound", "noInput", "invalid", "declined", "closed", "unavailable", "onError", "onFail", "onTimeout", "onEmpty", "onFull"];
const FAILURE_FIELDS = new Set(["onFail", "onError", "onNotFound", "onTimeout", "onEmpty", "onFull", "noInput", "invalid", "closed", "unavailable"]);

/** The graph of one tree (with stubs for the nodes of other trees it jumps to), or of every tree. */
export function buildGraph(set: TreeSet, tree?: string): TreeGraph {
  const trees = tree === undefined ? [...set.trees.keys()] : [tree];
  for (const t of trees) if (!set.trees.has(t)) throw new Error(`there is no tree "${t}" (trees: ${[...set.trees.keys()].join(", ")})`);
  const express = expressReach(set);
  const starts = new Set([...set.trees.values()].map((t) => t.start));
  const drawn = new Map<NodeRef, GraphNode>();
  const edges: GraphEdge[] = [];
  const own = [...set.nodes.values()].filter((n) => trees.includes(n.tree));

  for (const n of own) drawn.set(n.ref, graphNode(n, starts.has(n.ref), false, express.get(n.ref)));
  for (const n of own) {
    for (const t of targetsOf(n.node).sort((a, b) => EDGE_ORDER.indexOf(String(a.path[0])) - EDGE_ORDER.indexOf(String(b.path[0])))) {
      const target = set.nodes.get(t.value);
      if (!target) continue;
      if (!drawn.has(target.ref)) drawn.set(target.ref, graphNode(target, starts.has(target.ref), true, express.get(target.ref)));
      edges.push({ from: n.ref, to: target.ref, label: edgeLabel(n.node, t), failure: FAILURE_FIELDS.has(String(t.path[0])), express: express.get(target.ref) });
    }
  }

  const clusters = trees.map((t) => {
    const info = set.trees.get(t)!;
    return { tree: t, title: `${path.basename(info.file)}${info.title ? ` - ${info.title}` : ""}`, refs: own.filter((n) => n.tree === t).map((n) => n.ref) };
  });
  const title = trees.length === 1 ? clusters[0]!.title : "IVR trees";
  return { title, clusters, nodes: [...drawn.values()], edges };
}

/** For each node: can the caller get from it to an express queue (yes), or to one that may choose express? */
function expressReach(set: TreeSet): Map<NodeRef, Express> {
  const preds = new Map<NodeRef, NodeRef[]>();
  for (const n of set.nodes.values()) {
    for (const t of targetsOf(n.node)) {
      const list = preds.get(t.value);
      if (list) list.push(n.ref);
      else preds.set(t.value, [n.ref]);
    }
  }
  const reach = (seeds: NodeRef[]) => {
    const seen = new Set(seeds);
    const queue = [...seeds];
    while (queue.length) {
      for (const p of preds.get(queue.shift()!) ?? []) {
        if (seen.has(p)) continue;
        seen.add(p);
        queue.push(p);
      }
    }
    return seen;
  };
  const queues = [...set.nodes.values()].filter((n) => n.node.type === "queue");
  const definite = reach(queues.filter((n) => n.node.type === "queue" && n.node.lane === "express").map((n) => n.ref));
  const possible = reach(queues.filter((n) => n.node.type === "queue" && n.node.laneExpr?.includes("express")).map((n) => n.ref));
  const out = new Map<NodeRef, Express>();
  for (const ref of set.nodes.keys()) out.set(ref, definite.has(ref) ? "yes" : possible.has(ref) ? "maybe" : undefined);
  return out;
}

function graphNode(n: CompiledNode, start: boolean, external: boolean, express: Express): GraphNode {
  return { ref: n.ref, tree: n.tree, id: n.id, type: n.node.type, facts: external ? [] : facts(n.node), description: n.node.description, start, external, express };
}

const clip = (s: string, max = 40) => (s.length > max ? `${s.slice(0, max - 3)}...` : s);
const prompts = (p: Prompt | undefined) => (p === undefined ? [] : [`plays ${clip((Array.isArray(p) ? p : [p]).map((m) => m.replace(/^sound:(?:.*\/)?/, "")).join(", "))}`]);

/** The few facts an admin wants to see on a box. */
export function facts(node: IvrNode): string[] {
  switch (node.type) {
    case "play":
      return [...prompts(node.prompt), ...(node.bargeIn ? ["keys skip the prompt"] : [])];
    case "menu":
      return [...prompts(node.prompt), `wait ${node.timeout}s, ${node.retries} retr${node.retries === 1 ? "y" : "ies"}`];
    case "gather": {
      const digits = node.minDigits === node.maxDigits ? `${node.maxDigits}` : `${node.minDigits}-${node.maxDigits}`;
      return [...prompts(node.prompt), `${digits} digits into vars.${node.variable}`, ...(node.terminator ? [`${node.terminator} ends input`] : []), ...(node.validate ? [`valid if ${clip(node.validate, 30)}`] : [])];
    }
    case "branch":
      return [];
    case "set":
      return [
        ...Object.entries(node.vars ?? {}).map(([k, v]) => clip(`${k} = ${JSON.stringify(v)}`)),
        ...Object.entries(node.expr ?? {}).map(([k, v]) => clip(`${k} = ${v}`)),
      ];
    case "lookup":
      return [clip(`${node.source} by ${node.key}`), `into ${node.into === "customer" ? "customer" : `vars.${node.into}`}, ${node.timeout}s`];
    case "queue":
      return [
        `queue ${node.queue}`,
        node.lane ? `lane ${node.lane}` : node.laneExpr ? clip(`lane = ${node.laneExpr}`) : "default lane",
        ...(node.skills.length ? [clip(`skills ${node.skills.join(", ")}`)] : []),
        ...(node.maxWait ? [`max wait ${node.maxWait}s`] : []),
      ];
    case "transfer":
      return [...prompts(node.prompt), `to ${node.endpoint ?? `${node.context},${node.extension},${node.priority}`}`];
    case "hangup":
      return [...prompts(node.prompt), ...(node.reason !== "normal" ? [`reason ${node.reason}`] : [])];
    case "goto":
      return [];
    case "survey":
      return [clip(`score = ${node.score}`), `records 1-${node.scale}`];
    case "admission":
      return [`asks ${node.queue}, lane ${node.lane}`, `${node.timeout}s, else closed`];
    case "purchase":
      return [`sells ${node.product} (price from config)`, ...prompts(node.prompt), `wait ${node.timeout}s`];
    case "callback":
      return [clip(`call back ${node.number}`), `${node.timeout}s, else error`];
    case "appointment":
      return [`offers ${node.offer} slots of ${node.queue}`, ...prompts(node.prompt), clip(`call ${node.number}`), `wait ${node.timeout}s`];
  }
}

const FIELD_LABELS: Record<string, string> = {
  default: "otherwise",
  onFail: "fail",
  onError: "error",
  onNotFound: "not found",
  onTimeout: "timeout",
  onEmpty: "no agents",
  onFull: "full",
  afterAgent: "agent hung up",
  onCallback: "call back",
  noInput: "no input",
  invalid: "invalid key",
  open: "open",
  closed: "closed",
  declined: "declined",
  unavailable: "not for sale",
};

export function edgeLabel(node: IvrNode, t: TargetField): string {
  const [field, second] = t.path;
  if (node.type === "menu" && field === "options") {
    const opt = node.options[String(second)];
    return typeof opt === "object" && opt.label ? `${String(second)}: ${opt.label}` : String(second);
  }
  if (node.type === "branch" && field === "cases") {
    const c = node.cases[Number(second)]!;
    return c.label ?? clip(c.when, 30);
  }
  if (node.type === "lookup" && field === "next") return "found";
  if (node.type === "purchase" && field === "next") return "accepted";
  if (node.type === "appointment" && field === "next") return "booked";
  return FIELD_LABELS[String(field)] ?? "";
}

// ---- Graphviz ----

const TYPE_STYLE: Record<IvrNode["type"], { shape: string; fill: string }> = {
  play: { shape: "box", fill: "#e3f2fd" },
  menu: { shape: "box", fill: "#c8e6c9" },
  gather: { shape: "box", fill: "#dcedc8" },
  branch: { shape: "diamond", fill: "#fff9c4" },
  set: { shape: "note", fill: "#f5f5f5" },
  lookup: { shape: "component", fill: "#e1f5fe" },
  queue: { shape: "cylinder", fill: "#d1c4e9" },
  transfer: { shape: "cds", fill: "#ffccbc" },
  hangup: { shape: "octagon", fill: "#ffcdd2" },
  goto: { shape: "rarrow", fill: "#eeeeee" },
  survey: { shape: "note", fill: "#fff3e0" },
  admission: { shape: "component", fill: "#ede7f6" },
  purchase: { shape: "box", fill: "#ffe0b2" },
  callback: { shape: "component", fill: "#e0f2f1" },
  appointment: { shape: "component", fill: "#e8eaf6" },
};
const EXPRESS_COLOR = "#e65100";
const MAYBE_COLOR = "#ffb74d";

const dq = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

function nodeLabel(n: GraphNode, shownTree: (tree: string) => boolean): string[] {
  if (n.external) return [`${n.tree}.yaml#${n.id}`, `(${n.type} in ${n.tree})`];
  return [shownTree(n.tree) ? n.id : `${n.tree}#${n.id}`, `[${n.type}]`, ...n.facts];
}

export function toDot(g: TreeGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.ref, `n${i}`]));
  const trees = new Set(g.clusters.map((c) => c.tree));
  const lines = [
    `digraph ${dq(g.title)} {`,
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=12, labelloc=t, label=${dq(g.title)}, nodesep=0.4, ranksep=0.5];`,
    '  node [fontname="Helvetica", fontsize=10, style="filled,rounded", penwidth=1];',
    '  edge [fontname="Helvetica", fontsize=9, color="#616161"];',
  ];
  const nodeLine = (n: GraphNode, indent: string) => {
    const style = TYPE_STYLE[n.type];
    const attrs = [
      `label=${dq(nodeLabel(n, (t) => trees.has(t)).join("\n"))}`,
      `shape=${n.external ? "box" : style.shape}`,
      `fillcolor=${dq(n.external ? "#ffffff" : style.fill)}`,
      ...(n.external ? ['style="dashed,rounded"'] : []),
      ...(n.express === "yes" ? [`color=${dq(EXPRESS_COLOR)}`, "penwidth=2.5"] : n.express === "maybe" ? [`color=${dq(MAYBE_COLOR)}`, "penwidth=1.5"] : []),
      ...(n.start && !n.external ? ["peripheries=2"] : []),
      `tooltip=${dq(n.description ?? `${n.tree}#${n.id}`)}`,
    ];
    return `${indent}${ids.get(n.ref)} [${attrs.join(", ")}];`;
  };
  for (const c of g.clusters) {
    const members = new Set(c.refs);
    const inner = g.nodes.filter((n) => members.has(n.ref)).map((n) => nodeLine(n, "    "));
    if (g.clusters.length > 1) lines.push(`  subgraph ${dq(`cluster_${c.tree}`)} {`, `    label=${dq(c.title)};`, '    style="rounded"; color="#9e9e9e";', ...inner, "  }");
    else lines.push(...inner.map((l) => l.slice(2)));
  }
  for (const n of g.nodes) if (!g.clusters.some((c) => c.refs.includes(n.ref))) lines.push(nodeLine(n, "  "));
  for (const e of g.edges) {
    const attrs = [
      ...(e.label ? [`label=${dq(e.label)}`] : []),
      ...(e.failure ? ["style=dashed"] : []),
      ...(e.express === "yes" ? [`color=${dq(EXPRESS_COLOR)}`, "penwidth=2.5", `fontcolor=${dq(EXPRESS_COLOR)}`] : e.express === "maybe" ? [`color=${dq(MAYBE_COLOR)}`, "penwidth=1.5"] : []),
    ];
    lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  if (g.nodes.some((n) => n.express)) {
    lines.push(
      `  legend [shape=plaintext, style="", label=${dq("orange: the way to the express lane\nlight orange: leads to a queue whose laneExpr may choose express\ndashed: failure paths (fail, timeout, no agents...)")}, fontsize=9];`,
    );
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

// ---- Mermaid ----

/** Mermaid text inside "...": quotes and angle brackets as entities, lines joined with <br/>. */
const mq = (lines: string[]) => `"${lines.map((l) => l.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")).join("<br/>")}"`;

function mermaidShape(n: GraphNode, label: string): string {
  if (n.external) return `[/${label}/]`;
  switch (n.type) {
    case "branch":
      return `{${label}}`;
    case "queue":
      return `[(${label})]`;
    case "hangup":
    case "transfer":
      return `([${label}])`;
    case "set":
    case "goto":
      return `[[${label}]]`;
    default:
      return `[${label}]`;
  }
}

export function toMermaid(g: TreeGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.ref, `n${i}`]));
  const trees = new Set(g.clusters.map((c) => c.tree));
  const lines = [`---`, `title: ${g.title.replace(/[\r\n]/g, " ")}`, `---`, "flowchart TD"];
  const nodeLine = (n: GraphNode, indent: string) => `${indent}${ids.get(n.ref)}${mermaidShape(n, mq(nodeLabel(n, (t) => trees.has(t))))}`;
  g.clusters.forEach((c, i) => {
    const members = new Set(c.refs);
    const inner = g.nodes.filter((n) => members.has(n.ref)).map((n) => nodeLine(n, "    "));
    if (g.clusters.length > 1) lines.push(`  subgraph t${i}[${mq([c.title])}]`, ...inner, "  end");
    else lines.push(...inner.map((l) => l.slice(2)));
  });
  for (const n of g.nodes) if (!g.clusters.some((c) => c.refs.includes(n.ref))) lines.push(nodeLine(n, "  "));
  g.edges.forEach((e) => {
    const arrow = e.failure ? "-.->" : "-->";
    lines.push(`  ${ids.get(e.from)} ${arrow}${e.label ? `|${mq([e.label])}|` : ""} ${ids.get(e.to)}`);
  });
  const classes: Array<[string, Express]> = [
    ["express", "yes"],
    ["maybeExpress", "maybe"],
  ];
  lines.push(`  classDef express stroke:${EXPRESS_COLOR},stroke-width:3px`, `  classDef maybeExpress stroke:${MAYBE_COLOR},stroke-width:2px`, "  classDef external stroke-dasharray:4 3");
  for (const [name, level] of classes) {
    const members = g.nodes.filter((n) => n.express === level && !n.external).map((n) => ids.get(n.ref)!);
    if (members.length) lines.push(`  class ${members.join(",")} ${name}`);
  }
  const externals = g.nodes.filter((n) => n.external).map((n) => ids.get(n.ref)!);
  if (externals.length) lines.push(`  class ${externals.join(",")} external`);
  const edgeIndexes = (level: Express) => g.edges.flatMap((e, i) => (e.express === level ? [i] : []));
  if (edgeIndexes("yes").length) lines.push(`  linkStyle ${edgeIndexes("yes").join(",")} stroke:${EXPRESS_COLOR},stroke-width:3px`);
  if (edgeIndexes("maybe").length) lines.push(`  linkStyle ${edgeIndexes("maybe").join(",")} stroke:${MAYBE_COLOR},stroke-width:2px`);
  return `${lines.join("\n")}\n`;
}
