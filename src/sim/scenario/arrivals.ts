/**
 * Pure arrival planning: from a scenario and its seed, the exact list of calls (when, who, which DID,
 * what they will do). The same seed always gives the same list.
 */
import { SeededRandom } from "../../lib/seeded-random.js";
import type { CallerSpec } from "./caller-spec.js";
import { deriveSeed, sample } from "./distribution.js";
import type { CallerProfile, Scenario } from "./schema.js";
import { arrivalRate } from "./sizing.js";

export interface PlannedCall {
  /** Sequence number, from 0. */
  index: number;
  /** Simulated ms after the scenario started. */
  atMs: number;
  profile: string;
  spec: CallerSpec;
}

function pickProfile(mix: readonly CallerProfile[], rng: SeededRandom): CallerProfile {
  const total = mix.reduce((s, p) => s + p.weight, 0);
  let x = rng.next() * total;
  for (const p of mix) {
    x -= p.weight;
    if (x < 0) return p;
  }
  return mix[mix.length - 1]!;
}

function callerNumber(p: CallerProfile, rng: SeededRandom): string {
  if (p.numbers) return rng.pick(p.numbers);
  const u = p.unknownNumbers!;
  let n = u.prefix;
  while (n.length < u.length) n += String(rng.int(0, 9));
  return n;
}

/** Resolves one caller of `profile`, drawing every distribution from `rng`. */
export function resolveCaller(p: CallerProfile, rng: SeededRandom, seed: number): CallerSpec {
  const express = p.express !== undefined && rng.chance(p.express.share);
  const prompts = [...p.prompts];
  if (express && p.express) prompts.unshift({ prompt: p.express.prompt, after: p.express.after, press: p.express.press });
  const spec: CallerSpec = {
    caller: callerNumber(p, rng),
    callerName: p.callerName ?? "",
    did: p.did,
    dtmf: p.dtmf,
    prompts,
    patience: {
      ...(p.patience.total !== undefined ? { total: sample(p.patience.total, rng) } : {}),
      ...(p.patience.onHold !== undefined ? { onHold: sample(p.patience.onHold, rng) } : {}),
    },
    express,
    seed,
  };
  if (p.talkTime !== undefined) spec.talkTime = sample(p.talkTime, rng);
  return spec;
}

/** Poisson arrivals (exponential gaps at `arrivals.rate` per minute, or the sized rate) until `duration`. */
export function planArrivals(s: Scenario): PlannedCall[] {
  const gaps = new SeededRandom(deriveSeed(s.seed, "arrivals"));
  const who = new SeededRandom(deriveSeed(s.seed, "callers"));
  const meanGapMs = 60_000 / arrivalRate(s);
  const out: PlannedCall[] = [];
  for (let at = gaps.exponential(meanGapMs); at < s.duration * 1000; at += gaps.exponential(meanGapMs)) {
    const p = pickProfile(s.callers.mix, who);
    const index = out.length;
    out.push({ index, atMs: Math.round(at), profile: p.profile, spec: resolveCaller(p, who, deriveSeed(s.seed, `call-${index}`)) });
  }
  return out;
}
