/** A problem found in a YAML file (a tree, the offers, the customers), pointing at the exact place an admin has to edit. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: "error" | "warning";
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** What a file says, as a message repeats it: at most `max` characters, cut in the middle of a long one. */
export function clip(text: string, max = 80): string {
  if (text.length <= max) return text;
  const keep = max - 20;
  return `${text.slice(0, keep)}... (${(text.length - keep).toLocaleString("en")} more characters)`;
}
