import { CelCompileError, compileCel, type CelProgram } from "../../lib/cel.js";
import { didYouMean } from "../../lib/yaml-source/suggest.js";
import { AUDIENCE_NAMES, audienceEnvironment, audienceFields, type AudienceName, type UsedFields } from "./context.js";
import { analyse, type Need } from "./prefilter.js";
import { MAX_CONDITION_CHARS, sinceMs } from "./schema.js";

/** A condition that does not compile: the reason, and where in the condition (1-based line and column). */
export class AudienceConditionError extends Error {
  readonly line: number;
  readonly col: number;

  constructor(
    message: string,
    readonly condition: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "AudienceConditionError";
    const before = condition.slice(0, Math.max(0, Math.min(offset, condition.length)));
    this.line = before.split("\n").length;
    this.col = before.length - before.lastIndexOf("\n");
  }

  /** `condition:1:17: error: ...`, as `switchboard validate` reports a tree's problem. */
  format(name = "condition"): string {
    return `${name}:${this.line}:${this.col}: error: ${this.message}`;
  }

  /** The condition's line with a caret under the place, for a terminal. */
  pointer(): string {
    const text = this.condition.split("\n")[this.line - 1] ?? "";
    return `  ${text}\n  ${" ".repeat(this.col - 1)}^`;
  }
}

export interface CompiledAudience {
  condition: string;
  since: string;
  /** How far back `calls` reaches, in ms (Infinity for "all"). */
  sinceMs: number;
  program: CelProgram;
  /** What a customer's calls must have for the condition to hold (the pre-filter). */
  need: Need;
  /** The names the condition reads: a run builds only those. */
  uses: ReadonlySet<AudienceName>;
  /** The field names it reads (undefined: cannot tell, all): objects are built with only these. */
  fields: UsedFields;
}

// One environment for all audiences: declaring the types is the costly part, and it never changes.
let env: ReturnType<typeof audienceEnvironment> | undefined;
const ALL_FIELDS = [...new Set((["Customer", "Product", "Call", "CallOffer", "Credit", "Prepaid", "Period"] as const).flatMap(audienceFields))];

/** Checks and compiles a condition; throws AudienceConditionError (or a plain Error for a bad `since`). */
export function compileAudience(condition: string, since = "30d"): CompiledAudience {
  const window = sinceMs(since);
  if (condition.length > MAX_CONDITION_CHARS) {
    throw new AudienceConditionError(`the condition has ${condition.length.toLocaleString("en")} characters; at most ${MAX_CONDITION_CHARS.toLocaleString("en")}`, condition, MAX_CONDITION_CHARS);
  }
  if (condition.trim() === "") throw new AudienceConditionError("the condition is empty: write a CEL expression giving true or false", condition, 0);
  env ??= audienceEnvironment();
  let program: CelProgram;
  try {
    program = compileCel(env, condition, "bool");
  } catch (err) {
    const offset = err instanceof CelCompileError ? (err.offset ?? 0) : 0;
    throw new AudienceConditionError(explain((err as Error).message), condition, offset);
  }
  // compileCel has parsed and checked the same text: this cannot fail
  const ast = (env.parse(condition) as unknown as { ast: Parameters<typeof analyse>[0] }).ast;
  return { condition, since, sinceMs: window, program, need: analyse(ast, condition), uses: namesUsed(condition), fields: fieldsUsed(ast) };
}

interface Node {
  op: string;
  args: unknown;
}

/**
 * Every field name the condition can read: those after a `.`, and every text literal (`c["reason"]`
 * reads a field too). An index that is not a literal could be any field: then all of them.
 */
function fieldsUsed(root: Node): UsedFields {
  const out = new Set<string>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (n !== null && typeof n === "object" && typeof (n as Node).op === "string") {
      const { op, args } = n as Node;
      if (op === "value") {
        if (typeof args === "string") out.add(args);
        continue;
      }
      if (op === "id") continue;
      if (op === "." || op === ".?") out.add((args as [Node, string])[1]);
      if ((op === "[]" || op === "[?]") && (args as [Node, Node])[1].op !== "value") return undefined;
      stack.push(args);
    }
  }
  return out;
}

/** The context names the condition mentions outside string literals (a name too many only costs time). */
function namesUsed(condition: string): Set<AudienceName> {
  const code = condition.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  return new Set(AUDIENCE_NAMES.filter((n) => new RegExp(`(^|[^\\w.])${n}\\b`).test(code)));
}

/** The CEL library's messages, reworded for admins. */
function explain(message: string): string {
  const unknown = /Unknown variable: ([A-Za-z_]\w*)/.exec(message);
  if (unknown) {
    const n = unknown[1]!;
    return `unknown name "${n}"; conditions can use ${AUDIENCE_NAMES.join(", ")}${didYouMean(n, AUDIENCE_NAMES)}`;
  }
  const key = /No such key: (\w+)/.exec(message);
  if (key) {
    const f = key[1]!;
    const hint = f === "history" ? " (a customer's calls are `calls`, within `since`, and `history`, all of them)" : didYouMean(f, ALL_FIELDS);
    return `unknown field "${f}"${hint} (fields are listed in docs/outbound-audiences.md)`;
  }
  const gives = /^expression gives (\S+), expected bool$/.exec(message);
  if (gives) return `the condition must give true or false (bool), this one gives ${gives[1]}`;
  if (/google\.protobuf\.Timestamp \S+ (int|double|string)|(int|double|string) \S+ google\.protobuf\.Timestamp/.test(message)) {
    return `${message}: compare a call's "at" with a time (now - duration("720h"), timestamp("2026-01-31T00:00:00Z")), or use c.daysAgo <= 30`;
  }
  if (/Unexpected token: EOF|got EOF/.test(message)) return "CEL syntax error: the condition ends too early";
  if (/Unexpected character: =$/.test(message)) return 'CEL syntax error: unexpected "=" (compare with ==)';
  return message;
}
