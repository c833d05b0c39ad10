import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { hugeTree } from "../../bench/tree-gen.js";
import { formatDiagnostic } from "../../src/lib/yaml-source/diagnostics.js";
import { DEFAULT_TREE_LIMITS, treeLimitsSchema } from "../../src/ivr/limits.js";
import { loadTreeSources, readTreeDir } from "../../src/ivr/load.js";

/**
 * Attack: a tree file big enough to hold validation up for minutes (2.5 MB, 20,000 nodes, misspelt gotos,
 * thousands of aliases, one huge string). What the admin sees: one error at the place the file crosses a
 * limit, and nothing else is looked at. Validation time is measured by bench/tree-fuzz.ts, not here.
 */

const lineAndCol = (text: string, offset: number) => {
  const before = text.slice(0, offset);
  return `${before.split("\n").length}:${offset - before.lastIndexOf("\n")}`;
};

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("huge trees are refused where they cross a limit", () => {
  test("a 2.5 MB, 20,000-node tree: one error at the byte where the file passes 256 KiB", () => {
    const text = hugeTree({ nodes: 20_000, hugeString: 200_000, typoEvery: 100 });
    expect(text.length).toBeGreaterThan(2_000_000);
    const { set, diagnostics } = loadTreeSources([{ file: "trees/huge.yaml", text }]);
    expect(set).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `trees/huge.yaml:${lineAndCol(text, DEFAULT_TREE_LIMITS.fileBytes)}: error: the file is ${text.length.toLocaleString("en")} bytes, more than the 256 KiB a tree file may have (the limit is reached here); split it into several files (gotos work across files)`,
    ]);
  });

  test("the daemon reads only the beginning of a file over the limit, and says how big it is on disk", () => {
    dir = mkdtempSync(path.join(tmpdir(), "switchboard-huge-"));
    const text = hugeTree({ nodes: 25_000 });
    writeFileSync(path.join(dir, "huge.yaml"), text);
    const [source] = readTreeDir(dir);
    expect(source!.text.length).toBeLessThanOrEqual(DEFAULT_TREE_LIMITS.fileBytes + 4);
    expect(source!.bytes).toBe(text.length);
    const { diagnostics } = loadTreeSources([source!]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toContain(`the file is ${text.length.toLocaleString("en")} bytes`);
  });

  test("a small file with too many nodes: the error is at the first node past the limit", () => {
    const lines = ["nodes:"];
    for (let i = 0; i <= DEFAULT_TREE_LIMITS.nodesPerTree; i++) lines.push(`  n${i}: { type: goto, target: bye }`);
    lines.push("  bye: { type: hangup }");
    const { diagnostics } = loadTreeSources([{ file: "many.yaml", text: `${lines.join("\n")}\n` }]);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      `many.yaml:${DEFAULT_TREE_LIMITS.nodesPerTree + 2}:3: error: the tree has 2,002 nodes, more than the 2,000 a tree may have (the limit is reached here); split it into several files (gotos work across files)`,
    ]);
  });

  test("a directory whose files add up past its limit: the file that crosses it is named and not read", () => {
    const limits = treeLimitsSchema.parse({ dirBytes: 100 });
    const small = (next: string) => `nodes:\n  a: { type: goto, target: ${next} }\n  bye: { type: hangup }\n`;
    const { diagnostics } = loadTreeSources([{ file: "a.yaml", text: small("bye") }, { file: "b.yaml", text: small("bye") }], { limits });
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "b.yaml:1:1: error: the tree files of this directory add up to more than 100 bytes with this one; it is not read (split the trees over several directories)",
    ]);
  });

  test("aliases that expand to a huge value are refused at the alias; many plain aliases are fine", () => {
    const laughs = ["vars:", "  l0: &l0 [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) laughs.push(`  l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(", ")}]`);
    laughs.push("nodes:", "  bye: { type: hangup }");
    const { diagnostics } = loadTreeSources([{ file: "laughs.yaml", text: `${laughs.join("\n")}\n` }]);
    expect(diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^laughs\.yaml:7:\d+: error: YAML: aliases expand this file to more than 200,000 values/)]);

    const many = hugeTree({ nodes: 1_500 });
    expect(loadTreeSources([{ file: "many.yaml", text: many }]).diagnostics).toEqual([]);
  });

  test("a huge misspelt string is quoted short, and costs no suggestion work", () => {
    const huge = "m".repeat(100_000);
    const text = `nodes:\n  a: { type: goto, target: ${huge} }\n  b: { type: ${huge}, next: a }\n  bye: { type: hangup }\n`;
    const messages = loadTreeSources([{ file: "t.yaml", text }]).diagnostics.map((d) => d.message);
    expect(messages.every((m) => m.length < 400)).toBe(true);
    expect(messages).toContain(`goto "${"m".repeat(60)}... (99,940 more characters)": there is no node "${"m".repeat(60)}... (99,940 more characters)" in this file`);
  });
});
