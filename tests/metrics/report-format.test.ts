/** Reports as text: CSV a spreadsheet reads safely, the same columns in the table, JSON as it is. */
import { expect, test } from "vitest";
import { kpisOf } from "../../src/metrics/kpis.js";
import type { Report } from "../../src/metrics/report.js";
import { formatReport } from "../../src/metrics/report-format.js";

const report = (keys: string[]): Report => ({
  from: "2026-12-07T00:00:00.000Z",
  to: "2026-12-08T00:00:00.000Z",
  by: "offer",
  timeZone: "UTC",
  resolution: "interval",
  serviceLevelFormula: "abandons-against",
  rows: keys.map((key, i) => ({ key, kpis: kpisOf({ offered: 4 + i, answered: 3, answeredWithin: 2, "offers.presented": 10, "offers.sold": 1, revenue: 19.9 }, "abandons-against") })),
  total: kpisOf({ offered: 9, answered: 6, answeredWithin: 4 }, "abandons-against"),
});

test("CSV: a header, one line per row and the total; a cell that would run as a formula is shown as text", () => {
  const csv = formatReport(report(["upgrade-pro", "=HYPERLINK(\"x\")", "a,b"]), "csv").trimEnd().split("\n");
  expect(csv[0]).toMatch(/^offer,offered,answered,abandoned,answer rate,ASA s,max wait s,SL \(abandons-against\),SL abandons-against,/);
  expect(csv[1]).toMatch(/^upgrade-pro,4,3,0,75\.0%,/);
  expect(csv[2]).toMatch(/^"'=HYPERLINK\(""x""\)",5,/);
  expect(csv[3]).toMatch(/^"a,b",6,/);
  expect(csv[4]).toMatch(/^total,9,6,0,66\.7%,/);
  expect(csv).toHaveLength(5);
});

test("table: one block per row with every column; empty ratios shown as '-'", () => {
  const table = formatReport(report(["upgrade-pro"]), "table");
  expect(table).toMatch(/^Report 2026-12-07T00:00:00.000Z \.\. 2026-12-08T00:00:00.000Z \(UTC\), by offer, from 15-minute intervals/);
  expect(table).toMatch(/offer: upgrade-pro\n {2}offered +4\n/);
  expect(table).toMatch(/ {2}conversion +10\.0%/);
  expect(table).toMatch(/ {2}revenue +19\.90/);
  expect(table).toMatch(/ {2}FCR +-/);
  expect(JSON.parse(formatReport(report(["x"]), "json")).rows[0].kpis.offered).toBe(4);
});
