import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { formatDiagnostic, type Diagnostic } from "../../src/lib/yaml-source/diagnostics.js";
import { loadTreeSources, readTreeDir, type TreeSource } from "../../src/ivr/load.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const brokenDir = path.join(here, "broken");
const examplesDir = path.join(here, "../../ivr-trees");

/**
 * Every file under tests/ivr/broken/ lists the exact diagnostics it must produce in `# expect L:C
 * severity: message` lines. A file is checked on its own; a directory is one set of trees (cross-file cases).
 */
function expectationsOf(sources: TreeSource[]): string[] {
  return sources.flatMap((s) =>
    s.text
      .split("\n")
      .map((line) => /^# expect (\d+):(\d+) (error|warning): (.*)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => `${path.basename(s.file)}:${m[1]}:${m[2]}: ${m[3]}: ${m[4]}`),
  );
}

const shown = (d: Diagnostic) => formatDiagnostic({ ...d, file: path.basename(d.file) });

const cases = readdirSync(brokenDir)
  .sort()
  .map((name) => {
    const full = path.join(brokenDir, name);
    const sources = statSync(full).isDirectory() ? readTreeDir(full) : [{ file: full, text: readFileSync(full, "utf8") }];
    return { name, sources };
  });

describe("broken trees report every problem at its position", () => {
  test("the corpus is not empty and every case expects at least one error", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    for (const c of cases) expect(expectationsOf(c.sources).some((e) => e.includes(": error: ")), c.name).toBe(true);
  });

  test.each(cases)("$name", ({ sources }) => {
    const { set, diagnostics } = loadTreeSources(sources);
    expect(diagnostics.map(shown).sort()).toEqual(expectationsOf(sources).sort());
    expect(set).toBeUndefined();
  });
});

describe("example trees", () => {
  test("ivr-trees/ validates with no errors and no warnings", () => {
    const { set, diagnostics } = loadTreeSources(readTreeDir(examplesDir));
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(set).toBeDefined();
    expect([...set!.trees.keys()].sort()).toEqual(expect.arrayContaining(["main", "retention"]));
  });

  test("targets are qualified, across files too, and expressions are compiled by field path", () => {
    const { set } = loadTreeSources(readTreeDir(examplesDir));
    expect(set!.trees.get("main")!.start).toBe("main#welcome");
    expect(set!.nodes.get("main#save-desk")!.node).toMatchObject({ type: "goto", target: "retention#start" });
    expect(set!.nodes.get("main#main-menu")!.node).toMatchObject({ options: { "1": { goto: "main#billing-menu" }, "9": { goto: "express-upgrade#offer" } } });
    expect(set!.nodes.get("express-upgrade#offer")!.node).toMatchObject({ type: "admission", open: "express-upgrade#quote", closed: "express-upgrade#unavailable" });
    expect(set!.nodes.get("express-upgrade#thanks")!.node).toMatchObject({ next: "main#support-account" });
    const branch = set!.nodes.get("main#express-check")!;
    // who is express is the CRM lookup's to say (customer.express); the tree only reads it
    const when = (customer: Record<string, unknown>) => branch.exprs["cases.0.when"]!.evaluate({ customer, call: { callId: "c", callerNumber: "1" }, vars: {} });
    expect(when({ express: true, expressReason: "tier gold" })).toBe(true);
    expect(when({ tier: "gold", express: false })).toBe(false);
  });
});

describe("loader behaviour", () => {
  const tree = (text: string, file = "t.yaml"): TreeSource => ({ file, text });

  test("warnings do not stop a set from loading", () => {
    const { set, diagnostics } = loadTreeSources([
      tree("nodes:\n  bye:\n    type: hangup\n  spare:\n    type: hangup\n"),
    ]);
    expect(diagnostics.map(formatDiagnostic)).toEqual(['t.yaml:4:3: warning: node "spare" is unreachable: nothing leads to it from the start of this tree or from any other tree']);
    expect(set).toBeDefined();
  });

  test("diagnostics come sorted by file, line and column", () => {
    const { diagnostics } = loadTreeSources([
      tree("nodes:\n  a:\n    type: play\n    prompt: x\n    next: nope\n", "b.yaml"),
      tree("nodes:\n  a:\n    type: mneu\n", "a.yaml"),
    ]);
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual(["a.yaml:3:11", "b.yaml:4:13", "b.yaml:5:11"]);
  });

  test("two files with the same tree name are refused", () => {
    const text = "nodes:\n  bye:\n    type: hangup\n";
    const { set, diagnostics } = loadTreeSources([tree(text, "dir/main.yaml"), tree(text, "dir/main.yml")]);
    expect(set).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic)).toEqual(['dir/main.yml:1:1: error: tree name "main" is also used by dir/main.yaml; rename one of the files']);
  });

  test("the version changes with the content and only with it", () => {
    const a = loadTreeSources([tree("nodes:\n  bye:\n    type: hangup\n")]).set!;
    const b = loadTreeSources([tree("nodes:\n  bye:\n    type: hangup\n")]).set!;
    const c = loadTreeSources([tree("nodes:\n  bye:\n    type: hangup\n    reason: busy\n")]).set!;
    expect(a.version).toBe(b.version);
    expect(c.version).not.toBe(a.version);
  });

  test("a loop that waits for the caller and has a way out is fine", () => {
    const { diagnostics } = loadTreeSources([
      tree(
        [
          "nodes:",
          "  ask:",
          "    type: menu",
          "    prompt: sound:ask",
          '    options: { "1": count, "2": bye }',
          "    onFail: bye",
          "  count:",
          "    type: set",
          "    expr: { tries: 'has(vars.tries) ? vars.tries + 1 : 1' }",
          "    next: again",
          "  again:",
          "    type: branch",
          "    cases: [{ when: vars.tries > 3, goto: bye }]",
          "    default: ask",
          "  bye:",
          "    type: hangup",
          "",
        ].join("\n"),
      ),
    ]);
    expect(diagnostics).toEqual([]);
  });
});
