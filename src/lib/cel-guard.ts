import { RE2JS } from "re2js";
import { regexProblem } from "./regex-shape.js";

/**
 * What keeps one CEL expression from holding up the daemon:
 *
 * - at compile time (`staticProblems`): comprehensions (`all`, `exists`, `exists_one`, `map`, `filter`)
 *   nested more than MAX_COMPREHENSION_NESTING deep, and `matches` with a literal pattern that RE2 does
 *   not accept or that has a super-linear shape (lib/regex-shape.ts);
 * - at run time (`guard`): every node the evaluator enters costs one step, plus the size of the list,
 *   map or text it produces, from a budget per evaluation; past it the evaluation fails with
 *   CelBudgetError (the tree's error path), and `matches` runs on RE2 (re2js): linear time in the text
 *   whatever the pattern, also for a pattern that arrives as data.
 *
 * This works on @marcbachmann/cel-js's AST (pinned version): each node's `evaluate` is wrapped, and a
 * `matches` call's handler replaced. tests/security/cel.test.ts holds it to that.
 */

export const MAX_COMPREHENSION_NESTING = 2;
/** Steps an evaluation may take by default: a few milliseconds at the most, far more than a tree needs. */
export const DEFAULT_CEL_BUDGET = 50_000;
/** Characters of a pattern `matches` accepts at run time. */
export const MAX_PATTERN_CHARS = 1_000;

export class CelBudgetError extends Error {
  constructor(budget: number) {
    super(`the expression needed more than its ${budget.toLocaleString("en")} evaluation steps and was stopped`);
    this.name = "CelBudgetError";
  }
}

/** A problem found before evaluation: message and offset in the expression. */
export interface StaticProblem {
  message: string;
  offset: number;
}

// The library's AST, as far as this module reads it.
interface AstNode {
  op: string;
  args: unknown;
  pos: number;
  meta: { alternate?: AstNode; macro?: Record<string, unknown> };
  handle?: (values: unknown[], ev: unknown, ast: unknown) => unknown;
  evaluate: (ev: unknown, ast: unknown, ctx: unknown) => unknown;
}

const isNode = (v: unknown): v is AstNode => v !== null && typeof v === "object" && typeof (v as AstNode).op === "string" && "pos" in v && "meta" in (v as object);

const MACROS = new Set(["all", "exists", "exists_one", "map", "filter"]);

/** The nodes below `node` that the evaluator can reach: arguments, a macro's expansion and parts. */
function children(node: AstNode): unknown[] {
  const out: unknown[] = [];
  const push = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(push);
    else if (isNode(v)) out.push(v);
    else if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(push);
  };
  if (node.meta.alternate) push(node.meta.alternate);
  if (node.meta.macro) for (const k of ["val", "exp", "args"]) push(node.meta.macro[k]);
  push(node.args);
  return out;
}

/** Every node of the tree once, iteratively (an expression can be deep). */
function eachNode(root: AstNode, visit: (n: AstNode) => void): void {
  const seen = new Set<AstNode>();
  const stack: AstNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    visit(n);
    for (const c of children(n)) stack.push(c as AstNode);
  }
}

const macroCall = (n: AstNode): string | undefined => {
  if (n.op !== "rcall" || !Array.isArray(n.args)) return undefined;
  const name = n.args[0];
  return typeof name === "string" && MACROS.has(name) ? name : undefined;
};

/** The deepest chain of comprehensions nested in each other's predicate or transform. */
function nesting(root: AstNode): { depth: number; chain: string[]; at: number } {
  let best = { depth: 0, chain: [] as string[], at: 0 };
  const walk = (n: AstNode, chain: string[]) => {
    const name = macroCall(n);
    if (name) {
      const [, receiver, args] = n.args as [string, AstNode, AstNode[]];
      const inner = [...chain, name];
      if (inner.length > best.depth) best = { depth: inner.length, chain: inner, at: n.pos };
      walk(receiver, chain);
      for (const a of args.slice(1)) walk(a, inner);
      return;
    }
    for (const c of argsOnly(n)) walk(c, chain);
  };
  walk(root, []);
  return best;
}

/** Children through the written arguments only (macros are walked by what the admin wrote). */
function argsOnly(n: AstNode): AstNode[] {
  const out: AstNode[] = [];
  const push = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(push);
    else if (isNode(v)) out.push(v);
  };
  push(n.args);
  if (n.meta.macro) for (const k of ["val", "exp"]) push(n.meta.macro[k]);
  return out;
}

