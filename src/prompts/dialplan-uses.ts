import type { SoundUse } from "./sound-use.js";

/**
 * Sounds an extensions.conf plays: the file arguments of Playback, Background, ControlPlayback and Read.
 * Names built from variables (`${GREETING}`) are only known while a call runs and are left out.
 */

/** Applications that play sound files, and which argument (0-based) holds the `&`-joined names. */
const PLAYERS: Record<string, number> = { playback: 0, background: 0, controlplayback: 0, read: 1 };

const PRIORITY_LINE = /^\s*(?:exten|same)\s*=>?(.*)$/i;
const APP_CALL = /(?:^|,)\s*([A-Za-z]+)\s*\((.*)\)\s*$/;

export function dialplanSoundUses(file: string, text: string): SoundUse[] {
  const out: SoundUse[] = [];
  let context = "";
  text.split("\n").forEach((raw, i) => {
    const line = stripComment(raw);
    const section = /^\s*\[([^\]]+)\]/.exec(line);
    if (section) {
      context = section[1]!;
      return;
    }
    const body = PRIORITY_LINE.exec(line)?.[1];
    const call = body === undefined ? null : APP_CALL.exec(body.trimEnd());
    if (!call) return;
    const arg = PLAYERS[call[1]!.toLowerCase()];
    if (arg === undefined) return;
    const names = (call[2]!.split(",")[arg] ?? "").split("&").map((n) => n.trim());
    const where = `${call[1]} in [${context}]`;
    for (const sound of names) {
      if (sound !== "" && !sound.includes("${")) out.push({ sound, file, line: i + 1, where });
    }
  });
  return out;
}

/** Asterisk config comments start at an unescaped `;`. */
function stripComment(line: string): string {
  const at = line.search(/(?<!\\);/);
  return at < 0 ? line : line.slice(0, at);
}
