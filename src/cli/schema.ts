import type { Command } from "commander";
import { treeJsonSchemaText } from "../ivr/json-schema.js";
import { usageExitCode } from "./usage-errors.js";

export function register(program: Command): void {
  const command = program
    .command("schema")
    .description("print the JSON Schema of IVR tree files, for editors (yaml-language-server)")
    .addHelpText("after", "\nThe same schema is committed as docs/ivr-tree.schema.json. In a tree file, point your editor at it with\n  # yaml-language-server: $schema=../docs/ivr-tree.schema.json")
    .action(() => {
      process.stdout.write(treeJsonSchemaText());
    });
  usageExitCode(command);
}
