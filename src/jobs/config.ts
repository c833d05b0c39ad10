import { z } from "zod";

/**
 * One receiving endpoint. The HMAC secret is never written in the config file: `secretEnv` names the
 * environment variable that holds it, read when a delivery is signed.
 */
export const webhookSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name"),
    /** Bound on one POST, connect to last byte; a timeout counts as a retryable failure. */
    timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  })
  .strict();

export const jobsConfigSchema = z
  .object({
    /**
     * Where each kind goes: leads to sales, sales, express-upgrade billing and express-credit refunds/credit notes to billing/CRM, history
     * write-back to the CRM, appointment reminders and moves to the service that tells customers (SMS, e-mail).
     * A missing entry leaves that kind's jobs waiting until one is configured.
     */
    webhooks: z
      .object({ leads: webhookSchema.optional(), sales: webhookSchema.optional(), history: webhookSchema.optional(), notifications: webhookSchema.optional() })
      .strict()
      .default({}),
    /** Deliveries tried per job before it lands in the failed list (retryable from the admin API). */
    attempts: z.number().int().min(1).max(1000).default(12),
    backoff: z
      .object({
        type: z.literal("exponential").default("exponential"),
        /** Wait before the 2nd attempt; doubles with each further attempt... */
        delayMs: z.number().int().min(1).default(1000),
        /** ...up to this. */
        maxDelayMs: z.number().int().min(1).default(300_000),
      })
      .strict()
      .prefault({}),
    /** Deliveries in flight at once, per kind. */
    concurrency: z.number().int().min(1).max(100).default(4),
    /** Failed jobs kept per kind for inspection and retry; older ones are dropped beyond this count. */
    keepFailed: z.number().int().min(1).default(1000),
    /**
     * How long a delivered job (and so its idempotency key) is remembered: publishing the same key again
     * within this time is a no-op. Defaults to 7 days.
     */
    keepCompletedSeconds: z.number().int().min(1).default(7 * 86_400),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.backoff.maxDelayMs < c.backoff.delayMs) {
      ctx.addIssue({ code: "custom", path: ["backoff", "maxDelayMs"], message: "must be at least backoff.delayMs" });
    }
  });

export type JobsConfig = z.infer<typeof jobsConfigSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
