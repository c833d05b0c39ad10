import { Option, type Command } from "commander";
import { statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import { buildGraph, toDot, toMermaid } from "../ivr/graph.js";
import { loadTreeSources, treeName } from "../ivr/load.js";
import { InputError, treeGroups } from "./ivr-inputs.js";
import { usageExitCode } from "./usage-errors.js";

type Format = "svg" | "mermaid" | "dot";

const BY_EXTENSION: Record<string, Format> = { ".svg": "svg", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid" };

function formatFor(explicit: Format | undefined, output: string | undefined): Format | undefined {
  if (explicit) return explicit;
  if (!output) return "svg";
  return BY_EXTENSION[path.extname(output).toLowerCase()];
}

/** Graphviz in WebAssembly: no system binary. Loaded only when SVG is asked for (it is a few MB). */
async function renderSvg(dot: string): Promise<string> {
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  return viz.renderString(dot, { format: "svg", engine: "dot" });
}

export function register(program: Command): void {
  const command = program
    .command("graph")
    .description("draw an IVR tree (or every tree of a directory) as SVG, Mermaid or Graphviz dot")
    .argument("<tree>", "a tree file (drawn with stubs for the other files it jumps to) or a directory (every tree)")
    .addOption(new Option("--format <format>", "svg, mermaid or dot (default: from the -o extension, else svg)").choices(["svg", "mermaid", "dot"]))
    .option("-o, --output <file>", "write to this file instead of standard output")
    .addHelpText("after", "\nOrange marks the way to the express lane: nodes and edges from which the caller can reach a queue with lane: express\n(light orange: a queue whose laneExpr mentions express). Dashed edges are failure paths.")
    .action(async (tree: string, opts: { format?: Format; output?: string }) => {
      const format = formatFor(opts.format, opts.output);
      if (!format) {
        process.stderr.write(`switchboard graph: cannot tell the format from "${opts.output}": give --format svg, mermaid or dot\n`);
        process.exitCode = 2;
        return;
      }
      let groups;
      try {
        groups = treeGroups([tree]);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        process.stderr.write(`switchboard graph: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      const { set, diagnostics } = loadTreeSources(groups[0]!.sources);
      if (!set) {
        for (const d of diagnostics.filter((x) => x.severity === "error")) process.stderr.write(`${formatDiagnostic(d)}\n`);
        process.stderr.write(`switchboard graph: ${groups[0]!.dir} has errors; fix them first (switchboard validate ${groups[0]!.dir})\n`);
        process.exitCode = 1;
        return;
      }
      const graph = buildGraph(set, statSync(tree).isDirectory() ? undefined : treeName(tree));
      const dot = toDot(graph);
      const text = format === "mermaid" ? toMermaid(graph) : format === "dot" ? dot : await renderSvg(dot);
      if (opts.output) writeFileSync(opts.output, text);
      else process.stdout.write(text);
    });
  usageExitCode(command);
}
