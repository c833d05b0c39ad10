// Measures the source tree's shape: file lengths, function lengths and the import graph.
// Used by tests/structure/structure.test.ts so the house stays easy to read as capabilities land.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export interface SourceFile { path: string; lines: number; text: string; }
export interface FunctionSpan { path: string; name: string; line: number; lines: number; }
export interface ImportEdge { from: string; to: string; typeOnly: boolean; }

export function sourceFiles(root: string, dir = "src"): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(join(root, d), { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        const text = readFileSync(join(root, p), "utf8");
        out.push({ path: p, lines: text.split("\n").length - (text.endsWith("\n") ? 1 : 0), text });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function parse(file: SourceFile): ts.SourceFile {
  return ts.createSourceFile(file.path, file.text, ts.ScriptTarget.ES2022, true);
}

function nameOf(node: ts.Node): string {
  const named = node as { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "(anonymous)";
}

export function functionSpans(file: SourceFile): FunctionSpan[] {
  const sf = parse(file);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ path: file.path, name: nameOf(node), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return spans;
}

/** Relative imports between files of the tree, resolved to their .ts sources. */
export function importEdges(root: string, files: SourceFile[]): ImportEdge[] {
  const known = new Set(files.map((f) => f.path));
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const sf = parse(file);
    for (const stmt of sf.statements) {
      if (!(ts.isImportDeclaration(stmt) || ts.isExportDeclaration(stmt)) || !stmt.moduleSpecifier) continue;
      const spec = (stmt.moduleSpecifier as ts.StringLiteral).text;
      if (!spec.startsWith(".")) continue;
      const abs = resolve(root, dirname(file.path), spec);
      const candidates = [abs.replace(/\.js$/, ".ts"), abs, `${abs}.ts`, join(abs, "index.ts")];
      const hit = candidates.map((c) => relative(root, c)).find((c) => known.has(c));
      if (!hit) continue;
      const typeOnly = ts.isImportDeclaration(stmt)
        ? Boolean(stmt.importClause?.isTypeOnly) ||
          Boolean(stmt.importClause?.namedBindings && ts.isNamedImports(stmt.importClause.namedBindings) &&
            !stmt.importClause.name && stmt.importClause.namedBindings.elements.length > 0 &&
            stmt.importClause.namedBindings.elements.every((e) => e.isTypeOnly))
        : stmt.isTypeOnly;
      edges.push({ from: file.path, to: hit, typeOnly });
    }
  }
  return edges;
}

/** Strongly connected components of more than one file (Tarjan), i.e. import cycles. */
export function importCycles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); group.push(w); } while (w !== v);
      if (group.length > 1) cycles.push(group.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) strong(v);
  return cycles;
}
