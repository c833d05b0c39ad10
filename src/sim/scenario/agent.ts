/**
 * A synthetic agent phone (e.g. `PJSIP/1001`) on the PBX: registered or not, rings when called,
 * answers after its answer delay unless it decides not to answer this call, hangs up after its talk
 * time. Device states (UNAVAILABLE, NOT_INUSE, RINGING, INUSE) follow from the PBX's channels and
 * reach ARI (`DeviceStateChanged`) and AMI (`DeviceStateChange`).
 */
import { SeededRandom } from "../../lib/seeded-random.js";
import { CAUSE, type DeviceState, type SimCall, type SimPbx } from "../pbx.js";
import { deriveSeed, sample } from "./distribution.js";
import type { AgentSpec } from "./schema.js";

/** Simulated ms between the PBX calling the phone and the phone ringing. */
const RING_AFTER_MS = 100;

export interface AgentView {
  endpoint: string;
  registered: boolean;
  deviceState: DeviceState;
  behaviour: Omit<AgentSpec, "endpoint" | "registered">;
  calls: { offered: number; answered: number; notAnswered: number; rejectedBusy: number };
}

export class AgentPhone {
  private readonly rng: SeededRandom;
  private readonly tech: string;
  private readonly resource: string;
  private readonly calls = { offered: 0, answered: 0, notAnswered: 0, rejectedBusy: 0 };
  /** Calls ringing on the phone (not answered yet), with the talk time drawn for each. */
  private readonly ringing = new Set<SimCall>();
  private readonly talkFor = new Map<SimCall, number>();

  constructor(
    private readonly pbx: SimPbx,
    private spec: AgentSpec,
    seed: number,
  ) {
    const slash = spec.endpoint.indexOf("/");
    this.tech = spec.endpoint.slice(0, slash);
    this.resource = spec.endpoint.slice(slash + 1);
    this.rng = new SeededRandom(deriveSeed(seed, spec.endpoint));
    pbx.addEndpoint({ tech: this.tech, resource: this.resource, online: spec.registered, onCall: (call) => this.onCall(call), onNotify: (h) => this.onNotify(h) });
  }

  get endpoint(): string {
    return this.spec.endpoint;
  }

  /** Registers/unregisters the phone or changes how it behaves on the next calls. */
  update(patch: Partial<Omit<AgentSpec, "endpoint">>): void {
    const wasRegistered = this.spec.registered;
    this.spec = { ...this.spec, ...patch };
    if (this.spec.registered !== wasRegistered) this.pbx.setEndpointOnline(this.tech, this.resource, this.spec.registered);
  }

  remove(): void {
    this.pbx.removeEndpoint(this.tech, this.resource);
  }

  view(): AgentView {
    const { endpoint, registered, ...behaviour } = this.spec;
    return { endpoint, registered, deviceState: this.pbx.computeDeviceState(endpoint), behaviour, calls: { ...this.calls } };
  }

  /** `Event: talk` answers the ringing calls, if this phone takes remote answers. */
  private onNotify(headers: ReadonlyMap<string, string>): void {
    if (!this.spec.remoteAnswer || headers.get("event")?.toLowerCase() !== "talk") return;
    for (const call of [...this.ringing]) this.answer(call, this.talkFor.get(call) ?? 0);
  }

  private answer(call: SimCall, talkMs: number): void {
    if (!this.ringing.delete(call) || !call.snapshot()) return;
    this.calls.answered++;
    call.answer();
    const cancel = this.pbx.scheduler.after(talkMs, () => call.hangup(CAUSE.NORMAL));
    void call.done.then(cancel);
  }

  private onCall(call: SimCall): void {
    this.calls.offered++;
    const s = this.spec;
    const cancels: Array<() => void> = [];
    const after = (ms: number, fn: () => void): void => void cancels.push(this.pbx.scheduler.after(ms, fn));
    void call.done.then(() => cancels.forEach((c) => c()));
    if (s.busy) {
      this.calls.rejectedBusy++;
      after(RING_AFTER_MS, () => call.reject(CAUSE.BUSY));
      return;
    }
    // draw both values for every call so the stream stays aligned whatever the outcome
    const answers = !this.rng.chance(s.noAnswerProbability);
    const answerMs = sample(s.answerDelay, this.rng) * 1000;
    const talkMs = sample(s.talkTime, this.rng) * 1000;
    after(RING_AFTER_MS, () => {
      call.ring();
      this.ringing.add(call);
      this.talkFor.set(call, talkMs);
    });
    void call.done.then(() => {
      this.ringing.delete(call);
      this.talkFor.delete(call);
    });
    if (!answers) {
      this.calls.notAnswered++;
      return;
    }
    after(RING_AFTER_MS + answerMs, () => this.answer(call, talkMs));
  }
}