/** Problems a compiled expression has before it ever runs. */
export function staticProblems(root: AstNode): StaticProblem[] {
  const out: StaticProblem[] = [];
  const n = nesting(root);
  if (n.depth > MAX_COMPREHENSION_NESTING) {
    out.push({
      offset: n.at,
      message: `comprehensions are nested ${n.depth} deep (${n.chain.join(" containing ")}); at most ${MAX_COMPREHENSION_NESTING}, since every level multiplies the work`,
    });
  }
  eachNode(root, (node) => {
    if (node.op !== "rcall" || !Array.isArray(node.args) || node.args[0] !== "matches") return;
    const pattern = (node.args[2] as AstNode[] | undefined)?.[0];
    if (!pattern || pattern.op !== "value" || typeof pattern.args !== "string") return;
    const problem = patternProblem(pattern.args);
    if (problem) out.push({ offset: pattern.pos, message: `regular expression ${JSON.stringify(pattern.args)} ${problem}` });
  });
  return out;
}

function patternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `is longer than ${MAX_PATTERN_CHARS.toLocaleString("en")} characters`;
  const shape = regexProblem(pattern);
  if (shape) return shape.reason;
  try {
    RE2JS.compile(pattern);
  } catch (err) {
    return `is not valid RE2 syntax (what CEL uses): ${(err as Error).message.replace(/^error parsing regexp: /, "")}`;
  }
  return undefined;
}

// ---- run time -----------------------------------------------------------------------------------

/** The budget of the evaluation in progress (evaluations are synchronous and never nested). */
let meter: { left: number; budget: number; error?: CelBudgetError } | undefined;

function charge(n: number): void {
  if (!meter) return;
  meter.left -= n;
  // One error per evaluation, thrown again at every later step: the library catches errors inside
  // `exists` and `||` and goes on, and a new error (with its stack) per step would be the slow part.
  if (meter.left < 0) throw (meter.error ??= new CelBudgetError(meter.budget));
}

function sizeOf(v: unknown): number {
  if (typeof v === "string") return v.length >> 4;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (v instanceof Uint8Array) return v.length >> 4;
  return 0;
}

const compiled = new Map<string, RE2JS>();

/** `text.matches(pattern)`: RE2, compiled once per pattern (the last 256 kept), its cost charged. */
export function re2Matches(text: unknown, pattern: unknown): boolean {
  if (typeof text !== "string" || typeof pattern !== "string") throw new Error("found no matching overload for 'matches' (text and pattern must be strings)");
  if (pattern.length > MAX_PATTERN_CHARS) throw new Error(`regular expression longer than ${MAX_PATTERN_CHARS.toLocaleString("en")} characters`);
  let re = compiled.get(pattern);
  if (!re) {
    charge(pattern.length);
    try {
      re = RE2JS.compile(pattern);
    } catch (err) {
      throw new Error(`invalid regular expression ${JSON.stringify(pattern.slice(0, 80))}: ${(err as Error).message}`);
    }
    if (compiled.size >= 256) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, re);
  }
  charge(Math.ceil((text.length * Math.min(re.programSize(), 256)) / 64));
  return re.test(text);
}

/** Wraps every node's evaluation with the step meter and puts RE2 behind `matches`. Call after type-checking. */
export function instrument(root: AstNode): void {
  eachNode(root, (node) => {
    if (node.op === "rcall" && Array.isArray(node.args) && node.args[0] === "matches" && typeof node.handle === "function") {
      node.handle = (values) => re2Matches(values[0], values[1]);
    }
    // What the library's ASTNode.evaluate picks on its first call (an expansion, a macro or the operator), picked now.
    const meta = node.meta as AstNode["meta"] & { evaluate: AstNode["evaluate"] };
    const alternate = meta.alternate;
    const macro = meta.macro as { evaluate: AstNode["evaluate"] } | undefined;
    const inner: AstNode["evaluate"] = alternate
      ? (ev, _ast, ctx) => alternate.evaluate(ev, alternate, ctx)
      : macro
        ? (ev, _ast, ctx) => macro.evaluate(ev, macro, ctx)
        : meta.evaluate;
    node.evaluate = function metered(this: AstNode, ev: unknown, ast: unknown, ctx: unknown): unknown {
      charge(1);
      const result = inner.call(this, ev, ast, ctx);
      charge(sizeOf(result));
      return result;
    };
  });
}

/** Runs `fn` with a fresh budget; a run that spent it fails with CelBudgetError whatever it returned. */
export function withBudget<T>(budget: number, fn: () => T): T {
  const outer = meter;
  const mine: NonNullable<typeof meter> = { left: budget, budget };
  meter = mine;
  try {
    const result = fn();
    if (mine.left < 0) throw (mine.error ??= new CelBudgetError(budget));
    return result;
  } catch (err) {
    if (mine.left < 0) throw (mine.error ??= new CelBudgetError(budget));
    throw err;
  } finally {
    meter = outer;
  }
}
