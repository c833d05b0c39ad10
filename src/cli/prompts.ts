import { Option, type Command } from "commander";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config/load.js";
import { PROMPT_CATALOGUE_FILE } from "../ivr/load.js";
import { formatDiagnostic } from "../lib/yaml-source/diagnostics.js";
import { didYouMean } from "../lib/yaml-source/suggest.js";
import { loadCatalogue } from "../prompts/catalogue.js";
import { LANGUAGE, type Catalogue } from "../prompts/catalogue-schema.js";
import { speechMs } from "../prompts/duration.js";
import { soundInventory, type SoundEntry } from "../prompts/inventory.js";
import { countBySource, formatCheck, formatList, type CheckResult } from "../prompts/report.js";
import { SoundsDir } from "../prompts/sound-files.js";
import { requireTools, synthesize, synthJobs, SynthError } from "../prompts/synth.js";
import { MissingInputError, usedSounds } from "../prompts/used-sounds.js";
import { usageExitCode } from "./usage-errors.js";

interface SourceOpts {
  trees: string;
  catalogue?: string;
  config?: string;
  dialplan: string;
  language: string;
}
type Format = { format: "text" | "json" };

/** The command line is wrong: exit 2. */
class UsageError extends Error {}
/** The catalogue, the config or the tools have a problem: exit 1. `details` (diagnostics) come first. */
class ProblemError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

const catalogueFile = (o: Pick<SourceOpts, "trees" | "catalogue">) => o.catalogue ?? path.join(o.trees, PROMPT_CATALOGUE_FILE);

function readCatalogue(file: string): Catalogue {
  const loaded = loadCatalogue(file);
  if (!loaded.ok) throw new ProblemError(`${file}: the prompt catalogue has errors`, loaded.diagnostics.map(formatDiagnostic));
  return loaded.catalogue;
}

function checkLanguage(language: string): void {
  if (!LANGUAGE.test(language)) throw new UsageError(`--language ${language}: not an Asterisk language code such as en, de or en_GB`);
}

function inventoryOf(o: SourceOpts): { entries: SoundEntry[]; file: string } {
  checkLanguage(o.language);
  const uses = usedSounds({ trees: o.trees, config: o.config, dialplan: o.dialplan });
  const file = catalogueFile(o);
  return { entries: soundInventory(uses, readCatalogue(file), o.language), file };
}

/** Runs a subcommand, turning its errors into a message and the exit code scripts rely on. */
function guarded<A extends unknown[]>(verb: string, action: (...args: A) => number): (...args: A) => void {
  return (...args) => {
    try {
      process.exitCode = action(...args);
    } catch (err) {
      const usage = err instanceof UsageError || err instanceof MissingInputError;
      if (!usage && !(err instanceof ProblemError || err instanceof ConfigError || err instanceof SynthError)) throw err;
      for (const line of err instanceof ProblemError ? err.details : []) process.stderr.write(`${line}\n`);
      process.stderr.write(`switchboard prompts ${verb}: ${(err as Error).message}\n`);
      process.exitCode = usage ? 2 : 1;
    }
  };
}

const json = (body: unknown) => process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);

function list(o: SourceOpts & Format): number {
  const { entries, file } = inventoryOf(o);
  const counts = countBySource(entries);
  if (o.format === "json") json({ ok: counts.missing === 0, language: o.language, catalogue: file, counts, sounds: entries });
  else process.stdout.write(formatList(entries, o.language, file));
  return counts.missing ? 1 : 0;
}

function check(o: SourceOpts & Format & { sounds: string }): number {
  if (!existsSync(o.sounds) || !statSync(o.sounds).isDirectory()) throw new UsageError(`--sounds ${o.sounds}: no such directory`);
  const { entries } = inventoryOf(o);
  const dir = new SoundsDir(o.sounds);
  const results: CheckResult[] = entries.map((entry) => ({ entry, file: dir.find(entry.sound, o.language) }));
  const missing = results.filter((r) => r.file === undefined);
  if (o.format === "json") {
    const found = results.flatMap((r) => (r.file ? [{ sound: r.entry.sound, file: r.file }] : []));
    json({ ok: missing.length === 0, sounds: o.sounds, language: o.language, found, missing: missing.map((r) => r.entry) });
  } else {
    process.stdout.write(formatCheck(results, o.sounds, o.language));
  }
  return missing.length ? 1 : 0;
}

