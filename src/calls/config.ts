import { z } from "zod";

/** How the daemon handles live calls: queue hand-off timings and where a call goes when all else fails. */
export const callsConfigSchema = z
  .object({
    /** Seconds an agent's phone rings before the caller goes back to the queue (at the same place). */
    ringTimeout: z.number().positive().max(300).default(15),
    /**
     * Seconds the target of a tree's `transfer: { endpoint }` rings before the caller is sent to
     * `fallback` (as when it is busy or unreachable).
     */
    transferTimeout: z.number().int().positive().max(300).default(30),
    /** What becomes of an agent who let a call ring out. */
    noAnswer: z.enum(["available", "paused", "offline"]).default("paused"),
    /**
     * Seconds a caller whose enqueue Redis refuses (full, unreachable) waits with music while it is tried
     * again every second, before it goes to `fallback`.
     */
    enqueueRetryFor: z.number().positive().max(3600).default(120),
    /** Seconds between position / expected-wait announcements while a caller waits (0: only at join). */
    announceEvery: z.number().min(0).max(3600).default(45),
    /** Music-on-hold class while queued. */
    mohClass: z.string().min(1).default("default"),
    /** Seconds between dispatch and max-wait sweeps (the safety net behind event-driven dispatch). */
    sweepInterval: z.number().positive().max(60).default(1),
    /** Seconds between AMI channel reconciliations that end calls whose hangup was missed (0: only when AMI connects). */
    reconcileInterval: z.number().min(0).max(3600).default(60),
    /**
     * Seconds between the checks for what a stopped daemon left behind: agents the queue holds ringing or
     * on a call that no daemon's session explains (released at the second check in a row), history entries
     * whose disposition grace is over.
     */
    recoveryInterval: z.number().positive().max(3600).default(30),
    /** Dialplan target for calls the IVR cannot handle (unknown tree, engine error, lost session). */
    fallback: z
      .object({ context: z.string().min(1), extension: z.string().min(1).default("s"), priority: z.number().int().min(1).default(1) })
      .strict()
      .default({ context: "switchboard-fallback", extension: "s", priority: 1 }),
    /** Announcement prompts: position and expected wait are spoken with `number:` between these. */
    prompts: z
      .object({
        position: z.string().default("sound:queue-thereare"),
        callersAhead: z.string().default("sound:queue-callswaiting"),
        waitAbout: z.string().default("sound:queue-holdtime"),
        minutes: z.string().default("sound:queue-minutes"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type CallsConfig = z.infer<typeof callsConfigSchema>;
