import { randomUUID } from "node:crypto";
import { z } from "zod";
import { CALLBACK_SOURCES, type Callback, type CallbackStore } from "../callbacks/callback-store.js";
import { quoteFor } from "../callbacks/policy.js";
import type { EventLog } from "../events/log.js";
import type { CallerQueue } from "../queue/index.js";
import { callbackPolicy, type CallbackDialConfig } from "./config.js";

/** A call back asked for without a call (the admin API, a web page through its back end). */
export const callbackRequestSchema = z
  .object({
    queue: z.string().min(1).max(64),
    number: z.string().regex(/^\+?[0-9]{3,20}$/, "a phone number: digits, optionally a leading +"),
    name: z.string().min(1).max(80).optional(),
    /** Default: the queue's last lane (its standard one). */
    lane: z.string().min(1).max(64).optional(),
    reason: z.string().min(1).max(200).optional(),
  })
  .strict();
export type CallbackRequest = z.infer<typeof callbackRequestSchema>;

export class CallbackRequestError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Call backs asked for outside a call: the same kept place as one asked for in the queue (a member
 * joining now, in its lane), the same runner dials it. Cancel takes the place out of the queue.
 */
export class CallbackRequests {
  constructor(
    private readonly deps: {
      queue: CallerQueue;
      store: CallbackStore;
      settings: CallbackDialConfig;
      homeServer: string;
      events?: EventLog | undefined;
      kick(): void;
    },
  ) {}

  list(): Promise<Callback[]> {
    return this.deps.store.open();
  }

  get(id: string): Promise<Callback | null> {
    return this.deps.store.get(id);
  }

  async create(req: CallbackRequest, source: (typeof CALLBACK_SOURCES)[number]): Promise<Callback> {
    const { queue } = this.deps;
    const settings = queue.settings.queues.get(req.queue);
    if (!settings) throw new CallbackRequestError(404, `no queue named "${req.queue}"`);
    const lane = req.lane ?? settings.lanes[settings.lanes.length - 1]!;
    if (!settings.lanes.includes(lane)) throw new CallbackRequestError(404, `lane "${lane}" is not a lane of queue ${req.queue} (its lanes: ${settings.lanes.join(", ")})`);
    const id = `cb-${randomUUID()}`;
    const r = await queue.enqueue({ callId: id, queue: req.queue, lane, skills: [], priority: 0 });
    if (r.status !== "queued") throw new CallbackRequestError(409, r.status === "full" ? `queue ${req.queue} is full` : `nobody is staffed in queue ${req.queue}`);
    const now = Date.now();
    const cb: Callback = {
      id,
      queue: req.queue,
      lane,
      joinedAt: now,
      number: req.number,
      ...(req.name ? { name: req.name } : {}),
      ...(req.reason ? { reason: req.reason } : {}),
      source,
      acceptedAt: now,
      quotedMs: quoteFor(r.ewtMs ?? 0, callbackPolicy(this.deps.settings)).withinMs,
      state: "waiting",
      attempts: [],
      serverId: this.deps.homeServer,
    };
    await this.deps.store.create(cb);
    void this.deps.events?.append({ type: "callback", at: now, callId: id, queue: req.queue, outcome: "accepted", result: source, promise: undefined });
    this.deps.kick();
    return cb;
  }

  /** Cancels a call back not being dialled: its place leaves the queue. */
  async cancel(id: string): Promise<Callback> {
    const cb = await this.deps.store.get(id);
    if (!cb) throw new CallbackRequestError(404, `no call back "${id}"`);
    if (cb.state !== "waiting") throw new CallbackRequestError(409, `call back ${id} is ${cb.state}: only a waiting one can be cancelled`);
    await this.deps.queue.abandon(id);
    cb.state = "cancelled";
    await this.deps.store.save(cb);
    void this.deps.events?.append({ type: "callback", at: Date.now(), callId: id, queue: cb.queue, outcome: "cancelled", result: undefined, promise: undefined });
    return cb;
  }
}
