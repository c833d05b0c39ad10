import { z } from "zod";

/**
 * The queued callback ("keep my place"), as rules: when a waiting caller is offered a callback, what they
 * are promised, what happens after each attempt to call them back, and when a kept place may be released
 * to an agent. Pure (no clock, no I/O): the daemon and bench/callbacks.ts run the same functions.
 *
 * The place itself is the queue's: a caller who accepts hangs up and keeps its entry in the queue (same
 * score: original join time and lane). When the entry reaches the front and an agent is free, the agent
 * is rung first, then the customer is dialled. An attempt that does not end in a conversation puts the
 * caller back after `retryDelaySeconds` as of its ORIGINAL join time (the queue's enqueue `joinedAt`), so
 * a callback never jumps ahead of callers who were there first and never falls behind them.
 */

/** Per queue. */
export const callbackSettingsSchema = z
  .object({
    /** false: never offered (the settings are kept). */
    enabled: z.boolean().default(true),
    /**
     * Seconds: a caller is first offered a callback when the queue's expected wait for them (ewt.ts, the
     * same figure the announcement speaks) is above this. Once offered, every later announcement repeats it.
     */
    offerAfterSeconds: z.number().min(0).max(86_400).default(120),
    /** The DTMF key that accepts the offer. */
    key: z.string().regex(/^[0-9*#]$/, "one DTMF key: 0-9, * or #").default("5"),
    /** Attempts to reach the customer (each: agent rung first, then the customer dialled), then give up. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Seconds between an attempt that did not reach the customer and the kept place's return to the queue. */
    retryDelaySeconds: z.number().min(0).max(86_400).default(300),
    /**
     * Seconds, whole minutes: the most the caller is ever told ("within about N minutes"). Without it the
     * quote is the expected wait rounded up to the minute, however long.
     */
    quotedWithinSeconds: z.number().int().min(60).max(86_400).multipleOf(60).optional(),
  })
  .strict();
export type CallbackSettings = z.infer<typeof callbackSettingsSchema>;
export type CallbackSettingsInput = z.input<typeof callbackSettingsSchema>;

const ms = z.number().min(0);
const count = z.number().int().min(0);

export const offerInputSchema = z.object({
  /** The caller's expected wait now (ms); null when nobody is staffed (no estimate, no promise). */
  ewtMs: ms.nullable(),
  settings: callbackSettingsSchema,
  /** This caller has been offered a callback before in this call (and did not take it). */
  alreadyOffered: z.boolean(),
});
export type OfferInput = z.input<typeof offerInputSchema>;

/**
 * Offer a callback at this announcement (at join, and at each announcement after)? Yes when enabled, the
 * expected wait is known and either above `offerAfterSeconds` or this caller was offered before: an
 * option once heard stays open for the rest of the call, rather than vanishing when the estimate dips.
 * Monotone: a longer expected wait never withdraws an offer.
 */
export function shouldOfferCallback(input: OfferInput): boolean {
  const { ewtMs, settings, alreadyOffered } = offerInputSchema.parse(input);
  if (!settings.enabled || ewtMs === null) return false;
  return alreadyOffered || ewtMs > settings.offerAfterSeconds * 1000;
}

/** What the caller is told when accepting: "we'll call you back within about `minutes` minutes". */
export interface CallbackQuote {
  minutes: number;
  /** `minutes` in ms: the promise is kept when the customer is first dialled within this of accepting. */
  withinMs: number;
  /** The cap (quotedWithinSeconds) made the quote shorter than the expected wait. */
  capped: boolean;
}

const MINUTE_MS = 60_000;

/**
 * The quote: the expected wait at the moment of accepting, rounded up to the whole minute (at least one
 * minute), and at most `quotedWithinSeconds` when that is set. The quote is never below the expected wait
 * unless capped, and less than a minute above it.
 */
export function quoteFor(ewtMs: number, settings: CallbackSettings): CallbackQuote {
  const ewt = ms.parse(ewtMs);
  const s = callbackSettingsSchema.parse(settings);
  const rounded = Math.max(1, Math.ceil(ewt / MINUTE_MS));
  const cap = s.quotedWithinSeconds === undefined ? Number.POSITIVE_INFINITY : s.quotedWithinSeconds / 60;
  const minutes = Math.min(rounded, cap);
  return { minutes, withinMs: minutes * MINUTE_MS, capped: minutes < rounded };
}

export const promiseInputSchema = z.object({
  /** When the caller pressed the key (ms, the queue's clock). */
  acceptedAt: ms,
  /** When the customer was first dialled (the agent had picked up); null: never dialled. */
  firstDialAt: ms.nullable(),
  quote: z.object({ withinMs: ms }),
});
export type PromiseInput = z.input<typeof promiseInputSchema>;

/**
 * "Promise kept": the customer's phone was first dialled (after the agent picked up) no later than the
 * quoted time after the caller accepted. Whether the customer then answers is the customer's side: a
 * dial that reaches nobody still kept the promise; a callback never dialled did not.
 */
export function promiseKept(input: PromiseInput): boolean {
  const { acceptedAt, firstDialAt, quote } = promiseInputSchema.parse(input);
  return firstDialAt !== null && firstDialAt >= acceptedAt && firstDialAt - acceptedAt <= quote.withinMs;
}

/** How one attempt ended: the customer answered and pressed the key to be connected, or not. */
export const attemptOutcomeSchema = z.enum(["answered-accepted", "answered-no-key", "busy", "no-answer", "failed"]);
export type AttemptOutcome = z.infer<typeof attemptOutcomeSchema>;

export const attemptInputSchema = z.object({
  outcome: attemptOutcomeSchema,
  /** The attempt that just ended, 1-based. */
  attempt: z.number().int().min(1),
  settings: callbackSettingsSchema,
});
export type AttemptInput = z.input<typeof attemptInputSchema>;

export type AfterAttempt =
  /** Connected: the agent talks to the customer; the callback is over. */
  | { kind: "done" }
  /** Put the kept place back in the queue (original join time and lane) after `delayMs`. */
  | { kind: "retry"; delayMs: number }
  | { kind: "give-up"; reason: string };

const SAID: Record<Exclude<AttemptOutcome, "answered-accepted">, string> = {
  "answered-no-key": "answered without pressing the key",
  busy: "busy",
  "no-answer": "no answer",
  failed: "the dial failed",
};

/**
 * After an attempt: done when the customer answered and accepted; otherwise retried after
 * `retryDelaySeconds` until `maxAttempts` attempts were made, then given up. Every outcome short of a
 * connection counts as one attempt: a customer who answers without pressing the key (voicemail, or not
 * the person) is as unreached as one who does not answer.
 */
export function afterAttempt(input: AttemptInput): AfterAttempt {
  const { outcome, attempt, settings } = attemptInputSchema.parse(input);
  if (outcome === "answered-accepted") return { kind: "done" };
  if (attempt >= settings.maxAttempts) {
    return { kind: "give-up", reason: `${SAID[outcome]} on attempt ${attempt} of ${settings.maxAttempts}` };
  }
  return { kind: "retry", delayMs: Math.round(settings.retryDelaySeconds * 1000) };
}

export const releaseInputSchema = z.object({
  /** Callbacks being dialled now: an agent booked, the customer not yet connected or given up. */
  inProgress: count,
  /** Agents free now, before this release (available, phone reachable). */
  freeAgents: count,
});
export type ReleaseInput = z.input<typeof releaseInputSchema>;

/**
 * May a kept place at the front of the queue be released to a free agent now? Only while fewer callbacks
 * are in progress than agents are free. A release books one free agent for the dial (agent first), so
 * from F free agents and none in progress a burst releases at most ceil(F / 2): dials that may reach
 * nobody never take all the free agents at once. When it says no, the daemon holds: it dispatches nobody
 * placed behind the kept place (which would let them overtake it) until a dial ends or an agent frees up.
 * At high occupancy that idles agents: docs/callbacks-fairness.md measures what it costs.
 */
export function mayRelease(input: ReleaseInput): boolean {
  const { inProgress, freeAgents } = releaseInputSchema.parse(input);
  return inProgress < freeAgents;
}
