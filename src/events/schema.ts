import { z } from "zod";
import { queueEventSchema } from "../queue/events.js";

/**
 * The site's lifecycle events beside the queue's own (queue/events.ts): what happens to a call outside
 * the queue scripts, on the agent's desk, in the jobs and in a survey. All of them go to the one stream
 * the queue writes (<prefix>{<site>}:events), so metrics/ folds one ordered log. Stream entries are flat
 * strings: numbers are coerced back, an empty string is "not given".
 */
const num = z.coerce.number();
const optional = z
  .string()
  .optional()
  .transform((s) => (s ? s : undefined));
const optionalNum = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s === "" ? undefined : Number(s)))
  .pipe(z.number().finite().optional());

/** How a call ended, as the whole call saw it. */
export const callOutcomeSchema = z.enum(["agent", "abandoned", "timeout", "ivr-hangup", "ivr-ended", "transferred", "fallback", "callback"]);
export type CallOutcome = z.infer<typeof callOutcomeSchema>;

export const offerOutcomeSchema = z.enum(["presented", "interested", "sold", "declined"]);

/** A queued call back's moments: offered in an announcement, accepted, each attempt, and how it ended. */
export const callbackOutcomeSchema = z.enum(["offered", "accepted", "attempt", "completed", "gave-up", "cancelled"]);

/** An appointment's moments: booked, cancelled, moved (by an admin, or by a rebalance), its call back created at its time. */
export const appointmentOutcomeSchema = z.enum(["booked", "cancelled", "moved", "called"]);
export const appointmentKindSchema = z.enum(["express", "standard"]);

export const lifecycleEventSchema = z.discriminatedUnion("type", [
  /** The end of every call, whether or not it reached an agent. `customerId` and `reason` drive first-contact resolution. */
  z.object({
    type: z.literal("call"),
    at: num,
    callId: z.string(),
    tree: optional,
    outcome: callOutcomeSchema,
    durationMs: num,
    customerId: optional,
    reason: optional,
    queue: optional,
    lane: optional,
    agentId: optional,
  }),
  /** An agent's call is closed (disposition given or its grace over): the handle time's talk and hold. */
  z.object({
    type: z.literal("handled"),
    at: num,
    callId: z.string(),
    agentId: z.string(),
    queue: z.string(),
    lane: z.string(),
    talkMs: optionalNum,
    holdMs: optionalNum,
    disposition: z.string(),
    customerId: optional,
    reason: optional,
  }),
  /** An offer shown in a pop, and what the agent marked it. */
  z.object({
    type: z.literal("offer"),
    at: num,
    callId: z.string(),
    agentId: z.string(),
    queue: z.string(),
    lane: z.string(),
    offerId: z.string(),
    outcome: offerOutcomeSchema,
    value: num,
    amount: optionalNum,
  }),
  /** A background job's fate: queued (published), delivered, failed for good. */
  z.object({ type: z.literal("job"), at: num, kind: z.string(), jobId: z.string(), outcome: z.enum(["queued", "delivered", "failed"]), value: optionalNum, queue: optional }),
  /**
   * A queued call back: `attempt` names how the attempt went (`result`); `completed` says whether the
   * customer was first dialled within the time they were told (`promise`: kept or broken).
   */
  z.object({
    type: z.literal("callback"),
    at: num,
    callId: z.string(),
    queue: z.string(),
    outcome: callbackOutcomeSchema,
    result: optional,
    promise: optional,
  }),
  /**
   * An appointment booking (callbacks/): `kind` is the booking's, `slotStart` its slot (ms); `result` says
   * who moved it (`admin`, `rebalance`) or, for `called`, the call back's id.
   */
  z.object({
    type: z.literal("appointment"),
    at: num,
    bookingId: z.string(),
    queue: z.string(),
    outcome: appointmentOutcomeSchema,
    kind: appointmentKindSchema,
    slotStart: num,
    result: optional,
  }),
  /** A caller's answer to the post-call survey. */
  z.object({
    type: z.literal("survey"),
    at: num,
    callId: z.string(),
    score: num,
    scale: num,
    agentId: optional,
    queue: optional,
    lane: optional,
  }),
]);

export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;

/** Any event of the stream: the queue's and the lifecycle's. */
export type SiteEvent = (z.infer<typeof queueEventSchema> | LifecycleEvent) & { id: string };

const QUEUE_TYPES = new Set<string>(queueEventSchema.options.map((o) => o.shape.type.value));

/** One stream entry checked by the zod schemas (the definition; events/parse.ts is the fold's fast reader). */
export function parseSiteEventStrict(id: string, flat: readonly string[]): SiteEvent | undefined {
  const obj: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i]!] = flat[i + 1]!;
  const schema = QUEUE_TYPES.has(obj.type ?? "") ? queueEventSchema : lifecycleEventSchema;
  const parsed = schema.safeParse(obj);
  return parsed.success ? { ...parsed.data, id } : undefined;
}
