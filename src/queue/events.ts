import type { Cluster, Redis } from "ioredis";
import { z } from "zod";
import { agentStateSchema, deviceStateSchema } from "./agent-states.js";

/**
 * The site's event stream (<prefix>{<site>}:events): one entry per transition, appended by the same
 * script that makes it, so the stream and the queue never disagree. Raw material for KPIs (metrics/).
 *
 * Agent moves that a queue operation makes are carried by that operation's event: offered => ringing,
 * answered => oncall, requeued => `agentTo`, abandoned/timeout with an agentId => available again.
 * `agent` events cover everything else (login, pause, call end, wrap-up, logoff).
 */
const num = z.coerce.number();
const optional = z
  .string()
  .optional()
  .transform((s) => (s ? s : undefined));
const callBase = { at: num, queue: z.string(), lane: z.string(), callId: z.string() };

export const queueEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("joined"), ...callBase, position: num, score: num }),
  z.object({ type: z.literal("refused"), ...callBase, reason: z.enum(["empty", "full"]) }),
  z.object({ type: z.literal("offered"), ...callBase, agentId: z.string(), waitMs: num, requeues: num }),
  z.object({ type: z.literal("answered"), ...callBase, agentId: z.string(), waitMs: num, ringMs: num, requeues: num }),
  z.object({
    type: z.literal("requeued"),
    ...callBase,
    agentId: z.string(),
    agentTo: z.enum(["available", "paused", "offline"]),
    reason: z.string(),
    position: num,
    waitMs: num,
  }),
  z.object({ type: z.literal("abandoned"), ...callBase, agentId: optional, waitMs: num }),
  z.object({ type: z.literal("timeout"), ...callBase, agentId: optional, waitMs: num }),
  /** The caller left the queue with an appointment booked instead of waiting on (not abandoned). */
  z.object({ type: z.literal("scheduled"), ...callBase, agentId: optional, waitMs: num }),
  z.object({
    type: z.literal("agent"),
    at: num,
    agentId: z.string(),
    from: agentStateSchema,
    to: agentStateSchema,
    reason: optional,
    queues: z.string().transform((s) => (s ? s.split(",") : [])),
  }),
  z.object({ type: z.literal("device"), at: num, agentId: z.string(), endpoint: z.string(), from: deviceStateSchema, to: deviceStateSchema }),
]);

export type QueueEvent = z.infer<typeof queueEventSchema> & { id: string };
export type QueueEventType = QueueEvent["type"];

/** One stream entry ([id, [field, value, ...]]) as a typed event; throws on an entry of unknown shape. */
export function parseEvent(id: string, flat: readonly string[]): QueueEvent {
  const obj: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i]!] = flat[i + 1]!;
  const parsed = queueEventSchema.safeParse(obj);
  if (!parsed.success) throw new Error(`queue event ${id} has an unexpected shape: ${z.prettifyError(parsed.error)}`);
  return { ...parsed.data, id };
}

const QUEUE_TYPES = new Set<string>(queueEventSchema.options.map((o) => o.shape.type.value));

/**
 * Reads the queue's events after a stream id ("0" from the start), oldest first. The stream is the site's:
 * entries other capabilities append (calls, offers, surveys: events/schema.ts) are passed over.
 */
export async function readEvents(
  redis: Redis | Cluster,
  streamKey: string,
  opts: { after?: string; count?: number } = {},
): Promise<QueueEvent[]> {
  const start = opts.after && opts.after !== "0" ? `(${opts.after}` : "-";
  const entries = await redis.xrange(streamKey, start, "+", "COUNT", opts.count ?? 1000);
  return entries.filter(([, fields]) => QUEUE_TYPES.has(fields[fields.indexOf("type") + 1] ?? "")).map(([id, fields]) => parseEvent(id, fields));
}
