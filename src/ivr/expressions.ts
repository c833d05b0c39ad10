import { CelCompileError, celEnvironment, compileCel, type CelEnvironment } from "../lib/cel.js";
import type { CompiledExpr } from "./model.js";
import { didYouMean } from "../lib/yaml-source/suggest.js";

/** What an expression must give; "score" is a whole number or digits (a survey's answer). */
export type Expected = "bool" | "string" | "score";

/** A CEL expression inside a node: where it is, what it must produce, and whether `value` is in scope. */
export interface ExprField {
  path: (string | number)[];
  source: string;
  expected?: Expected;
  /** Only a gather's `validate` sees `value` (the digits entered). */
  withValue?: boolean;
  /** How the message names the field: `a "when" condition`, `"laneExpr"`... */
  role: string;
}

const NAMES = ["customer", "call", "vars"];
const env: CelEnvironment = celEnvironment({ customer: "dyn", call: "dyn", vars: "dyn" });
const validateEnv: CelEnvironment = celEnvironment({ customer: "dyn", call: "dyn", vars: "dyn", value: "string" });

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The expressions of a node, read leniently so that a node with other mistakes still gets its CEL checked. */
export function exprFields(node: unknown): ExprField[] {
  if (!isRecord(node)) return [];
  const out: ExprField[] = [];
  switch (node.type) {
    case "branch":
      if (Array.isArray(node.cases)) {
        node.cases.forEach((c: unknown, i) => {
          if (isRecord(c) && typeof c.when === "string") out.push({ path: ["cases", i, "when"], source: c.when, expected: "bool", role: 'a "when" condition' });
        });
      }
      break;
    case "set":
      if (isRecord(node.expr)) {
        for (const [k, v] of Object.entries(node.expr)) if (typeof v === "string") out.push({ path: ["expr", k], source: v, role: `"expr.${k}"` });
      }
      break;
    case "gather":
      if (typeof node.validate === "string") out.push({ path: ["validate"], source: node.validate, expected: "bool", withValue: true, role: '"validate"' });
      break;
    case "queue":
      if (typeof node.laneExpr === "string") out.push({ path: ["laneExpr"], source: node.laneExpr, expected: "string", role: '"laneExpr"' });
      break;
    case "lookup":
      if (typeof node.key === "string") out.push({ path: ["key"], source: node.key, role: '"key"' });
      break;
    case "survey":
      if (typeof node.score === "string") out.push({ path: ["score"], source: node.score, expected: "score", role: '"score"' });
      break;
    case "callback":
    case "appointment":
      // `number` has a default (the caller's number): compiled whether written or not
      out.push({ path: ["number"], source: typeof node.number === "string" ? node.number : "call.callerNumber", role: '"number"' });
      break;
  }
  return out.filter((f) => f.source.trim() !== "");
}

export type CompileOutcome = { ok: true; expr: CompiledExpr } | { ok: false; message: string; offset: number | undefined };

/** What it takes to compile an expression again (in another thread): its text and what it must give. */
export interface ExprSource {
  source: string;
  expected?: Expected | undefined;
  withValue?: boolean | undefined;
}

/** Characters an expression may have unless the caller says otherwise (see ivr/limits.ts). */
const DEFAULT_MAX_CHARS = 2_000;

export function compileField(field: ExprField, maxChars: number = DEFAULT_MAX_CHARS): CompileOutcome {
  if (field.source.length > maxChars) {
    return { ok: false, message: `${field.role} is ${field.source.length.toLocaleString("en")} characters long; an expression may have at most ${maxChars.toLocaleString("en")}`, offset: 0 };
  }
  const environment = field.withValue ? validateEnv : env;
  try {
    const expr = compileCel(environment, field.source, field.expected === "score" ? undefined : field.expected);
    const wrong = field.expected === "score" ? notAScore(environment, field) : undefined;
    return wrong ? { ok: false, message: wrong, offset: 0 } : { ok: true, expr };
  } catch (e) {
    const offset = e instanceof CelCompileError ? e.offset : undefined;
    return { ok: false, message: explain((e as Error).message, field), offset };
  }
}

/** CEL types a score can come from: a number, or text such as a gather's digits (checked when the call runs). */
const SCORE_TYPES = new Set(["int", "uint", "double", "string", "dyn"]);

