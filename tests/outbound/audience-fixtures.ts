import { customerSchema, type Customer, type HistoryEntry } from "../../src/crm/customer.js";

/** The audience tests' data: the issue's example condition and a hand-made set of customers around it. */

export const NOW = new Date("2026-06-15T12:00:00Z");
export const DAY = 86_400_000;
export const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

/** The example: technical support on Pro 4.x in the last 30 days (the window), has not bought 5.0. */
export const EXAMPLE = `calls.exists(c, c.reason == "technical support")
  && customer.products.exists(p, p.sku == "PRO" && p.version.startsWith("4."))
  && !customer.products.exists(p, p.sku == "PRO" && p.version.startsWith("5."))
  && !history.exists(h, h.offers.exists(o, o.offer == "pro-5-upgrade" && o.outcome == "sold"))`;

export const pro = (version: string) => ({ sku: "PRO", name: "Pro", version, currentVersion: "5.0" });
export const call = (at: string, reason: string, more: Partial<HistoryEntry> = {}): HistoryEntry => ({ at, reason, queue: "support", lane: "standard", agent: "1001", disposition: "resolved", ...more });
let phone = 5552000;
export const customer = (id: string, products: object[], history: HistoryEntry[], more: object = {}): Customer =>
  customerSchema.parse({ id, name: `Customer ${id}`, phones: [String(phone++)], products, history, ...more });

/** Hand-made: who the example selects, and every way of just missing it. */
export const HAND_MADE: Customer[] = [
  customer("a1-match", [pro("4.2")], [call(ago(3 * DAY), "technical support")]),
  customer("a2-edge-in", [pro("4.0")], [call(ago(30 * DAY), "technical support")]),
  customer("a3-edge-out", [pro("4.1")], [call(ago(30 * DAY + 1000), "technical support")]),
  customer("a4-wrong-reason", [pro("4.2")], [call(ago(2 * DAY), "billing")]),
  customer("a5-owns-5", [pro("4.2"), pro("5.0")], [call(ago(4 * DAY), "technical support")]),
  customer("a6-bought-5-before", [pro("4.2")], [call(ago(5 * DAY), "technical support"), call(ago(60 * DAY), "new order", { offers: [{ offer: "pro-5-upgrade", outcome: "sold", amount: 49 }] })]),
  customer("a7-declined-5", [pro("4.2")], [call(ago(6 * DAY), "technical support", { offers: [{ offer: "pro-5-upgrade", outcome: "declined" }] })]),
  customer("a8-other-product", [{ sku: "HOME-HUB", name: "Home Hub", version: "4.0" }], [call(ago(1 * DAY), "technical support")]),
  customer("a9-pro-14", [pro("14.0")], [call(ago(1 * DAY), "technical support")]),
  customer("a10-no-calls", [pro("4.2")], []),
  customer("a11-future-call", [pro("4.3")], [call(new Date(NOW.getTime() + 3_600_000).toISOString(), "technical support")]),
];
export const EXAMPLE_MATCHES = ["a1-match", "a11-future-call", "a2-edge-in", "a7-declined-5"];

