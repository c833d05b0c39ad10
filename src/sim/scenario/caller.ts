/**
 * A synthetic caller: dials a DID from the trunk into the inbound dialplan (which hands it to the
 * Stasis app), presses keys at given moments or when given prompts start, loses patience, and hangs
 * up after its talk time once bridged to an agent. Everything it lives through lands in its record.
 */
import { SeededRandom } from "../../lib/seeded-random.js";
import { CAUSE, type PbxEvent, type SimCall, type SimPbx } from "../pbx.js";
import { applyEvent, newCallRecord, type CallRecord, type HangupReason } from "./call-record.js";
import type { CallerSpec, PromptRule } from "./caller-spec.js";
import type { ChannelEventRouter } from "./channel-events.js";
import { deriveSeed } from "./distribution.js";

export interface CallerEnvironment {
  pbx: SimPbx;
  router: ChannelEventRouter;
  /** Inbound context the trunk delivers DIDs into. */
  context: string;
  /** `Tech/resource` the calls come from (the carrier trunk). */
  trunk: string;
}

/** Which key a prompt rule presses this time, if any. */
export function choosePress(rule: PromptRule, rng: SeededRandom): string | undefined {
  if (rule.press !== undefined) return rule.probability === undefined || rng.chance(rule.probability) ? rule.press : undefined;
  let x = rng.next();
  for (const c of rule.choices ?? []) {
    x -= c.probability;
    if (x < 0) return c.press;
  }
  return undefined;
}

let fallbackSeed = 1;

export class CallerSession {
  readonly record: CallRecord;
  readonly call: SimCall;
  /** Resolves with the record once the channel is destroyed. */
  readonly ended: Promise<CallRecord>;
  private readonly timers = new Set<() => void>();
  private readonly rng: SeededRandom;
  private holdTimerStarted = false;
  private talkTimerStarted = false;
  /** Bridged with someone at least once: patience no longer applies. */
  private reachedAgent = false;
  private unwatch: () => void = () => {};

  constructor(
    private readonly env: CallerEnvironment,
    readonly spec: CallerSpec,
    channelId?: string,
  ) {
    this.rng = new SeededRandom(spec.seed ?? deriveSeed(fallbackSeed++, spec.caller));
    this.call = env.pbx.placeCall({
      from: env.trunk,
      context: env.context,
      exten: spec.did,
      callerId: { name: spec.callerName, number: spec.caller },
      ...(channelId ? { channelId } : {}),
    });
    this.record = newCallRecord({
      channelId: this.call.channelId,
      channelName: this.call.channelName,
      caller: { number: spec.caller, name: spec.callerName },
      did: spec.did,
      express: spec.express,
    });
    this.unwatch = env.router.watch(this.call.channelId, (e) => this.onEvent(e));
    this.call.on("answered", () => this.onAnswered());
    if (spec.hangupAfter !== undefined) this.after(spec.hangupAfter, () => this.hangUp("hangup-after"));
    if (spec.patience.total !== undefined) this.after(spec.patience.total, () => !this.reachedAgent && this.hangUp("patience-total"));
    this.ended = this.call.done.then(() => {
      this.unwatch();
      for (const cancel of this.timers) cancel();
      this.timers.clear();
      return this.record;
    });
  }

  private after(seconds: number, fn: () => void): void {
    const cancel = this.env.pbx.scheduler.after(seconds * 1000, () => {
      this.timers.delete(cancel);
      fn();
    });
    this.timers.add(cancel);
  }

  private hangUp(reason: HangupReason): void {
    if (this.record.phase === "ended" || this.record.hangup) return;
    this.record.hangup = { by: "caller", reason, cause: CAUSE.NORMAL, causeTxt: "" };
    this.call.hangup(CAUSE.NORMAL);
  }

  /** Presses keys now, as the phone's RFC 2833 digits (also what the spec's `dtmf` and `prompts` rules do). */
  press(digits: string): void {
    if (this.record.phase === "ended") return;
    void this.call.sendDtmf(digits, { gapMs: 0, durationMs: 100 });
  }

  private onAnswered(): void {
    for (const step of this.spec.dtmf) this.after(step.after, () => this.press(step.press));
  }

  private onEvent(e: PbxEvent): void {
    applyEvent(this.record, e, (id) => this.env.pbx.getChannel(id));
    if (e.type === "PlaybackStarted") {
      for (const rule of this.spec.prompts) {
        if (rule.prompt !== e.playback.mediaUri) continue;
        const key = choosePress(rule, this.rng);
        if (key !== undefined) this.after(rule.after, () => this.press(key));
      }
    }
    if (this.record.phase === "bridged") this.reachedAgent = true;
    const onHold = this.spec.patience.onHold;
    if (this.record.phase === "on-hold" && onHold !== undefined && !this.holdTimerStarted) {
      this.holdTimerStarted = true;
      this.after(onHold, () => !this.reachedAgent && this.hangUp("patience-on-hold"));
    }
    if (this.record.phase === "bridged" && this.spec.talkTime !== undefined && !this.talkTimerStarted) {
      this.talkTimerStarted = true;
      this.after(this.spec.talkTime, () => this.hangUp("talk-time"));
    }
  }
}
