import { readFileSync } from "node:fs";
import { CelCompileError, compileCel, type CelEnvironment, type CelProgram } from "../lib/cel.js";
import { sortDiagnostics, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { describeIssues, valueName } from "../lib/yaml-source/schema-messages.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { didYouMean } from "../lib/yaml-source/suggest.js";
import { firstLine, syntaxErrors } from "../lib/yaml-source/syntax.js";
import { complexKeyDiagnostics, duplicateKeyDiagnostics } from "../lib/yaml-source/keys.js";
import { CONTEXT_NAMES, celFields, productEnv, ruleEnv } from "./context.js";
import { offersFileSchema, type OfferRule } from "./schema.js";
import { compileTemplate, TemplateError, type CompiledTemplate } from "./template.js";

/** One rule ready to run: the rule as written plus its compiled condition and templates. */
export interface CompiledOffer {
  rule: OfferRule;
  when: CelProgram;
  product: CelProgram | undefined;
  facts: Array<{ when: CelProgram | undefined; text: CompiledTemplate }>;
  pitch: CompiledTemplate;
}

export interface OfferRules {
  file: string;
  currency: string;
  /** In file order; ranking sorts them. */
  offers: CompiledOffer[];
}

export type LoadOffersResult = { ok: true; rules: OfferRules } | { ok: false; diagnostics: Diagnostic[] };

export function loadOffers(path: string): LoadOffersResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
    return { ok: false, diagnostics: [{ file: path, line: 1, col: 1, severity: "error", message: `cannot read the offers file: ${reason}` }] };
  }
  return parseOffers(path, text);
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

const ALL_FIELDS = [...new Set((["Customer", "Product", "Call", "Prepaid", "Period", "HistoryEntry", "HistoryOffer", "PathStep"] as const).flatMap(celFields))];

