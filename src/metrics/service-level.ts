/**
 * Service-level formulas in use in contact centers. They differ only in what they do with callers who
 * hung up before an answer, which is why two tools can show different figures for the same calls; the
 * configured one drives the wallboard, and reports show them all. Counts come from one lane (or one
 * sum of lanes): `answeredWithin` callers answered within the lane's target seconds, `abandonedWithin`
 * abandoned within it, `abandonedShort` abandoned before the short-abandon threshold, `offered` every
 * caller whose time in the queue ended (answered, abandoned or timed out).
 */
export interface SlCounts {
  offered: number;
  answered: number;
  answeredWithin: number;
  abandonedWithin: number;
  abandonedShort: number;
}

export interface SlFormula {
  label: string;
  /** The share, or null when nothing counts yet. */
  compute(c: SlCounts): number | null;
}

const share = (num: number, den: number): number | null => (den > 0 ? Math.min(1, Math.max(0, num / den)) : null);

export const SL_FORMULAS = {
  /** Every caller counts; an abandon is a miss. The strictest and the default. */
  "abandons-against": { label: "answered within target / offered", compute: (c) => share(c.answeredWithin, c.offered) },
  /** Abandons are left out altogether. */
  "abandons-ignored": { label: "answered within target / answered", compute: (c) => share(c.answeredWithin, c.answered) },
  /** An abandon within the target counts as met (the caller left before the promise was due). */
  "abandons-for": { label: "(answered + abandoned within target) / offered", compute: (c) => share(c.answeredWithin + c.abandonedWithin, c.offered) },
  /** Short abandons (misdials) are left out; later abandons are misses. */
  "short-abandons-excluded": { label: "answered within target / (offered - short abandons)", compute: (c) => share(c.answeredWithin, c.offered - c.abandonedShort) },
} satisfies Record<string, SlFormula>;

export type SlFormulaId = keyof typeof SL_FORMULAS;

/** Every formula's figure, for reports. */
export function allServiceLevels(c: SlCounts): Record<SlFormulaId, number | null> {
  return Object.fromEntries(Object.entries(SL_FORMULAS).map(([id, f]) => [id, f.compute(c)])) as Record<SlFormulaId, number | null>;
}
