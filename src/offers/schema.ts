import { z } from "zod";

/**
 * The offers rules file (config/offers.yaml) as written by an admin. Conditions are CEL over `customer`,
 * `call` and `vars` (docs/offers.md); texts are templates with `{{ cel expression }}` placeholders.
 * Every mapping is strict: a misspelt field is an error, not a silently ignored line.
 */

export const OFFER_ID = /^[a-z][a-z0-9-]*$/;
const cel = (what: string) => z.string().regex(/\S/, "must not be empty").describe(what);

export const factSchema = z
  .object({
    /** Show this fact only when the condition holds (for example only for outdated products). */
    when: cel("CEL condition (bool)").optional(),
    text: z.string().min(1).describe("template: plain text with {{ cel expression }} placeholders"),
  })
  .strict();

export const capSchema = z
  .object({
    /** At most this many presentations to one customer... */
    times: z.number().int().min(1),
    /** ...within this many days. */
    days: z.number().int().min(1).max(3650),
  })
  .strict();

export const offerRuleSchema = z
  .object({
    id: z.string().regex(OFFER_ID, "must be lower-case letters, digits and -, starting with a letter"),
    title: z.string().min(1),
    kind: z.enum(["sell-in-call", "lead-to-sales"]),
    when: cel("CEL condition (bool)"),
    /** Picks the product the offer is about; facts and pitch then read it as `product`. */
    product: cel("CEL expression giving one of customer.products").optional(),
    facts: z.array(factSchema).min(1),
    pitch: z.string().min(1),
    /** Expected revenue, in the file's currency. */
    value: z.number().min(0),
    /** Higher is shown first; equal priorities are ordered by value. */
    priority: z.number().int(),
    cap: capSchema,
  })
  .strict();

export const offersFileSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter currency code like EUR"),
    offers: z.array(offerRuleSchema).min(1),
  })
  .strict();

export type OffersFile = z.infer<typeof offersFileSchema>;
export type OfferRule = z.infer<typeof offerRuleSchema>;
export type OfferFact = z.infer<typeof factSchema>;
export type OfferCap = z.infer<typeof capSchema>;
