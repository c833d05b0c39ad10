/**
 * The customers behind the carrier trunk: the trunk endpoint (`PJSIP/customers`, a static contact, so
 * always reachable), what each listed number and every other number does when the PBX calls it, and the
 * record of every customer call (live ones and the last `keepEnded` ended ones).
 */
import { SeededRandom } from "../../lib/seeded-random.js";
import type { SimCall, SimPbx } from "../pbx.js";
import type { ChannelEventRouter } from "./channel-events.js";
import { CustomerCall } from "./customer.js";
import type { CustomerCallRecord } from "./customer-record.js";
import { patchBehaviour, type CustomerBehaviour, type CustomerPatch, type CustomersSection, type CustomerSpec } from "./customer-spec.js";
import { deriveSeed } from "./distribution.js";

/** The carrier's address, as the repository's pjsip.conf trunk has it: the trunk never registers. */
const TRUNK_CONTACT = "sip:127.0.0.2:5060";

export interface CustomerCounts {
  dialed: number;
  answered: number;
  busy: number;
  noAnswer: number;
  unavailable: number;
}

export interface CustomerView {
  number: string;
  /** What the daemon dials: `PJSIP/<number>@<trunk>`. */
  dialString: string;
  behaviour: CustomerBehaviour;
  calls: CustomerCounts;
}

/** The trunk and what numbers nobody listed do. */
export interface CustomerDefaultsView {
  trunk: string;
  /** The trunk endpoint, `PJSIP/<trunk>`. */
  endpoint: string;
  behaviour: CustomerBehaviour;
}

export type CustomerCallListener = (record: CustomerCallRecord) => void;

const noCounts = (): CustomerCounts => ({ dialed: 0, answered: 0, busy: 0, noAnswer: 0, unavailable: 0 });

export class CustomerBook {
  private trunkName = "";
  private fallback: CustomerBehaviour;
  private readonly listed = new Map<string, CustomerBehaviour>();
  private readonly counts = new Map<string, CustomerCounts>();
  private readonly live = new Map<string, CustomerCall>();
  private readonly ended = new Map<string, CustomerCallRecord>();
  private readonly listeners = new Set<CustomerCallListener>();
  /** Waiters for channels on the trunk whose call has not reached the customer yet (the dial starts a moment later). */
  private readonly arriving = new Map<string, Set<(c: CustomerCall) => void>>();
  private callCount = 0;

  constructor(
    private readonly env: { pbx: SimPbx; router: ChannelEventRouter },
    section: CustomersSection,
    private readonly seed: number,
    private readonly keepEnded: number,
  ) {
    this.fallback = section.default;
    this.configure(section);
  }

  /** Sets the trunk (moving it when renamed), the default and the listed numbers (replacing the list). */
  configure(section: CustomersSection): void {
    if (section.trunk !== this.trunkName) {
      if (this.trunkName) this.env.pbx.removeEndpoint("PJSIP", this.trunkName);
      this.trunkName = section.trunk;
      this.env.pbx.addEndpoint({ tech: "PJSIP", resource: section.trunk, staticContact: TRUNK_CONTACT, onCall: (call) => this.onCall(call) });
    }
    this.fallback = section.default;
    this.listed.clear();
    for (const spec of section.numbers) this.add(spec);
  }

  get trunk(): string {
    return this.trunkName;
  }

  add(spec: CustomerSpec): CustomerView {
    const { number, ...behaviour } = spec;
    this.listed.set(number, behaviour);
    return this.view(number)!;
  }

  /** Changes a number's behaviour; a number not listed starts from the default one. */
  update(number: string, patch: CustomerPatch): CustomerView {
    this.listed.set(number, patchBehaviour(this.listed.get(number) ?? this.fallback, patch));
    return this.view(number)!;
  }

  setDefault(patch: CustomerPatch): CustomerDefaultsView {
    this.fallback = patchBehaviour(this.fallback, patch);
    return this.defaults();
  }

