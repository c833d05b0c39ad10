import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { boundedDistance, closest, MAX_SUGGESTED_LENGTH, SuggestBudget } from "../../src/lib/yaml-source/suggest.js";

/** The full-table distance the suggester used to compute (insert, delete, replace, swap neighbours). */
function fullDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function oldClosest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = fullDistance(word.toLowerCase(), c.toLowerCase());
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  const limit = word.length <= 4 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && best !== word && bestScore <= limit ? best : undefined;
}

const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "e", "m", "n", "u", "-"), minLength: 1, maxLength: 12 });

describe("did you mean", () => {
  test("the banded distance is the full one whenever it is within the limit", () => {
    fc.assert(
      fc.property(word, word, fc.nat(6), (a, b, limit) => {
        const full = fullDistance(a, b);
        expect(boundedDistance(a, b, limit)).toBe(full <= limit ? full : limit + 1);
      }),
      { numRuns: 500 },
    );
  });

  test("suggests what the full comparison suggested", () => {
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 12 }), (w, candidates) => {
        expect(closest(w, candidates)).toBe(oldClosest(w, candidates));
      }),
      { numRuns: 500 },
    );
    expect(closest("mneu", ["play", "menu", "gather"])).toBe("menu");
  });

  test("a huge word gets no suggestion, and a spent budget gives none either", () => {
    expect(closest("m".repeat(MAX_SUGGESTED_LENGTH + 1), ["m".repeat(MAX_SUGGESTED_LENGTH)])).toBeUndefined();
    expect(closest("welcme", ["welcome"], new SuggestBudget(0))).toBeUndefined();
    const budget = new SuggestBudget(1_000);
    expect(closest("welcme", ["welcome"], budget)).toBe("welcome");
    expect(budget.cells).toBeLessThan(1_000);
  });
});