function synth(o: Pick<SourceOpts, "trees" | "catalogue" | "language"> & { out: string; only?: string; force?: boolean }): number {
  checkLanguage(o.language);
  const catalogue = readCatalogue(catalogueFile(o));
  const only = o.only?.split(",").map((s) => s.trim()).filter(Boolean);
  for (const sound of only ?? []) {
    if (!(sound in catalogue)) throw new UsageError(`--only ${sound}: not in the catalogue${didYouMean(sound, Object.keys(catalogue))}`);
  }
  const { jobs, untexted } = synthJobs(catalogue, o.language, o.out, only);
  if (jobs.length === 0) throw new ProblemError(`no prompt has a text in ${o.language} in ${catalogueFile(o)}`);
  requireTools();
  for (const sound of untexted) process.stdout.write(`skip   ${sound} (no text in ${o.language})\n`);
  let made = 0;
  for (const job of jobs) {
    if (existsSync(job.file) && !o.force) {
      process.stdout.write(`kept   ${job.file} (it exists; --force replaces it)\n`);
      continue;
    }
    synthesize(job, o.language);
    made++;
    process.stdout.write(`wrote  ${job.file} (about ${(speechMs(job.text) / 1000).toFixed(1)} s)\n`);
  }
  process.stdout.write(`${made} placeholder recording${made === 1 ? "" : "s"} written to ${path.join(o.out, o.language)}: 8 kHz mono 16-bit WAV\n`);
  return 0;
}

function sourceOptions(command: Command, withUses: boolean): Command {
  command
    .option("--trees <dir>", "IVR tree directory", "ivr-trees")
    .option("--catalogue <file>", `prompt catalogue (default: <trees>/${PROMPT_CATALOGUE_FILE})`)
    .option("--language <code>", "Asterisk language code of the texts and sounds", "en");
  if (withUses) {
    command
      .option("--config <file>", "daemon config, for the queue announcements (default: config/switchboard.yaml if there, else the defaults)")
      .option("--dialplan <path>", "extensions.conf, or a directory of .conf files", "dialplan")
      .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"));
  }
  return usageExitCode(command);
}

export function register(program: Command): void {
  const prompts = usageExitCode(
    program
      .command("prompts")
      .description("the sounds the trees, queue announcements and dialplan play: list them, check an Asterisk sounds directory, synthesize placeholders")
      .addHelpText("after", "\nThe texts are in the prompt catalogue, ivr-trees/prompts.yaml (docs/prompts.md)."),
  );
  sourceOptions(prompts.command("list").description("every sound used, where, and whether the catalogue or Asterisk's core sounds provide it"), true)
    .addHelpText("after", "\nExit code 1 when a used sound has neither a text in the catalogue nor a recording among Asterisk's core sounds.")
    .action(guarded("list", list));
  sourceOptions(prompts.command("check").description("look for every sound used in an Asterisk sounds directory, as Asterisk would"), true)
    .requiredOption("--sounds <dir>", "Asterisk sounds directory, e.g. /var/lib/asterisk/sounds")
    .addHelpText("after", "\nLooks for <sounds>/<language>/<name>.<ext> and <sounds>/<name>.<ext> in every format Asterisk plays. Exit code 1 when one is missing.")
    .action(guarded("check", check));
  sourceOptions(prompts.command("synth").description("placeholder recordings of the catalogue's texts with espeak-ng and sox"), false)
    .requiredOption("--out <dir>", "where to write <out>/<language>/<name>.wav")
    .option("--only <sounds>", "comma-separated sound names, instead of the whole catalogue")
    .option("--force", "replace files that exist (recordings are kept otherwise)")
    .action(guarded("synth", synth));
}
