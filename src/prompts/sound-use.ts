import { soundsOfMedia } from "./media.js";

/** One place that makes Asterisk play a sound. */
export interface SoundUse {
  sound: string;
  /** The file an admin edits to change it (a tree, the config, the dialplan). */
  file: string;
  /** Absent when the sound is a built-in default with no line of its own in any file. */
  line?: number;
  /** What plays it there: `node welcome`, `calls.prompts.position`, `Playback in [switchboard-fallback]`. */
  where: string;
}

/** One use per sound a media URI plays. */
export function usesOfMedia(uri: string, at: Omit<SoundUse, "sound">): SoundUse[] {
  return [...new Set(soundsOfMedia(uri))].map((sound) => ({ sound, ...at }));
}

export function formatPlace(use: Pick<SoundUse, "file" | "line">): string {
  return use.line === undefined ? use.file : `${use.file}:${use.line}`;
}
