/**
 * Folding a known day of events into KPIs, formula by formula: service level four ways, ASA, abandon
 * rates, handle time, occupancy over intervals, no-answer rate, first-contact resolution windows,
 * CSAT and revenue. And: how a stream is cut into batches never changes the totals.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { SiteEvent } from "../../src/events/schema.js";
import { dayFormatter, dayKey, intervalKey, type Dim } from "../../src/metrics/buckets.js";
import type { Delta } from "../../src/metrics/delta.js";
import { fold, type AgentTrack, type FoldSettings, type LastContact } from "../../src/metrics/fold.js";
import { kpisOf, sumCounters } from "../../src/metrics/kpis.js";

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const S = 1000;
const MIN = 60 * S;
const DAY = 86_400 * S;
const settings: FoldSettings = {
  slMs: new Map([
    ["express", 20 * S],
    ["standard", 120 * S],
  ]),
  shortAbandonMs: 5 * S,
  fcrWindowMs: 7 * DAY,
  csatSatisfiedShare: 0.8,
  dayOf: dayFormatter("UTC"),
};

let seq = 0;
const ev = (e: Record<string, unknown>): SiteEvent => ({ id: `${++seq}-0`, ...e }) as SiteEvent;
const q = (type: string, at: number, lane: string, callId: string, extra: Record<string, unknown>) => ev({ type, at, queue: "support", lane, callId, ...extra });
const agent = (agentId: string, at: number, from: string, to: string) => ev({ type: "agent", at, agentId, from, to, queues: ["support"] });

/** The counters of one id in one dimension, summed over every period key of one grain in the delta. */
function counters(delta: Delta, grain: "i" | "d", dim: Dim, id: string): Record<string, number> {
  const rows: Record<string, number>[] = [];
  for (const [map, isMax] of [
    [delta.sums, false],
    [delta.maxes, true],
  ] as const) {
    for (const [key, fields] of map) {
      if (!key.startsWith(`kpi:${grain}:`) || !key.endsWith(`:${dim}`)) continue;
      const row: Record<string, number> = {};
      for (const [f, v] of fields) {
        const bar = f.lastIndexOf("|");
        if (f.slice(0, bar) === id) row[isMax ? f.slice(bar + 1) : f.slice(bar + 1)] = v;
      }
      rows.push(row);
    }
  }
  return sumCounters(rows);
}

const EMPTY = { agents: new Map<string, AgentTrack>(), contacts: new Map<string, LastContact>() };

