import { z } from "zod";

/**
 * What the wallboard shows, as one snapshot: per queue and lane the live state (waiting callers, longest
 * wait, agents by state, agents needed vs staffed) beside today's KPIs and the last hours in 15-minute
 * intervals; revenue today. Built by metrics/wallboard.ts from the queue and the folded aggregates.
 */
const ratio = z.number().min(0).max(1).nullable();

export const agentCountsSchema = z.object({
  available: z.number().int().min(0),
  ringing: z.number().int().min(0),
  oncall: z.number().int().min(0),
  wrapup: z.number().int().min(0),
  paused: z.number().int().min(0),
  offline: z.number().int().min(0),
});

export const intervalPointSchema = z.object({
  /** Start of the 15-minute interval, epoch ms. */
  start: z.number(),
  offered: z.number().int().min(0),
  answered: z.number().int().min(0),
  abandoned: z.number().int().min(0),
  serviceLevel: ratio,
});

export const laneBoardSchema = z.object({
  lane: z.string(),
  displayName: z.string(),
  waiting: z.number().int().min(0),
  longestWaitMs: z.number().min(0),
  sla: z.object({ seconds: z.number(), percent: z.number() }),
  offeredToday: z.number().int().min(0),
  /** Today's service level by the configured formula; null before the first call. */
  serviceLevelToday: ratio,
});

export const queueBoardSchema = z.object({
  queue: z.string(),
  displayName: z.string(),
  waiting: z.number().int().min(0),
  longestWaitMs: z.number().min(0),
  agents: agentCountsSchema,
  /** Agents working the queue now (not paused or offline). */
  staffed: z.number().int().min(0),
  /** Agents the last intervals' load needs on the phones (Erlang C against the strictest lane target); null without load. */
  needed: z.number().int().min(0).nullable(),
  today: z.object({
    offered: z.number().int().min(0),
    answered: z.number().int().min(0),
    abandoned: z.number().int().min(0),
    abandonRate: ratio,
    asaMs: z.number().min(0).nullable(),
    serviceLevel: ratio,
    /** The sold lane today (docs/kpis.md, "Express"): callers, promise kept, credits, and what it cost standard callers. */
    express: z.object({
      offered: z.number().int().min(0),
      promiseKept: ratio,
      credits: z.number().int().min(0),
      fairnessCostMs: z.number().nullable(),
    }),
  }),
  lanes: z.array(laneBoardSchema),
  /** The last hours, oldest first. */
  history: z.array(intervalPointSchema),
});

export const wallboardSnapshotSchema = z.object({
  at: z.number(),
  /** Today in the site's time zone (YYYY-MM-DD). */
  day: z.string(),
  timeZone: z.string(),
  serviceLevelFormula: z.object({ id: z.string(), label: z.string() }),
  queues: z.array(queueBoardSchema),
  revenue: z.object({
    currency: z.string(),
    today: z.object({
      revenue: z.number().min(0),
      sold: z.number().int().min(0),
      presented: z.number().int().min(0),
      conversion: ratio,
      leads: z.number().int().min(0),
    }),
  }),
});

export type WallboardSnapshot = z.infer<typeof wallboardSnapshotSchema>;
export type QueueBoard = z.infer<typeof queueBoardSchema>;

/** Where the wallboard's data comes from: a snapshot now, and a signal when the numbers may have changed. */
export interface WallboardFeed {
  snapshot(): Promise<WallboardSnapshot>;
  /** `listener` is called when events were folded (any daemon); returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}
