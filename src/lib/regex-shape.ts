/**
 * The shapes of regular expression that make a backtracking engine take exponential (or high polynomial)
 * time: a repeat inside a repeat (`(1+)+`, `(.*a){12}`), a repeat of alternatives that can match the same
 * text (`(a|a)*`), backreferences and lookarounds. Pure and small: it parses the pattern (RE2 and
 * JavaScript syntax alike) into groups, alternatives and repeats and looks at how they nest.
 *
 * Switchboard evaluates CEL's `matches` with a linear-time engine (RE2), so these patterns cannot freeze
 * it; they are refused when a tree or offer is validated all the same, as the mistakes they usually are
 * and so that an expression stays safe wherever it is evaluated.
 */

export interface RegexProblem {
  /** Why, for the admin: what the pattern does and what to write instead. */
  reason: string;
  /** The part of the pattern at fault. */
  part: string;
}

type Atom =
  | { kind: "char"; src: string; start: number; end: number }
  | { kind: "group"; alts: Item[][]; start: number; end: number }
  | { kind: "anchor"; start: number; end: number };
interface Item {
  atom: Atom;
  min: number;
  max: number;
  start: number;
  end: number;
}

class Unsupported extends Error {
  constructor(
    readonly problem: RegexProblem,
  ) {
    super(problem.reason);
  }
}

const INF = Number.POSITIVE_INFINITY;

/** Parses `pattern`; throws Unsupported for backreferences and lookarounds. Lenient about the rest. */
class Parser {
  private i = 0;
  constructor(private readonly p: string) {}

  parse(): Item[][] {
    const alts = this.alternatives();
    return alts;
  }

  private alternatives(): Item[][] {
    const alts: Item[][] = [this.sequence()];
    while (this.p[this.i] === "|") {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }

  private sequence(): Item[] {
    const items: Item[] = [];
    while (this.i < this.p.length && this.p[this.i] !== "|" && this.p[this.i] !== ")") {
      const start = this.i;
      const atom = this.atom();
      const [min, max] = this.quantifier();
      items.push({ atom, min, max, start, end: this.i });
    }
    return items;
  }

  private atom(): Atom {
    const p = this.p;
    const start = this.i;
    const c = p[this.i]!;
    if (c === "(") return this.group();
    if (c === "^" || c === "$") {
      this.i++;
      return { kind: "anchor", start, end: this.i };
    }
    if (c === "[") {
      this.i++;
      if (p[this.i] === "^") this.i++;
      if (p[this.i] === "]") this.i++;
      while (this.i < p.length && p[this.i] !== "]") this.i += p[this.i] === "\\" ? 2 : p.startsWith("[:", this.i) ? Math.max(2, p.indexOf(":]", this.i) + 2 - this.i) : 1;
      this.i = Math.min(p.length, this.i + 1);
      return { kind: "char", src: p.slice(start, this.i), start, end: this.i };
    }
    if (c === "\\") {
      const n = p[this.i + 1] ?? "";
      if (/[1-9]/.test(n) || (n === "k" && p[this.i + 2] === "<")) throw new Unsupported({ reason: "uses a backreference, which RE2 (the engine CEL uses) does not support and which can take exponential time", part: p.slice(this.i, this.i + 3) });
      if (n === "b" || n === "B" || n === "A" || n === "z") {
        this.i += 2;
        return { kind: "anchor", start, end: this.i };
      }
      this.i += /[pPxu]/.test(n) && p[this.i + 2] === "{" ? Math.max(3, p.indexOf("}", this.i) + 1 - this.i) : 2;
      return { kind: "char", src: p.slice(start, this.i), start, end: this.i };
    }
    this.i++;
    return { kind: "char", src: c, start, end: this.i };
  }

  private group(): Atom {
    const p = this.p;
    const start = this.i;
    this.i++;
    if (p.startsWith("?=", this.i) || p.startsWith("?!", this.i) || p.startsWith("?<=", this.i) || p.startsWith("?<!", this.i)) {
      throw new Unsupported({ reason: "uses a lookahead or lookbehind, which RE2 (the engine CEL uses) does not support", part: p.slice(start, start + 4) });
    }
    if (p[this.i] === "?") {
      // (?:...), (?i), (?i:...), (?P<name>...), (?<name>...)
      const named = /^\?P?<[A-Za-z_]\w*>/.exec(p.slice(this.i, this.i + 40));
      if (named) this.i += named[0].length;
      else {
        const flags = /^\?[a-zA-Z-]*[:)]/.exec(p.slice(this.i, this.i + 20));
        this.i += flags ? flags[0].length : 1;
        if (flags?.[0].endsWith(")")) return { kind: "anchor", start, end: this.i };
      }
    }
    const alts = this.alternatives();
    if (p[this.i] === ")") this.i++;
    return { kind: "group", alts, start, end: this.i };
  }

