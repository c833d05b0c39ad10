import type { RankedOffer } from "./ranked.js";

/** The order a web shopper left in their cart (a web lead's call back carries it). */
export interface Cart {
  items: ReadonlyArray<{ sku: string; name: string; quantity: number; price: number }>;
  value: number;
  currency: string;
}

/** The cart's offer id: one per call, whatever the cart holds. */
export const CART_OFFER_ID = "web-cart";

/**
 * A web lead's own offer: the order left in the cart, to close on the call. It comes first in the pop,
 * whether or not the shopper is a known customer: without it a shopper the CRM does not know would get a
 * pop with nothing the agent could mark sold, and their lead could never be converted from the desk.
 */
export function cartOffer(cart: Cart): RankedOffer {
  const items = cart.items.map((i) => `${i.quantity} x ${i.name} (${i.sku}) at ${i.price.toFixed(2)} ${cart.currency}`);
  return {
    id: CART_OFFER_ID,
    title: "The order left in the web shop",
    kind: "sell-in-call",
    value: cart.value,
    currency: cart.currency,
    priority: Number.MAX_SAFE_INTEGER,
    facts: [`${cart.items.length} item${cart.items.length === 1 ? "" : "s"} in the cart, ${cart.value.toFixed(2)} ${cart.currency} in all`, ...items.slice(0, 5)],
    pitch: "Ask whether anything held them back, answer it, and offer to complete the order now.",
  };
}
