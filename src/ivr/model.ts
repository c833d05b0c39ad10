import type { IvrNode } from "./schema.js";

/**
 * The compiled, immutable form of a directory of trees. The loader produces it; the engine only reads it.
 * Node refs are qualified: `<tree>#<node>`, where <tree> is the file name without `.yaml`.
 * Every target inside `node` has been rewritten to a qualified ref at load time.
 */
export type NodeRef = string;

/** What CEL expressions see. `value` only exists inside a gather's `validate`. */
export interface ExprContext {
  customer: Record<string, unknown> | null;
  call: CallInfo;
  vars: Record<string, unknown>;
  value?: string;
}

export interface CompiledExpr {
  readonly source: string;
  evaluate(ctx: ExprContext): unknown;
  /** Same, with the context's values already converted by toCel (see src/lib/cel.ts). */
  evaluateCel(celContext: Record<string, unknown>): unknown;
}

export interface CompiledNode {
  readonly ref: NodeRef;
  readonly tree: string;
  readonly id: string;
  readonly node: IvrNode;
  /** Compiled expressions by field path: "cases.0.when", "expr.total", "validate", "laneExpr", "key". */
  readonly exprs: Readonly<Record<string, CompiledExpr>>;
}

export interface TreeInfo {
  readonly name: string;
  readonly file: string;
  readonly title: string | undefined;
  readonly start: NodeRef;
  readonly vars: Readonly<Record<string, unknown>>;
}

export interface TreeSet {
  /** Content hash of every file in the set: a call is pinned to the version it started on. */
  readonly version: string;
  readonly trees: ReadonlyMap<string, TreeInfo>;
  readonly nodes: ReadonlyMap<NodeRef, CompiledNode>;
}

/** Facts about the call, supplied by whoever drives the engine (the ARI driver, the CLI, a test). */
export interface CallInfo {
  callId: string;
  callerNumber: string;
  callerName?: string;
  did?: string;
  /** Lane hint set outside the IVR (for example a paid upgrade already on the account). */
  [key: string]: unknown;
}
