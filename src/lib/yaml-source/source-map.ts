import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from "yaml";

export interface Position {
  line: number;
  col: number;
}

/** A parsed YAML file that can turn a path inside it into line:column. */
export class SourceMap {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();
  /** Each mapping's pairs by key, built on first use: locating stays linear in the path, not the file. */
  private readonly keyIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // Duplicate keys are found by our own walk (duplicate-keys.ts) so the message can name the digit or
    // node id and the rest of the file is still checked. Merge keys (`<<: *defaults`) are allowed.
    // logLevel "error": the yaml library would otherwise print warnings to stderr; they are reported as
    // diagnostics instead.
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: false, merge: true, prettyErrors: false, logLevel: "error" });
  }

  position(offset: number): Position {
    return this.lines.linePos(offset);
  }

  /** The AST node a path points at (value), or undefined when the path does not exist. */
  nodeAt(path: ReadonlyArray<PropertyKey>): Node | undefined {
    const found = this.walk(path);
    return found.complete ? found.node : undefined;
  }

  /**
   * Where a path points: the value node, or with `key: true` the key of the last segment. A path that does
   * not exist (a missing required field) points at the deepest node that does.
   */
  locate(path: ReadonlyArray<PropertyKey>, opts: { key?: boolean } = {}): Position {
    const { node, keyNode } = this.walk(path);
    const target = opts.key && keyNode ? keyNode : node;
    return this.position(target?.range?.[0] ?? 0);
  }

  /** Position of a character inside a scalar's value (for CEL errors), accounting for quotes and folding. */
  locateInScalar(path: ReadonlyArray<PropertyKey>, offset: number): Position {
    const node = this.nodeAt(path);
    if (!isScalar(node) || !node.range || typeof node.value !== "string") return this.locate(path);
    return this.position(sourceOffset(this.text, node.range[0], node.range[1], node.type, node.value, offset));
  }

  private walk(path: ReadonlyArray<PropertyKey>): { node: Node | undefined; keyNode: Node | undefined; complete: boolean } {
    let node = (this.doc.contents ?? undefined) as Node | undefined;
    let keyNode: Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = this.pairsOf(node).get(String(seg));
        if (!pair) return { node, keyNode, complete: false };
        keyNode = pair.key as Node;
        node = (pair.value ?? pair.key) as Node;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
        keyNode = undefined;
        node = node.items[seg] as Node;
      } else {
        return { node, keyNode, complete: false };
      }
    }
    return { node, keyNode, complete: true };
  }

  private pairsOf(map: YAMLMap): Map<string, Pair> {
    let pairs = this.keyIndex.get(map);
    if (!pairs) {
      pairs = new Map();
      // The last of duplicate keys wins in the parsed value, so point at the last one too.
      for (const p of map.items) if (isPair(p) && isScalar(p.key)) pairs.set(String(p.key.value), p);
      this.keyIndex.set(map, pairs);
    }
    return pairs;
  }
}

/**
 * Maps an offset in a scalar's parsed value to an offset in the file. Quoting, escapes, block indentation
 * and line folding change whitespace and a few escape characters, never the order of the other characters,
 * so the n-th non-blank character of the value is the n-th non-blank character of the source text.
 */
export function sourceOffset(text: string, start: number, end: number, type: string | undefined, value: string, offset: number): number {
  let wanted = 0;
  for (let i = 0; i < Math.min(offset, value.length); i++) if (!/\s/.test(value[i]!)) wanted++;
  const pastEnd = offset >= value.length || /\s/.test(value[offset]!);

  let i = start;
  if (type === "BLOCK_LITERAL" || type === "BLOCK_FOLDED") {
    const eol = text.indexOf("\n", start);
    i = eol < 0 ? end : eol + 1;
  } else if (type === "QUOTE_DOUBLE" || type === "QUOTE_SINGLE") {
    i = start + 1;
  }
  const contentEnd = type === "QUOTE_DOUBLE" || type === "QUOTE_SINGLE" ? end - 1 : end;
  let seen = 0;
  let lastEnd = i;
  while (i < contentEnd) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    // An escape is one character of the value: '' in single quotes, \x in double quotes.
    let width = 1;
    if (type === "QUOTE_SINGLE" && ch === "'" && text[i + 1] === "'") width = 2;
    if (type === "QUOTE_DOUBLE" && ch === "\\") {
      const next = text[i + 1];
      if (next === "n" || next === "t" || next === "r" || next === " ") {
        i += 2; // whitespace in the value: not counted
        continue;
      }
      width = 2;
    }
    if (seen === wanted && !pastEnd) return i;
    seen++;
    i += width;
    lastEnd = i;
    if (seen === wanted && pastEnd) return lastEnd;
  }
  return pastEnd ? lastEnd : start;
}
