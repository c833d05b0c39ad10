import type { IvrNode } from "./schema.js";

/** A place in a node that names another node, with its path inside the node (for error positions). */
export interface TargetField {
  path: (string | number)[];
  value: string;
}

const SIMPLE_FIELDS = ["next", "onFail", "onError", "onNotFound", "onTimeout", "onEmpty", "onFull", "default", "target"] as const;

/** Every outgoing edge of a node, in a stable order. */
export function targetsOf(node: IvrNode): TargetField[] {
  const out: TargetField[] = [];
  const rec = node as unknown as Record<string, unknown>;
  for (const f of SIMPLE_FIELDS) if (typeof rec[f] === "string") out.push({ path: [f], value: rec[f] as string });
  if (node.type === "branch") node.cases.forEach((c, i) => out.push({ path: ["cases", i, "goto"], value: c.goto }));
  if (node.type === "menu") {
    for (const [digit, opt] of Object.entries(node.options)) {
      out.push(typeof opt === "string" ? { path: ["options", digit], value: opt } : { path: ["options", digit, "goto"], value: opt.goto });
    }
  }
  if (node.type === "menu" || node.type === "gather") {
    if (node.noInput?.goto) out.push({ path: ["noInput", "goto"], value: node.noInput.goto });
    if (node.invalid?.goto) out.push({ path: ["invalid", "goto"], value: node.invalid.goto });
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
