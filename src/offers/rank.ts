import { renderTemplate } from "./template.js";
import { isCelProduct, toCelContext, type OfferContext } from "./context.js";
import type { CompiledOffer, OfferRules } from "./load.js";
import type { RankedOffer } from "./ranked.js";

/**
 * Decides which offers fit a caller, in the order the agent should see them. Pure and synchronous: the
 * caller supplies how often each offer was already presented (OfferCaps.used), so ranking runs while the
 * caller is still in the IVR and the pop has nothing left to compute.
 */

export type SkipReason =
  | { reason: "condition-false" }
  | { reason: "capped"; used: number; times: number; days: number }
  | { reason: "error"; message: string }
  | { reason: "over-limit"; limit: number };

export type SkippedOffer = { id: string; title: string } & SkipReason;

export interface RankOptions {
  /** Presentations per offer id within that offer's cap window; missing ids count 0. */
  capsUsed: Readonly<Record<string, number>>;
  /** Keep at most this many offers (the pop shows the top few). */
  limit?: number;
}

export interface Evaluation {
  offers: RankedOffer[];
  /** Every offer that did not make it, with why: for `switchboard offers` and logs. */
  skipped: SkippedOffer[];
}

export function evaluateOffers(rules: OfferRules, context: OfferContext, opts: RankOptions): Evaluation {
  const cel = toCelContext(context);
  const fitting: RankedOffer[] = [];
  const skipped: SkippedOffer[] = [];
  for (const offer of rules.offers) {
    const { id, title, cap } = offer.rule;
    const used = opts.capsUsed[id] ?? 0;
    // A capped offer is not even evaluated: it cannot be shown, whatever the customer looks like.
    if (used >= cap.times) {
      skipped.push({ id, title, reason: "capped", used, times: cap.times, days: cap.days });
      continue;
    }
    const outcome = evaluateOne(offer, cel, rules.currency);
    if ("reason" in outcome) skipped.push({ id, title, ...outcome });
    else fitting.push(outcome);
  }
  // Stable sort: equal priority and value keep file order, so the admin controls ties.
  fitting.sort((a, b) => b.priority - a.priority || b.value - a.value);
  const limit = opts.limit ?? Infinity;
  for (const o of fitting.slice(limit)) skipped.push({ id: o.id, title: o.title, reason: "over-limit", limit });
  return { offers: fitting.slice(0, limit), skipped };
}

/** The ranked offers only: what the screen-pop carries. */
export function rankOffers(rules: OfferRules, context: OfferContext, opts: RankOptions): RankedOffer[] {
  return evaluateOffers(rules, context, opts).offers;
}

/** A CEL runtime error (a missing field, an empty list indexed) means the offer does not fit this caller. */
function evaluateOne(offer: CompiledOffer, cel: Record<string, unknown>, currency: string): RankedOffer | SkipReason {
  const { rule } = offer;
  try {
    if (offer.when.evaluateCel(cel) !== true) return { reason: "condition-false" };
    let scope = cel;
    if (offer.product) {
      const product = offer.product.evaluateCel(cel);
      if (!isCelProduct(product)) return { reason: "error", message: '"product" did not give one of customer.products' };
      scope = { ...cel, product };
    }
    const facts: string[] = [];
    for (const f of offer.facts) if (!f.when || f.when.evaluateCel(scope) === true) facts.push(renderTemplate(f.text, scope));
    return { id: rule.id, title: rule.title, kind: rule.kind, value: rule.value, currency, priority: rule.priority, facts, pitch: renderTemplate(offer.pitch, scope) };
  } catch (err) {
    return { reason: "error", message: (err as Error).message.split("\n")[0]! };
  }
}
