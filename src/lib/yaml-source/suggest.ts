/**
 * "did you mean" help for misspelt field names, node types, node ids and variables.
 *
 * Linear in what it is given: words longer than MAX_SUGGESTED_LENGTH get no suggestion, candidates
 * whose length alone puts them out of reach are skipped, and the edit distance is computed in a band
 * around the diagonal that stops as soon as every path is out of reach. A SuggestBudget caps the work
 * of a whole load, so a file with thousands of misspelt gotos into thousands of nodes stays cheap; once
 * it is spent, messages simply come without a suggestion.
 */

/** A typo longer than this is not a typo: no suggestion (and no work). */
export const MAX_SUGGESTED_LENGTH = 64;

/** Distance-table cells a budget allows by default: a few tens of milliseconds of work. */
export const DEFAULT_SUGGEST_CELLS = 20_000_000;

/** Work left for suggestions, shared by every lookup of one load (or one command). */
export class SuggestBudget {
  constructor(public cells: number = DEFAULT_SUGGEST_CELLS) {}
}

/** How far a word may be from a candidate to be a plausible typo. */
function limitFor(word: string): number {
  // Short words: one edit, or "foo" would suggest "goto". Longer words: about a third of the letters.
  return word.length <= 4 ? 1 : Math.max(2, Math.floor(word.length / 3));
}

/**
 * Edits between two words (insert, delete, replace, or swap two neighbouring letters: "mneu" -> "menu" is
 * 1), or limit + 1 when it is more than `limit`. Only cells within `limit` of the diagonal are computed.
 */
export function boundedDistance(a: string, b: string, limit: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > limit) return limit + 1;
  const far = limit + 1;
  let prev2 = new Array<number>(m + 1).fill(far);
  let prev = new Array<number>(m + 1);
  let row = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j <= limit ? j : far;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - limit);
    const to = Math.min(m, i + limit);
    row.fill(far);
    row[0] = i <= limit ? i : far;
    let best = row[0];
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      row[j] = Math.min(v, far);
      if (row[j]! < best) best = row[j]!;
    }
    if (best > limit) return far;
    [prev2, prev, row] = [prev, row, prev2];
  }
  return Math.min(prev[m]!, far);
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: Iterable<string>, budget?: SuggestBudget): string | undefined {
  if (word.length === 0 || word.length > MAX_SUGGESTED_LENGTH) return undefined;
  const w = word.toLowerCase();
  const limit = limitFor(word);
  let best: string | undefined;
  let bestScore = limit + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - w.length) >= bestScore) continue;
    if (budget) {
      const cells = Math.min(w.length, c.length) * (2 * limit + 1);
      if (budget.cells < cells) break;
      budget.cells -= cells;
    }
    const score = boundedDistance(w, c.toLowerCase(), limit);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best !== undefined && best !== word ? best : undefined;
}

export function didYouMean(word: string, candidates: Iterable<string>, budget?: SuggestBudget): string {
  const c = closest(word, candidates, budget);
  return c ? ` (did you mean "${c}"?)` : "";
}
