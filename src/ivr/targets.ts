import type { IvrNode } from "./schema.js";

/** A place in a node that names another node, with its path inside the node (for error positions). */
export interface TargetField {
  path: (string | number)[];
  value: string;
}

const SIMPLE_FIELDS = ["next", "onFail", "onError", "onNotFound", "onTimeout", "onEmpty", "onFull", "afterAgent", "onCallback", "default", "target", "open", "closed", "declined", "unavailable"] as const;

/** Every outgoing edge of a node, in a stable order. */
export function targetsOf(node: IvrNode): TargetField[] {
  return targetsOfRaw(node);
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The same edges read from a node that may not have passed the schema: whatever looks like a target is
 * one. The loader uses this so that one broken node does not make every goto into it look dangling, and
 * so that reachability still sees the edges of nodes that have other mistakes.
 */
export function targetsOfRaw(node: unknown): TargetField[] {
  const out: TargetField[] = [];
  if (!isRecord(node)) return out;
  for (const f of SIMPLE_FIELDS) if (typeof node[f] === "string") out.push({ path: [f], value: node[f] });
  if (Array.isArray(node.cases)) {
    node.cases.forEach((c: unknown, i) => {
      if (isRecord(c) && typeof c.goto === "string") out.push({ path: ["cases", i, "goto"], value: c.goto });
    });
  }
  if (isRecord(node.options)) {
    for (const [digit, opt] of Object.entries(node.options)) {
      if (typeof opt === "string") out.push({ path: ["options", digit], value: opt });
      else if (isRecord(opt) && typeof opt.goto === "string") out.push({ path: ["options", digit, "goto"], value: opt.goto });
    }
  }
  for (const retry of ["noInput", "invalid"] as const) {
    const r = node[retry];
    if (isRecord(r) && typeof r.goto === "string") out.push({ path: [retry, "goto"], value: r.goto });
  }
  return out;
}

/** A copy of the node with every target passed through `map` (used to qualify refs at load time). */
export function mapTargets(node: IvrNode, map: (target: string) => string): IvrNode {
  const copy = structuredClone(node) as unknown as Record<string, unknown>;
  for (const { path } of targetsOf(node)) {
    let parent: Record<string | number, unknown> = copy;
    for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    parent[last] = map(parent[last] as string);
  }
  return copy as unknown as IvrNode;
}

/** Splits `other.yaml#node` into its file and node; a plain id has no file. */
export function splitTarget(target: string): { file: string | undefined; node: string } {
  const hash = target.indexOf("#");
  return hash < 0 ? { file: undefined, node: target } : { file: target.slice(0, hash), node: target.slice(hash + 1) };
}
