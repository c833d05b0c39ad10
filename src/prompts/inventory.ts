import type { Catalogue } from "./catalogue-schema.js";
import { isCoreSound } from "./core-sounds.js";
import type { SoundUse } from "./sound-use.js";

/** Where a sound's recording comes from: Switchboard's catalogue, Asterisk's core sounds, or nowhere yet. */
export type SoundSource = "catalogue" | "core" | "missing";

export interface SoundEntry {
  sound: string;
  source: SoundSource;
  /** In the order found: trees, then config, then dialplan. */
  uses: SoundUse[];
}

const ORDER: Record<SoundSource, number> = { missing: 0, catalogue: 1, core: 2 };
const byName = new Intl.Collator("en", { numeric: true }).compare;

/**
 * Each sound used, once, with all its uses. A sound is the catalogue's when it has a text in `language`
 * (also an admin's own name, or one that shadows a core sound); otherwise a core sound when Asterisk
 * ships it; otherwise missing. Missing ones come first, then by source and name (digits/2 before digits/10).
 */
export function soundInventory(uses: readonly SoundUse[], catalogue: Catalogue, language: string): SoundEntry[] {
  const bySound = new Map<string, SoundUse[]>();
  for (const use of uses) {
    const list = bySound.get(use.sound);
    if (list) list.push(use);
    else bySound.set(use.sound, [use]);
  }
  const sourceOf = (sound: string): SoundSource =>
    catalogue[sound]?.[language] !== undefined ? "catalogue" : isCoreSound(sound) ? "core" : "missing";
  return [...bySound]
    .map(([sound, list]) => ({ sound, source: sourceOf(sound), uses: list }))
    .sort((a, b) => ORDER[a.source] - ORDER[b.source] || byName(a.sound, b.sound));
}
