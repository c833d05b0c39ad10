import { z } from "zod";
import type { ExpressConfig } from "../crm/express-config.js";
import { spokenPrice, UPGRADE_GRANT } from "../crm/express.js";
import { normalizePhone } from "../crm/store.js";
import type { CallState, EngineAction, SaleTerms } from "../ivr/engine/index.js";
import type { ExpressUpgradePayload } from "../jobs/index.js";

/**
 * The express upgrade as the call driver sells it: the terms a call gets from the config when it starts,
 * the consent the driver keeps in the call's session when the caller accepts, and the billing job made
 * from it. Pure: no clock (times are passed in), no I/O.
 */

export type PurchaseAction = Extract<EngineAction, { type: "purchase" }>;

/** What calls may buy, from the config: nothing without `express.upgrade`. */
export function saleTerms(config: ExpressConfig): Record<string, SaleTerms> | undefined {
  const u = config.upgrade;
  if (!u) return undefined;
  const terms: SaleTerms = {
    price: u.price,
    currency: u.currency,
    confirmKey: u.confirmKey,
    promptVersion: u.promptVersion,
    priceMedia: spokenPrice(u.price, u.currency),
    grants: { ...UPGRADE_GRANT },
  };
  return { "express-upgrade": terms };
}

/**
 * Whether billing can reach the caller. A withheld number cannot: billing could not tell whom to charge,
 * so such a call gets no terms and the tree's purchase node takes its `unavailable` way rather than take
 * a consent it cannot bill.
 */
export const billable = (callerNumber: string): boolean => normalizePhone(callerNumber) !== "";

/** What a call from `callerNumber` may buy. */
export function saleTermsFor(config: ExpressConfig, callerNumber: string): Record<string, SaleTerms> | undefined {
  return billable(callerNumber) ? saleTerms(config) : undefined;
}

/** The caller's consent, as evidence: what they heard (price, wording), what they pressed, when and where. */
export const consentSchema = z.object({
  product: z.string(),
  price: z.number(),
  currency: z.string(),
  digits: z.string(),
  promptVersion: z.string(),
  /** When the confirm key came (ms since the epoch). */
  at: z.number(),
  callId: z.string(),
  tree: z.string(),
  node: z.string(),
  customer: z.object({ id: z.string().optional(), name: z.string().optional(), phone: z.string() }),
  /** When the billing job was handed to the job queue; absent until then. */
  publishedAt: z.number().optional(),
});
export type Consent = z.infer<typeof consentSchema>;

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The consent for `a`, the purchase action of a step of the call in `state`. */
export function consentOf(callId: string, state: CallState, a: PurchaseAction, at: number): Consent {
  const [tree, node] = a.node.split("#") as [string, string];
  const id = text(state.customer?.id);
  const name = text(state.customer?.name);
  return {
    product: a.product,
    price: a.price,
    currency: a.currency,
    digits: a.digits,
    promptVersion: a.promptVersion,
    at,
    callId,
    tree,
    node,
    customer: { ...(id ? { id } : {}), ...(name ? { name } : {}), phone: state.call.callerNumber },
  };
}

/** The billing job: one per call (the call id is the idempotency key), so a consent published twice bills once. */
export function upgradePayload(c: Consent): ExpressUpgradePayload {
  return {
    idempotencyKey: c.callId,
    occurredAt: new Date(c.at).toISOString(),
    callId: c.callId,
    customer: c.customer,
    price: c.price,
    currency: c.currency,
    consent: { digits: c.digits, promptVersion: c.promptVersion, tree: c.tree, node: c.node },
  };
}