describe("service", () => {
  const events = [
    q("answered", T0 + 10 * S, "express", "c1", { agentId: "a1", waitMs: 10 * S, ringMs: 2 * S, requeues: 0 }),
    q("answered", T0 + 60 * S, "express", "c2", { agentId: "a2", waitMs: 30 * S, ringMs: 1 * S, requeues: 1 }),
    q("abandoned", T0 + 70 * S, "express", "c3", { waitMs: 3 * S }),
    q("abandoned", T0 + 80 * S, "express", "c4", { waitMs: 15 * S }),
    q("abandoned", T0 + 300 * S, "standard", "c5", { waitMs: 200 * S }),
    q("timeout", T0 + 700 * S, "standard", "c6", { waitMs: 600 * S }),
    q("answered", T0 + 800 * S, "standard", "c7", { agentId: "a1", waitMs: 100 * S, ringMs: 3 * S, requeues: 0 }),
    q("refused", T0 + 900 * S, "standard", "c8", { reason: "full" }),
  ];
  const out = fold(events, settings, EMPTY);

  test("the four service-level formulas per lane: express 1 of 4 answered in 20 s, 2 abandoned within it, 1 of them short", () => {
    const k = kpisOf(counters(out.delta, "d", "ql", "support/express"), "abandons-against");
    expect(k.offered).toBe(4);
    expect(k.serviceLevels["abandons-against"]).toBeCloseTo(1 / 4);
    expect(k.serviceLevels["abandons-ignored"]).toBeCloseTo(1 / 2);
    expect(k.serviceLevels["abandons-for"]).toBeCloseTo(3 / 4);
    expect(k.serviceLevels["short-abandons-excluded"]).toBeCloseTo(1 / 3);
    expect(k.serviceLevel).toBe(k.serviceLevels["abandons-against"]);
    const std = kpisOf(counters(out.delta, "d", "l", "standard"), "abandons-ignored");
    // standard: answered in 100 s of a 120 s target; one abandon after 200 s, one timeout: both misses but where ignored
    expect(std.serviceLevels["abandons-against"]).toBeCloseTo(1 / 3);
    expect(std.serviceLevel).toBeCloseTo(1);
    expect(std.timedOut).toBe(1);
    expect(std.refused).toBe(1);
  });

  test("express: the promise kept among callers whose SLA came due; standard callers' ASA and the fairness cost", () => {
    const k = kpisOf(counters(out.delta, "d", "q", "support"), "abandons-against");
    // express: c1 answered in 10 s (kept), c2 in 30 s (broken); c3 and c4 left within 20 s (not due)
    expect(k.expressOffered).toBe(4);
    expect(k.expressPromiseKept).toBeCloseTo(1 / 2);
    // standard: only c7 was answered (100 s); every answered caller waited (10 + 30 + 100) / 3 s
    expect(k.standardAsaMs).toBe(100 * S);
    expect(k.fairnessCostMs).toBeCloseTo(100 * S - ((10 + 30 + 100) * S) / 3);
    // a queue whose sold lane is another: its express callers are standard ones
    const vip = fold(events, { ...settings, soldLanes: new Map([["support", "vip"]]) }, EMPTY);
    const v = kpisOf(counters(vip.delta, "d", "q", "support"), "abandons-against");
    expect(v.expressOffered).toBe(0);
    expect(v.expressPromiseKept).toBeNull();
    expect(v.fairnessCostMs).toBe(0);
  });

  test("call backs: offered, accepted, attempts, completed, given up, and the promise kept among the completed", () => {
    const cb = (callId: string, outcome: string, extra: Record<string, unknown> = {}) => ev({ type: "callback", at: T0, callId, queue: "support", outcome, ...extra });
    const f = fold(
      [cb("x", "offered"), cb("y", "offered"), cb("x", "accepted"), cb("x", "attempt", { result: "no answer" }), cb("x", "attempt", { result: "accepted" }), cb("x", "completed", { promise: "broken" }), cb("z", "completed", { promise: "kept" }), cb("w", "gave-up")],
      settings,
      EMPTY,
    );
    expect(kpisOf(counters(f.delta, "d", "q", "support"), "abandons-against")).toMatchObject({
      callbacksOffered: 2,
      callbacksAccepted: 1,
      callbackAttempts: 2,
      callbacksCompleted: 2,
      callbacksGaveUp: 1,
      callbackPromiseKept: 0.5,
    });
  });

  test("appointments: booked (express among them), cancelled, moved (rebalanced among them), called, per queue and for the site", () => {
    const ap = (bookingId: string, outcome: string, kind: string, extra: Record<string, unknown> = {}) =>
      ev({ type: "appointment", at: T0, bookingId, queue: "support", outcome, kind, slotStart: T0 + 3_600_000, ...extra });
    const f = fold(
      [
        ap("a", "booked", "standard"),
        ap("b", "booked", "express"),
        ap("a", "moved", "standard", { result: "rebalance" }),
        ap("c", "booked", "standard"),
        ap("c", "moved", "standard", { result: "admin" }),
        ap("c", "cancelled", "standard"),
        ap("b", "called", "express", { result: "b-1796662800000" }),
        ev({ type: "appointment", at: T0, bookingId: "d", queue: "billing", outcome: "booked", kind: "standard", slotStart: T0 }),
      ],
      settings,
      EMPTY,
    );
    expect(kpisOf(counters(f.delta, "d", "q", "support"), "abandons-against")).toMatchObject({
      appointmentsBooked: 3,
      appointmentsExpress: 1,
      appointmentsCancelled: 1,
      appointmentsMoved: 2,
      appointmentsRebalanced: 1,
      appointmentsCalled: 1,
    });
    expect(kpisOf(counters(f.delta, "d", "all", "*"), "abandons-against")).toMatchObject({ appointmentsBooked: 4, appointmentsExpress: 1 });
  });

  test("credits and upgrades count for the queue their job names, and for the site", () => {
    const jobs = [
      ev({ type: "job", at: T0, kind: "express-credit", jobId: "j1", outcome: "delivered", value: 2.5, queue: "support" }),
      ev({ type: "job", at: T0, kind: "express-credit", jobId: "j2", outcome: "delivered", value: 1 }),
    ];
    const f = fold(jobs, settings, EMPTY);
    expect(kpisOf(counters(f.delta, "d", "q", "support"), "abandons-against")).toMatchObject({ creditsIssued: 1, creditValue: 2.5 });
    expect(kpisOf(counters(f.delta, "d", "all", "*"), "abandons-against")).toMatchObject({ creditsIssued: 2, creditValue: 3.5 });
  });

  test("site: answer and abandon rates, ASA, longest wait; the interval and the day agree", () => {
    const day = kpisOf(counters(out.delta, "d", "all", "*"), "abandons-against");
    expect(day.offered).toBe(7);
    expect(day.answered).toBe(3);
    expect(day.answerRate).toBeCloseTo(3 / 7);
    expect(day.abandonRate).toBeCloseTo(3 / 7);
    expect(day.abandonRateExShort).toBeCloseTo(2 / 6);
    expect(day.asaMs).toBeCloseTo(((10 + 30 + 100) * S) / 3);
    expect(day.maxWaitMs).toBe(600 * S);
    // patience: every waiting second (answered, abandoned, timed out) over the 3 abandons
    expect(day.patienceMs).toBeCloseTo(((10 + 30 + 3 + 15 + 200 + 600 + 100) * S) / 3);
    expect(day.serviceLevels["abandons-for"]).toBeCloseTo(4 / 7);
    const interval = kpisOf(counters(out.delta, "i", "all", "*"), "abandons-against");
    expect(interval).toEqual(day);
  });

  test("no calls: every ratio is null, not 0", () => {
    const k = kpisOf({}, "abandons-against");
    expect([k.answerRate, k.asaMs, k.serviceLevel, k.ahtMs, k.occupancy, k.fcr, k.csat, k.conversion]).toEqual([null, null, null, null, null, null, null, null]);
  });
});