  defaults(): CustomerDefaultsView {
    return { trunk: this.trunkName, endpoint: `PJSIP/${this.trunkName}`, behaviour: structuredClone(this.fallback) };
  }

  /** A listed number's view; undefined for a number not listed. */
  view(number: string): CustomerView | undefined {
    const b = this.listed.get(number);
    if (!b) return undefined;
    return { number, dialString: `PJSIP/${number}@${this.trunkName}`, behaviour: structuredClone(b), calls: { ...(this.counts.get(number) ?? noCounts()) } };
  }

  list(): CustomerView[] {
    return [...this.listed.keys()].map((n) => this.view(n)!);
  }

  /** Every customer call kept (ended ones first, then live ones, each in dialing order), of one number if given. */
  calls(number?: string): CustomerCallRecord[] {
    const all = [...this.ended.values(), ...[...this.live.values()].map((c) => c.record)];
    return all.filter((r) => number === undefined || r.number === number).map((r) => structuredClone(r));
  }

  getCall(channelId: string): CustomerCallRecord | undefined {
    const r = this.live.get(channelId)?.record ?? this.ended.get(channelId);
    return r ? structuredClone(r) : undefined;
  }

  /**
   * Resolves once that customer call has ended (at once if it has); undefined for an unknown call. A
   * channel just originated to the trunk counts: the call reaches the customer a moment later.
   */
  async waitForEnd(channelId: string): Promise<CustomerCallRecord | undefined> {
    const r = this.ended.get(channelId);
    if (r) return structuredClone(r);
    const c = this.live.get(channelId) ?? (await this.arrival(channelId));
    return c ? structuredClone(await c.ended) : undefined;
  }

  /** The call on a trunk channel once the customer is called; undefined if the channel ends first or is not one. */
  private arrival(channelId: string): Promise<CustomerCall | undefined> {
    if (!this.env.pbx.getChannel(channelId)?.name.startsWith(`PJSIP/${this.trunkName}-`)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiters = this.arriving.get(channelId) ?? new Set();
      this.arriving.set(channelId, waiters);
      const done = (c: CustomerCall | undefined): void => {
        unwatch();
        waiters.delete(done);
        if (waiters.size === 0) this.arriving.delete(channelId);
        resolve(c);
      };
      const unwatch = this.env.router.watch(channelId, (e) => e.type === "ChannelDestroyed" && done(this.live.get(channelId)));
      waiters.add(done);
    });
  }

  /** Calls `listener` with each customer call's record as it ends; returns an unsubscribe function. */
  onEnded(listener: CustomerCallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
  }

  /** The trunk is called: the Request-URI's user says which customer. */
  private onCall(call: SimCall): void {
    const number = call.requestUser ?? "";
    const behaviour = this.listed.get(number) ?? this.fallback;
    const rng = new SeededRandom(deriveSeed(this.seed, `${number}#${this.callCount++}`));
    const c = new CustomerCall(this.env, call, number, behaviour, rng);
    this.live.set(call.channelId, c);
    for (const w of [...(this.arriving.get(call.channelId) ?? [])]) w(c);
    this.tally(number, (t) => t.dialed++);
    void c.ended.then((record) => {
      this.live.delete(call.channelId);
      this.ended.set(call.channelId, record);
      if (this.ended.size > this.keepEnded) this.ended.delete(this.ended.keys().next().value!);
      this.tally(number, (t) => (record.outcome === "no-answer" ? t.noAnswer++ : record.outcome ? t[record.outcome]++ : undefined));
      for (const l of [...this.listeners]) {
        try {
          l(structuredClone(record));
        } catch {
          // a faulty listener must not stop the others
        }
      }
    });
  }

  private tally(number: string, fn: (t: CustomerCounts) => void): void {
    const t = this.counts.get(number) ?? noCounts();
    fn(t);
    this.counts.set(number, t);
  }
}
