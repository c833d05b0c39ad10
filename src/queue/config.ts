import { z } from "zod";

/** Lane, queue and skill names: the same identifiers the IVR trees use. */
export const QUEUE_ID = /^[a-z][a-z0-9_-]*$/;

/**
 * A lane of the caller queue. Order is static: a caller's score is enqueue time minus the lane's head
 * start, so a caller can be overtaken only by callers of a lane with a larger head start who arrived less
 * than the difference after them (docs/queue.md derives each lane's worst-case wait from this).
 */
export const laneSchema = z
  .object({
    /** The admin's wording, shown on the wallboard and to agents; callers never hear lane ids. */
    displayName: z.string().min(1),
    /** Seconds: a caller of this lane is placed as if they had arrived this much earlier. */
    headStart: z.number().min(0).max(86_400).default(0),
    /** Extra head start in seconds at enqueue priority 100 (scaled linearly; 0 ignores priority). */
    priorityBoost: z.number().min(0).max(86_400).default(0),
    /** Service-level target: `percent` of this lane's callers answered within `seconds`. */
    sla: z.object({ seconds: z.number().positive().max(86_400), percent: z.number().gt(0).max(100) }).strict(),
  })
  .strict();

/**
 * Admission control (docs/queue.md): the lane whose promise is sold (its SLA) is offered, and joined by
 * upgrade, only while the forecast says the promise can be kept and the other lanes keep their bound.
 */
export const admissionSchema = z
  .object({
    /** The lane whose promise is sold: one of the queue's lanes. */
    lane: z.string().regex(QUEUE_ID).default("express"),
    /** At most this share of the waiting callers (counting the one admitted) may be in `lane`. */
    maxShare: z.number().gt(0).max(1).default(0.25),
    /** false keeps the settings but admits everyone ("no admission control"). */
    enabled: z.boolean().default(true),
    /**
     * An entitled caller (subscriber, tier, buyer) about to join `lane` when its promise cannot be kept
     * (the forecast or a bound refuses; the cap on sales does not apply to them): "standard" puts them in
     * the queue's last lane, owed a credit, so a surge of entitled callers cannot sink the lane for all of
     * them; "none" keeps them in `lane` whatever the wait.
     */
    overflow: z.enum(["standard", "none"]).default("standard"),
  })
  .strict();

export const queueSchema = z
  .object({
    displayName: z.string().min(1).optional(),
    /**
     * Redis hash tag shared by every key of this queue and of its agents ({site}); queues that share
     * agents must share a site so one dispatch script can see and book them atomically (also on Cluster).
     */
    site: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes").default("main"),
    /** Lanes this queue accepts (names from `lanes`). */
    lanes: z.array(z.string().regex(QUEUE_ID)).min(1),
    /** Callers waiting at most; the next one gets `full`. Unset means no limit. */
    maxWaiting: z.number().int().positive().optional(),
    /** Seconds of wrap-up after each call before the agent is offered the next one. */
    wrapUp: z.number().min(0).max(3600).default(10),
    /** Seconds assumed as handle time for expected-wait estimates until real calls have been measured. */
    defaultHandleTime: z.number().positive().max(86_400).default(180),
    /**
     * While any caller of `lanes` waits, callers of other lanes may occupy at most
     * (1 - share) of the queue's staffed agents.
     */
    reserve: z
      .object({ share: z.number().min(0).max(1), lanes: z.array(z.string().regex(QUEUE_ID)).min(1) })
      .strict()
      .optional(),
    /** Offer (and admit) upgrades to `admission.lane` only when its promise can be kept. Unset: no control. */
    admission: admissionSchema.optional(),
    /** Dispatch looks this far down the waiting list for a caller the free agents can serve (skills). */
    scanDepth: z.number().int().min(1).max(10_000).default(100),
    /** ...and at this many longest-idle agents for each such caller. */
    agentScan: z.number().int().min(1).max(10_000).default(200),
  })
  .strict();

export type LaneConfig = z.infer<typeof laneSchema>;
export type QueueConfig = z.infer<typeof queueSchema>;
export type AdmissionConfig = z.infer<typeof admissionSchema>;

export function checkQueueLanes(
  cfg: { lanes: Record<string, LaneConfig>; queues: Record<string, QueueConfig> },
  ctx: z.core.$RefinementCtx,
): void {
  for (const [name, q] of Object.entries(cfg.queues)) {
    q.lanes.forEach((lane, i) => {
      if (!(lane in cfg.lanes)) {
        ctx.addIssue({ code: "custom", path: ["queues", name, "lanes", i], message: `unknown lane "${lane}" (define it under lanes)` });
      }
    });
    q.reserve?.lanes.forEach((lane, i) => {
      if (!q.lanes.includes(lane)) {
        ctx.addIssue({ code: "custom", path: ["queues", name, "reserve", "lanes", i], message: `lane "${lane}" is not one of this queue's lanes` });
      }
    });
    if (q.admission && !q.lanes.includes(q.admission.lane)) {
      ctx.addIssue({
        code: "custom",
        path: ["queues", name, "admission", "lane"],
        message: `admission lane "${q.admission.lane}" is not one of this queue's lanes (${q.lanes.join(", ")}): name the lane whose promise is sold`,
      });
    }
  }
}
