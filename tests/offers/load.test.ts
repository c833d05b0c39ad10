import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { formatDiagnostic } from "../../src/lib/yaml-source/diagnostics.js";
import { loadOffers, parseOffers } from "../../src/offers/load.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const broken = (name: string) => path.relative(root, path.join(root, "tests/offers/broken", name));

function problems(name: string): string[] {
  const file = broken(name);
  const r = loadOffers(path.join(root, file));
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.diagnostics.map((d) => formatDiagnostic({ ...d, file }));
}

/** Each broken file, with every message and the exact line:column an admin has to edit. */
const corpus: Record<string, string[]> = {
  "yaml-syntax.yaml": ["5:1: error: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]"],
  "unknown-field.yaml": ['13:5: error: unknown field "priorty" in offer "top-up" (did you mean "priority"?)'],
  "bad-kind-and-cap.yaml": [
    '1:11: error: "currency" must be a three-letter currency code like EUR, not "euro"',
    '5:11: error: "kind" of offer "top-up" must be one of "sell-in-call", "lead-to-sales", not "upsell"',
    '11:15: error: "priority" of offer "top-up" must be a whole number, not 1.5',
    '12:19: error: "cap.times" of offer "top-up" must be at least 1',
  ],
  "missing-field.yaml": ['3:5: error: missing required field "pitch" in offer "top-up"'],
  "cel-field-typo.yaml": ['6:56: error: "when" of offer "renewal": unknown field "contractEndInDays" (did you mean "contractEndsInDays"?) (fields are listed in docs/offers.md)'],
  "cel-not-bool.yaml": ['6:11: error: "when" of offer "renewal": must give true or false (bool), this expression gives string'],
  "template-errors.yaml": [
    '8:19: error: fact 1 of offer "upgrade": unknown name "product"; expressions can use customer, call, vars (add a `product:` expression to the offer to use `product` in its facts and pitch)',
    '9:50: error: fact 2 of offer "upgrade": unknown field "versoin" (did you mean "version"?) (fields are listed in docs/offers.md)',
    '10:29: error: "when" of fact 3 of offer "upgrade": CEL syntax error: unexpected "=" (compare with ==)',
    '12:21: error: "pitch" of offer "upgrade": "{{" is never closed with "}}"',
  ],
  "template-block.yaml": ['12:37: error: "pitch" of offer "upgrade": unknown field "curentVersion" (did you mean "currentVersion"?) (fields are listed in docs/offers.md)'],
  "duplicate-id.yaml": ['12:9: error: offer id "top-up" is used twice (first at line 3); ids must be unique'],
  "product-not-product.yaml": ['7:14: error: "product" of offer "upgrade" must give one of customer.products (a Product), this expression gives int'],
};

describe("broken offer files", () => {
  for (const [name, expected] of Object.entries(corpus)) {
    test(name, () => {
      expect(problems(name)).toEqual(expected.map((e) => `${broken(name)}:${e}`));
    });
  }
});

describe("loading", () => {
  test("the shipped rules load", () => {
    const r = loadOffers(path.join(root, "config/offers.yaml"));
    expect(r.ok ? r.rules.offers.map((o) => o.rule.id) : r.diagnostics.map(formatDiagnostic)).toEqual([
      "prepaid-top-up",
      "upgrade-outdated-version",
      "contract-renewal",
      "warranty-extension",
      "competitor-switch",
      "express-lane-subscription",
      "accessories-after-purchase",
      "training-after-purchase",
      "service-contract",
    ]);
  });

  test("a missing file is one diagnostic, not a crash", () => {
    const r = loadOffers("no/such/offers.yaml");
    expect(r).toEqual({ ok: false, diagnostics: [{ file: "no/such/offers.yaml", line: 1, col: 1, severity: "error", message: "cannot read the offers file: file not found" }] });
  });

  test("an empty file and a file that is not a mapping", () => {
    const empty = parseOffers("o.yaml", "");
    expect(empty.ok ? [] : empty.diagnostics.map(formatDiagnostic)).toEqual(["o.yaml:1:1: error: the file is empty: it needs `currency:` and `offers:`"]);
    const list = parseOffers("o.yaml", "- a\n- b\n");
    expect(list.ok ? [] : list.diagnostics.map(formatDiagnostic)).toEqual(["o.yaml:1:1: error: the file must be a mapping with `currency:` and `offers:`, not a list"]);
  });

  test("a duplicate YAML key is reported at the repeat", () => {
    const r = parseOffers("o.yaml", "currency: EUR\ncurrency: USD\noffers: []\n");
    expect(r.ok ? [] : r.diagnostics.map(formatDiagnostic)).toEqual([
      'o.yaml:2:1: error: field "currency" appears twice at the top of the file (first at line 1); only one of them would be used',
      'o.yaml:3:9: error: "offers" needs at least 1 item',
    ]);
  });
});