describe("handling", () => {
  test("AHT = talk + hold + wrap-up of the agent's call; occupancy = (on call + wrap-up) / staffed time; no-answer rate", () => {
    const events = [
      agent("a1", T0, "offline", "available"),
      q("offered", T0 + 8 * S, "express", "c1", { agentId: "a1", waitMs: 8 * S, requeues: 0 }),
      q("answered", T0 + 10 * S, "express", "c1", { agentId: "a1", waitMs: 10 * S, ringMs: 2 * S, requeues: 0 }),
      agent("a1", T0 + 130 * S, "oncall", "wrapup"),
      agent("a1", T0 + 145 * S, "wrapup", "available"),
      ev({ type: "handled", at: T0 + 146 * S, callId: "c1", agentId: "a1", queue: "support", lane: "express", talkMs: 120 * S, disposition: "resolved" }),
      agent("a2", T0, "offline", "available"),
      q("offered", T0 + 20 * S, "standard", "c2", { agentId: "a2", waitMs: 1 * S, requeues: 0 }),
      q("requeued", T0 + 35 * S, "standard", "c2", { agentId: "a2", agentTo: "paused", reason: "ring timeout", position: 1, waitMs: 16 * S }),
      agent("a2", T0 + 40 * S, "paused", "available"),
      q("offered", T0 + 40 * S, "standard", "c2", { agentId: "a2", waitMs: 21 * S, requeues: 1 }),
      q("requeued", T0 + 41 * S, "standard", "c2", { agentId: "a2", agentTo: "available", reason: "PBX unreachable", position: 1, waitMs: 22 * S }),
      agent("a2", T0 + 60 * S, "available", "offline"),
    ];
    const out = fold(events, settings, EMPTY);
    const a1 = kpisOf(counters(out.delta, "d", "a", "a1"), "abandons-against");
    expect(a1.handled).toBe(1);
    expect(a1.talkMs).toBe(120 * S);
    expect(a1.wrapupMs).toBe(15 * S);
    expect(a1.ahtMs).toBe(135 * S);
    expect(a1.occupancy).toBeCloseTo(135 / 145);
    expect(a1.staffedHours).toBeCloseTo(145 / 3600);
    const q1 = kpisOf(counters(out.delta, "d", "q", "support"), "abandons-against");
    expect(q1.ahtMs).toBe(135 * S);
    // a ring the agent let ring out is a miss; a ring the PBX failed is not
    const a2 = kpisOf(counters(out.delta, "d", "a", "a2"), "abandons-against");
    expect(a2.noAnswerRate).toBeCloseTo(1 / 2);
    // staffed: available 20 s + ringing 15 s + ringing 1 s + available 19 s; paused time is not staffed
    expect(a2.staffedHours * 3600).toBeCloseTo(55);
    expect(out.agents.get("a2")).toMatchObject({ state: "offline", since: T0 + 60 * S });
  });

  test("time in a state is spread over the 15-minute intervals it spans", () => {
    const out = fold([agent("a3", T0 + 10 * MIN, "offline", "available"), agent("a3", T0 + 40 * MIN, "available", "paused")], settings, EMPTY);
    const per = (start: number) => out.delta.sums.get(intervalKey(start, "a"))?.get("a3|state.availableMs");
    expect([per(T0), per(T0 + 15 * MIN), per(T0 + 30 * MIN)]).toEqual([5 * MIN, 15 * MIN, 10 * MIN]);
    expect(out.delta.sums.get(dayKey("2026-12-07", "a"))?.get("a3|staffedMs")).toBe(30 * MIN);
  });
});

