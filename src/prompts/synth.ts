import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import type { Catalogue } from "./catalogue-schema.js";
import { LEAD_SILENCE_MS, TRAIL_SILENCE_MS } from "./duration.js";

/**
 * Placeholder recordings made with espeak-ng and sox. Texts come from a file an admin edits, so they
 * reach espeak-ng on its standard input and no program is started through a shell.
 */

/** A tool is not installed, or could not make a file. */
export class SynthError extends Error {}

const TOOLS = [
  { command: "espeak-ng", debian: "espeak-ng" },
  { command: "sox", debian: "sox" },
];

/** Fails with the Debian packages to install when espeak-ng or sox is not on the PATH. */
export function requireTools(): void {
  const missing = TOOLS.filter((t) => (spawnSync(t.command, ["--version"], { stdio: "ignore" }).error as NodeJS.ErrnoException | undefined)?.code === "ENOENT");
  if (missing.length === 0) return;
  const names = missing.map((t) => t.command).join(" and ");
  throw new SynthError(`${names} not found: install Debian's ${missing.length === 1 ? "package" : "packages"} (apt-get install ${missing.map((t) => t.debian).join(" ")})`);
}

export interface SynthJob {
  sound: string;
  text: string;
  /** `<out>/<lang>/<sound>.wav` */
  file: string;
}

/** The recordings to make: every prompt with a text in `language`, or only the ones named; and those without one. */
export function synthJobs(catalogue: Catalogue, language: string, out: string, only?: readonly string[]): { jobs: SynthJob[]; untexted: string[] } {
  const jobs: SynthJob[] = [];
  const untexted: string[] = [];
  for (const sound of only ?? Object.keys(catalogue)) {
    const text = catalogue[sound]?.[language];
    if (text === undefined) untexted.push(sound);
    else jobs.push({ sound, text, file: path.join(out, language, `${sound}.wav`) });
  }
  return { jobs, untexted };
}

/** espeak-ng names voices in lower case with a dash: Asterisk's en_GB is its en-gb. */
export function espeakVoice(language: string): string {
  return language.toLowerCase().replace("_", "-");
}

/**
 * Speaks `job.text` into `job.file`: 8 kHz, mono, 16-bit signed PCM WAV (what Asterisk's format_wav
 * plays without transcoding to slin), peaks at -3 dBFS, with the silence the duration estimate counts.
 * Written beside the target and renamed, so a live sounds directory never holds half a file.
 */
export function synthesize(job: SynthJob, language: string): void {
  const dir = path.dirname(job.file);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(dir, ".synth-"));
  try {
    const speech = path.join(work, "speech.wav");
    const converted = path.join(work, "out.wav");
    run("espeak-ng", ["-v", espeakVoice(language), "-w", speech, "--stdin"], job.text);
    const pad = [LEAD_SILENCE_MS, TRAIL_SILENCE_MS].map((ms) => String(ms / 1000));
    run("sox", [speech, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", converted, "norm", "-3", "pad", ...pad]);
    renameSync(converted, job.file);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], input?: string): void {
  const r = spawnSync(command, args, { input, encoding: "utf8", stdio: ["pipe", "ignore", "pipe"] });
  if (r.error) throw new SynthError(`${command}: ${r.error.message}`);
  if (r.status !== 0) throw new SynthError(`${command} failed (exit ${r.status}): ${r.stderr.trim().split("\n")[0] ?? ""}`);
}
