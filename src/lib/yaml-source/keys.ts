import { isAlias, isPair, isScalar, visit, type Node } from "yaml";
import type { Diagnostic } from "./diagnostics.js";
import type { SourceMap } from "./source-map.js";

/** Keys that are lists or mappings (`? [a, b]: x`): valid YAML, but no Switchboard file has a use for them. */
export function complexKeyDiagnostics(map: SourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(map.doc, {
    Pair(_key, pair) {
      if (pair.key === null || isScalar(pair.key) || isAlias(pair.key)) return;
      const at = (pair.key as Node).range?.[0] ?? 0;
      out.push({ file: map.file, ...map.position(at), severity: "error", message: "a key must be a plain name or digit, not a list or mapping" });
    },
  });
  return out;
}

/**
 * Keys written twice in one mapping. Parsers silently keep one of them, which for a menu means a digit
 * quietly goes somewhere else than the admin thinks; each repeat is an error naming what repeats.
 */
export function duplicateKeyDiagnostics(map: SourceMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(map.doc, {
    Map(_key, node, ancestry) {
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        if (!isScalar(pair.key) || pair.key.value === "<<") continue;
        const name = String(pair.key.value);
        const first = seen.get(name);
        if (!first) {
          seen.set(name, pair.key);
          continue;
        }
        const firstLine = map.position(first.range?.[0] ?? 0).line;
        out.push({
          file: map.file,
          ...map.position(pair.key.range?.[0] ?? 0),
          severity: "error",
          message: `${describeKey(name, pathOf(ancestry))} (first at line ${firstLine}); only one of them would be used`,
        });
      }
    },
  });
  return out;
}

/** The keys leading to a mapping, read from the visitor's ancestry (documents, maps, pairs, seqs). */
function pathOf(ancestry: ReadonlyArray<unknown>): string[] {
  const path: string[] = [];
  for (const a of ancestry) if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
  return path;
}

function describeKey(name: string, path: string[]): string {
  if (path.length === 0) return `field "${name}" appears twice at the top of the file`;
  if (path.length === 1 && path[0] === "nodes") return `node id "${name}" is used twice`;
  const node = path[0] === "nodes" ? path[1] : undefined;
  if (node && path.length === 3 && path[2] === "options") return `digit "${name}" is used twice in menu "${node}"`;
  if (node && path.length === 2) return `field "${name}" appears twice in node "${node}"`;
  return `key "${name}" appears twice in ${path.join(".")}`;
}
