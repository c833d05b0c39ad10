import { randomUUID } from "node:crypto";
import { z } from "zod";
import { CALLBACK_SOURCES, type Callback, type CallbackStore, type CallPurpose } from "../callbacks/callback-store.js";
import { quoteFor } from "../callbacks/policy.js";
import type { EventLog } from "../events/log.js";
import { QueueError, type CallerQueue } from "../queue/index.js";
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

/** What a caller of create() inside Switchboard may set beyond the request (an appointment's call back). */
export interface CallbackOptions {
  /** The queue member's id; a call back of this id that exists already is returned as it is. Default `cb-<uuid>`. */
  id?: string;
  /** The place's join time (ms; at most now): earlier puts it ahead of the callers who joined after it. */
  joinedAt?: number;
  customerId?: string;
  /** What the call is about (a web lead's cart, a campaign's pitch), for the pop and the compliance check. */
  purpose?: CallPurpose;
  /** The promise (ms after now the customer is to be dialled within); default the quote from the expected wait. */
  quotedMs?: number;
  /** Attempts and the delay between them, instead of calls.callbacks' (a campaign's own). */
  retry?: Callback["retry"];
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

  async create(req: CallbackRequest, source: (typeof CALLBACK_SOURCES)[number], opts: CallbackOptions = {}): Promise<Callback> {
    const { queue } = this.deps;
    const settings = queue.settings.queues.get(req.queue);
    if (!settings) throw new CallbackRequestError(404, `no queue named "${req.queue}"`);
    const lane = req.lane ?? settings.lanes[settings.lanes.length - 1]!;
    if (!settings.lanes.includes(lane)) throw new CallbackRequestError(404, `lane "${lane}" is not a lane of queue ${req.queue} (its lanes: ${settings.lanes.join(", ")})`);
    const id = opts.id ?? `cb-${randomUUID()}`;
    // a retried request with its own id (a job run again) finds the first one
    const known = opts.id === undefined ? null : await this.deps.store.get(id);
    if (known) return known;
    const now = Date.now();
    // the queue takes no join time from the future
    const joinedAt = Math.min(Math.round(opts.joinedAt ?? now), now);
    const r = await queue.enqueue({ callId: id, queue: req.queue, lane, skills: [], priority: 0, joinedAt }).catch((err: unknown) => {
      // enqueued by a run that stopped before the record was written: the place is there, keep it
      if (opts.id !== undefined && err instanceof QueueError && err.code === "SBQ_DUPLICATE_CALL") return { status: "queued" as const, ewtMs: null };
      throw err;
    });
    if (r.status !== "queued") throw new CallbackRequestError(409, r.status === "full" ? `queue ${req.queue} is full` : `nobody is staffed in queue ${req.queue}`);
    const cb: Callback = {
      id,
      queue: req.queue,
      lane,
      joinedAt,
      number: req.number,
      ...(req.name ? { name: req.name } : {}),
      ...(opts.customerId ? { customerId: opts.customerId } : {}),
      ...(req.reason ? { reason: req.reason } : {}),
      source,
      acceptedAt: now,
      quotedMs: opts.quotedMs ?? quoteFor(r.ewtMs ?? 0, callbackPolicy(this.deps.settings)).withinMs,
      state: "waiting",
      attempts: [],
      serverId: this.deps.homeServer,
      ...(opts.purpose ? { purpose: opts.purpose } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
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