  private quantifier(): [number, number] {
    const p = this.p;
    let range: [number, number] = [1, 1];
    const c = p[this.i];
    if (c === "*") range = [0, INF];
    else if (c === "+") range = [1, INF];
    else if (c === "?") range = [0, 1];
    else if (c === "{") {
      const m = /^\{(\d*)(,(\d*))?\}/.exec(p.slice(this.i, this.i + 24));
      if (!m || (m[1] === "" && m[3] === undefined)) return range;
      const min = m[1] === "" ? 0 : Number(m[1]);
      this.i += m[0].length - 1;
      range = [min, m[2] === undefined ? min : m[3] === "" ? INF : Number(m[3])];
    } else return range;
    this.i++;
    if (p[this.i] === "?" || p[this.i] === "+") this.i++;
    return range;
  }
}

/** Whether the item can match more than one length of text (a repeat with a choice in it). */
const variable = (it: Item) => it.max > it.min;

/** Every repeat inside an item's atom, at any depth. */
function innerRepeats(alts: Item[][]): Item[] {
  const out: Item[] = [];
  for (const seq of alts) {
    for (const it of seq) {
      if (variable(it) && canMatchText(it.atom)) out.push(it);
      if (it.atom.kind === "group") out.push(...innerRepeats(it.atom.alts));
    }
  }
  return out;
}

const canMatchText = (a: Atom): boolean => a.kind === "char" || (a.kind === "group" && a.alts.some((s) => s.some((it) => it.max > 0 && canMatchText(it.atom))));

/** Does a one-character atom (a literal, escape or class) match the character `c`? */
function matchesChar(src: string, c: string): boolean {
  try {
    return new RegExp(`^(?:${src})$`, "s").test(c);
  } catch {
    return true;
  }
}

/** `(\d+,)+`: the inner repeat is always ended by a character it cannot match, so each round is decided. */
function separated(seq: Item[], inner: Item): boolean {
  const at = seq.indexOf(inner);
  const next = seq[at + 1];
  if (at < 0 || !next || next.min < 1 || next.atom.kind !== "char" || next.atom.src.length !== 1 || inner.atom.kind !== "char") return false;
  return !matchesChar(inner.atom.src, next.atom.src);
}

/** The first one-character atom of a sequence, if it starts with one that must match. */
function firstChar(seq: Item[]): string | undefined {
  const first = seq[0];
  if (!first || first.min < 1) return undefined;
  if (first.atom.kind === "char") return first.atom.src;
  if (first.atom.kind === "group" && first.atom.alts.length === 1) return firstChar(first.atom.alts[0]!);
  return undefined;
}

/** Two alternatives that can start with the same character (decided for literals, `.` and equal atoms). */
function overlap(a: string, b: string): boolean {
  if (a === b || a === ".") return true;
  if (b === ".") return true;
  if (a.length === 1) return matchesChar(b, a);
  if (b.length === 1) return matchesChar(a, b);
  return false;
}

function check(alts: Item[][], p: string): RegexProblem | undefined {
  for (const seq of alts) {
    for (const it of seq) {
      if (it.atom.kind !== "group") continue;
      const group = it.atom;
      const part = p.slice(it.start, it.end);
      if (it.max >= 2) {
        const bad = innerRepeats(group.alts).find((inner) => (inner.max === INF || it.max === INF) && !group.alts.some((s) => separated(s, inner)));
        if (bad) return { reason: `repeats a part that itself repeats ("${part}"), which can take exponential time on a long text that does not match; write the repeat once`, part };
      }
      if (it.max === INF && it.atom.alts.length > 1) {
        const firsts = it.atom.alts.map(firstChar);
        for (let i = 0; i < firsts.length; i++) {
          for (let j = i + 1; j < firsts.length; j++) {
            const a = firsts[i];
            const b = firsts[j];
            if (a !== undefined && b !== undefined && overlap(a, b)) {
              return { reason: `repeats alternatives that can start with the same text ("${part}"), which can take exponential time; make the alternatives start differently`, part };
            }
          }
        }
      }
      const deeper = check(it.atom.alts, p);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

/** The first super-linear shape in `pattern`, or undefined when it has none. */
export function regexProblem(pattern: string): RegexProblem | undefined {
  try {
    return check(new Parser(pattern).parse(), pattern);
  } catch (err) {
    if (err instanceof Unsupported) return err.problem;
    throw err;
  }
}
