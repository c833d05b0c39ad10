import { z } from "zod";
import { complianceConfigSchema } from "./config.js";
import { webLeadsConfigSchema } from "./web-config.js";

/** The `outbound` section (docs/outbound.md): compliance for every call Switchboard places, web leads, campaigns. */
export const outboundConfigSchema = z
  .object({
    compliance: complianceConfigSchema.prefault({}),
    /** The web shop's signed leads (`POST /api/web/leads`); without it the route is not served. */
    webLeads: webLeadsConfigSchema.optional(),
    campaigns: z
      .object({
        /** Seconds between the feeder's rounds (members join the queue as agents free up). */
        tickSeconds: z.number().min(0.2).max(300).default(5),
      })
      .strict()
      .prefault({}),
    /** Dispositions that put the customer's number on the do-not-call list (an agent's "do not call"). */
    dncDispositions: z.array(z.string().min(1)).default(["do-not-call"]),
  })
  .strict();
export type OutboundConfig = z.infer<typeof outboundConfigSchema>;
