import { z } from "zod";
import { agentStateSchema, deviceStateSchema } from "./agent-states.js";
import { MAX_PRIORITY, MIN_PRIORITY } from "./scoring.js";

/**
 * Inputs of the caller-queue interface. Identifiers exclude the characters the Redis encoding uses as
 * separators (| , = : braces), so no caller can forge another key or member.
 */
export const callIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/, "letters, digits and . _ @ + - (at most 128)");
export const agentIdSchema = callIdSchema;
/** Queue, lane and skill names: the identifiers the IVR trees and the config use. */
export const nameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, "lower-case letter, then letters, digits, _ or -");
export const endpointSchema = z.string().regex(/^[A-Za-z]+\/[A-Za-z0-9._@+-]+$/, "an endpoint like PJSIP/1001");
export const skillLevelSchema = z.number().int().min(1).max(100);

/** Skills as a list (level 1) or as name -> level. For callers the level is the minimum required. */
export const skillsSchema = z
  .union([z.array(nameSchema), z.record(nameSchema, skillLevelSchema)])
  .transform((s): Record<string, number> => (Array.isArray(s) ? Object.fromEntries(s.map((n) => [n, 1])) : s));

export const enqueueRequestSchema = z
  .object({
    callId: callIdSchema,
    queue: nameSchema,
    lane: nameSchema,
    skills: skillsSchema.default({}),
    priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY).default(0),
    /** Seconds; after this the caller is timed out by expire() (the IVR goes to onTimeout). */
    maxWait: z.number().positive().max(86_400).optional(),
    /**
     * When the caller first joined (ms, the queue's clock), for a caller put back after Redis lost its
     * data: its score, wait and max-wait deadline count from then, so it gets its old place. Default now.
     */
    joinedAt: z.number().int().positive().optional(),
    /**
     * The moment whose place the caller takes (ms, the queue's clock), its wait counting from now: a caller
     * whose transfer to an agent was not answered goes back to the place of its first join. Default: as joinedAt.
     */
    rankAs: z.number().int().positive().optional(),
  })
  .strict();
export type EnqueueRequest = z.input<typeof enqueueRequestSchema>;

export const agentProfileSchema = z
  .object({
    agentId: agentIdSchema,
    endpoint: endpointSchema,
    skills: skillsSchema.default({}),
    queues: z.array(nameSchema).min(1),
  })
  .strict();
export type AgentProfile = z.input<typeof agentProfileSchema>;

export const agentChangeSchema = z.discriminatedUnion("to", [
  z.object({ to: z.literal("available") }).strict(),
  z.object({ to: z.literal("paused"), reason: z.string().trim().min(1).max(200) }).strict(),
  z.object({ to: z.literal("offline") }).strict(),
  /** The call ended: wrap-up for `seconds` (default: the queue's wrapUp), then available by itself. */
  z.object({ to: z.literal("wrapup"), seconds: z.number().min(0).max(3600).optional() }).strict(),
]);
export type AgentChange = z.input<typeof agentChangeSchema>;

export const requeueOptionsSchema = z
  .object({
    /** What becomes of the agent that did not take the call. */
    agent: z.enum(["available", "paused", "offline"]).default("available"),
    reason: z.string().trim().min(1).max(200).default("no answer"),
  })
  .strict();
export type RequeueOptions = z.input<typeof requeueOptionsSchema>;

export type EnqueueResult =
  | { status: "queued"; position: number; ewtMs: number | null; score: number }
  /** The queue is at maxWaiting. */
  | { status: "full" }
  /** Nobody staffed could take this caller (no agent logged in, or none with the skills). */
  | { status: "empty" };

/** join(): the enqueue's result and the dispatch decision made right after it (null: no match now). */
export type JoinResult = EnqueueResult & { offer: Offer | null };

/** A dispatch decision: ring `endpoint`, then call answered() or requeue(). */
export interface Offer {
  callId: string;
  agentId: string;
  endpoint: string;
  queue: string;
  lane: string;
  waitMs: number;
  /** How many times this caller was offered before and put back. */
  requeues: number;
}

export type CallPosition =
  | { state: "waiting"; queue: string; lane: string; position: number; waitMs: number; ewtMs: number | null }
  | { state: "offered"; queue: string; lane: string; agentId: string; waitMs: number };

export interface WaitingCaller {
  callId: string;
  lane: string;
  laneName: string;
  position: number;
  waitMs: number;
  priority: number;
  skills: Record<string, number>;
  requeues: number;
  ewtMs: number | null;
}

export interface AgentSnapshot {
  agentId: string;
  endpoint: string;
  state: z.infer<typeof agentStateSchema>;
  /** How long in this state. */
  forMs: number;
  device: z.infer<typeof deviceStateSchema>;
  pauseReason?: string;
  skills: Record<string, number>;
  queues: string[];
  /** The call it is ringing for, talking on or wrapping up. */
  callId?: string;
  wrapUpEndsInMs?: number;
  /** Idle time, for available agents (longest idle is offered first). */
  idleMs?: number;
}

export interface LaneSummary {
  lane: string;
  laneName: string;
  waiting: number;
  oldestWaitMs: number;
  sla: { seconds: number; percent: number };
  /** The lane's guarantee: only callers arriving less than this after one of its callers can overtake it. */
  overtakeWindowMs: number;
}

/** What the admin API and wallboard show for one queue. */
export interface QueueStatus {
  queue: string;
  displayName: string;
  at: number;
  waiting: number;
  idleAgents: number;
  staffedAgents: number;
  handleTimeMs: number;
  handled: number;
  lanes: LaneSummary[];
  /** In queue order; at most the `limit` given to status(). */
  callers: WaitingCaller[];
  agents: AgentSnapshot[];
}
