import { z } from "zod";
import { treeSchema } from "./schema.js";

/**
 * The tree format as JSON Schema, for editors (yaml-language-server in VS Code, IntelliJ, Neovim...):
 * completion, hover descriptions and red squiggles while typing. Generated from the zod schema in input
 * mode, so fields with defaults are optional, exactly as admins write them. Draft-07 is the dialect every
 * YAML editor plugin understands. CEL, goto targets and flow checks are beyond JSON Schema: that is
 * `switchboard validate`'s job.
 */
export function treeJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(treeSchema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: "Switchboard IVR tree", ...rest };
}

/** The schema as the text committed in docs/ivr-tree.schema.json and printed by `switchboard schema`. */
export function treeJsonSchemaText(): string {
  return `${JSON.stringify(treeJsonSchema(), null, 2)}\n`;
}
