import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admissionState, decideAdmission, overflows, type AdmissionState } from "../../src/queue/admission.js";
import { admissionSchema, queueSchema } from "../../src/queue/config.js";
import { freeUpsQuantile, waitQuantile } from "../../src/queue/ewt.js";
import { QueueError } from "../../src/queue/index.js";
import { QueueModel } from "../../src/queue/model.js";
import { configSchema } from "../../src/config/schema.js";
import { redisPerFile } from "../setup/redis.js";
import { makeQueue, staff } from "./helpers.js";

const S = 1000;
const lane = (name: string, headStartS: number, slaS: number, percent = 80) => ({
  name,
  displayName: name,
  headStartMs: headStartS * S,
  priorityBoostMs: 0,
  sla: { ms: slaS * S, percent },
});
const express = lane("express", 300, 20);
const standard = lane("standard", 0, 120);
const CONTROL = admissionSchema.parse({});

/** A queue of `staffed` agents (none free unless said), handle time 180 s: one frees up every 180/staffed s. */
function state(waiting: [laneName: "express" | "standard", waitS: number][], over: Partial<AdmissionState> = {}): AdmissionState {
  const lanes = over.lanes ?? [express, standard];
  return {
    lanes,
    waiting: waiting.map(([l, w]) => ({ lane: l, waitMs: w * S, headStartMs: lanes.find((x) => x.name === l)!.headStartMs })),
    waitingTotal: waiting.length,
    idleAgents: 0,
    staffedAgents: 50,
    handleTimeMs: 180 * S,
    reserve: null,
    ...over,
  };
}
const times = (n: number, l: "express" | "standard", fromS: number): [typeof l, number][] => Array.from({ length: n }, (_, i) => [l, fromS + i]);

describe("the forecast", () => {
  it("is the Erlang quantile: one free-up at 80% is -ln(0.2) mean gaps, the mean is expectedWait", () => {
    expect(freeUpsQuantile(1, 80)).toBeCloseTo(-Math.log(0.2), 9);
    // Gamma(4, 1) at 80%: 5.515
    expect(freeUpsQuantile(4, 80)).toBeCloseTo(5.515, 3);
    expect(waitQuantile({ ahead: 0, idleAgents: 1, staffedAgents: 5, handleTimeMs: 100_000 }, 80)).toBe(0);
    expect(waitQuantile({ ahead: 0, idleAgents: 0, staffedAgents: 0, handleTimeMs: 100_000 }, 80)).toBeNull();
    // 50 agents, 180 s: a gap of 3.6 s; the first free-up at 80% takes 5.8 s
    expect(waitQuantile({ ahead: 0, idleAgents: 0, staffedAgents: 50, handleTimeMs: 180_000 }, 80)).toBe(5794);
  });

  it("grows with m and the percentile, also across the switch to the approximation at m = 100", () => {
    for (const p of [20, 50, 80, 95, 99]) {
      let prev = 0;
      for (let m = 1; m <= 140; m++) {
        const x = freeUpsQuantile(m, p);
        expect(x).toBeGreaterThan(prev);
        prev = x;
      }
    }
    expect(freeUpsQuantile(30, 90)).toBeGreaterThan(freeUpsQuantile(30, 80));
  });
});

