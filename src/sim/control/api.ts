/**
 * The simulator's control API in-process (`sim.control`): place precise synthetic calls, read what
 * each call lived through, list channels and bridges, add and steer agent phones, and set up the
 * customers the daemon calls out to. The HTTP server in `./server.ts` exposes the same operations on
 * loopback.
 */
import { PbxError, type BridgeSnapshot, type ChannelSnapshot, type HearingTimeline, type SimPbx } from "../pbx.js";
import { AgentPhone, type AgentView } from "../scenario/agent.js";
import type { CallRecord } from "../scenario/call-record.js";
import { CallerSession } from "../scenario/caller.js";
import { dtmfDigits, phoneNumber } from "../scenario/caller-spec.js";
import { ChannelEventRouter } from "../scenario/channel-events.js";
import { CustomerBook, type CustomerCallListener, type CustomerDefaultsView, type CustomerView } from "../scenario/customer-book.js";
import type { CustomerCallRecord } from "../scenario/customer-record.js";
import { customerPatchSchema, customersSectionSchema, customerSpecSchema, type CustomerPatch, type CustomersSectionInput, type CustomerSpecInput } from "../scenario/customer-spec.js";
import { INBOUND_CONTEXT, installInboundDialplan, TRUNK } from "../scenario/inbound-dialplan.js";
import { agentSpecSchema, type AgentSpecInput } from "../scenario/schema.js";
import { agentPatchSchema, ControlError, endpointSchema, parseRequest, placeCallSchema, type AgentPatch, type PlaceCallInput } from "./requests.js";

export interface SimControlOptions {
  /** Stasis app of the inbound dialplan (default `switchboard`). */
  app?: string;
  /** Ended calls kept for `getCall` (oldest dropped first; default 10000). */
  keepEndedCalls?: number;
  /** Seed for agent phones added through the API (default 1). */
  seed?: number;
  /**
   * The customers behind the carrier trunk (trunk name, default behaviour, listed numbers). Without it the
   * trunk endpoint is configured the first time a customer method is used.
   */
  customers?: CustomersSectionInput;
}

export interface PlacedCall {
  channelId: string;
  channelName: string;
}

export type CallEndedListener = (record: CallRecord) => void;

export class SimControl {
  private readonly router: ChannelEventRouter;
  private readonly live = new Map<string, CallerSession>();
  private readonly ended = new Map<string, CallRecord>();
  private readonly agents = new Map<string, AgentPhone>();
  private readonly endedListeners = new Set<CallEndedListener>();
  private readonly keepEnded: number;
  private readonly seed: number;
  private customerBook: CustomerBook | undefined;

  constructor(
    readonly pbx: SimPbx,
    private readonly opts: SimControlOptions = {},
  ) {
    installInboundDialplan(pbx, opts.app ?? "switchboard");
    this.router = new ChannelEventRouter(pbx);
    this.keepEnded = opts.keepEndedCalls ?? 10_000;
    this.seed = opts.seed ?? 1;
    if (opts.customers) this.customers();
  }

  /** Places one synthetic call. Input is validated (also at run time): throws `ControlError` 400/409. */
  placeCall(input: PlaceCallInput): PlacedCall {
    const { channelId, ...spec } = parseRequest(placeCallSchema, input);
    let session: CallerSession;
    try {
      session = new CallerSession({ pbx: this.pbx, router: this.router, context: INBOUND_CONTEXT, trunk: TRUNK }, spec, channelId);
    } catch (e) {
      if (e instanceof PbxError) throw new ControlError(e.code === "conflict" ? 409 : 400, e.message);
      throw e;
    }
    const id = session.call.channelId;
    this.live.set(id, session);
    void session.ended.then((record) => {
      this.live.delete(id);
      this.ended.set(id, record);
      if (this.ended.size > this.keepEnded) this.ended.delete(this.ended.keys().next().value!);
      for (const l of this.endedListeners) l(record);
    });
    return { channelId: id, channelName: session.call.channelName };
  }

  /** What the call lived through so far (a copy), or undefined for an unknown id. */
  getCall(channelId: string): CallRecord | undefined {
    const r = this.live.get(channelId)?.record ?? this.ended.get(channelId);
    return r ? structuredClone(r) : undefined;
  }

  /**
   * The caller of a live call presses `digits` now (beyond what its spec's rules press): a key the test
   * decides on, e.g. only at the second time a prompt is heard. Throws 404 for a call that is not live.
   */
  press(channelId: string, digits: string): void {
    const s = this.live.get(channelId);
    if (!s) throw new ControlError(404, "Call not found or ended");
    s.press(parseRequest(dtmfDigits, digits));
  }

  /** Resolves once the call has ended (at once when it already has). */
  async waitForEnd(channelId: string): Promise<CallRecord> {
    const s = this.live.get(channelId);
    if (s) return structuredClone(await s.ended);
    const r = this.ended.get(channelId);
    if (!r) throw new ControlError(404, "Call not found");
    return structuredClone(r);
  }

  listCalls(): Array<Pick<CallRecord, "channelId" | "caller" | "did" | "phase" | "state">> {
    return [...this.ended.values(), ...[...this.live.values()].map((s) => s.record)].map((r) => ({
      channelId: r.channelId,
      caller: { ...r.caller },
      did: r.did,
      phase: r.phase,
      state: r.state,
    }));
  }

