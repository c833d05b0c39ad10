/**
 * How long the simulator plays each `sound:switchboard/*` prompt: the prompt catalogue's estimate
 * (`promptDurations` of ivr-trees/prompts.yaml). The simulator imports nothing outside lib/ and itself,
 * so the CLI (and the tests and benchmarks, through this module) hand it the durations in its media
 * options.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { PROMPT_CATALOGUE_FILE } from "../ivr/load.js";
import { loadCatalogue, promptDurations } from "../prompts/index.js";
import type { MediaOptions } from "../sim/index.js";
import { DEFAULT_SOUNDS } from "../sim/model/media.js";

/** Where the shipped trees and their catalogue are (config `ivr.treesDir`). */
export const DEFAULT_TREES_DIR = "ivr-trees";

/**
 * Each catalogued prompt's expected length in ms, by sound name (`switchboard/welcome`), for `language`.
 * No catalogue in `treesDir`: none. A broken catalogue throws, naming the first problem.
 */
export function catalogueSounds(treesDir = DEFAULT_TREES_DIR, language = "en"): Record<string, number> {
  const file = path.join(treesDir, PROMPT_CATALOGUE_FILE);
  if (!existsSync(file)) return {};
  const loaded = loadCatalogue(file);
  if (!loaded.ok) {
    const d = loaded.diagnostics[0]!;
    throw new Error(`${d.file}:${d.line}:${d.col}: ${d.message} (the simulator times its prompts with this catalogue)`);
  }
  return Object.fromEntries(promptDurations(loaded.catalogue, language));
}

/**
 * The simulator's media options with the catalogue's prompts added: sounds `media` names already (a
 * scenario's own durations) keep theirs, and so do Asterisk's demo and queue sounds.
 */
export function withCatalogue(media: MediaOptions | undefined, sounds: Record<string, number> = catalogueSounds()): MediaOptions {
  return { ...media, sounds: { ...DEFAULT_SOUNDS, ...sounds, ...(media?.sounds ?? {}) } };
}