describe("admission decision", () => {
  it("admits when the forecast is within the target, the share below the cap and every bound kept", () => {
    const d = decideAdmission(state(times(4, "standard", 10)), CONTROL);
    expect(d).toEqual({
      admit: true,
      check: "admitted",
      laneWaiting: 0,
      reason: "forecast express wait 5.8 s <= 20 s target; 1 of 5 waiting would be express (cap 25%); every caller it passes stays within its bound",
      forecastWaitMs: 5794,
    });
  });

  it("refuses by the share cap", () => {
    const d = decideAdmission(state([...times(12, "express", 1), ...times(28, "standard", 1)], { idleAgents: 20 }), CONTROL);
    expect(d.admit).toBe(false);
    expect(d.reason).toBe("express full: 12 of 40 waiting are express (cap 25%)");
    expect(d.check).toBe("share");
    // a caller entitled to the lane is not refused by the cap on sales: the forecast decides
    expect(decideAdmission(state([...times(12, "express", 1), ...times(28, "standard", 1)], { idleAgents: 20 }), CONTROL, "express", true).check).not.toBe("share");
    // the only express caller is never refused by the cap: one of one waiting is 100%
    expect(decideAdmission(state([]), CONTROL).admit).toBe(true);
  });

  it("refuses by the forecast at the lane's SLA percentile", () => {
    // 6 express ahead: the 7th agent to free up; Gamma(7) at 80% is 9.08 gaps of 3.6 s
    const d = decideAdmission(state([...times(6, "express", 1), ...times(30, "standard", 1)]), CONTROL);
    expect(d.admit).toBe(false);
    expect(d.reason).toMatch(/^forecast express wait 32.7 s > 20 s target \(80th percentile: 6 ahead, 0 of 50 agents free, handle time 180 s\)$/);
    expect(d.forecastWaitMs).toBe(Math.round(freeUpsQuantile(7, 80) * 3600));
    expect(d.check).toBe("forecast");
    // standard callers older than the head start are placed ahead of a new express caller too
    expect(decideAdmission(state(times(8, "standard", 400)), CONTROL).reason).toMatch(/^forecast express wait .* 8 ahead/);
  });

  it("an entitled caller overflows to standard only when the forecast or a bound refuses and the lane already has callers", () => {
    const full = decideAdmission(state([...times(6, "express", 1), ...times(30, "standard", 1)]), CONTROL, "express", true);
    expect(full).toMatchObject({ admit: false, check: "forecast", laneWaiting: 6 });
    const control = admissionSchema.parse({});
    expect(overflows(control, full)).toBe(true);
    expect(overflows({ ...control, overflow: "none" }, full)).toBe(false);
    expect(overflows({ ...control, enabled: false }, full)).toBe(false);
    // the lane's first caller is next whatever the forecast: it stays
    const first = decideAdmission(state(times(30, "standard", 1), { idleAgents: 0, staffedAgents: 1 }), CONTROL, "express", true);
    expect(first).toMatchObject({ admit: false, check: "forecast", laneWaiting: 0 });
    expect(overflows(control, first)).toBe(false);
    // the cap on sales never moves anyone
    const capped = decideAdmission(state([...times(12, "express", 1), ...times(28, "standard", 1)], { idleAgents: 20 }), CONTROL);
    expect(overflows(control, capped)).toBe(false);
  });

  it("refuses when a caller it would pass would wait longer than its lane's bound", () => {
    // a head start of 5 s: a standard caller may wait at most 5 s longer than first come, first served
    const lanes = [lane("express", 5, 20), standard];
    const d = decideAdmission(state([["standard", 2], ["express", 1]], { lanes }), { ...CONTROL, maxShare: 0.9 });
    expect(d.admit).toBe(false);
    // it would wait for 2 free-ups more than at its first-come place (the express caller already ahead and this one)
    expect(d.reason).toBe(
      "standard bound: the longest standard wait would pass its bound (a caller waiting 2 s would wait 10.8 s longer than at its first-come place; the head start allows 5 s)",
    );
    expect(d.forecastWaitMs).toBe(Math.round(freeUpsQuantile(2, 80) * 3600));
    expect(d.check).toBe("bound");
    // with the head start of 300 s the same queue admits
    expect(decideAdmission(state([["standard", 2], ["express", 1]]), { ...CONTROL, maxShare: 0.9 }).admit).toBe(true);
  });

  it("admits without a forecast when the queue has no admission control, or it is off, or another lane is asked about", () => {
    const busy = state(times(40, "express", 1));
    expect(decideAdmission(busy, undefined, "express")).toEqual({ admit: true, check: "open", reason: "no admission control", forecastWaitMs: null, laneWaiting: null });
    expect(decideAdmission(busy, { ...CONTROL, enabled: false })).toMatchObject({ admit: true, forecastWaitMs: null });
    expect(decideAdmission(busy, CONTROL, "standard")).toMatchObject({ admit: true, reason: "no admission control for lane standard (this queue controls express)" });
  });

  it("refuses when nobody is staffed: no wait can be promised", () => {
    expect(decideAdmission(state([], { staffedAgents: 0 }), CONTROL)).toMatchObject({ admit: false, forecastWaitMs: null });
  });

  it("counts on the reserved share: only reserved-lane callers ahead hold it up once the others fill theirs", () => {
    // 30 standard callers older than the head start are ahead; 15 of 50 agents are reserved for express
    const backlog = state(times(30, "standard", 400));
    expect(decideAdmission(backlog, CONTROL).admit).toBe(false);
    const d = decideAdmission({ ...backlog, reserve: { share: 0.3, lanes: ["express"] } }, CONTROL);
    expect(d.admit).toBe(true);
    expect(d.forecastWaitMs).toBe(Math.round(freeUpsQuantile(1, 80) * 12_000));
  });

  it("is monotone: more idle agents never turn admit into refuse, more express waiting never turns refuse into admit", () => {
    const arb = fc
      .record({
        headStartS: fc.integer({ min: 0, max: 600 }),
        slaS: fc.integer({ min: 5, max: 120 }),
        percent: fc.integer({ min: 50, max: 99 }),
        maxShare: fc.double({ min: 0.05, max: 1, noNaN: true }),
        waiting: fc.array(fc.tuple(fc.constantFrom<"express" | "standard">("express", "standard"), fc.integer({ min: 0, max: 900 })), { maxLength: 40 }),
        staffed: fc.integer({ min: 0, max: 80 }),
        idleShare: fc.double({ min: 0, max: 1, noNaN: true }),
        handleS: fc.integer({ min: 30, max: 600 }),
        reserve: fc.option(fc.double({ min: 0, max: 0.6, noNaN: true }), { nil: null }),
        moreIdle: fc.integer({ min: 0, max: 20 }),
        moreStaffed: fc.integer({ min: 0, max: 20 }),
        extraWaitS: fc.integer({ min: 0, max: 900 }),
      })
      .map((r) => {
        const lanes = [lane("express", r.headStartS, r.slaS, r.percent), lane("standard", 0, 120, r.percent)];
        const s = state(r.waiting, {
          lanes,
          staffedAgents: r.staffed,
          idleAgents: Math.floor(r.idleShare * r.staffed),
          handleTimeMs: r.handleS * S,
          reserve: r.reserve === null ? null : { share: r.reserve, lanes: ["express"] },
        });
        return { r, s, control: { ...CONTROL, maxShare: r.maxShare } };
      });
    fc.assert(
      fc.property(arb, ({ r, s, control }) => {
        const before = decideAdmission(s, control);
        const idler = { ...s, idleAgents: s.idleAgents + r.moreIdle, staffedAgents: s.staffedAgents + r.moreIdle + r.moreStaffed };
        if (before.admit) expect(decideAdmission(idler, control).admit, JSON.stringify(idler)).toBe(true);
        const busier = state([...r.waiting, ["express", r.extraWaitS]], { ...s });
        if (!before.admit) expect(decideAdmission(busier, control).admit, JSON.stringify(busier)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("config", () => {
  const base = { lanes: { express: { displayName: "E", headStart: 300, sla: { seconds: 20, percent: 80 } }, standard: { displayName: "S", sla: { seconds: 120, percent: 80 } } } };

  it("defaults an admission object to express, 25%, on, overflowing to standard; a queue without one has none", () => {
    expect(queueSchema.parse({ lanes: ["express", "standard"], admission: {} }).admission).toEqual({ lane: "express", maxShare: 0.25, enabled: true, overflow: "standard" });
    expect(queueSchema.parse({ lanes: ["express", "standard"] }).admission).toBeUndefined();
    expect(configSchema.safeParse({ ...base, queues: { q: { lanes: ["express", "standard"], admission: { maxShare: 0.1 } } } }).success).toBe(true);
  });

  it("refuses an admission lane the queue does not have, and a share outside (0, 1]", () => {
    const r = configSchema.safeParse({ ...base, queues: { q: { lanes: ["standard"], admission: {} } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toEqual([
      expect.objectContaining({ path: ["queues", "q", "admission", "lane"], message: expect.stringMatching(/admission lane "express" is not one of this queue's lanes \(standard\)/) }),
    ]);
    expect(queueSchema.safeParse({ lanes: ["express"], admission: { maxShare: 0 } }).success).toBe(false);
    expect(queueSchema.safeParse({ lanes: ["express"], admission: { maxShare: 1.5 } }).success).toBe(false);
  });
});

describe("CallerQueue.admission on Redis", () => {
  const { env, redis } = redisPerFile();
  const controlled = { support: { lanes: ["express", "standard"], wrapUp: 0, admission: {} }, plain: { lanes: ["express", "standard"] } };

  it("admits on an idle queue and refuses on an overloaded one, writing nothing", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: controlled });
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    expect(await cq.admission("support", "express")).toMatchObject({ admit: true, forecastWaitMs: 0 });

    // both agents on calls, five standard callers waiting: the next express caller waits for one of two
    // agents to free up, 180 s / 2 = 90 s a gap
    for (let i = 0; i < 7; i++) await cq.enqueue({ callId: `c${i}`, queue: "support", lane: "standard" });
    for (let offer = await cq.dispatch("support"); offer; offer = await cq.dispatch("support")) await cq.answered(offer.callId, offer.agentId);
    clock.advance(10_000);
    const events = await redis().xlen(cq.keys.events);
    const d = await cq.admission("support", "express");
    expect(d.admit).toBe(false);
    expect(d.reason).toMatch(/^forecast express wait 145 s > 20 s target \(80th percentile: 0 ahead, 0 of 2 agents free/);
    expect(d.forecastWaitMs).toBe(Math.round(freeUpsQuantile(1, 80) * 90_000));
    expect(await redis().xlen(cq.keys.events)).toBe(events);
  });

  it("says so when the queue has no admission control, and refuses unknown queues and lanes as invalid input", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: controlled });
    await staff(cq, clock, [{ id: "a1", queues: ["support", "plain"] }]);
    expect(await cq.admission("plain", "express")).toEqual({ admit: true, check: "open", reason: "no admission control", forecastWaitMs: null, laneWaiting: null });
    const code = (p: Promise<unknown>) => p.then(() => "none", (e: unknown) => (e instanceof QueueError ? e.code : String(e)));
    expect(await code(cq.admission("nope", "express"))).toBe("SBQ_INVALID_INPUT");
    expect(await code(cq.admission("support", "gold"))).toBe("SBQ_INVALID_INPUT");
  });

  // with a priority boost the read includes scores; without, they follow from lane and join time
  it.each([20, 0])("decides as the model does on the same operations (admission.lua = QueueModel.admissionRead), priority boost %i s", async (boost) => {
    const lanes = { express: { displayName: "E", headStart: 30, priorityBoost: boost, sla: { seconds: 20, percent: 80 } }, standard: { displayName: "S", sla: { seconds: 120, percent: 90 } } };
    const queues = { support: { lanes: ["express", "standard"], wrapUp: 3, admission: { maxShare: 0.5 }, reserve: { share: 0.34, lanes: ["express"] } } };
    const opArb = fc.oneof(
      fc.record({ k: fc.constant("join" as const), lane: fc.constantFrom("express", "standard"), priority: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ k: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
      fc.record({ k: fc.constant("serve" as const) }),
      fc.record({ k: fc.constant("end" as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const { cq, clock } = makeQueue(redis(), env.prefix, { lanes, queues });
        const model = new QueueModel(cq.settings, clock);
        const agents = ["a1", "a2", "a3"];
        for (const id of agents) {
          const profile = { agentId: id, endpoint: `PJSIP/${id}`, queues: ["support"] };
          model.registerAgent(profile);
          model.agentState(id, { to: "available" });
          await cq.registerAgent(profile);
          await cq.agentState(id, { to: "available" });
          clock.advance(1);
        }
        let n = 0;
        const oncall: string[] = [];
        for (const op of ops) {
          if (op.k === "tick") clock.advance(op.ms);
          else if (op.k === "join") {
            const req = { callId: `c${n++}`, queue: "support", lane: op.lane, priority: op.priority };
            model.enqueue(req);
            await cq.enqueue(req);
          } else if (op.k === "serve") {
            const offer = model.dispatch("support");
            expect(await cq.dispatch("support")).toEqual(offer);
            if (offer) {
              model.answered(offer.callId, offer.agentId);
              await cq.answered(offer.callId, offer.agentId);
              oncall.push(offer.agentId);
            }
          } else if (oncall.length) {
            const [agent] = oncall.splice(op.pick % oncall.length, 1);
            model.agentState(agent!, { to: "wrapup" });
            await cq.agentState(agent!, { to: "wrapup" });
          }
          const now = clock.now();
          const fromModel = decideAdmission(admissionState(cq.settings, "support", model.admissionRead("support", 1000), now), cq.settings.queues.get("support")!.admission);
          expect(await cq.admission("support", "express")).toEqual(fromModel);
        }
      }),
      { numRuns: 25 },
    );
  });
});
