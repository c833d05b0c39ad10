import type { Catalogue } from "./catalogue-schema.js";

/**
 * How long a prompt plays, estimated from its text as espeak-ng speaks it at its default rate (175
 * words a minute, about 60 ms a letter of English), with the pauses it makes at punctuation and the
 * silence `switchboard prompts synth` puts around each recording. Measured against espeak-ng 1.51 on
 * the shipped catalogue: within about 10 % of the synthesized files. Studio recordings run a little
 * slower; the estimate is for timing a simulated call, not for billing.
 */
const MS_PER_LETTER = 60;
/** A digit is read as a whole word ("seven"). */
const MS_PER_DIGIT = 270;
/** Commas, semicolons and colons. */
const CLAUSE_PAUSE_MS = 200;
/** Full stops, question and exclamation marks, and the end of the text. */
const SENTENCE_PAUSE_MS = 400;
/** Silence before and after the speech, as synth writes it. */
export const LEAD_SILENCE_MS = 100;
export const TRAIL_SILENCE_MS = 100;

const count = (text: string, re: RegExp) => text.match(re)?.length ?? 0;

/** Expected duration in ms of a prompt that says `text`. */
export function speechMs(text: string): number {
  const sentences = count(text, /[.?!]+/g) + (/[.?!]["')\]]*\s*$/.test(text) ? 0 : 1);
  const speech =
    count(text, /\p{L}/gu) * MS_PER_LETTER +
    count(text, /\p{Nd}/gu) * MS_PER_DIGIT +
    count(text, /[,;:]/g) * CLAUSE_PAUSE_MS +
    sentences * SENTENCE_PAUSE_MS;
  return speech + LEAD_SILENCE_MS + TRAIL_SILENCE_MS;
}

/** Each prompt's expected duration in ms, for the prompts that have a text in `language`. */
export function promptDurations(catalogue: Catalogue, language: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [sound, texts] of Object.entries(catalogue)) {
    const text = texts[language];
    if (text !== undefined) out.set(sound, speechMs(text));
  }
  return out;
}
