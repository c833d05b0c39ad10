import { readdirSync } from "node:fs";
import path from "node:path";

/**
 * File extensions of the formats a stock Asterisk plays (format_wav, format_pcm, format_gsm, format_sln,
 * format_g722, format_wav_gsm, ...). Asterisk matches them case-sensitively: `WAV` is GSM in a WAV file.
 */
export const ASTERISK_EXTENSIONS = [
  "wav", "wav16", "WAV", "wav49", "gsm", "ulaw", "ul", "mu", "pcm", "alaw", "al",
  "sln", "raw", "sln12", "sln16", "sln24", "sln32", "sln44", "sln48", "sln96", "sln192",
  "g722", "g729", "g726", "g723", "ilbc", "siren7", "siren14", "ogg", "opus", "vox",
];
const EXTENSIONS = new Set(ASTERISK_EXTENSIONS);

/** A sounds directory, looked into as Asterisk does; each subdirectory is read once. */
export class SoundsDir {
  private readonly listings = new Map<string, Set<string>>();

  constructor(readonly root: string) {}

  /** The file Asterisk would play for `name` in `language`: `<root>/<lang>/<name>.<ext>`, then `<root>/<name>.<ext>`. */
  find(name: string, language: string): string | undefined {
    for (const base of [path.join(this.root, language, name), path.join(this.root, name)]) {
      const dir = path.dirname(base);
      const stem = path.basename(base);
      const hit = [...this.list(dir)].find((f) => f.startsWith(`${stem}.`) && EXTENSIONS.has(f.slice(stem.length + 1)));
      if (hit) return path.join(dir, hit);
    }
    return undefined;
  }

  private list(dir: string): Set<string> {
    let names = this.listings.get(dir);
    if (!names) {
      try {
        names = new Set(readdirSync(dir));
      } catch {
        names = new Set();
      }
      this.listings.set(dir, names);
    }
    return names;
  }
}
