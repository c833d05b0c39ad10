import { Environment } from "@marcbachmann/cel-js";
import { DEFAULT_CEL_BUDGET, instrument, staticProblems, withBudget } from "./cel-guard.js";

export { CelBudgetError, DEFAULT_CEL_BUDGET } from "./cel-guard.js";

/**
 * CEL (Common Expression Language) for tree conditions and offer rules: compiled once at load time,
 * no `eval`, no JavaScript in YAML. Integers cross into CEL as `int` (BigInt) and come back as numbers,
 * so `vars.count + 1` and `customer.credit < 5.0` both behave as admins expect.
 *
 * Bounded (lib/cel-guard.ts): expressions of at most 2,000 syntax nodes, 64 deep; comprehensions nested at
 * most two deep; literal `matches` patterns checked for super-linear shapes; every evaluation has a step
 * budget (past it, CelBudgetError); `matches` runs on RE2 in linear time.
 */

export class CelCompileError extends Error {
  constructor(
    message: string,
    /** Offset of the problem inside the expression text, when known. */
    readonly offset: number | undefined,
  ) {
    super(message);
    this.name = "CelCompileError";
  }
}

export interface CelProgram {
  readonly source: string;
  evaluate(context: object): unknown;
  /** For hot paths that keep their context already converted with toCel (the IVR engine). */
  evaluateCel(celContext: Record<string, unknown>): unknown;
}

/** An environment declaring the variables expressions may use; anything else is a compile error. */
export function celEnvironment(variables: Record<string, "dyn" | "string" | "int" | "double" | "bool" | "map">) {
  const limits = { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 32 };
  const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, limits });
  for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
  return env;
}

export type CelEnvironment = ReturnType<typeof celEnvironment>;

/** First line of the library's message; the rest is an ASCII-art pointer we replace with file:line:col. */
function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

export interface CompileOptions {
  /** Evaluation steps allowed per evaluation (see lib/cel-guard.ts). */
  budget?: number;
}

export function compileCel(env: CelEnvironment, source: string, expected?: "bool" | "string", opts: CompileOptions = {}): CelProgram {
  let program: ReturnType<CelEnvironment["parse"]>;
  try {
    program = env.parse(source);
  } catch (err) {
    const e = err as Error & { node?: { pos?: number } };
    throw new CelCompileError(`CEL syntax error: ${firstLine(e.message)}`, e.node?.pos);
  }
  const check = program.check() as { valid: boolean; type?: string; error?: Error & { node?: { pos?: number } } };
  if (!check.valid) {
    throw new CelCompileError(`CEL error: ${firstLine(check.error?.message ?? "invalid expression")}`, check.error?.node?.pos);
  }
  if (expected && check.type && check.type !== expected && check.type !== "dyn") {
    throw new CelCompileError(`expression gives ${check.type}, expected ${expected}`, 0);
  }
  const ast = (program as unknown as { ast: Parameters<typeof instrument>[0] }).ast;
  const [problem] = staticProblems(ast);
  if (problem) throw new CelCompileError(problem.message, problem.offset);
  instrument(ast);
  const budget = opts.budget ?? DEFAULT_CEL_BUDGET;
  return {
    source,
    evaluate: (context) => withBudget(budget, () => fromCel(program(toCel(context) as Record<string, unknown>))),
    evaluateCel: (celContext) => withBudget(budget, () => fromCel(program(celContext))),
  };
}

/** JS -> CEL values: whole numbers become int. Plain loops: the IVR engine calls this on every decision. */
export function toCel(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toCel(value[i]);
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = toCel((value as Record<string, unknown>)[k]);
  return out;
}

/** CEL -> JS values: ints come back as numbers, maps as plain objects. */
export function fromCel(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
    return out;
  }
  return value;
}
