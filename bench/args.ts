/** Command-line numbers of the benchmarks: `--name value`, checked, or the default when absent. */

type Kind = "positive integer" | "positive number" | "number";
const valid: Record<Kind, (v: number) => boolean> = {
  "positive integer": (v) => Number.isInteger(v) && v > 0,
  "positive number": (v) => Number.isFinite(v) && v > 0,
  // zero allowed (fairness bench: --seed 0)
  number: (v) => Number.isFinite(v) && v >= 0,
};

export function arg(name: string, fallback: number, kind: Kind = "positive integer"): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!valid[kind](v)) throw new Error(`--${name} needs a ${kind}`);
  return v;
}
