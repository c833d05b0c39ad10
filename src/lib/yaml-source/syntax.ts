import type { Diagnostic } from "./diagnostics.js";
import type { SourceMap } from "./source-map.js";

/** The yaml library's message without its trailing "at line 3, column 5" (the diagnostic carries the place). */
export function firstLine(message: string): string {
  return message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function syntaxMessage(code: string, message: string): string {
  switch (code) {
    case "TAB_AS_INDENT":
      return "YAML syntax error: a tab is used for indentation; indent with spaces";
    case "MULTIPLE_DOCS":
      return "YAML syntax error: the file holds more than one document (`---`); one file is one document";
    default:
      return `YAML syntax error: ${firstLine(message)}`;
  }
}

/** The document's syntax errors, each at its place; a file with any of them is not read further. */
export function syntaxErrors(map: SourceMap): Diagnostic[] {
  return map.doc.errors.map((e) => ({ file: map.file, ...map.position(e.pos[0]), severity: "error", message: syntaxMessage(e.code, e.message) }));
}

/** The yaml library's warnings (e.g. an unknown tag), kept as warnings. */
export function syntaxWarnings(map: SourceMap): Diagnostic[] {
  return map.doc.warnings.map((w) => ({ file: map.file, ...map.position(w.pos[0]), severity: "warning", message: `YAML: ${firstLine(w.message)}` }));
}
