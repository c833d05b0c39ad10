import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

/** These tests run the built CLI (`npm test` builds first), exactly as an admin would. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin/switchboard.js");

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every opened tag is closed in order: enough to tell a whole SVG document from a cut or garbled one. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/<\?xml[^>]*\?>/, "").replace(/<!DOCTYPE[^>]*>/, "").replace(/<!--[\s\S]*?-->/g, "");
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

let out: string;
beforeAll(() => {
  expect(existsSync(path.join(root, "dist/cli/main.js")), "run `npm run build` first (npm test does)").toBe(true);
  out = mkdtempSync(path.join(tmpdir(), "switchboard-cli-"));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("switchboard validate", () => {
  test("the example trees are valid", () => {
    const r = run("validate", "ivr-trees");
    expect(r.stdout).toMatch(/^\d+ files checked: 0 errors, 0 warnings\n$/);
    expect(r.code).toBe(0);
  });

  test("one file is checked with its directory, so its cross-file gotos resolve", () => {
    const r = run("validate", "ivr-trees/main.yaml");
    expect(r.stdout).toBe("1 file checked: 0 errors, 0 warnings\n");
    expect(r.code).toBe(0);
  });

  test("a broken file prints file:line:col: error: message for every problem and exits 1", () => {
    const r = run("validate", "tests/ivr/broken/unknown-type.yaml");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      'tests/ivr/broken/unknown-type.yaml:7:11: error: unknown node type "mneu" (one of: play, menu, gather, branch, set, lookup, queue, transfer, hangup, goto, survey, admission, purchase, callback, appointment); did you mean "menu"?',
    );
    expect(lines).toHaveLength(3 + 2); // three problems, the summary, the note about the other broken files
    expect(lines[3]).toBe("1 file checked: 3 errors, 0 warnings");
    expect(r.code).toBe(1);
  });

  test("--format json gives the same diagnostics as data", () => {
    const r = run("validate", "--format", "json", "tests/ivr/broken/cross-file");
    const body = JSON.parse(r.stdout) as { ok: boolean; errors: number; diagnostics: Array<{ file: string; line: number; col: number; severity: string }> };
    expect(body.ok).toBe(false);
    expect(body.errors).toBe(3);
    expect(body.diagnostics[0]).toMatchObject({ file: "tests/ivr/broken/cross-file/main.yaml", line: 11, col: 12, severity: "error" });
    expect(r.code).toBe(1);
  });

  test("a path that does not exist is a user error (1); a bad option is a usage error (2)", () => {
    const missing = run("validate", "ivr-trees/nope.yaml");
    expect(missing.stderr).toContain("ivr-trees/nope.yaml: no such file or directory");
    expect(missing.code).toBe(1);
    const usage = run("validate", "--format", "xml", "ivr-trees");
    expect(usage.stderr).toContain("Allowed choices are text, json");
    expect(usage.code).toBe(2);
  });
});

describe("switchboard schema", () => {
  test("prints the JSON Schema committed in docs/", () => {
    const r = run("schema");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#", type: "object" });
    expect(r.stdout).toBe(readFileSync(path.join(root, "docs/ivr-tree.schema.json"), "utf8"));
  });
});

describe("switchboard graph", () => {
  test("mermaid and dot on standard output", () => {
    const mermaid = run("graph", "ivr-trees/main.yaml", "--format", "mermaid");
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toContain("flowchart TD");
    expect(mermaid.stdout).toContain('"retention.yaml#start');
    const dot = run("graph", "ivr-trees/main.yaml", "--format", "dot");
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "main.yaml - Main customer line" \{\n[\s\S]*\}\n$/);
  });

  test("SVG rendered in-process, written to -o (format from the extension)", () => {
    const file = path.join(out, "main.svg");
    const r = run("graph", "ivr-trees/main.yaml", "-o", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const svg = readFileSync(file, "utf8");
    expect(svg).toMatch(/<svg[\s>]/);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain(">express&#45;queue</text>"); // Graphviz writes "-" as an entity
    expect(svg).toContain('stroke="#e65100"');
  });

  test("a directory with errors is not drawn; the errors go to standard error", () => {
    const r = run("graph", "tests/ivr/broken/cross-file", "--format", "dot");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('tests/ivr/broken/cross-file/main.yaml:11:12: error: goto "retention.yaml#cancel"');
  });

  test("an output file with an unknown extension and no --format is a usage error", () => {
    const r = run("graph", "ivr-trees/main.yaml", "-o", path.join(out, "main.png"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give --format svg, mermaid or dot");
  });
});

describe("switchboard simulate", () => {
  test("walks the main tree with scripted keys and names the queue and lane it ends in", () => {
    const r = run("simulate", "main", "--lookup", "not-found", "--input", "9,1,12345678#");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("caller presses 9");
    expect(r.stdout).toContain("key 9 (express upgrade) -> express-upgrade#offer");
    // the price comes from config/switchboard.yaml (express.upgrade), read back before the confirm key
    expect(r.stdout).toContain("plays sound:switchboard/express-offer, number:1, sound:switchboard/currency-eur, number:99, sound:switchboard/currency-eur-cents\n");
    expect(r.stdout).toContain("plays sound:switchboard/express-confirm, digits:1, sound:switchboard/express-decline (a key interrupts)");
    expect(r.stdout).toContain("records the caller's consent to express-upgrade at 1.99 EUR (key 1, prompt v1) and bills it");
    expect(r.stdout).toMatch(/enqueues in support, lane express/);
    expect(r.stdout).toContain("Result: answered by an agent of support (lane express)");
    expect(r.stdout).toContain("quote=accepted 1.99 EUR, key 1, prompt v1");
  });

  test("--admission closed: the upgrade is not offered, the caller is back at the menu", () => {
    const r = run("simulate", "main", "--lookup", "not-found", "--admission", "closed", "--input", "9,0");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("offer=closed (simulated: closed)");
    expect(r.stdout).not.toContain("express-offer");
    expect(r.stdout).toContain("Result: transferred to switchboard-operator,0");
  });

  test("--customer feeds the lookup; --json prints the outcome and the path", () => {
    const r = run("simulate", "ivr-trees/main.yaml", "--customer", '{"tier":"gold"}', "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { outcome: unknown; path: Array<{ node: string; label?: string }> };
    expect(out.outcome).toEqual({ kind: "answered", queue: "support", lane: "express" });
    // the config's rule (express.tiers: [gold]) makes the record express, as the daemon's lookup would
    expect(out.path.find((p) => p.node === "main#express-check")?.label).toBe("express customer");
  });

  test("silence and a failing CRM end with the operator transfer; bad keys are a usage error", () => {
    const r = run("simulate", "main", "--lookup", "error", "--queue", "empty");
    expect(r.stdout).toContain("Result: transferred to switchboard-operator,0");
    const bad = run("simulate", "main", "--input", "1,x");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('input "x" is not DTMF keys');
    const missing = run("simulate", "nosuchtree");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no nosuchtree.yaml in ivr-trees");
  });
});

test("an unknown command is a usage error (exit 2) that lists the commands", () => {
  const r = run("nosuch");
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown command 'nosuch'");
  expect(r.stderr).toContain("simulate");
});
