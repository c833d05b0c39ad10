/**
 * One call the PBX placed to a customer, from the customer's side: the line rings and answers, rejects
 * or stays silent as its behaviour says; once answered the customer presses its key and hangs up after
 * its talk time (or waits for the other side). What it lived through lands in its record.
 */
import type { SeededRandom } from "../../lib/seeded-random.js";
import { CAUSE, type PbxEvent, type SimCall, type SimPbx } from "../pbx.js";
import type { ChannelEventRouter } from "./channel-events.js";
import { applyCustomerEvent, newCustomerRecord, noteCustomerEnd, type CustomerCallRecord } from "./customer-record.js";
import type { CustomerBehaviour } from "./customer-spec.js";
import { sample } from "./distribution.js";

/** Simulated ms between the carrier receiving the INVITE and the customer's phone ringing (180). */
const RING_AFTER_MS = 100;

export class CustomerCall {
  readonly record: CustomerCallRecord;
  /** Resolves with the record once the channel is destroyed. */
  readonly ended: Promise<CustomerCallRecord>;
  private readonly timers = new Set<() => void>();

  constructor(
    private readonly env: { pbx: SimPbx; router: ChannelEventRouter },
    private readonly call: SimCall,
    number: string,
    behaviour: CustomerBehaviour,
    rng: SeededRandom,
  ) {
    this.record = newCustomerRecord({
      channelId: call.channelId,
      channelName: call.channelName,
      number,
      callerId: call.snapshot()?.caller ?? { name: "", number: "" },
      behaviour: behaviour.answer,
    });
    const unwatch = env.router.watch(call.channelId, (e: PbxEvent) => applyCustomerEvent(this.record, e));
    this.ended = call.done.then(() => {
      unwatch();
      for (const cancel of this.timers) cancel();
      this.timers.clear();
      return this.record;
    });
    this.play(behaviour, rng);
  }

  /** Schedules what the line does; every value is drawn now so a seed replays the same call. */
  private play(b: CustomerBehaviour, rng: SeededRandom): void {
    const answerMs = sample(b.answerDelay, rng) * 1000;
    const pressMs = sample(b.pressAfter, rng) * 1000;
    const talkMs = b.talkTime === undefined ? undefined : sample(b.talkTime, rng) * 1000;
    switch (b.answer) {
      case "answer":
        this.after(RING_AFTER_MS, () => this.call.ring());
        this.after(RING_AFTER_MS + answerMs, () => this.answer(b.pressKey, pressMs, talkMs));
        return;
      case "busy":
        this.after(RING_AFTER_MS, () => this.call.ring());
        this.after(RING_AFTER_MS + answerMs, () => this.end("customer", "busy", CAUSE.BUSY));
        return;
      case "no-answer":
        this.after(RING_AFTER_MS, () => this.call.ring());
        return;
      case "unavailable":
        // the carrier's 480 Temporarily Unavailable, which chan_pjsip reads as cause 19
        this.after(answerMs, () => this.end("network", "unavailable", CAUSE.NO_ANSWER));
        return;
    }
  }

  private answer(pressKey: string | undefined, pressMs: number, talkMs: number | undefined): void {
    if (!this.call.snapshot()) return;
    this.call.answer();
    if (pressKey !== undefined) this.after(pressMs, () => void this.call.sendDtmf(pressKey, { gapMs: 0, durationMs: 100 }));
    if (talkMs !== undefined) this.after(talkMs, () => this.end("customer", "talk-time", CAUSE.NORMAL));
  }

  /** The customer (or its carrier) ends the call: a reject before the answer, a BYE after. */
  private end(by: "customer" | "network", reason: "talk-time" | "busy" | "unavailable", cause: number): void {
    if (!this.call.snapshot()) return;
    noteCustomerEnd(this.record, by, reason);
    if (reason === "talk-time") this.call.hangup(cause);
    else this.call.reject(cause);
  }

  private after(ms: number, fn: () => void): void {
    const cancel = this.env.pbx.scheduler.after(ms, () => {
      this.timers.delete(cancel);
      fn();
    });
    this.timers.add(cancel);
  }
}
