import type { SoundEntry, SoundSource } from "./inventory.js";
import type { SoundUse } from "./sound-use.js";

/** Text output of `switchboard prompts list` and `check`: one sound a line, its uses grouped by file. */

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `ivr-trees/main.yaml:61,98 dialplan/extensions.conf:44` */
export function placesOf(uses: readonly SoundUse[]): string {
  const lines = new Map<string, Set<number>>();
  for (const u of uses) {
    const set = lines.get(u.file) ?? new Set<number>();
    if (u.line !== undefined) set.add(u.line);
    lines.set(u.file, set);
  }
  return [...lines].map(([file, set]) => (set.size ? `${file}:${[...set].join(",")}` : file)).join(" ");
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}

export function countBySource(entries: readonly SoundEntry[]): Record<SoundSource, number> {
  const counts: Record<SoundSource, number> = { catalogue: 0, core: 0, missing: 0 };
  for (const e of entries) counts[e.source]++;
  return counts;
}

const sourceLabel = (e: SoundEntry) => (e.source === "missing" ? "NO TEXT" : e.source);

/**
 * Rows of sound, source and places. With `collapse`, a run of core sounds of one directory used at the
 * same places (the numbers the queue announcements speak) is one row, `digits/0 .. digits/thousand
 * (30 sounds)`; JSON lists each.
 */
function soundRows(entries: readonly SoundEntry[], collapse: boolean): string[][] {
  const rows: string[][] = [];
  let run: SoundEntry[] = [];
  const dirOf = (e: SoundEntry) => (e.source === "core" && e.sound.includes("/") ? `${e.sound.slice(0, e.sound.lastIndexOf("/"))} ${placesOf(e.uses)}` : undefined);
  const flush = () => {
    if (collapse && run.length >= 3) rows.push([`${run[0]!.sound} .. ${run.at(-1)!.sound} (${run.length} sounds)`, "core", placesOf(run[0]!.uses)]);
    else for (const e of run) rows.push([e.sound, sourceLabel(e), placesOf(e.uses)]);
    run = [];
  };
  for (const e of entries) {
    if (run.length && (dirOf(e) === undefined || dirOf(e) !== dirOf(run[0]!))) flush();
    run.push(e);
  }
  flush();
  return rows;
}

export function formatList(entries: readonly SoundEntry[], language: string, catalogueFile: string): string {
  const c = countBySource(entries);
  const lines = table(soundRows(entries, true));
  lines.push(`${plural(entries.length, "sound")} used: ${c.catalogue} in the catalogue (${language}), ${plural(c.core, "Asterisk core sound")}, ${c.missing} without a text`);
  if (c.missing) lines.push(`add a text in ${language} to ${catalogueFile} for each sound marked NO TEXT`);
  return `${lines.join("\n")}\n`;
}

export interface CheckResult {
  entry: SoundEntry;
  /** The file Asterisk would play; undefined when there is none. */
  file: string | undefined;
}

export function formatCheck(results: readonly CheckResult[], soundsDir: string, language: string): string {
  const missing = results.filter((r) => r.file === undefined).map((r) => r.entry);
  // each missing sound on its own line: the admin is about to fetch exactly these
  const lines = table(soundRows(missing, false).map((row) => ["missing", ...row]));
  lines.push(`${soundsDir} (${language}): ${results.length - missing.length} of ${plural(results.length, "sound")} found, ${missing.length} missing`);
  if (missing.some((e) => e.source !== "core")) {
    lines.push(`Switchboard's prompts: record them, or make placeholders with: switchboard prompts synth --out ${soundsDir} --language ${language} (docs/prompts.md)`);
  }
  if (missing.some((e) => e.source === "core")) lines.push(coreSoundsHint(language));
  return `${lines.join("\n")}\n`;
}

/** Debian packages the core sounds in English, Spanish, French, Italian and Russian. */
function coreSoundsHint(language: string): string {
  const base = language.split("_")[0]!;
  if (!["en", "es", "fr", "it", "ru"].includes(base)) return `Asterisk core sounds: install Asterisk's core sounds for ${language} into ${language}/`;
  return `Asterisk core sounds: install Debian's asterisk-core-sounds-${base}-wav (or -gsm, -g722) package`;
}
