import type { CallsConfig } from "../calls/config.js";
import type { SourceMap } from "../lib/yaml-source/source-map.js";
import { SPOKEN_NUMBER_SOUNDS } from "./media.js";
import { usesOfMedia, type SoundUse } from "./sound-use.js";

/**
 * The queue's position and expected-wait announcements: the four configured prompts with the numbers
 * spoken between them (`number:`, see calls/queue-handoff.ts), so every sound a number can need.
 * Each points at its line in the config, or at the `calls` section (or the file) when it is a default.
 */
export function announcementSoundUses(prompts: CallsConfig["prompts"], file: string, map: SourceMap | undefined): SoundUse[] {
  const out: SoundUse[] = [];
  for (const [field, uri] of Object.entries(prompts)) {
    const path = ["calls", "prompts", field];
    const written = map?.nodeAt(path) !== undefined;
    const where = `calls.prompts.${field}${written ? "" : " (default)"}`;
    out.push(...usesOfMedia(uri, { file, line: lineOf(map, path), where }));
  }
  const numbers = { file, line: lineOf(map, ["calls", "prompts"]), where: "calls.prompts: the position and minutes spoken as numbers" };
  out.push(...SPOKEN_NUMBER_SOUNDS.map((sound) => ({ sound, ...numbers })));
  return out;
}

/** The queued call backs' prompts (the offer, the customer's greeting, the agent's wait) and their keys, said as digits. */
export function callbackSoundUses(callbacks: CallsConfig["callbacks"], file: string, map: SourceMap | undefined): SoundUse[] {
  const out: SoundUse[] = [];
  for (const [field, uri] of Object.entries(callbacks.prompts)) {
    const path = ["calls", "callbacks", "prompts", field];
    const where = `calls.callbacks.prompts.${field}${map?.nodeAt(path) !== undefined ? "" : " (default)"}`;
    out.push(...usesOfMedia(uri, { file, line: lineOf(map, path), where }));
  }
  const keys = { file, line: lineOf(map, ["calls", "callbacks"]), where: "calls.callbacks: the keys said as digits" };
  for (const key of [callbacks.key, callbacks.acceptKey]) out.push(...usesOfMedia(`digits:${key}`, keys));
  return out;
}

/** The prompt told to a caller before their call is recorded (a supervisor asks, or the queue is recorded): config, not trees, plays it. */
export function recordingSoundUses(recording: { prompt: string }, file: string, map: SourceMap | undefined): SoundUse[] {
  const path = ["supervision", "recording", "prompt"];
  const where = `supervision.recording.prompt${map?.nodeAt(path) !== undefined ? "" : " (default)"}: told to the caller before the call is recorded`;
  return usesOfMedia(recording.prompt, { file, line: lineOf(map, path), where });
}

/** Line of the key of the deepest part of `path` the file has (its first line when none); none without a file. */
function lineOf(map: SourceMap | undefined, path: string[]): number | undefined {
  if (!map) return undefined;
  for (let n = path.length; n > 0; n--) {
    if (map.nodeAt(path.slice(0, n)) !== undefined) return map.locate(path.slice(0, n), { key: true }).line;
  }
  return 1;
}
