import { CelCompileError, compileCel, fromCel, type CelEnvironment, type CelProgram } from "../lib/cel.js";

/**
 * Texts shown to the agent: plain text with `{{ cel expression }}` placeholders. The result is plain
 * text; the page renders it as text, so nothing here escapes or interprets markup.
 */

export type TemplatePart = { text: string } | { expr: string; offset: number };

export class TemplateError extends Error {
  constructor(
    message: string,
    /** Offset of the problem in the template text. */
    readonly offset: number,
  ) {
    super(message);
    this.name = "TemplateError";
  }
}

/** Splits a template into literal text and expressions; `offset` is where an expression starts in the text. */
export function splitTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    const close = template.indexOf("}}", i);
    if (close >= 0 && (open < 0 || close < open)) throw new TemplateError('"}}" without a "{{" before it', close);
    if (open < 0) {
      parts.push({ text: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ text: template.slice(i, open) });
    const end = template.indexOf("}}", open + 2);
    if (end < 0) throw new TemplateError('"{{" is never closed with "}}"', open);
    const inner = template.slice(open + 2, end);
    const lead = inner.length - inner.trimStart().length;
    if (inner.trim() === "") throw new TemplateError('empty placeholder "{{ }}": put a CEL expression inside', open);
    parts.push({ expr: inner.trim(), offset: open + 2 + lead });
    i = end + 2;
  }
  return parts;
}

export interface CompiledTemplate {
  readonly source: string;
  readonly parts: ReadonlyArray<{ text: string } | { program: CelProgram }>;
}

/** Compiles every placeholder; a CEL error carries the offset inside the whole template text. */
export function compileTemplate(env: CelEnvironment, template: string): CompiledTemplate {
  const parts = splitTemplate(template).map((p) => {
    if ("text" in p) return p;
    try {
      return { program: compileCel(env, p.expr) };
    } catch (err) {
      const inner = err instanceof CelCompileError ? (err.offset ?? 0) : 0;
      throw new TemplateError((err as Error).message, p.offset + inner);
    }
  });
  return { source: template, parts };
}

/** Renders with a context already converted for CEL; throws the CEL runtime error of a failing placeholder. */
export function renderTemplate(t: CompiledTemplate, celContext: Record<string, unknown>): string {
  let out = "";
  for (const p of t.parts) out += "text" in p ? p.text : formatValue(fromCel(p.program.evaluateCel(celContext)));
  return out;
}

/**
 * How values read in a text: whole numbers as they are, other numbers with two decimals (money: "1.80"),
 * lists joined with commas, products by name.
 */
export function formatValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (Array.isArray(v)) return v.map(formatValue).join(", ");
  if (v === null || v === undefined) return "";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.name === "string") return o.name;
    return JSON.stringify(v);
  }
  return String(v);
}
