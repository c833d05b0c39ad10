import { z } from "zod";

/**
 * One offer as the agent's screen-pop receives it: already decided, ranked and
 * rendered to plain text (the page shows facts and pitch as text, never HTML).
 */
export const rankedOfferSchema = z
  .object({
    id: z.string().min(1),
    title: z.string().min(1),
    /** sell-in-call: the agent closes it now; lead-to-sales: the agent hands a lead to sales. */
    kind: z.enum(["sell-in-call", "lead-to-sales"]),
    /** Expected revenue of the offer, in `currency`. */
    value: z.number().nonnegative(),
    currency: z.string().min(1),
    /** Higher comes first. */
    priority: z.number().int(),
    /** Why this offer fits this caller, e.g. "Pro 4.2 installed, 5.0 current". */
    facts: z.array(z.string()),
    pitch: z.string(),
  })
  .strict();

export type RankedOffer = z.infer<typeof rankedOfferSchema>;
