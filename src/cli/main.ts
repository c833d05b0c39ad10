import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { usageExitCode } from "./usage-errors.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/**
 * Each verb lives in its own module exporting `register(program)`. Verbs print their results on stdout;
 * diagnostics go to stderr so that stdout stays machine-readable.
 */
const verbs: Array<() => Promise<{ register(program: Command): void }>> = [
  // verbs: one import per line, kept in help order
  () => import("./validate.js"),
  () => import("./offers.js"),
  () => import("./customers.js"),
  () => import("./agent-password.js"),
  () => import("./staffing.js"),
  () => import("./report.js"),
  () => import("./audience.js"),
  () => import("./schema.js"),
  () => import("./graph.js"),
  () => import("./prompts.js"),
  () => import("./simulate.js"),
  () => import("./start.js"),
  () => import("./demo.js"),
  () => import("./sim.js"),
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("switchboard")
    .description("CTI/IVR server for Asterisk: YAML IVR trees, priority queues in Redis, agent screen-pops")
    .version(pkg.version)
    .showHelpAfterError();
  // an unknown command is a usage error (2), like a bad option of any verb
  usageExitCode(program);
  for (const load of verbs) (await load()).register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`switchboard: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