describe("first-contact resolution", () => {
  const call = (at: number, customerId: string, reason: string, agentId = "a1") => ev({ type: "call", at, callId: `k${at}`, outcome: "agent", durationMs: 60 * S, customerId, reason, queue: "support", lane: "standard", agentId });

  test("a repeat within the window on the same reason counts against the first contact, in its day and for its agent", () => {
    const events = [
      call(T0, "c1", "billing", "a1"),
      call(T0 + 1 * DAY, "c2", "billing", "a2"),
      call(T0 + 3 * DAY, "c1", "billing", "a2"), // repeat of the first: against a1 on day 1
      call(T0 + 4 * DAY, "c1", "technical", "a2"), // another reason: a first contact of its own
      call(T0 + 9 * DAY, "c2", "billing", "a2"), // 8 days after: outside the 7-day window
      ev({ type: "call", at: T0 + 5 * DAY, callId: "anon", outcome: "ivr-hangup", durationMs: 5 * S }), // unknown caller: no contact
    ];
    const out = fold(events, settings, EMPTY);
    const dayOne = kpisOf(counters({ sums: new Map([...out.delta.sums].filter(([k]) => k.startsWith("kpi:d:2026-12-07"))), maxes: new Map() } as Delta, "d", "all", "*"), "abandons-against");
    expect(dayOne.contacts).toBe(1);
    expect(dayOne.repeats).toBe(1);
    expect(dayOne.fcr).toBe(0);
    const all = kpisOf(counters(out.delta, "d", "all", "*"), "abandons-against");
    expect(all.contacts).toBe(5);
    expect(all.fcr).toBeCloseTo(4 / 5);
    expect(all.calls).toBe(6);
    expect(kpisOf(counters(out.delta, "d", "a", "a1"), "abandons-against").fcr).toBe(0);
    expect(kpisOf(counters(out.delta, "d", "a", "a2"), "abandons-against").fcr).toBe(1);
  });

  test("the last contact comes from an earlier batch (read from Redis) as well as from this one", () => {
    const earlier = new Map([["c9|billing", { at: T0 - 2 * DAY, agentId: "a7", queue: "support", lane: "express" }]]);
    const out = fold([call(T0, "c9", "billing", "a1")], settings, { agents: new Map(), contacts: earlier });
    expect(counters(out.delta, "d", "a", "a7").repeats).toBe(1);
    expect(out.contacts.get("c9|billing")).toMatchObject({ at: T0, agentId: "a1" });
  });
});

