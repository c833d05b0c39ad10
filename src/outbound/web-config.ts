import { z } from "zod";
import { QUEUE_ID } from "../queue/config.js";

/**
 * The `outbound.webLeads` section: the web shop's signed `POST /api/web/leads` (docs/outbound-web-leads.md).
 * Without the section the route is not mounted. The file never holds the secret: `secretEnv` names the
 * environment variable with it, as the webhooks' `secretEnv` does (jobs/config.ts).
 */

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name");

export const webLeadsConfigSchema = z
  .object({
    /** The HMAC secret shared with the shop (`openssl rand -hex 32`). */
    secretEnv: envName,
    /** The secret before a rotation, accepted as well until it is removed (the shop switches when it likes). */
    previousSecretEnv: envName.optional(),
    /**
     * A signed request is accepted while its `t` is within this many seconds of our clock, either way. The
     * eventId is remembered far longer (`keepDays`), so a copy replayed inside the window creates nothing.
     */
    toleranceSeconds: z.number().int().min(30).max(3_600).default(300),
    /** The agents' queue that calls the leads (a configured queue): a dialable lead joins it as a call back at once. */
    agentQueue: z.string().regex(QUEUE_ID, "lower-case letters, digits, _ and -, starting with a letter").default("support"),
    /** The lead store's own list the leads are kept in, by score and time (lead-store.ts). */
    queue: z.string().regex(QUEUE_ID, "lower-case letters, digits, _ and -, starting with a letter").default("web-leads"),
    /** The site whose hash tag the lead keys carry (as a queue's `site`). */
    site: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes").default("main"),
    /** Larger bodies are refused with 413 before they are read to the end; a real cart is a few kB. */
    maxBodyBytes: z.number().int().min(1_024).max(1_048_576).default(65_536),
    /** How long a lead (and so its eventId: idempotency) is kept in Redis. Always far above the tolerance. */
    keepDays: z.number().int().min(1).max(400).default(30),
    /** A lead not dialled this long after it became due is expired: a day-old abandoned cart is cold. */
    expireAfterMinutes: z.number().int().min(5).max(43_200).default(1_440),
    /**
     * Order in the queue: the lead waits as if it had arrived this many seconds earlier per score point
     * (score 100 with 3 s: five minutes ahead), the caller queue's head start applied to leads.
     */
    headStartSecondsPerPoint: z.number().min(0).max(600).default(3),
    /** A cart worth this much (in its own currency) earns the full value points of the score (lead-score.ts). */
    fullValue: z.number().positive().default(1_000),
    /** Per client address, in this daemon: a token bucket refilled at `perMinute`, holding `burst`. */
    rateLimit: z
      .object({ perMinute: z.number().int().min(1).max(100_000).default(120), burst: z.number().int().min(1).max(10_000).default(30) })
      .strict()
      .prefault({}),
  })
  .strict();

export type WebLeadsConfig = z.infer<typeof webLeadsConfigSchema>;
export type WebLeadsConfigInput = z.input<typeof webLeadsConfigSchema>;