/** Why an expression that compiled cannot give a score (its static type is a bool, a list...), if it cannot. */
function notAScore(environment: CelEnvironment, field: ExprField): string | undefined {
  // compileCel has checked the expression already: parse and check cannot fail here
  const type = (environment.parse(field.source).check() as { type?: string }).type;
  return type === undefined || SCORE_TYPES.has(type) ? undefined : `${field.role} must give a whole number (int) or digits (string), this expression gives ${type}`;
}

/**
 * An expression compiled when it is first evaluated: a set validated in a worker thread comes back as
 * plain data, and compiling every expression of a big set at once would hold up the calls. Validation
 * has compiled the same text already; if it failed now, the evaluation fails (the node's error path).
 */
export function lazyExpr(e: ExprSource): CompiledExpr {
  let program: CompiledExpr | undefined;
  const compiled = (): CompiledExpr => {
    if (program) return program;
    const outcome = compileField({ path: [], source: e.source, expected: e.expected, withValue: e.withValue, role: "expression" }, Number.MAX_SAFE_INTEGER);
    if (!outcome.ok) throw new Error(outcome.message);
    return (program = outcome.expr);
  };
  return {
    source: e.source,
    evaluate: (ctx) => compiled().evaluate(ctx),
    evaluateCel: (celContext) => compiled().evaluateCel(celContext),
  };
}

/** The CEL library's messages, reworded for admins. */
function explain(message: string, field: ExprField): string {
  const names = field.withValue ? [...NAMES, "value"] : NAMES;
  const unknown = /Unknown variable: ([A-Za-z_]\w*)/.exec(message);
  if (unknown) {
    const name = unknown[1]!;
    return `unknown name "${name}" in expression; expressions can use ${names.join(", ")}${didYouMean(name, names)}`;
  }
  const gives = /^expression gives (\w+), expected (\w+)$/.exec(message);
  if (gives) return `${field.role} must give ${gives[2] === "bool" ? "true or false (bool)" : "text (string)"}, this expression gives ${gives[1]}`;
  if (/Unexpected token: EOF/.test(message)) return "CEL syntax error: the expression ends too early";
  if (/Unexpected character: =$/.test(message)) return 'CEL syntax error: unexpected "=" (compare with ==)';
  return message;
}

/** A `vars.<name>` read inside an expression, with the offset of `<name>` in the expression text. */
export interface VarRead {
  name: string;
  offset: number;
}

/**
 * Finds `vars.name` reads, skipping string literals, so that typos in variable names (which CEL cannot see,
 * `vars` being a map) can be compared with the variables the trees actually set.
 */
export function varReads(source: string): VarRead[] {
  const out: VarRead[] = [];
  // Sticky expressions matched in place: no copy of the rest of the text per word.
  const wordAt = /[A-Za-z_]\w*/y;
  const fieldAt = /\s*\.\s*([A-Za-z_]\w*)/y;
  let i = 0;
  let prev = "";
  while (i < source.length) {
    const ch = source[i]!;
    const quote = stringQuote(source, i);
    if (quote) {
      i = skipString(source, i, quote);
      prev = "literal";
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      wordAt.lastIndex = i;
      const word = wordAt.exec(source)![0];
      if (word === "vars" && prev !== ".") {
        fieldAt.lastIndex = i + 4;
        const m = fieldAt.exec(source);
        if (m) out.push({ name: m[1]!, offset: i + 4 + m[0].length - m[1]!.length });
      }
      prev = word;
      i += word.length;
      continue;
    }
    if (!/\s/.test(ch)) prev = ch;
    i++;
  }
  return out;
}

/** The quote that opens a string literal at `i` (with an optional r/R/b/B prefix), if any. */
function stringQuote(s: string, i: number): string | undefined {
  let j = i;
  while (j < i + 2 && /[rRbB]/.test(s[j] ?? "")) j++;
  if (j > i && /\w/.test(s[i - 1] ?? "")) return undefined;
  const c = s[j];
  if (c !== '"' && c !== "'") return undefined;
  if (j > i && !/^[rRbB]{1,2}$/.test(s.slice(i, j))) return undefined;
  return s.startsWith(c.repeat(3), j) ? c.repeat(3) : c;
}

function skipString(s: string, i: number, quote: string): number {
  const raw = /[rR]/.test(s.slice(i, s.indexOf(quote, i)));
  let j = s.indexOf(quote, i) + quote.length;
  while (j < s.length) {
    if (!raw && s[j] === "\\") {
      j += 2;
      continue;
    }
    if (s.startsWith(quote, j)) return j + quote.length;
    j++;
  }
  return s.length;
}
