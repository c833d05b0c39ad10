import { z } from "zod";
import { callbackSettingsSchema, type CallbackSettings } from "../callbacks/policy.js";

/**
 * Queued call backs ("keep my place", docs/callbacks.md): when they are offered and retried (the policy's
 * settings), how the customer is dialled and what they hear.
 */
export const callbackDialSchema = callbackSettingsSchema.extend({
  /** How a customer's number is dialled: `{number}` is replaced (a trunk endpoint, e.g. PJSIP/{number}@customers). */
  dial: z.string().regex(/^[A-Za-z]+\/\S*\{number\}\S*$/, "a dial string with {number}, e.g. PJSIP/{number}@customers").default("PJSIP/{number}@customers"),
  /** The caller id the customer sees. */
  callerId: z.string().min(1).default('"Switchboard" <800>'),
  /** Seconds the customer's phone rings before the attempt counts as not answered. */
  answerTimeout: z.number().int().min(5).max(120).default(30),
  /** The key the customer presses to be put through to the agent. */
  acceptKey: z.string().regex(/^[0-9*#]$/).default("1"),
  /** Seconds after the greeting for that key; then the attempt counts as answered without the key. */
  acceptTimeout: z.number().min(1).max(60).default(8),
  prompts: z
    .object({
      /** Appended to an announcement once a call back is offered, then the key is said. */
      offer: z.string().default("sound:switchboard/callback-keep-place"),
      /** What the customer hears on answering, before pressing the key. */
      greeting: z.string().default("sound:switchboard/callback-greeting"),
      /** What the agent hears while the customer is dialled. */
      dialing: z.string().default("sound:switchboard/callback-dialing"),
    })
    .strict()
    .prefault({}),
});
export type CallbackDialConfig = z.infer<typeof callbackDialSchema>;

/** The policy's part of the call-back config (callbacks/policy.ts takes exactly its own settings). */
export function callbackPolicy(c: CallbackDialConfig): CallbackSettings {
  const { enabled, offerAfterSeconds, key, maxAttempts, retryDelaySeconds, quotedWithinSeconds } = c;
  return { enabled, offerAfterSeconds, key, maxAttempts, retryDelaySeconds, ...(quotedWithinSeconds === undefined ? {} : { quotedWithinSeconds }) };
}

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
    /** Queued call backs; offered only to callers whose tree's queue node has `onCallback`. */
    callbacks: callbackDialSchema.prefault({}),
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
