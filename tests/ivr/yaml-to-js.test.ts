import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { SourceMap } from "../../src/lib/yaml-source/source-map.js";
import { documentValue } from "../../src/lib/yaml-source/to-js.js";

const mapOf = (text: string) => new SourceMap("t.yaml", text);
const libraryValue = (text: string) => mapOf(text).doc.toJS({ maxAliasCount: -1 });
const shown = (text: string, max?: number) => documentValue(mapOf(text), max).diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);

describe("YAML values in one pass", () => {
  test("the same value as the yaml library, anchors, aliases and merge keys included", () => {
    const texts = [
      "a: &x { p: 1, q: [1, 2] }\nb: *x\nc: { <<: *x, q: 3 }\n",
      "d: &d { k: 1 }\ne: &e { k: 2, m: 3 }\nf: { <<: [*d, *e], z: 0 }\ng: { z: 1, <<: *e }\n",
      "list: &l [1, &s two, { x: *s }]\nagain: *l\n'<<': quoted\n",
      "__proto__: { polluted: true }\nn: ~\n? plain\n1: one\ntrue: yes\n",
      "",
      "- a\n- b: c\n  d: e\n- [x: 1]\n",
    ];
    for (const t of texts) expect(documentValue(mapOf(t)).value, t).toEqual(libraryValue(t));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const t = stringify(v);
        expect(documentValue(mapOf(t)).value).toEqual(libraryValue(t));
      }),
      { numRuns: 300 },
    );
  });

  test("aliases share one value, as the library's do", () => {
    const { value } = documentValue(mapOf("a: &x { p: 1 }\nb: *x\n")) as { value: { a: object; b: object } };
    expect(value.b).toBe(value.a);
  });

  test("every alias without an anchor is reported where it is; so is a value that contains itself", () => {
    expect(shown("a: *nope\nb: [1, *also]\n")).toEqual(['1:4 YAML: alias "*nope" has no anchor "&nope" before it', '2:8 YAML: alias "*also" has no anchor "&also" before it']);
    expect(shown("a: &me [1, *me]\n")).toEqual(['1:12 YAML: alias "*me" is inside its own anchor "&me": a value cannot contain itself']);
    expect(shown("a: &s text\nb: { <<: *s }\n")).toEqual(["2:10 YAML: a merge (`<<:`) takes a mapping, an alias of one, or a list of them"]);
  });

  test("a file that aliases expand to a huge value is refused at the alias that crosses the limit", () => {
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) laughs.push(`${"abcdefghij"[i]}: &${"abcdefghij"[i]} [${Array(10).fill(`*${"abcdefghij"[i - 1]}`).join(", ")}]`);
    const result = shown(`${laughs.join("\n")}\n`, 10_000);
    expect(result).toHaveLength(1);
    expect(result[0]).toMatch(/^4:\d+ YAML: aliases expand this file to more than 10,000 values/);
  });
});