describe("quality and revenue", () => {
  test("CSAT: satisfied share and average; revenue, conversion, lead value per offer and agent", () => {
    const survey = (score: number, agentId: string) => ev({ type: "survey", at: T0, callId: `s${score}`, score, scale: 5, agentId, queue: "support", lane: "express" });
    const offer = (offerId: string, outcome: string, value: number, amount?: number) =>
      ev({ type: "offer", at: T0, callId: "c1", agentId: "a1", queue: "support", lane: "express", offerId, outcome, value, ...(amount === undefined ? {} : { amount }) });
    const events = [
      survey(5, "a1"),
      survey(3, "a1"),
      survey(4, "a2"),
      survey(9, "a2"), // off the scale: not counted
      offer("o1", "presented", 10),
      offer("o1", "sold", 10, 12),
      offer("o2", "presented", 5),
      offer("o2", "declined", 5),
      offer("o3", "presented", 30),
      offer("o3", "interested", 30),
      ev({ type: "handled", at: T0, callId: "c1", agentId: "a1", queue: "support", lane: "express", talkMs: 60 * S, disposition: "sold" }),
      ev({ type: "job", at: T0, kind: "lead", jobId: "j1", outcome: "delivered", value: 30 }),
      ev({ type: "job", at: T0, kind: "lead", jobId: "j2", outcome: "failed", value: 10 }),
      ev({ type: "job", at: T0, kind: "express-credit", jobId: "j3", outcome: "delivered", value: 1 }),
      ev({ type: "job", at: T0, kind: "express-credit", jobId: "j4", outcome: "delivered", value: 1.99 }),
      ev({ type: "job", at: T0, kind: "express-credit", jobId: "j5", outcome: "failed", value: 5 }),
    ];
    const out = fold(events, settings, EMPTY);
    const site = kpisOf(counters(out.delta, "d", "all", "*"), "abandons-against");
    expect(site.surveys).toBe(3);
    expect(site.csat).toBeCloseTo(2 / 3);
    expect(site.csatAverage).toBeCloseTo((1 + 0.6 + 0.8) / 3);
    expect(site.offersPresented).toBe(3);
    expect(site.conversion).toBeCloseTo(1 / 3);
    expect(site.revenue).toBe(12);
    expect(site.leadValue).toBe(30);
    expect(site.leadsSent).toBe(1);
    expect(site.revenuePerCall).toBe(12);
    expect([site.leadsDelivered, site.leadsFailed]).toEqual([1, 1]);
    // express credits: only the delivered ones count, valued at their amounts
    expect(site.creditsIssued).toBe(2);
    expect(site.creditValue).toBeCloseTo(2.99);
    expect(kpisOf(counters(out.delta, "d", "o", "o1"), "abandons-against").conversion).toBe(1);
    expect(kpisOf(counters(out.delta, "d", "a", "a1"), "abandons-against").csat).toBeCloseTo(1 / 2);
  });
});

test("property: however a stream is cut into batches, the folded totals are the same", () => {
  const agents = ["a1", "a2"];
  const states = ["available", "paused", "ringing", "oncall", "wrapup", "offline"] as const;
  const eventArb = fc.oneof(
    fc.record({ kind: fc.constant("agent"), agentId: fc.constantFrom(...agents), to: fc.constantFrom(...states) }),
    fc.record({ kind: fc.constantFrom("answered", "abandoned", "timeout"), agentId: fc.constantFrom(...agents), lane: fc.constantFrom("express", "standard"), waitMs: fc.integer({ min: 0, max: 300_000 }) }),
    fc.record({ kind: fc.constant("call"), customer: fc.constantFrom("c1", "c2", "c3"), reason: fc.constantFrom("billing", "tech") }),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 3 * 3_600_000 })), { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 4 }), (raw, cuts) => {
      let t = T0;
      const events = raw.map(([r, gap]) => {
        t += gap;
        if (r.kind === "agent") return ev({ type: "agent", at: t, agentId: r.agentId, from: "available", to: r.to, queues: ["support"] });
        if (r.kind === "call") return ev({ type: "call", at: t, callId: `x${t}`, outcome: "agent", durationMs: 1, customerId: r.customer, reason: r.reason });
        return q(r.kind, t, r.lane, `x${t}`, { agentId: r.agentId, waitMs: r.waitMs, ringMs: 0, requeues: 0 });
      });
      const whole = fold(events, settings, EMPTY);
      // the same events in batches, each batch given the state the previous ones left
      const bounds = [...new Set([0, ...cuts.map((c) => Math.min(c, events.length)), events.length])].sort((a, b) => a - b);
      const agentsState = new Map<string, AgentTrack>();
      const contactsState = new Map<string, LastContact>();
      const parts: Record<string, number>[] = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const out = fold(events.slice(bounds[i], bounds[i + 1]), settings, { agents: agentsState, contacts: contactsState });
        out.agents.forEach((v, k) => agentsState.set(k, v));
        out.contacts.forEach((v, k) => contactsState.set(k, v));
        parts.push(counters(out.delta, "d", "all", "*"));
      }
      const a = counters(whole.delta, "d", "all", "*");
      const b = sumCounters(parts);
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) expect(b[k] ?? 0).toBeCloseTo(a[k] ?? 0, 6);
    }),
    { numRuns: 200 },
  );
});
