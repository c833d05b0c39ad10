/**
 * What one synthetic caller does, fully resolved (no distributions left): the shape the control API
 * accepts for `POST /calls` and the scenario runner produces for each arrival.
 */
import { z } from "zod";

const seconds = z.number().finite().nonnegative();
export const dtmfDigits = z.string().regex(/^[0-9A-D*#]{1,32}$/, "DTMF digits: 0-9, A-D, * and # (1 to 32)");
export const phoneNumber = z.string().regex(/^\+?[0-9*#]{1,32}$/, "a phone number: digits, optionally a leading +");

/** Press `press` `after` seconds after the call was answered. */
export const timedDtmfSchema = z.strictObject({ after: seconds, press: dtmfDigits });

/**
 * When the channel starts hearing `prompt` (a media URI such as `sound:switchboard/main-menu`), press
 * a key `after` seconds later: `press` (with `probability`, default 1) or one of `choices` (the
 * probabilities may leave a remainder: then nothing is pressed). Fires every time the prompt starts.
 */
export const promptRuleSchema = z
  .strictObject({
    prompt: z.string().min(1),
    after: seconds.default(0),
    press: dtmfDigits.optional(),
    probability: z.number().min(0).max(1).optional(),
    choices: z.array(z.strictObject({ press: dtmfDigits, probability: z.number().min(0).max(1) })).min(1).optional(),
  })
  .refine((r) => (r.press === undefined) !== (r.choices === undefined), { message: "give either press or choices" })
  .refine((r) => r.choices === undefined || r.probability === undefined, { message: "probability goes with press; choices carry their own" })
  .refine((r) => (r.choices ?? []).reduce((s, c) => s + c.probability, 0) <= 1 + 1e-9, { message: "choices: probabilities add up to more than 1" });

export const patienceSchema = z.strictObject({
  /** Hang up after this many seconds without reaching an agent, counted from dialing. */
  total: seconds.optional(),
  /** Hang up after this many seconds on hold (music on hold, a holding bridge or a Queue()). */
  onHold: seconds.optional(),
});

export const callerSpecSchema = z.strictObject({
  /** Caller id number, e.g. 5551001 (a demo customer) or any unknown number. */
  caller: phoneNumber,
  callerName: z.string().max(80).regex(/^[^"<>\r\n]*$/, "no quotes, angle brackets or line breaks").default(""),
  /** The DID dialed: the extension in the inbound context (800 main line, 801 retention, ...). */
  did: z.string().regex(/^[0-9*#+]{1,32}$/, "a DID: digits"),
  dtmf: z.array(timedDtmfSchema).default([]),
  prompts: z.array(promptRuleSchema).default([]),
  patience: patienceSchema.default({}),
  /** Hang up this many seconds after dialing, whatever happens. */
  hangupAfter: seconds.optional(),
  /** Once bridged with an agent, hang up after this many seconds (otherwise the agent ends the call). */
  talkTime: seconds.optional(),
  /** Label only: the scenario drew this caller as taking the express lane. */
  express: z.boolean().default(false),
  /** Seed for the caller's own random choices (prompt rules with probabilities). */
  seed: z.number().int().nonnegative().optional(),
});

export type CallerSpec = z.infer<typeof callerSpecSchema>;
export type CallerSpecInput = z.input<typeof callerSpecSchema>;
export type PromptRule = z.infer<typeof promptRuleSchema>;
export type TimedDtmf = z.infer<typeof timedDtmfSchema>;
