import { z } from "zod";

/** The offers the screen-pop shows: the rules file and how many offers one pop carries at most. */
export const offersConfigSchema = z
  .object({
    rules: z.string().min(1).default("config/offers.yaml"),
    limit: z.number().int().min(1).max(10).default(3),
  })
  .strict();
export type OffersConfig = z.infer<typeof offersConfigSchema>;
