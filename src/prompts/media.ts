/**
 * The sound files a media URI makes Asterisk play. `sound:` names one; `number:`, `digits:` and
 * `characters:` are spoken from Asterisk's core `digits/` and `letters/` sounds (the English set is
 * given here: other languages add a few of their own, such as digits/and). `tone:` is generated and
 * `recording:` lives in Asterisk's recordings directory, not among its sounds.
 */
export function soundsOfMedia(uri: string): string[] {
  const colon = uri.indexOf(":");
  const scheme = uri.slice(0, colon);
  const value = uri.slice(colon + 1);
  switch (scheme) {
    case "sound":
      return value === "" ? [] : [value];
    case "number":
      return /^-?\d+$/.test(value) ? numberSounds(Number(value)) : [];
    case "digits":
    case "characters":
      return [...value].flatMap((c) => characterSound(c) ?? []);
    default:
      return [];
  }
}

/** What Asterisk's English number sayer plays for n (main/say.c): "digits/20", "digits/hundred", ... */
export function numberSounds(n: number): string[] {
  if (n === 0) return ["digits/0"];
  if (n < 0) return ["digits/minus", ...numberSounds(-n)];
  const out: string[] = [];
  let rest = n;
  for (const [size, word] of [[1_000_000, "million"], [1000, "thousand"]] as const) {
    if (rest >= size) {
      out.push(...numberSounds(Math.floor(rest / size)), `digits/${word}`);
      rest %= size;
    }
  }
  if (rest >= 100) {
    out.push(`digits/${Math.floor(rest / 100)}`, "digits/hundred");
    rest %= 100;
  }
  if (rest >= 20) {
    out.push(`digits/${rest - (rest % 10)}`);
    rest %= 10;
  }
  if (rest > 0) out.push(`digits/${rest}`);
  return out;
}

/** Every sound a number below a million can need: for numbers only known while a call runs. */
export const SPOKEN_NUMBER_SOUNDS: readonly string[] = [
  ...Array.from({ length: 20 }, (_, i) => `digits/${i}`),
  ...Array.from({ length: 8 }, (_, i) => `digits/${(i + 2) * 10}`),
  "digits/hundred",
  "digits/thousand",
];

const SYMBOLS: Record<string, string> = {
  "*": "digits/star",
  "#": "digits/pound",
  "@": "letters/at",
  "-": "letters/dash",
  ".": "letters/dot",
  "=": "letters/equals",
  "+": "letters/plus",
  "/": "letters/slash",
  " ": "letters/space",
  $: "letters/dollar",
  "!": "letters/exclaimation-point", // sic: Asterisk's file name
};

/** The sound Asterisk plays for one character of `digits:` or `characters:` (main/say.c). */
function characterSound(c: string): string | undefined {
  if (/[0-9]/.test(c)) return `digits/${c}`;
  if (/[a-z]/i.test(c)) return `letters/${c.toLowerCase()}`;
  return SYMBOLS[c];
}
