import type { CustomerView } from "../crm/customer.js";
import { offerCallSchema, type OfferContext } from "../offers/context.js";
import type { OfferRules } from "../offers/load.js";
import { rankOffers } from "../offers/rank.js";
import type { RankedOffer } from "../offers/ranked.js";
import type { WebLead } from "./web-lead.js";

/**
 * How much a web lead is worth calling first (pure: no clock, no I/O; docs/outbound-web-leads.md, "Score").
 * An integer 0-100, the sum of four parts:
 *
 *   value     0-40  40 * min(1, ln(1 + cart value) / ln(1 + fullValue)): a log scale, so a 50 EUR cart
 *                   still counts next to a 2,000 EUR one, and anything from `fullValue` up is full marks
 *   intent    5|15  "call-me" 15 (the customer asked for the call), "abandoned-cart" 5
 *   customer  0-30  known to the CRM 5; tier silver 4, gold 8, platinum 12; express 5; bought from an
 *                   agent before (a history offer "sold") 5; 1 per product owned, up to 3
 *   offers    0-15  any offer fits 5, plus 10 * min(1, best fitting offer's value / fullValue)
 *
 * Values are taken as they are in their own currencies (no exchange rates): a site sells in one.
 */

export const TIER_POINTS: Readonly<Record<string, number>> = { standard: 0, silver: 4, gold: 8, platinum: 12 };

export interface ScoreInput {
  kind: WebLead["kind"];
  /** The cart's value; undefined for a "call me" without a cart. */
  cartValue?: number;
  /** The CRM record found by the lead's phone, enriched (crm/lookup); undefined for an unknown customer. */
  customer?: CustomerView;
  /** The offers that fit the customer (fittingOffers), best first. */
  offers: readonly RankedOffer[];
}

export interface LeadScore {
  score: number;
  parts: { value: number; intent: number; customer: number; offers: number };
}

const clamp01 = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const round1 = (x: number): number => Math.round(x * 10) / 10;

export function valuePoints(value: number | undefined, fullValue: number): number {
  if (value === undefined || value <= 0) return 0;
  return 40 * clamp01(Math.log1p(value) / Math.log1p(fullValue));
}

export function customerPoints(c: CustomerView | undefined): number {
  if (!c) return 0;
  const soldBefore = c.history.some((h) => h.offers?.some((o) => o.outcome === "sold"));
  return 5 + (TIER_POINTS[c.tier] ?? 0) + (c.express ? 5 : 0) + (soldBefore ? 5 : 0) + Math.min(3, c.products.length);
}

export function offerPoints(offers: readonly RankedOffer[], fullValue: number): number {
  if (offers.length === 0) return 0;
  const best = Math.max(...offers.map((o) => o.value));
  return 5 + 10 * clamp01(best / fullValue);
}

/** The score and its parts (parts to one decimal, for the admin view; the score rounded from their exact sum). */
export function scoreLead(input: ScoreInput, opts: { fullValue: number }): LeadScore {
  const value = valuePoints(input.cartValue, opts.fullValue);
  const intent = input.kind === "call-me" ? 15 : 5;
  const customer = customerPoints(input.customer);
  const offers = offerPoints(input.offers, opts.fullValue);
  const score = Math.min(100, Math.max(0, Math.round(value + intent + customer + offers)));
  return { score, parts: { value: round1(value), intent, customer, offers: round1(offers) } };
}

export interface FitOptions {
  /** Presentations per offer within its cap window (offers/caps OfferCaps.used); missing ids count 0. */
  capsUsed?: Readonly<Record<string, number>>;
  /** Offers kept (the pop shows the top few). */
  limit?: number;
}

/**
 * The offer rules applied to a record without a call: `call` is the lead's number and otherwise empty (so
 * rules on the IVR's reason or path simply do not fit), and `vars` says where the lead came from, for rules
 * written for web leads: `vars.channel == "web" && vars.cartValue > 500`.
 */
export function fittingOffers(rules: OfferRules, customer: CustomerView, lead: { kind: WebLead["kind"]; phone: string; cart?: WebLead["cart"] }, opts: FitOptions = {}): RankedOffer[] {
  const context: OfferContext = {
    customer,
    call: offerCallSchema.parse({ callerNumber: lead.phone }),
    vars: {
      channel: "web",
      leadKind: lead.kind,
      cartValue: lead.cart?.value ?? 0,
      cartSkus: lead.cart?.items.map((i) => i.sku) ?? [],
    },
  };
  return rankOffers(rules, context, { capsUsed: opts.capsUsed ?? {}, ...(opts.limit !== undefined && { limit: opts.limit }) });
}
