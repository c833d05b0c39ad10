import { z } from "zod";

/**
 * How the login endpoint slows password guessing (the scheme is in docs/agent-desktop.md, "Logging in").
 * Every attempt is counted in Redis before its password is hashed, so parallel guesses and several
 * daemons share one count; the config root holds it as `cti.login`.
 */

/** Exponential backoff: `free` failures without delay, then `delay` seconds, doubled each further failure, at most `maxDelay`. */
const backoffSchema = z
  .object({
    free: z.number().int().min(1).max(1000),
    delay: z.number().positive().max(3600),
    maxDelay: z.number().positive().max(86_400),
  })
  .strict()
  .refine((b) => b.maxDelay >= b.delay, { message: "maxDelay must be at least delay", path: ["maxDelay"] });
export type Backoff = z.infer<typeof backoffSchema>;

export const loginConfigSchema = z
  .object({
    /** Seconds without a failure after which a count is forgotten. */
    window: z.number().int().min(1).max(86_400).default(900),
    /** Failed logins from one client address (any agent id, known or not) before the address is refused for `window`. */
    addressFailures: z.number().int().min(1).max(100_000).default(50),
    /** One agent id from one address: the attacker's own series, which grows long. */
    agentAddress: backoffSchema.default({ free: 3, delay: 2, maxDelay: 900 }),
    /**
     * One agent id from every address that has not logged in as that agent before: a gentle cap, so that
     * guesses spread over many addresses slow down, and an agent logging in from a new place waits at most
     * `maxDelay`. Addresses the agent has logged in from are not held back by it.
     */
    agent: backoffSchema.default({ free: 10, delay: 1, maxDelay: 60 }),
    /** Days an address the agent logged in from stays known. */
    knownAddressDays: z.number().positive().max(365).default(30),
    /** Passwords hashed at once by this daemon, and logins waiting for that; more are refused at once (429, busy). */
    hashing: z
      .object({ concurrent: z.number().int().min(1).max(64).default(2), queued: z.number().int().min(0).max(10_000).default(16) })
      .strict()
      .prefault({}),
  })
  .strict();
export type LoginConfig = z.infer<typeof loginConfigSchema>;
