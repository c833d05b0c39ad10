import type { Connected } from "../calls/queue-handoff.js";
import type { SessionDirectory } from "../calls/session-directory.js";
import { cdrDisagreement, cdrTalkSeconds, talkSeconds, type CallerCdr, type TalkMoment, type TalkRecord } from "../calls/talk-time.js";
import type { CallSession } from "../calls/session-store.js";
import type { Config } from "../config/schema.js";
import type { CustomerView, HistoryEntry } from "../crm/customer.js";
import type { CrmLookup, LookupOutcome } from "../crm/lookup.js";
import type { CustomerStore } from "../crm/store.js";
import type { CtiHub } from "../cti/hub.js";
import type { EventLog } from "../events/log.js";
import { composePop, type ScreenPop } from "../cti/pop.js";
import type { AgentStatus, Disposition, LinePatch, OfferOutcome } from "../cti/protocol.js";
import type { CallState } from "../ivr/engine/index.js";
import { pathChoices } from "../ivr/engine/transcript.js";
import type { ExpressCreditPayload, JobHub } from "../jobs/index.js";
import type { Logger } from "../lib/logger.js";
import type { OfferCaps } from "../offers/caps.js";
import { offerCallSchema } from "../offers/context.js";
import type { OfferRules } from "../offers/load.js";
import { cartOffer } from "../offers/cart-offer.js";
import { rankOffers } from "../offers/rank.js";
import type { RankedOffer } from "../offers/ranked.js";
import type { CallerQueue } from "../queue/index.js";
import type { DeskCall, DeskStore } from "./store.js";
import { creditFor, creditRecord } from "./express-credit.js";
import { callOutcome, customerIdOf, reasonOf, unattendedEntry } from "./history.js";
import { DeskLines } from "./lines.js";

/**
 * The agent's side of a call: when caller and agent are connected, the screen-pop (CRM record fetched
 * while the caller was in the IVR, offers ranked for this caller and call, frequency caps counted); what
 * the agent does with an offer (interested -> a lead job, sold -> a sale job); the disposition, which
 * becomes the customer's history entry (written to the CRM store, and to the history webhook when one
 * is configured). A call whose disposition never comes gets its entry when its deadline (kept in Redis)
 * passes, from whichever daemon gets there first: timers for the deadlines this daemon knows of, and a
 * periodic look at all of them for those a stopped daemon left behind.
 */


export interface DeskDeps {
  config: Config;
  crm: CrmLookup;
  customers: CustomerStore;
  rules: OfferRules;
  caps: OfferCaps;
  jobs: JobHub;
  /** Calls between pop and disposition (Redis: any daemon can record the agent's answers). */
  store: DeskStore;
  logger: Logger;
  /** After wrap-up, how long an agent may still send the disposition before the entry is written without one. */
  dispositionGraceMs: number;
  /** How often every due entry is looked at (those of daemons that stopped before writing them). */
  sweepIntervalMs: number;
  /** The site's event stream: calls, handled calls and offers for the KPIs (metrics/). */
  events?: EventLog;
}

/** What the desk reads to put a call's pop up while the agent's phone rings (the hub's daemon wires them). */
export interface RingReaders {
  sessions: Pick<SessionDirectory, "find">;
  queue: Pick<CallerQueue, "position" | "agentRecords">;
}

/** The call a pop is composed for: connected, or still ringing. */
type PopCall = Pick<Connected, "callId" | "agentId" | "queue" | "lane" | "waitMs" | "callback">;
type DeskCallView = { session: CallSession; state: CallState };

/** How long a ring-time pop waits for the caller's session to record its queue (a caller rung at once is rung before it is saved). */
const SESSION_WAIT_MS = 1000;

