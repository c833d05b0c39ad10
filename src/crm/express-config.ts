import { z } from "zod";

/**
 * The `express` section of the daemon's config: who is entitled to the express lane without paying in
 * the call (customer tiers), which calendar the subscriptions' dates are read in, and the terms of the
 * one-off upgrade sold in the IVR. The price lives here, never in a tree: the people who set prices do
 * not edit call flows, and a tree cannot quote a price the billing side has not agreed to.
 */

const TIERS = ["standard", "silver", "gold", "platinum"] as const;

/** An IANA zone Node knows (`Europe/Berlin`, `UTC`): the day a subscription starts and ends is a day there. */
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "must be an IANA time zone such as Europe/Berlin or UTC");

/** Whole cents: the price is said as units and cents, and billed exactly as said. */
const price = z
  .number()
  .positive()
  .max(10_000)
  .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6, "must be a price in whole cents, such as 1.99");

export const expressUpgradeConfigSchema = z
  .object({
    /** What one call's upgrade costs, in `currency`; read back to the caller before they agree. */
    price,
    currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR"),
    /** The one key that accepts the charge; any other key, or silence, declines. */
    confirmKey: z.string().regex(/^[0-9*#]$/, "must be one DTMF key (0-9, * or #)").default("1"),
    /** Names the wording the caller heard; recorded with every consent. Change it when the prompts change. */
    promptVersion: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, "must be a short label such as v1 or 2026-03"),
  })
  .strict();

/** The credit note's amount when `express.credit` is not configured. */
export const DEFAULT_CREDIT_AMOUNT = 1;

export const expressCreditConfigSchema = z
  .object({
    /** In the upgrade's currency (else `metrics.currency`); 0 issues no credit notes. */
    amount: z
      .number()
      .min(0)
      .max(10_000)
      .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6, "must be an amount in whole cents, such as 1.00")
      .default(DEFAULT_CREDIT_AMOUNT),
  })
  .strict();

export const expressConfigSchema = z
  .object({
    /** The calendar subscriptions' `from` and `to` dates are days of (both included). */
    timeZone: timeZone.default("UTC"),
    /** Customer tiers that get the express lane as part of their tier. */
    tiers: z.array(z.enum(TIERS)).default([]),
    /** Without it the upgrade is not sold: the tree's purchase node takes its `unavailable` way. */
    upgrade: expressUpgradeConfigSchema.optional(),
    /**
     * The credit note a subscriber (or tier customer) gets when the express lane's promise is broken
     * (answered after the lane's SLA). Without it: DEFAULT_CREDIT_AMOUNT. One-off buyers get their price back.
     */
    credit: expressCreditConfigSchema.optional(),
  })
  .strict();

export type ExpressConfig = z.infer<typeof expressConfigSchema>;
export type ExpressUpgradeConfig = z.infer<typeof expressUpgradeConfigSchema>;

/** No section: nobody is express by tier, subscriptions count in UTC days, no upgrade is sold. */
export const NO_EXPRESS_CONFIG: ExpressConfig = Object.freeze({ timeZone: "UTC", tiers: [] });
