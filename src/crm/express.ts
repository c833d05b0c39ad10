import type { ExpressConfig } from "./express-config.js";

/**
 * Who is express, in one place. A caller is entitled to the express lane by a subscription running on
 * the day of the call (dates in the configured time zone, both ends included), by the legacy
 * `express: true` flag (a subscription without dates), by a tier the config names, or by an upgrade
 * bought in this very call. Trees and offers read the outcome as `customer.express` and why as
 * `customer.expressReason`, so no tree repeats the rule.
 */

export interface ExpressStatus {
  express: boolean;
  /** Why, when express: "subscription until 2027-03-01", "tier gold", "upgrade bought in this call". */
  reason?: string;
}

/** The calendar day (YYYY-MM-DD) `now` falls on in `timeZone`. */
export function dayIn(now: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The parts of a customer record the rule reads (customer.ts builds the record's view with it). */
export interface ExpressFacts {
  express: boolean;
  tier: string;
  subscription?: { express?: { from: string; to: string } | undefined } | undefined;
}

export function expressStatus(c: ExpressFacts, rule: Pick<ExpressConfig, "timeZone" | "tiers">, now: Date): ExpressStatus {
  const sub = c.subscription?.express;
  if (sub) {
    // dated subscriptions decide on their own: an expired one is not express, whatever the old flag says
    const today = dayIn(now, rule.timeZone);
    if (sub.from <= today && today <= sub.to) return { express: true, reason: `subscription until ${sub.to}` };
  } else if (c.express) return { express: true, reason: "subscription without an end date" };
  if ((rule.tiers as readonly string[]).includes(c.tier)) return { express: true, reason: `tier ${c.tier}` };
  return { express: false };
}

/** What the caller's record says once they have accepted the one-off upgrade in the IVR. */
export const UPGRADE_GRANT = Object.freeze({ express: true, expressReason: "upgrade bought in this call" });

/**
 * How a price is said with Asterisk's say-prompts: the whole units as `number:`, the currency's word,
 * then the cents as `number:` and their word (left out for a whole price; the units left out below one).
 * The words are the catalogue's `switchboard/currency-<code>` and `switchboard/currency-<code>-cents`.
 */
export function spokenPrice(price: number, currency: string): string[] {
  const cents = Math.round(price * 100);
  const [whole, rest] = [Math.floor(cents / 100), cents % 100];
  const code = currency.toLowerCase();
  return [
    ...(whole > 0 || rest === 0 ? [`number:${whole}`, `sound:switchboard/currency-${code}`] : []),
    ...(rest > 0 ? [`number:${rest}`, `sound:switchboard/currency-${code}-cents`] : []),
  ];
}

/** The currency words `spokenPrice` may play for `currency`. */
export const currencySounds = (currency: string): string[] => [`switchboard/currency-${currency.toLowerCase()}`, `switchboard/currency-${currency.toLowerCase()}-cents`];
