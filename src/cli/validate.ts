import { Option, type Command } from "commander";
import path from "node:path";
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { loadTreeSources } from "../ivr/load.js";
import { InputError, treeGroups } from "./ivr-inputs.js";
import { usageExitCode } from "./usage-errors.js";
import { escapeControls, escapeJsonControls, quietOnBrokenPipe } from "./validate-output.js";

interface Report {
  files: string[];
  diagnostics: Diagnostic[];
  /** Errors in files that were loaded alongside the named ones (for cross-file gotos) but not named. */
  errorsElsewhere: Array<{ dir: string; count: number }>;
}

/** Loads every group and keeps the diagnostics of the files the admin named. */
export function validatePaths(paths: readonly string[]): Report {
  const report: Report = { files: [], diagnostics: [], errorsElsewhere: [] };
  for (const group of treeGroups(paths)) {
    const { diagnostics } = loadTreeSources(group.sources);
    const named = (d: Diagnostic) => group.report.has(path.resolve(d.file));
    report.files.push(...group.sources.map((s) => s.file).filter((f) => group.report.has(path.resolve(f))));
    report.diagnostics.push(...diagnostics.filter(named));
    const elsewhere = diagnostics.filter((d) => !named(d) && d.severity === "error").length;
    if (elsewhere) report.errorsElsewhere.push({ dir: group.dir, count: elsewhere });
  }
  report.diagnostics = sortDiagnostics(report.diagnostics);
  return report;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function summary(r: Report): string {
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  const warnings = r.diagnostics.length - errors;
  const lines = [`${plural(r.files.length, "file")} checked: ${plural(errors, "error")}, ${plural(warnings, "warning")}`];
  for (const e of r.errorsElsewhere) {
    lines.push(`note: ${plural(e.count, "error")} in other files of ${e.dir}, which are loaded with these ones; the directory will not load until they are fixed (run: switchboard validate ${e.dir})`);
  }
  return lines.join("\n");
}

export function register(program: Command): void {
  const command = program
    .command("validate")
    .description("check IVR trees: YAML, fields, gotos (across files too), CEL expressions, unreachable nodes, menus with no way out, loops")
    .argument("[paths...]", "tree files or directories; a file is checked together with the other trees of its directory", ["ivr-trees"])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText("after", "\nPrints file:line:col: error|warning: message for every problem. Exit code 1 when there is an error; warnings alone exit 0.")
    .action((paths: string[], opts: { format: "text" | "json" }) => {
      quietOnBrokenPipe();
      let report: Report;
      try {
        report = validatePaths(paths);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        process.stderr.write(`switchboard validate: ${escapeControls(err.message)}\n`);
        process.exitCode = 1;
        return;
      }
      const errors = report.diagnostics.filter((d) => d.severity === "error").length;
      if (opts.format === "json") {
        const body = { ok: errors === 0, files: report.files, errors, warnings: report.diagnostics.length - errors, diagnostics: report.diagnostics, errorsElsewhere: report.errorsElsewhere };
        process.stdout.write(`${escapeJsonControls(JSON.stringify(body, null, 2))}\n`);
      } else {
        // tree files' text is echoed in the messages: each line is escaped, so none can drive the terminal
        for (const d of report.diagnostics) process.stdout.write(`${escapeControls(formatDiagnostic(d))}\n`);
        process.stdout.write(`${summary(report).split("\n").map(escapeControls).join("\n")}\n`);
      }
      process.exitCode = errors > 0 ? 1 : 0;
    });
  usageExitCode(command);
}
