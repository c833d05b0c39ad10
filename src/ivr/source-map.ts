import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";

/** A parsed YAML file that can turn a path inside it into line:column. */
export class SourceMap {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false });
  }

  position(offset: number): { line: number; col: number } {
    return this.lines.linePos(offset);
  }

  /**
   * Where a path points: the value node, or with `key: true` the key of the last segment. A path that does
   * not exist (a missing required field) points at the deepest node that does.
   */
  locate(path: ReadonlyArray<PropertyKey>, opts: { key?: boolean } = {}): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let keyNode: Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === "number" && node.items[seg]) {
        keyNode = undefined;
        node = node.items[seg];
      } else break;
    }
    const target = (opts.key && keyNode ? keyNode : node) as Node | undefined;
    return this.position(target?.range?.[0] ?? 0);
  }

  /** Position of a character inside a scalar's text (for CEL errors), skipping an opening quote. */
  locateInScalar(path: ReadonlyArray<PropertyKey>, offset: number): { line: number; col: number } {
    const node = this.doc.getIn(path as unknown[], true) as Node | undefined;
    if (!isScalar(node) || !node.range) return this.locate(path);
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" ? 1 : 0;
    if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") return this.locate(path);
    return this.position(node.range[0] + quoted + offset);
  }
}
