/**
 * Durations in scenario files: a plain number of seconds, or a distribution drawn per call from the
 * scenario's seeded generator so that a seed replays the same behaviour.
 */
import { z } from "zod";
import type { SeededRandom } from "../../lib/seeded-random.js";

const seconds = z.number().finite().nonnegative();

export const distributionSchema = z.union([
  seconds,
  z.strictObject({ fixed: seconds }),
  z
    .strictObject({ uniform: z.tuple([seconds, seconds]) })
    .refine((d) => d.uniform[0] <= d.uniform[1], { message: "uniform: the first bound must not exceed the second" }),
  z.strictObject({ exponential: seconds.describe("mean, seconds") }),
  z.strictObject({ normal: z.strictObject({ mean: seconds, sd: seconds }) }),
]);

export type Distribution = z.infer<typeof distributionSchema>;

/** Draws one value in seconds (never negative). */
export function sample(d: Distribution, rng: SeededRandom): number {
  if (typeof d === "number") return d;
  if ("fixed" in d) return d.fixed;
  if ("uniform" in d) return d.uniform[0] + rng.next() * (d.uniform[1] - d.uniform[0]);
  if ("exponential" in d) return rng.exponential(d.exponential);
  // Box-Muller; clamped at zero since a negative duration means "at once"
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.max(0, d.normal.mean + d.normal.sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

/** Mixes a seed with a label so that independent streams (per call, per agent) do not correlate. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The distribution's mean in seconds (a normal's, before the clamp at zero): what sizing a load needs. */
export function meanOf(d: Distribution): number {
  if (typeof d === "number") return d;
  if ("fixed" in d) return d.fixed;
  if ("uniform" in d) return (d.uniform[0] + d.uniform[1]) / 2;
  if ("exponential" in d) return d.exponential;
  return d.normal.mean;
}