export class AgentDesk {
  private hub: CtiHub | undefined;
  private ring: RingReaders | undefined;
  private readonly lines = new DeskLines(() => this.hub);
  /** Customer records read again when the phone rang: the pop shows history written since the call arrived. */
  private readonly fresh = new Map<string, Promise<LookupOutcome | undefined>>();
  private readonly laneNames: Record<string, string>;
  /** Agent calls that ended and wait for their disposition; `mine`: ended here, not found in Redis. */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; mine: boolean }>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly deps: DeskDeps) {
    this.log = deps.logger.child({ component: "desk" });
    this.laneNames = Object.fromEntries(Object.entries(deps.config.lanes).map(([id, l]) => [id, l.displayName]));
  }

  /** Takes up the due entries found in Redis now (a restart) and then every sweep interval. */
  start(): void {
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** The hub exists only once the HTTP server does; with `ring` the pop goes up while the phone rings. */
  attach(hub: CtiHub, ring?: RingReaders): void {
    this.hub = hub;
    this.ring = ring;
  }

  /** The call's pop: the customer's record, offers ranked for this caller and call, the IVR path in words. */
  private async popFor(call: DeskCallView, c: PopCall, customer: CustomerView | null): Promise<{ pop: ScreenPop; offers: RankedOffer[]; reason: string | undefined }> {
    const { config } = this.deps;
    const reason = reasonOf(call);
    const ranked = customer ? await this.rank(customer, call, c, reason) : [];
    const cart = c.callback?.purpose?.cart;
    const offers = cart ? [cartOffer(cart), ...ranked] : ranked;
    const pop = composePop({
      call: { callId: c.callId, callerNumber: call.state.call.callerNumber, callerName: call.state.call.callerName },
      customer,
      lane: { id: c.lane, config: config.lanes[c.lane] },
      queue: { id: c.queue, config: config.queues[c.queue] },
      path: call.state.path,
      purchased: call.state.purchased,
      laneNames: this.laneNames,
      vars: call.state.vars,
      reason,
      waitMs: c.waitMs,
      offers,
      callback: c.callback,
    });
    return { pop, offers, reason };
  }

  /**
   * The customer's record for the pop, read again rather than the one fetched when the call arrived: an
   * earlier call's history entry (written after its wrap-up) may have come since. A failed read keeps
   * the prefetched record. Without a desktop (no hub) nobody sees a pop: the prefetched one does.
   */
  private refresh(callId: string, number: string): Promise<LookupOutcome | undefined> {
    const prefetched = () => this.deps.crm.get(callId);
    if (!this.hub) return Promise.resolve(prefetched());
    return this.deps.crm.lookup(number).then((o) => (o.status === "error" ? prefetched() : o));
  }

  /**
   * The agent's phone rings for `callId`: the pop goes up now. It is composed beside the agent's other pop
   * work (an answer's pop does not wait for it) and put up in turn with it, if the call is still offered
   * to this agent then: a ring answered or missed meanwhile has its own pop, or none.
   */
  private async ringing(agentId: string, callId: string): Promise<void> {
    const { ring, hub } = this;
    if (!ring || !hub) return;
    const offered = async () => {
      const pos = await ring.queue.position(callId);
      return pos?.state === "offered" && pos.agentId === agentId ? pos : null;
    };
    const pos = await offered();
    if (!pos) return;
    const session = await this.sessionOf(ring, callId);
    if (!session) return;
    const call = { session, state: session.engine };
    const lookup = this.refresh(callId, call.state.call.callerNumber);
    this.fresh.set(callId, lookup);
    const found = await lookup;
    const { pop } = await this.popFor(call, { callId, agentId, queue: pos.queue, lane: pos.lane, waitMs: pos.waitMs }, found?.status === "found" ? found.customer : null);
    await this.lines.run(agentId, async () => {
      if (!(await offered())) return;
      // the line first: the card shows up ringing
      await this.lines.ringing(agentId, callId);
      await hub.pushPop(agentId, pop, { ringing: true });
      this.log.info({ callId, agentId, customer: pop.customer?.id ?? null }, "screen-pop pushed while ringing");
    });
  }

  /**
   * Preview pacing: the call's card (the customer, the script, the offers) on the agent's desk before
   * anything is dialled, its line waiting for Call or Skip until `until`.
   */
  preview(call: DeskCallView, c: PopCall, until: number): Promise<void> {
    const { hub } = this;
    if (!hub) return Promise.resolve();
    const lookup = this.refresh(c.callId, call.state.call.callerNumber);
    this.fresh.set(c.callId, lookup);
    return this.lines.run(c.agentId, async () => {
      const found = await lookup;
      const { pop } = await this.popFor(call, c, found?.status === "found" ? found.customer : null);
      await this.lines.preview(c.agentId, c.callId, until);
      await hub.pushPop(c.agentId, pop, { ringing: true });
      this.log.info({ callId: c.callId, agentId: c.agentId, customer: pop.customer?.id ?? null }, "screen-pop pushed for preview");
    });
  }

  private async sessionOf(ring: RingReaders, callId: string): Promise<CallSession | null> {
    const until = Date.now() + SESSION_WAIT_MS;
    for (;;) {
      const s = (await ring.sessions.find(callId))[0];
      if (s?.queue || Date.now() >= until) return s ?? null;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Caller and agent are connected: the pop (again, if it went up while ringing), the line talking. */
  connected(call: DeskCallView, c: Connected): Promise<void> {
    return this.lines.run(c.agentId, () => this.answered(call, c));
  }

  private async answered(call: DeskCallView, c: Connected): Promise<void> {
    const { config } = this.deps;
    const refreshed = this.fresh.get(c.callId) ?? this.refresh(c.callId, call.state.call.callerNumber);
    this.fresh.delete(c.callId);
    const lookup = await refreshed;
    const customer = lookup?.status === "found" ? lookup.customer : null;
    const { pop, offers, reason } = await this.popFor(call, c, customer);
    const credit = creditFor({ config, callId: c.callId, queue: c.queue, lane: c.lane, promisedLane: call.session.queue?.promised?.lane, waitMs: c.waitMs, callerNumber: call.state.call.callerNumber, consents: call.session.consents, customer, at: new Date() });
    const desk: DeskCall = {
      agentId: c.agentId,
      callerNumber: call.state.call.callerNumber,
      customer: customer ? { id: customer.id, name: customer.name } : null,
      offers: offers.map(({ id, title, value, currency }) => ({ id, title, value, currency })),
      queue: c.queue,
      lane: c.lane,
      waitSeconds: Math.round(c.waitMs / 1000),
      ...(reason ? { reason } : {}),
      path: pathChoices(call.state.path),
      answeredAt: new Date().toISOString(),
      ...(credit ? { credit: creditRecord(credit) } : {}),
    };
    await this.deps.store.save(c.callId, desk);
    const consultedBy = await this.lines.talking(c.agentId, c.callId);
    await this.hub?.pushPop(c.agentId, pop);
    if (consultedBy !== undefined) await this.hub?.record(c.agentId, { callId: c.callId, what: "consult", text: `${consultedBy} transferred the caller to you` });
    // after the pop: the agent's screen does not wait for the billing queue
    if (credit) await this.credit(credit);
    const at = Date.now();
    for (const o of offers) {
      void this.deps.events?.append({ type: "offer", at, callId: c.callId, agentId: c.agentId, queue: c.queue, lane: c.lane, offerId: o.id, outcome: "presented", value: o.value });
    }
    if (customer && offers.length) {
      await this.deps.caps.recordPresented(customer.id, offers.map((o) => o.id), this.deps.rules, new Date()).catch((err) => this.log.warn({ err }, "offer caps not recorded"));
    }
    this.log.info({ callId: c.callId, agentId: c.agentId, customer: customer?.id ?? null, offers: offers.map((o) => o.id) }, "screen-pop pushed");
  }

  /** The express promise was broken: one credit job per call (published again, it is the same job). Never throws. */
  private async credit(p: ExpressCreditPayload): Promise<void> {
    try {
      const { id } = await this.deps.jobs.publish("express-credit", p);
      this.log.info({ callId: p.callId, jobId: id, kind: p.kind, amount: p.amount, currency: p.currency, waitSeconds: p.waitSeconds, slaSeconds: p.slaSeconds }, "express promise broken; credit job published");
    } catch (err) {
      this.log.error({ err, callId: p.callId }, "express promise broken but the credit job was not published");
    }
  }

  private async rank(customer: CustomerView, call: DeskCallView, c: PopCall, reason: string | undefined): Promise<RankedOffer[]> {
    const { rules } = this.deps;
    const now = new Date();
    const capsUsed = await this.deps.caps.used(customer.id, rules.offers.map((o) => o.rule.id), rules, now).catch((err) => {
      // without the counts, err on the side of not repeating offers: show none rather than over-pitch
      this.log.warn({ err }, "offer caps unreadable; no offers in this pop");
      return null;
    });
    if (!capsUsed) return [];
    const digits = Object.fromEntries(Object.entries(call.state.vars).filter(([, v]) => typeof v === "string" && /^[0-9*#]+$/.test(v))) as Record<string, string>;
    const callFacts = offerCallSchema.parse({
      callerNumber: call.state.call.callerNumber,
      did: typeof call.state.call.did === "string" ? call.state.call.did : "",
      tree: call.state.tree,
      lane: c.lane,
      queue: c.queue,
      reason: reason ?? "",
      path: call.state.path,
      digits,
      waitSeconds: Math.round(c.waitMs / 1000),
    });
    return rankOffers(rules, { customer, call: callFacts, vars: call.state.vars }, { capsUsed, limit: this.deps.config.offers.limit });
  }

  /** The agent's answer to one offer. Interested: a lead for sales; sold: a sale for billing. */
  async outcome(agentId: string, o: OfferOutcome): Promise<void> {
    const d = await this.deps.store.get(o.callId);
    const offer = d?.offers.find((x) => x.id === o.offerId);
    if (!d || d.agentId !== agentId || !offer) throw Object.assign(new Error("this call or offer is not on your desk"), { code: "SBQ_NOT_FOUND" });
    await this.deps.store.recordOutcome(o.callId, { offer: o.offerId, outcome: o.outcome, ...(o.amount === undefined ? {} : { amount: o.amount }) });
    void this.deps.events?.append({
      type: "offer",
      at: Date.now(),
      callId: o.callId,
      agentId,
      queue: d.queue,
      lane: d.lane,
      offerId: offer.id,
      outcome: o.outcome,
      value: offer.value,
      ...(o.outcome === "sold" && { amount: o.amount ?? offer.value }),
    });
    const agentName = this.deps.config.agents.find((a) => a.id === agentId)?.name;
    const base = {
      occurredAt: new Date().toISOString(),
      callId: o.callId,
      customer: { id: d.customer?.id ?? `phone:${d.callerNumber}`, name: d.customer?.name ?? d.callerNumber, phone: d.callerNumber },
      offer: { id: offer.id, title: offer.title, value: offer.value },
      agent: { id: agentId, ...(agentName ? { name: agentName } : {}) },
    };
    // outbound: a sale converts the call's campaign member or web lead (never holds the outcome up)
    if (o.outcome === "sold") await this.onOutcome?.({ callId: o.callId, offerId: offer.id, outcome: o.outcome, amount: o.amount ?? offer.value }).catch((err: unknown) => this.log.warn({ err, callId: o.callId }, "offer outcome not passed on"));
    if (o.outcome === "interested") await this.deps.jobs.publish("lead", { ...base, idempotencyKey: `${o.callId}:${offer.id}:lead` });
    if (o.outcome === "sold") {
      await this.deps.jobs.publish("sale", { ...base, idempotencyKey: `${o.callId}:${offer.id}:sale`, amount: o.amount ?? offer.value, currency: offer.currency });
    }
    this.log.info({ callId: o.callId, agentId, offer: offer.id, outcome: o.outcome }, "offer outcome");
  }

  /** Told of every history entry written (outbound: the audience index). Set by the daemon. */
  onHistory: ((customerId: string, entry: HistoryEntry) => Promise<unknown>) | undefined;

  /** The call's recording for its history entry (supervisor/supervision.ts: `recordingLink`), if any. Set by the daemon. */
  recordingOf: ((callId: string) => Promise<HistoryEntry["recording"] | null>) | undefined;

  /** Told of every offer marked sold, with the amount (outbound: the call's member or lead is converted). Set by the daemon. */
  onOutcome: ((o: { callId: string; offerId: string; outcome: "sold"; amount: number }) => Promise<void>) | undefined;

  /** Told of every disposition with the caller's number (outbound: "do not call" lists the number). Set by the daemon. */
  onDisposition: ((number: string, disposition: string, agentId: string) => Promise<void>) | undefined;

  /** The agent's disposition: the call's history entry, with notes and offer outcomes. */
  async disposition(agentId: string, disp: Disposition): Promise<void> {
    const d = await this.deps.store.get(disp.callId);
    if (!d || d.agentId !== agentId) throw Object.assign(new Error("this call is not on your desk"), { code: "SBQ_NOT_FOUND" });
    await this.close(disp.callId, disp.disposition, disp.notes);
    await this.onDisposition?.(d.callerNumber, disp.disposition, agentId);
  }

  /**
   * The caller is gone. Every call leaves a history entry: an agent's call when the agent gives the
   * disposition, or without one once wrap-up and the grace period are over (phone-only agents); any
   * other call now, with the path it took and how it ended.
   */
  async ended(call: { session: CallSession; state: CallState }): Promise<void> {
    const { session, state } = call;
    this.callerGoneWhileRinging(call);
    const reason = reasonOf(call);
    const customerId = customerIdOf(state);
    void this.deps.events?.append({
      type: "call",
      at: Date.now(),
      callId: session.callId,
      tree: state.tree,
      outcome: callOutcome(call),
      durationMs: Math.max(0, Date.now() - session.startedAt),
      customerId,
      reason,
      queue: session.queue?.queue,
      lane: session.queue?.lane,
      agentId: session.agent?.agentId,
    });
    if (call.session.agent) return this.closeLater(call.session.callId, call.session.queue?.queue);
    // a booked call back writes the call's history entry when it is over (same call id)
    if (call.session.callback) return;
    const credit = await this.abandonCredit(call);
    if (customerId) void this.write(customerId, { ...unattendedEntry(call, new Date()), ...(credit ? { credit: creditRecord(credit) } : {}) });
  }

  /**
   * A caller who gave up in the express lane, or whose maximum wait ran out, after its SLA (or who was
   * moved out of it at join): the promise was broken all the same.
   */
  private async abandonCredit(call: { session: CallSession; state: CallState }): Promise<ExpressCreditPayload | undefined> {
    const q = call.session.queue;
    if (!q || (q.leftAt === undefined && callOutcome(call) !== "abandoned")) return undefined;
    // the record the tree saw (the lookup itself is gone with the call)
    const c = call.state.customer;
    const customer = c && typeof c.id === "string" ? { id: c.id, name: typeof c.name === "string" ? c.name : c.id, express: c.express === true } : null;
    const at = new Date();
    const credit = creditFor({ config: this.deps.config, callId: call.session.callId, queue: q.queue, lane: q.lane, promisedLane: q.promised?.lane, waitMs: (q.leftAt ?? at.getTime()) - q.joinedAt, callerNumber: call.state.call.callerNumber, consents: call.session.consents, customer, at });
    if (credit) await this.credit(credit);
    return credit;
  }

  /**
   * An agent's call is over: its entry is due after the queue's wrap-up and the grace. The deadline goes
   * to Redis first, so a daemon stopped before it still leaves the entry to the next one.
   */
  async closeLater(callId: string, queue: string | undefined): Promise<void> {
    const wrapUpMs = (this.deps.config.queues[queue ?? ""]?.wrapUp ?? 0) * 1000;
    const at = Date.now() + wrapUpMs + this.deps.dispositionGraceMs;
    await this.deps.store.closeBy(callId, at).catch((err) => this.log.error({ err, callId }, "history deadline not kept; only this daemon will write the entry"));
    this.closeAt(callId, at, true);
  }

  private closeAt(callId: string, at: number, mine: boolean): void {
    if (this.pending.has(callId)) return;
    const timer = setTimeout(() => void this.close(callId, "not recorded"), Math.max(0, at - Date.now()));
    timer.unref();
    this.pending.set(callId, { timer, mine });
  }

  /** Every due entry in Redis gets a timer here too: of two daemons racing for one, DeskStore.take lets one write it. */
  private async sweep(): Promise<void> {
    try {
      for (const { callId, at } of await this.deps.store.closing()) this.closeAt(callId, at, false);
    } catch (err) {
      this.log.warn({ err }, "due history entries not read");
    }
  }

  /**
   * A queue-side change of the agent's state (ringing, on a call, wrap-up, paused after a missed call), for
   * the page; a ring that names its call puts the call's pop up, and the lines on the desk follow.
   */
  agentStatus(agentId: string, status: AgentStatus & { callId?: string | undefined }): void {
    const { callId, ...shown } = status;
    void this.hub?.sendState(agentId, shown).catch((err) => this.log.warn({ err, agentId }, "agent state not sent to the desktop"));
    if (!this.hub) return;
    const done = shown.state === "ringing" && callId ? this.ringing(agentId, callId) : this.lines.run(agentId, () => this.lines.settle(agentId, shown.state));
    void done.catch((err) => this.log.warn({ err, agentId, callId }, "desk line not updated"));
  }

  /** The agent handed the caller on (a blind transfer): their part of the call is written now, before the next agent's. */
  async transferred(agentId: string, callId: string, text: string): Promise<void> {
    const d = await this.deps.store.get(callId);
    if (!d || d.agentId !== agentId) return;
    // the conversation ended with the agent's leg; the next one starts a record of its own
    await this.deps.store.recordTalk(callId, { to: Date.now() });
    await this.close(callId, "transferred", text);
  }

  /** A consultation's course on the consulting agent's line (calls/consult.ts): whom, ringing or talking, the caller on hold. */
  line(agentId: string, callId: string, patch: LinePatch): void {
    void this.lines.run(agentId, async () => void (await this.hub?.patchLine(agentId, callId, patch, false))).catch((err) => this.log.warn({ err, agentId, callId }, "desk line not updated"));
  }

  /**
   * A consultation's course on the consulted agent's desk (calls/consult.ts): the caller's card (the call's
   * own pop) goes up while their phone rings and stays while the two agents talk, its line marked with who
   * consults them. It stays a ringing pop, which the hub does not let them act on, until the transfer
   * completes: then `connected` makes it their live card.
   */
  consulted(agentId: string, c: PopCall, from: string, state: "ringing" | "talking"): void {
    const { hub, ring } = this;
    if (!hub || !ring) return;
    if (state === "ringing") this.lines.consulting(agentId, c.callId, from);
    const still = () => this.lines.consulted(agentId, c.callId);
    const work = async () => {
      if (!still()) return;
      if (state === "talking") return this.lines.consultLine(agentId, c.callId, "talking");
      // the agent's own earlier part of this call, still on their desk for its disposition: left as it is
      if ((await hub.lines(agentId)).some((l) => l.callId === c.callId)) return void this.lines.unconsult(agentId, c.callId);
      const session = (await ring.sessions.find(c.callId))[0];
      if (!session) return void this.lines.unconsult(agentId, c.callId);
      const call = { session, state: session.engine };
      const found = await this.refresh(c.callId, call.state.call.callerNumber);
      const { pop } = await this.popFor(call, c, found?.status === "found" ? found.customer : null);
      if (!still()) return;
      await this.lines.consultLine(agentId, c.callId, "ringing");
      await hub.pushPop(agentId, pop, { ringing: true });
      this.log.info({ callId: c.callId, agentId, from, customer: pop.customer?.id ?? null }, "screen-pop pushed for a consultation");
    };
    void this.lines.run(agentId, work).catch((err) => this.log.warn({ err, agentId, callId: c.callId }, "consultation card not updated"));
  }

  /** The consultation fell through (back to the caller, a party hung up): the card goes from the consulted agent's desk, `why` told. */
  consultOver(agentId: string, callId: string, why: string): void {
    const { hub } = this;
    if (!hub || !this.lines.unconsult(agentId, callId)) return;
    const work = async () => {
      if (!(await hub.lines(agentId)).some((l) => l.callId === callId && l.consultFrom)) return;
      await hub.clearPop(agentId, callId);
      // after the card: the page puts it in the desk's log, which outlives the card
      await hub.record(agentId, { callId, what: "consult", text: why });
    };
    void this.lines.run(agentId, work).catch((err) => this.log.warn({ err, agentId, callId }, "consultation card not cleared"));
  }

  /** Tells every tab of the agent what became of a call's consultation. */
  tell(agentId: string, callId: string, text: string): void {
    void this.hub?.record(agentId, { callId, what: "consult", text }).catch((err) => this.log.warn({ err, agentId, callId }, "consultation news not sent to the desktop"));
  }

  /** The caller went on without the agent's request (a consultation completed or fell through): its part is written, the card goes. */
  async handedOn(agentId: string, callId: string, text: string): Promise<void> {
    await this.transferred(agentId, callId, text);
    await this.hub?.record(agentId, { callId, what: "transfer", text });
    await this.hub?.clearPop(agentId, callId);
  }

  /** A caller gone while an agent's phone rang: the pop goes, and the agent's page hears the state the queue put them in. */
  private callerGoneWhileRinging(call: DeskCallView): void {
    const callId = call.session.callId;
    this.fresh.delete(callId);
    const agentId = this.lines.ringingFor(callId);
    if (agentId === undefined || call.session.agent?.agentId === agentId) return;
    void this.lines
      .run(agentId, async () => {
        if (!(await this.lines.gone(callId))) return;
        const now = (await this.ring?.queue.agentRecords([agentId]))?.get(agentId);
        if (now) await this.hub?.sendState(agentId, { state: now.state, ...(now.reason ? { reason: now.reason } : {}) });
      })
      .catch((err) => this.log.warn({ err, agentId, callId }, "ringing pop not cleared"));
  }

  /** A moment of the conversation (the agent leg entered the bridge, the first party left): its talk time. */
  talk(callId: string, m: TalkMoment): void {
    void this.deps.store.recordTalk(callId, m).catch((err) => this.log.warn({ err, callId }, "talk time not recorded"));
  }

  /** An answered CDR paired with another channel: a call's caller CDR cross-checks its talk time. */
  callerCdr(channelId: string, cdr: CallerCdr): void {
    void this.deps.store.recordCallerCdr(channelId, cdr).catch((err) => this.log.debug({ err, channelId }, "caller CDR not recorded"));
  }

  /**
   * Shutdown: the calls that ended here and still wait for a disposition get their entry now rather than
   * never; those found in Redis are left to their own daemon (or the next sweep of another one).
   */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    const mine = [...this.pending].filter(([, p]) => p.mine).map(([callId]) => callId);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await Promise.all(mine.map((callId) => this.close(callId, "not recorded")));
  }

  /** Writes the call's entry once, whichever daemon or timer gets here first. */
  private async close(callId: string, disposition: string, notes?: string): Promise<void> {
    clearTimeout(this.pending.get(callId)?.timer);
    this.pending.delete(callId);
    const taken = await this.deps.store.take(callId).catch((err) => {
      this.log.error({ err, callId }, "call not readable for its history entry");
      return null;
    });
    if (!taken) return;
    const { call: d, outcomes, talk } = taken;
    const talkSeconds = this.talkTime(callId, talk);
    void this.deps.events?.append({
      type: "handled",
      at: Date.now(),
      callId,
      agentId: d.agentId,
      queue: d.queue,
      lane: d.lane,
      talkMs: talkSeconds === undefined ? undefined : Math.round(talkSeconds * 1000),
      disposition,
      customerId: d.customer?.id,
      reason: d.reason,
    });
    if (!d.customer) return;
    const recording = await this.recordingOf?.(callId).catch((err: unknown) => {
      this.log.warn({ err, callId }, "call recording not looked up; the history entry goes without its link");
      return null;
    });
    await this.write(d.customer.id, {
      at: d.answeredAt,
      callId,
      lane: d.lane,
      queue: d.queue,
      waitSeconds: d.waitSeconds,
      ...(talkSeconds === undefined ? {} : { talkSeconds }),
      agent: d.agentId,
      disposition,
      ...(d.reason ? { reason: d.reason } : {}),
      path: d.path,
      ...(notes ? { notes } : {}),
      ...(outcomes.length ? { offers: outcomes } : {}),
      ...(d.credit ? { credit: d.credit } : {}),
      ...(recording ? { recording } : {}),
    });
  }

  /** The talk time from the bridge; the caller's CDR only checks it (a real PBX bills the agent leg 0 s). */
  private talkTime(callId: string, talk: TalkRecord): number | undefined {
    const seconds = talkSeconds(talk);
    const byCdr = cdrTalkSeconds(talk);
    const cdr = byCdr === undefined ? {} : { cdrTalkSeconds: Math.round(byCdr * 10) / 10 };
    const off = cdrDisagreement(talk);
    if (off) this.log.warn({ callId, ...off, cdr: talk.cdr }, "talk time: the bridge and the caller's CDR disagree; the bridge's is kept");
    else if (seconds !== undefined) this.log.debug({ callId, talkSeconds: seconds, ...cdr }, "talk time from the bridge");
    else if (talk.from !== undefined) this.log.info({ callId, ...cdr }, "talk time unknown: the end of the conversation was not seen");
    return seconds;
  }

  /** Written back to the CRM store, and to the history webhook when one is configured. */
  private async write(customerId: string, entry: HistoryEntry): Promise<void> {
    await this.deps.customers.appendHistory?.(customerId, entry).catch((err) => this.log.warn({ err, customer: customerId }, "history not written to the CRM store"));
    await this.onHistory?.(customerId, entry).catch((err: unknown) => this.log.warn({ err, customer: customerId }, "history not indexed for audiences"));
    if (this.deps.config.jobs.webhooks.history) {
      await this.deps.jobs
        .publish("history", { idempotencyKey: `${entry.callId}:history`, occurredAt: new Date().toISOString(), customerId, entry })
        .catch((err) => this.log.error({ err, customer: customerId }, "history job not queued"));
    }
  }
}
