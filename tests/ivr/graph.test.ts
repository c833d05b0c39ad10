import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { buildGraph, toDot, toMermaid, type TreeGraph } from "../../src/ivr/graph.js";
import { loadTreeSources, readTreeDir } from "../../src/ivr/load.js";
import type { TreeSet } from "../../src/ivr/model.js";

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../ivr-trees");

function load(files: Record<string, string>): TreeSet {
  const { set, diagnostics } = loadTreeSources(Object.entries(files).map(([file, text]) => ({ file, text })));
  if (!set) throw new Error(diagnostics.map((d) => d.message).join("\n"));
  return set;
}

const edge = (g: TreeGraph, from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
const node = (g: TreeGraph, ref: string) => g.nodes.find((n) => n.ref === ref);

const LANES = `
nodes:
  menu:
    type: menu
    prompt: sound:menu
    options:
      "1": { goto: vip, label: priority }
      "2": standard
      "3": choose
    onFail: bye
  vip:
    type: queue
    queue: support
    lane: express
    onTimeout: bye
    onEmpty: bye
  standard:
    type: queue
    queue: support
    lane: standard
    onTimeout: bye
    onEmpty: bye
  choose:
    type: queue
    queue: support
    laneExpr: 'has(customer.express) ? "express" : "standard"'
    onTimeout: bye
    onEmpty: bye
  bye:
    type: hangup
`;

describe("graph model", () => {
  test("express highlighting: the way to lane express, and 'maybe' for a laneExpr that mentions express", () => {
    const g = buildGraph(load({ "lanes.yaml": LANES }), "lanes");
    expect(node(g, "lanes#menu")!.express).toBe("yes");
    expect(node(g, "lanes#vip")!.express).toBe("yes");
    expect(node(g, "lanes#choose")!.express).toBe("maybe");
    expect(node(g, "lanes#standard")!.express).toBeUndefined();
    expect(node(g, "lanes#bye")!.express).toBeUndefined();
    expect(edge(g, "lanes#menu", "lanes#vip")).toMatchObject({ label: "1: priority", express: "yes", failure: false });
    expect(edge(g, "lanes#menu", "lanes#choose")).toMatchObject({ label: "3", express: "maybe" });
    expect(edge(g, "lanes#menu", "lanes#standard")!.express).toBeUndefined();
    expect(edge(g, "lanes#menu", "lanes#bye")).toMatchObject({ label: "fail", failure: true });
    expect(edge(g, "lanes#vip", "lanes#bye")).toMatchObject({ label: "timeout", failure: true });
  });

  test("one tree is drawn with stubs for the nodes of other files it jumps to", () => {
    const { set } = loadTreeSources(readTreeDir(examples));
    const g = buildGraph(set!, "main");
    expect(g.clusters.map((c) => c.tree)).toEqual(["main"]);
    expect(node(g, "retention#start")).toMatchObject({ external: true });
    expect(edge(g, "main#save-desk", "retention#start")).toBeDefined();
    expect(g.nodes.filter((n) => n.tree === "retention")).toHaveLength(1);
    expect(node(g, "main#welcome")).toMatchObject({ start: true, express: "yes" });
    expect(node(g, "main#express-queue")!.facts).toEqual(["queue support", "lane express", "max wait 300s"]);
    expect(edge(g, "main#express-check", "main#express-welcome")!.label).toBe("express customer");
    // the paid upgrade is a fragment of its own: one stub, reached from key 9
    expect(node(g, "express-upgrade#offer")).toMatchObject({ external: true });
    expect(edge(g, "main#main-menu", "express-upgrade#offer")!.label).toBe("9: express upgrade");
    expect(edge(g, "main#main-menu", "main#operator")!.express).toBeUndefined();
  });

  test("a directory is drawn with one cluster per tree and cross-file edges between them", () => {
    const { set } = loadTreeSources(readTreeDir(examples));
    const g = buildGraph(set!);
    expect(g.clusters.map((c) => c.tree)).toEqual(expect.arrayContaining(["main", "retention"]));
    expect(g.nodes.some((n) => n.external)).toBe(false);
    expect(edge(g, "main#save-desk", "retention#start")).toBeDefined();
  });

  test("an unknown tree name is an error naming the trees", () => {
    expect(() => buildGraph(load({ "lanes.yaml": LANES }), "nope")).toThrow('there is no tree "nope" (trees: lanes)');
  });
});

describe("graph text", () => {
  const g = buildGraph(load({ "lanes.yaml": LANES }), "lanes");

  test("dot: every node and edge, labels escaped, express edges coloured, failure edges dashed", () => {
    const dot = toDot(g);
    expect(dot).toMatch(/^digraph "lanes.yaml" \{/);
    expect(dot).toContain('label="choose\\n[queue]\\nqueue support\\nlane = has(customer.express) ? \\"expre..."');
    const ids = new Map(g.nodes.map((n, i) => [n.ref, `n${i}`]));
    expect(dot).toContain(`${ids.get("lanes#menu")} -> ${ids.get("lanes#vip")} [label="1: priority", color="#e65100"`);
    expect(dot).toContain(`${ids.get("lanes#vip")} -> ${ids.get("lanes#bye")} [label="timeout", style=dashed];`);
    expect(dot.match(/ -> /g)).toHaveLength(g.edges.length);
  });

  test("mermaid: a flowchart whose linkStyle indexes are the express edges", () => {
    const mmd = toMermaid(g);
    expect(mmd).toContain("flowchart TD");
    const express = g.edges.flatMap((e, i) => (e.express === "yes" ? [i] : []));
    expect(express.length).toBeGreaterThan(0);
    expect(mmd).toContain(`linkStyle ${express.join(",")} stroke:#e65100`);
    expect(mmd).toContain('lane = has(customer.express) ? #quot;expre...');
    expect(mmd).not.toMatch(/\[\("[^"]*"[^"]*"\)\]/); // no raw quotes inside a quoted label
  });
});
