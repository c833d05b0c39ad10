import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { treeJsonSchema, treeJsonSchemaText } from "../../src/ivr/json-schema.js";
import { NODE_TYPES } from "../../src/ivr/schema.js";

interface NodeVariant {
  properties: { type: { const: string } } & Record<string, unknown>;
  required: string[];
  additionalProperties: boolean;
}

const nodeVariants = () => {
  const nodes = (treeJsonSchema().properties as Record<string, { additionalProperties: { oneOf: NodeVariant[] } }>).nodes!;
  return new Map(nodes.additionalProperties.oneOf.map((v) => [v.properties.type.const, v]));
};

describe("editor schema", () => {
  test("docs/ivr-tree.schema.json is the schema generated from the zod tree schema (run `switchboard schema > docs/ivr-tree.schema.json` after changing src/ivr/schema.ts)", () => {
    const committed = readFileSync(new URL("../../docs/ivr-tree.schema.json", import.meta.url), "utf8");
    expect(committed).toBe(treeJsonSchemaText());
  });

  test("every node type is described, and unknown fields are flagged by editors", () => {
    const variants = nodeVariants();
    expect([...variants.keys()].sort()).toEqual([...NODE_TYPES].sort());
    for (const v of variants.values()) expect(v.additionalProperties).toBe(false);
  });

  test("fields with defaults are optional, as admins write them", () => {
    const menu = nodeVariants().get("menu")!;
    expect(menu.required.sort()).toEqual(["onFail", "options", "prompt", "type"]);
    expect(menu.properties).toHaveProperty("timeout.default", 5);
  });

  test("menu option keys are limited to DTMF keys", () => {
    const menu = nodeVariants().get("menu")!;
    expect(menu.properties).toHaveProperty("options.propertyNames.pattern", "^[0-9*#]$");
  });
});
