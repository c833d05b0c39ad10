import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { varReads } from "../../src/ivr/expressions.js";
import { loadTreeSources } from "../../src/ivr/load.js";
import { NODE_TYPES } from "../../src/ivr/schema.js";

const main = readFileSync(new URL("../../ivr-trees/main.yaml", import.meta.url), "utf8");
const retention = readFileSync(new URL("../../ivr-trees/retention.yaml", import.meta.url), "utf8");

/** Whatever an admin types, validation answers with positioned diagnostics and never crashes. */
function checkAnswers(text: string) {
  const lines = text.split("\n").length;
  const { set, diagnostics } = loadTreeSources([
    { file: "main.yaml", text },
    { file: "retention.yaml", text: retention },
  ]);
  for (const d of diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines + 1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
  expect(set === undefined).toBe(diagnostics.some((d) => d.severity === "error"));
}

describe("validation never crashes", () => {
  test("on the example tree with lines deleted or duplicated", () => {
    const source = main.split("\n");
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(source.length - 1), dup: fc.boolean() }), { minLength: 1, maxLength: 4 }), (edits) => {
        const lines = [...source];
        for (const e of edits) {
          const at = e.at % lines.length;
          if (e.dup) lines.splice(at, 0, lines[at]!);
          else lines.splice(at, 1);
        }
        checkAnswers(lines.join("\n"));
      }),
      { numRuns: 150 },
    );
  });

  test("on nodes made of arbitrary values", () => {
    const field = fc.constantFrom("type", "prompt", "next", "options", "cases", "when", "goto", "expr", "vars", "laneExpr", "validate", "maxDigits", "onFail", "target");
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...NODE_TYPES), fc.constantFrom("bye", "nowhere", "retention.yaml#start", "customer.x ==", "vars.a + 1"));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("a", "b", "bye"), fc.dictionary(field, value, { maxKeys: 6 }), { maxKeys: 3 }), (nodes) => {
        checkAnswers(stringify({ nodes }));
      }),
      { numRuns: 200 },
    );
  });
});

describe("vars reads in expressions", () => {
  test("are found outside string literals only, with the offset of the name", () => {
    const src = 'vars.reason == "vars.inside" && customer.vars.x && vars . spaced || r\'vars.raw\' == vars.last';
    expect(varReads(src)).toEqual([
      { name: "reason", offset: 5 },
      { name: "spaced", offset: src.indexOf("spaced") },
      { name: "last", offset: src.indexOf("last") },
    ]);
  });
});