/** Pure: checks YAML, fields, ids and every CEL expression (placeholders too), reporting each problem where it is. */
export function parseOffers(file: string, text: string): LoadOffersResult {
  const map = new SourceMap(file, text);
  const diagnostics: Diagnostic[] = [];
  const at = (path: PropertyKey[], message: string, opts: { key?: boolean; offset?: number } = {}) =>
    diagnostics.push({
      file,
      ...(opts.offset === undefined ? map.locate(path, { key: opts.key }) : map.locateInScalar(path, opts.offset)),
      severity: "error",
      message,
    });

  diagnostics.push(...syntaxErrors(map));
  if (map.doc.errors.length) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  const complexKeys = complexKeyDiagnostics(map);
  if (complexKeys.length) return { ok: false, diagnostics: complexKeys };
  diagnostics.push(...duplicateKeyDiagnostics(map));

  let raw: unknown;
  try {
    raw = map.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return { ok: false, diagnostics: [{ file, line: 1, col: 1, severity: "error", message: `YAML: ${firstLine((err as Error).message)}` }] };
  }
  if (!isRecord(raw)) {
    at([], raw == null ? "the file is empty: it needs `currency:` and `offers:`" : `the file must be a mapping with \`currency:\` and \`offers:\`, not ${valueName(raw)}`);
    return { ok: false, diagnostics };
  }

  const rawOffers = Array.isArray(raw.offers) ? raw.offers : [];
  const idOf = (i: number) => (isRecord(rawOffers[i]) && typeof rawOffers[i].id === "string" ? rawOffers[i].id : undefined);
  const parsed = offersFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const p of describeIssues(parsed.error.issues, { schema: offersFileSchema, input: raw, base: [] })) at(p.path, nameOffers(p.message, idOf), { key: p.key });
  }

  const compiled: CompiledOffer[] = [];
  const firstById = new Map<string, number>();
  rawOffers.forEach((offer, i) => {
    if (!isRecord(offer)) return;
    const base = ["offers", i];
    const name = idOf(i) === undefined ? `offer ${i + 1}` : `offer "${idOf(i)}"`;
    if (typeof offer.id === "string") {
      const first = firstById.get(offer.id);
      if (first === undefined) firstById.set(offer.id, i);
      else at([...base, "id"], `offer id "${offer.id}" is used twice (first at line ${map.locate(["offers", first, "id"]).line}); ids must be unique`);
    }
    const hasProduct = typeof offer.product === "string";
    const textEnv = hasProduct ? productEnv : ruleEnv;
    const expr = (path: PropertyKey[], source: unknown, env: CelEnvironment, role: string, expected?: "bool") => {
      if (typeof source !== "string" || source.trim() === "") return undefined;
      try {
        return compileCel(env, source, expected);
      } catch (err) {
        const offset = err instanceof CelCompileError ? (err.offset ?? 0) : 0;
        at([...base, ...path], `${role} of ${name}: ${explain((err as Error).message, env === productEnv, hasProduct)}`, { offset });
        return undefined;
      }
    };
    const template = (path: PropertyKey[], source: unknown, role: string) => {
      if (typeof source !== "string") return undefined;
      try {
        return compileTemplate(textEnv, source);
      } catch (err) {
        const t = err as TemplateError;
        at([...base, ...path], `${role} of ${name}: ${explain(t.message, hasProduct, hasProduct)}`, { offset: t.offset ?? 0 });
        return undefined;
      }
    };

    const when = expr(["when"], offer.when, ruleEnv, '"when"', "bool");
    const product = expr(["product"], offer.product, ruleEnv, '"product"');
    if (product) {
      const type = (ruleEnv.check(product.source) as { type?: string }).type;
      if (type !== undefined && type !== "Product" && type !== "dyn") {
        at([...base, "product"], `"product" of ${name} must give one of customer.products (a Product), this expression gives ${type}`);
      }
    }
    const facts = (Array.isArray(offer.facts) ? offer.facts : []).map((f: unknown, j: number) => {
      if (!isRecord(f)) return undefined;
      const cond = f.when === undefined ? undefined : expr(["facts", j, "when"], f.when, textEnv, `"when" of fact ${j + 1}`, "bool");
      const text = template(["facts", j, "text"], f.text, `fact ${j + 1}`);
      return text && (f.when === undefined || cond) ? { when: cond, text } : undefined;
    });
    const pitch = template(["pitch"], offer.pitch, '"pitch"');
    if (parsed.success && when && pitch && (!hasProduct || product) && facts.every((f) => f !== undefined)) {
      compiled.push({ rule: parsed.data.offers[i]!, when, product, facts: facts as CompiledOffer["facts"], pitch });
    }
  });

  if (diagnostics.length || !parsed.success) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  return { ok: true, rules: { file, currency: parsed.data.currency, offers: compiled } };
}

/** `"cap.times" of "offers" item 3` reads better as `"cap.times" of offer "renewal"`. */
function nameOffers(message: string, idOf: (i: number) => string | undefined): string {
  return message.replace(/"offers" item (\d+)/g, (whole, n: string) => {
    const id = idOf(Number(n) - 1);
    return id === undefined ? `offer ${n}` : `offer "${id}"`;
  });
}

/** The CEL library's messages, reworded for admins. */
function explain(message: string, productInScope: boolean, hasProduct: boolean): string {
  const names: string[] = [...CONTEXT_NAMES, ...(productInScope ? ["product"] : [])];
  const unknown = /Unknown variable: ([A-Za-z_]\w*)/.exec(message);
  if (unknown) {
    const n = unknown[1]!;
    const hint = n === "product" && !hasProduct ? " (add a `product:` expression to the offer to use `product` in its facts and pitch)" : didYouMean(n, names);
    return `unknown name "${n}"; expressions can use ${names.join(", ")}${hint}`;
  }
  const key = /No such key: (\w+)/.exec(message);
  if (key) return `unknown field "${key[1]}"${didYouMean(key[1]!, ALL_FIELDS)} (fields are listed in docs/offers.md)`;
  const gives = /^expression gives (\w+), expected bool$/.exec(message);
  if (gives) return `must give true or false (bool), this expression gives ${gives[1]}`;
  if (/Unexpected token: EOF/.test(message)) return "CEL syntax error: the expression ends too early";
  if (/Unexpected character: =$/.test(message)) return 'CEL syntax error: unexpected "=" (compare with ==)';
  return message;
}
