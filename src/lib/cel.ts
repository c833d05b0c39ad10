import { Environment } from "@marcbachmann/cel-js";

/**
 * CEL (Common Expression Language) for tree conditions and offer rules: compiled once at load time,
 * no `eval`, no JavaScript in YAML. Integers cross into CEL as `int` (BigInt) and come back as numbers,
 * so `vars.count + 1` and `customer.credit < 5.0` both behave as admins expect.
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
  const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false });
  for (const [name, type] of Object.entries(variables)) env.registerVariable(name, type);
  return env;
}

export type CelEnvironment = ReturnType<typeof celEnvironment>;

/** First line of the library's message; the rest is an ASCII-art pointer we replace with file:line:col. */
function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

export function compileCel(env: CelEnvironment, source: string, expected?: "bool" | "string"): CelProgram {
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
  return {
    source,
    evaluate: (context) => fromCel(program(toCel(context) as Record<string, unknown>)),
    evaluateCel: (celContext) => fromCel(program(celContext)),
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
