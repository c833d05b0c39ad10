import { z } from "zod";
import { secretRef } from "../lib/secret-ref.js";
import { SL_FORMULAS } from "./service-level.js";

/** The `metrics` section: how events are folded into KPIs, kept and shown (docs/kpis.md). */
export const metricsConfigSchema = z
  .object({
    /** IANA time zone of the site's days (reports by day, "today" on the wallboard). */
    timeZone: z
      .string()
      .default("UTC")
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, "not an IANA time zone such as Europe/Berlin"),
    /** Which service-level formula the wallboard and the report's `serviceLevel` use; reports show all of them. */
    serviceLevelFormula: z.enum(Object.keys(SL_FORMULAS) as [keyof typeof SL_FORMULAS, ...(keyof typeof SL_FORMULAS)[]]).default("abandons-against"),
    /** Seconds: a caller who hangs up sooner is a short abandon (a misdial, not a lost customer). */
    shortAbandonSeconds: z.number().min(0).max(600).default(5),
    /** Days within which a second contact by the same customer about the same reason counts against first-contact resolution. */
    fcrWindowDays: z.number().positive().max(90).default(7),
    /** A survey answer at or above this share of the scale counts as satisfied (4 of 5 with 0.8). */
    csatSatisfiedShare: z.number().gt(0).max(1).default(0.8),
    /** Currency of the revenue figures (offers and upgrades are summed as given). */
    currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code such as EUR").default("EUR"),
    retention: z
      .object({
        /** Days the 15-minute aggregates are kept. */
        intervalDays: z.number().int().min(1).max(400).default(35),
        /** Days the daily aggregates are kept. */
        dayDays: z.number().int().min(1).max(3660).default(400),
      })
      .strict()
      .prefault({}),
    prometheus: z
      .object({
        /** Serve /metrics. */
        enabled: z.boolean().default(true),
        /** Bearer token Prometheus sends; without the variable set, /metrics answers 503 (never open). */
        token: secretRef.default({ env: "SWITCHBOARD_METRICS_TOKEN" }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MetricsConfig = z.infer<typeof metricsConfigSchema>;
