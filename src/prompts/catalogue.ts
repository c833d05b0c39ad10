import { readFileSync } from "node:fs";
import { sortDiagnostics, type Diagnostic } from "../lib/yaml-source/diagnostics.js";
import { complexKeyDiagnostics, duplicateKeyDiagnostics } from "../lib/yaml-source/keys.js";
import { describeIssues, valueName, type PlaceNames } from "../lib/yaml-source/schema-messages.js";
import { SourceMap } from "../lib/yaml-source/source-map.js";
import { firstLine, syntaxErrors } from "../lib/yaml-source/syntax.js";
import { catalogueSchema, type Catalogue } from "./catalogue-schema.js";

export type CatalogueResult = { ok: true; catalogue: Catalogue } | { ok: false; diagnostics: Diagnostic[] };

/** The catalogue speaks of prompts and their texts, not of fields. */
const cataloguePlaces: PlaceNames = {
  subject(path) {
    if (path.length === 0) return "the file";
    const prompt = `prompt "${String(path[0])}"`;
    return path.length === 1 ? prompt : `the "${String(path[1])}" text of ${prompt}`;
  },
  badKey(path) {
    const key = String(path.at(-1));
    if (path.length === 2) return `language "${key}" of prompt "${String(path[0])}" must be an Asterisk language code such as en, de or en_GB`;
    const ext = /^(.*)\.(wav|gsm|ulaw|alaw|sln\d*|g722|mp3|ogg)$/i.exec(key);
    if (ext) return `sound name "${key}" must not carry an extension: Asterisk picks the file format itself (write ${ext[1]})`;
    return undefined;
  },
};

export function loadCatalogue(file: string): CatalogueResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
    return { ok: false, diagnostics: [{ file, line: 1, col: 1, severity: "error", message: `cannot read the prompt catalogue: ${reason}` }] };
  }
  return parseCatalogue(file, text);
}

/** Pure: checks the YAML and every prompt, reporting each problem at its file:line:col. */
export function parseCatalogue(file: string, text: string): CatalogueResult {
  const map = new SourceMap(file, text);
  const syntax = syntaxErrors(map);
  if (syntax.length) return { ok: false, diagnostics: syntax };
  const complexKeys = complexKeyDiagnostics(map);
  if (complexKeys.length) return { ok: false, diagnostics: complexKeys };
  // the shared check speaks of fields; at the top of this file they are prompts
  const diagnostics = duplicateKeyDiagnostics(map).map((d) => ({ ...d, message: d.message.replace(/^field (".*") appears twice at the top of the file/, "prompt $1 is written twice") }));

  let raw: unknown;
  try {
    raw = map.doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (err) {
    return { ok: false, diagnostics: [{ file, line: 1, col: 1, severity: "error", message: `YAML: ${firstLine((err as Error).message)}` }] };
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    const message = `the catalogue must be a mapping of sound names to texts (switchboard/welcome: { en: "..." }), not ${valueName(raw)}`;
    return { ok: false, diagnostics: [{ file, ...map.locate([]), severity: "error", message }] };
  }
  const parsed = catalogueSchema.safeParse(raw);
  if (!parsed.success) {
    for (const p of describeIssues(parsed.error.issues, { schema: catalogueSchema, input: raw, base: [], places: cataloguePlaces })) {
      diagnostics.push({ file, ...map.locate(p.path, { key: p.key }), severity: "error", message: p.message });
    }
  }
  if (diagnostics.length || !parsed.success) return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  return { ok: true, catalogue: parsed.data };
}
