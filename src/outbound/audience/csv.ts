import type { AudienceMember } from "./schema.js";

/**
 * An audience as CSV (pure): one row per customer, RFC 4180 quoting. Cells come from CRM data (a name
 * such as `=HYPERLINK(...)`), so a cell a spreadsheet would run as a formula gets a leading ' as in
 * metrics/report-format.ts; a cell of digits and phone punctuation only (`+1 555-1001`) is left alone,
 * since with no letters there is nothing to call and a dialer importing the file needs the number as is.
 */

export const CSV_COLUMNS = ["id", "name", "phone", "other phones", "email", "language", "tier", "calls", "last call"] as const;

export function csvCell(s: string): string {
  const risky = /^[=+\-@\t\r]/.test(s) && !/^[+-]?[\d\s().-]+$/.test(s);
  const safe = risky ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvRow(m: AudienceMember): string {
  const cells = [m.id, m.name, m.phones[0] ?? "", m.phones.slice(1).join(" "), m.email ?? "", m.language, m.tier, String(m.calls), m.lastCall ?? ""];
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export const csvHeader = (): string => `${CSV_COLUMNS.join(",")}\r\n`;

/** The header, then the rows in chunks of about `chunk` rows (fewer, larger writes). */
export async function* csvChunks(members: AsyncIterable<AudienceMember>, chunk = 500): AsyncGenerator<string> {
  yield csvHeader();
  let rows: string[] = [];
  for await (const m of members) {
    rows.push(csvRow(m));
    if (rows.length >= chunk) {
      yield rows.join("");
      rows = [];
    }
  }
  if (rows.length) yield rows.join("");
}
