import type { CallbackStore } from "../callbacks/callback-store.js";
import { quoteFor, shouldOfferCallback } from "../callbacks/policy.js";
import type { EventLog } from "../events/log.js";
import type { CallState, EngineEvent } from "../ivr/engine/index.js";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import { callbackPolicy, type CallbackDialConfig } from "./config.js";
import type { QueueHandoff } from "./queue-handoff.js";
import type { CallSession } from "./session-store.js";

export interface CallbackBookingDeps {
  handoff: QueueHandoff;
  queue: CallerQueue;
  store: CallbackStore;
  settings: CallbackDialConfig;
  events?: EventLog | undefined;
  logger: Logger;
}

/**
 * The caller's side of a queued call back: the offer appended to an announcement, and the callback
 * node's booking, which turns the place the caller holds into a call back (the place itself stays in
 * the queue as it is: same call id, same score).
 */
export class CallbackBooking {
  private readonly log: Logger;

  constructor(private readonly deps: CallbackBookingDeps) {
    this.log = deps.logger.child({ component: "callbacks" });
  }

  /** What an announcement appends for a caller whose tree offers call backs, or nothing. */
  offer(queue: string, callId: string, ewtMs: number | null, offeredBefore: boolean): string[] | undefined {
    const s = this.deps.settings;
    if (!shouldOfferCallback({ ewtMs, settings: callbackPolicy(s), alreadyOffered: offeredBefore })) return undefined;
    if (!offeredBefore) void this.deps.events?.append({ type: "callback", at: Date.now(), callId, queue, outcome: "offered", result: undefined, promise: undefined });
    return [s.prompts.offer, `digits:${s.key}`];
  }

  /** The callback node's action: never throws; a refusal is the node's `onError`. */
  async book(call: { session: CallSession; state: CallState; callerName?: string }, a: { id: string; number: string }): Promise<EngineEvent> {
    const { session } = call;
    const no = (reason: string): EngineEvent => ({ type: "callbackResult", id: a.id, ok: false, reason });
    const w = this.deps.handoff.handOver(session.callId);
    if (!w) return no("the caller holds no place in a queue");
    const now = Date.now();
    const refused = (reason: string): EngineEvent => {
      this.deps.handoff.takeBack(w);
      return no(reason);
    };
    try {
      // the place waits for the call back now: the caller's maximum wait no longer applies
      await this.deps.queue.clearDeadline(w.queue, session.callId);
      const pos = await this.deps.queue.position(session.callId);
      if (pos?.state !== "waiting") return no("the place in the queue is gone");
      const quote = quoteFor(pos.ewtMs ?? 0, callbackPolicy(this.deps.settings));
      const customer = call.state.customer;
      const created = await this.deps.store.create({
        id: session.callId,
        queue: w.queue,
        lane: w.lane,
        joinedAt: w.joinedAt ?? session.queue?.joinedAt ?? now,
        number: a.number,
        ...(w.callerName ? { name: w.callerName } : {}),
        ...(customer && typeof customer.id === "string" ? { customerId: customer.id } : {}),
        ...(session.queue?.reason ? { reason: session.queue.reason } : {}),
        source: "queue",
        acceptedAt: now,
        quotedMs: quote.withinMs,
        state: "waiting",
        attempts: [],
        serverId: session.serverId,
        call: { state: call.state, ...(session.consents ? { consents: session.consents } : {}) },
      });
      if (!created) return refused("a call back is booked for this call already");
      session.callback = { number: a.number, at: now };
      void this.deps.events?.append({ type: "callback", at: now, callId: session.callId, queue: w.queue, outcome: "accepted", result: undefined, promise: undefined });
      this.log.info({ callId: session.callId, queue: w.queue, lane: w.lane, quoteMinutes: quote.minutes }, "call back booked; the caller's place is kept");
      return { type: "callbackResult", id: a.id, ok: true, reason: `call back in about ${quote.minutes} min` };
    } catch (err) {
      this.log.error({ err, callId: session.callId }, "call back not booked");
      return refused(`not booked: ${(err as Error).message}`);
    }
  }
}