  /** Calls `listener` with each call's record as it ends; returns an unsubscribe function. */
  onCallEnded(listener: CallEndedListener): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  get liveCalls(): number {
    return this.live.size;
  }

  listChannels(): ChannelSnapshot[] {
    return this.pbx.listChannels();
  }

  listBridges(): BridgeSnapshot[] {
    return this.pbx.listBridges();
  }

  /**
   * What a channel (a caller, an agent leg, any channel) has heard so far, span by span, with `now`:
   * the PBX's simulated clock (ms since it started) that the spans are on.
   */
  hearing(channelId: string): (HearingTimeline & { now: number }) | undefined {
    const t = this.pbx.hearing(channelId);
    return t ? { ...t, now: this.pbx.simNow() } : undefined;
  }

  /** Whether ARI muted the channel (which directions) or holds it: what ARI itself never shows. */
  audio(channelId: string): { muted: { in: boolean; out: boolean }; held: boolean } | undefined {
    return this.pbx.audioOf(channelId);
  }

  /** Adds (or replaces) an agent phone with the given behaviour. */
  addAgent(spec: AgentSpecInput, seed = this.seed): AgentView {
    const s = parseRequest(agentSpecSchema, spec);
    this.agents.get(s.endpoint)?.remove();
    const phone = new AgentPhone(this.pbx, s, seed);
    this.agents.set(s.endpoint, phone);
    return phone.view();
  }

  /** Registers/unregisters an agent phone or changes its behaviour; an unknown endpoint is added. */
  updateAgent(endpoint: string, patch: AgentPatch): AgentView {
    const ep = parseRequest(endpointSchema, endpoint);
    const p = parseRequest(agentPatchSchema, patch);
    const phone = this.agents.get(ep);
    if (!phone) return this.addAgent({ endpoint: ep, ...p });
    phone.update(p);
    return phone.view();
  }

  getAgent(endpoint: string): AgentView | undefined {
    return this.agents.get(endpoint)?.view();
  }

  listAgents(): AgentView[] {
    return [...this.agents.values()].map((a) => a.view());
  }

  // ---------------------------------------------------------------- customers (outbound calls)

  /**
   * The customers behind the trunk, set up on first use: the trunk endpoint appears then, so a simulator
   * that never calls out keeps the endpoint list it had.
   */
  private customers(section: CustomersSectionInput = this.opts.customers ?? {}): CustomerBook {
    this.customerBook ??= new CustomerBook({ pbx: this.pbx, router: this.router }, parseRequest(customersSectionSchema, section), this.seed, this.keepEnded);
    return this.customerBook;
  }

  /** Sets the trunk (renaming moves it), the default behaviour and the listed numbers (replacing them). */
  configureCustomers(section: CustomersSectionInput): CustomerDefaultsView {
    const s = parseRequest(customersSectionSchema, section);
    const book = this.customerBook;
    if (!book) return this.customers(s).defaults();
    book.configure(s);
    return book.defaults();
  }

  /** Lists (or replaces) a number with its behaviour; the daemon reaches it as `dialString`. */
  addCustomer(spec: CustomerSpecInput): CustomerView {
    return this.customers().add(parseRequest(customerSpecSchema, spec));
  }

  /** Changes a number's behaviour; a number not listed is listed, starting from the default behaviour. */
  updateCustomer(number: string, patch: CustomerPatch): CustomerView {
    return this.customers().update(parseRequest(phoneNumber, number), parseRequest(customerPatchSchema, patch));
  }

  getCustomer(number: string): CustomerView | undefined {
    return this.customers().view(number);
  }

  listCustomers(): CustomerView[] {
    return this.customers().list();
  }

  /** The trunk and what numbers nobody listed do. */
  customerDefaults(): CustomerDefaultsView {
    return this.customers().defaults();
  }

  setCustomerDefaults(patch: CustomerPatch): CustomerDefaultsView {
    return this.customers().setDefault(parseRequest(customerPatchSchema, patch));
  }

  /** The records of the customer calls kept (live and ended), of one number if given. */
  customerCalls(number?: string): CustomerCallRecord[] {
    return this.customers().calls(number);
  }

  getCustomerCall(channelId: string): CustomerCallRecord | undefined {
    return this.customers().getCall(channelId);
  }

  /** Resolves once the customer call on `channelId` (the originate's channel) has ended; 404 when unknown. */
  async waitForCustomerCall(channelId: string): Promise<CustomerCallRecord> {
    const r = await this.customers().waitForEnd(channelId);
    if (!r) throw new ControlError(404, "Customer call not found");
    return r;
  }

  /** Resolves with the next customer call (to `number`, if given) to end from now on. */
  nextCustomerCall(number?: string): Promise<CustomerCallRecord> {
    return new Promise((resolve) => {
      const off = this.customers().onEnded((r) => {
        if (number !== undefined && r.number !== number) return;
        off();
        resolve(r);
      });
    });
  }

  /** Calls `listener` with each customer call's record as it ends; returns an unsubscribe function. */
  onCustomerCallEnded(listener: CustomerCallListener): () => void {
    return this.customers().onEnded(listener);
  }

  /** Stops routing events; live calls are left to the PBX. */
  close(): void {
    this.router.close();
    this.endedListeners.clear();
    this.customerBook?.close();
  }
}
