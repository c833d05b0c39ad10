import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mayOvertake, overtakeWindowMs, type Lane, type Offer } from "../../src/queue/index.js";
import { redisPerFile } from "../setup/redis.js";
import { makeQueue, staff } from "./helpers.js";

/**
 * Properties of the real scripts on a real Redis: whatever the arrivals, dispatches, requeues and
 * hang-ups, no caller is overtaken by anyone outside its lane's window, and a requeued caller gets its
 * old place back.
 */

const { env, redis } = redisPerFile();

const lanesArb = fc.tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 5 })).map(([a, b, c]) => ({
  gold: { displayName: "Gold", headStart: a, sla: { seconds: 20, percent: 80 } },
  silver: { displayName: "Silver", headStart: b, sla: { seconds: 60, percent: 80 } },
  standard: { displayName: "Standard", headStart: c, sla: { seconds: 120, percent: 80 } },
}));
const LANE_NAMES = ["gold", "silver", "standard"] as const;

const eventArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant("arrive" as const), lane: fc.constantFrom(...LANE_NAMES), gapMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 90_000 })) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("serve" as const), outcome: fc.constantFrom("answer", "answer", "requeue", "hangup") }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("hangup" as const), pick: fc.nat() }) },
);

describe("queue order on Redis", () => {
  it("never lets a caller be overtaken beyond its lane's bound", async () => {
    let pairs = 0;
    let overtakes = 0;
    await fc.assert(
      fc.asyncProperty(lanesArb, fc.array(eventArb, { minLength: 10, maxLength: 80, size: "max" }), async (lanes, events) => {
        const { cq, clock } = makeQueue(redis(), env.prefix, { lanes, queues: { support: { lanes: [...LANE_NAMES], wrapUp: 0 } } });
        await staff(cq, clock, [{ id: "a1" }]);
        const laneOf = new Map<string, Lane>([...cq.settings.lanes]);
        const allLanes = [...laneOf.values()];
        const waiting = new Map<string, { at: number; lane: Lane; seq: number }>();
        let seq = 0;
        for (const ev of events) {
          if (ev.k === "arrive") {
            clock.advance(ev.gapMs);
            const callId = `c${seq}`;
            const r = await cq.enqueue({ callId, queue: "support", lane: ev.lane });
            expect(r.status).toBe("queued");
            waiting.set(callId, { at: clock.t, lane: laneOf.get(ev.lane)!, seq: seq++ });
          } else if (ev.k === "hangup") {
            const ids = [...waiting.keys()];
            if (!ids.length) continue;
            const id = ids[ev.pick % ids.length]!;
            expect(await cq.abandon(id)).not.toBeNull();
            waiting.delete(id);
          } else {
            const offer = await cq.dispatch("support");
            if (!offer) {
              expect(waiting.size).toBe(0);
              continue;
            }
            const served = waiting.get(offer.callId)!;
            if ([...waiting.values()].some((o) => o.seq < served.seq)) overtakes += 1;
            // everyone still waiting who arrived before the served caller must have been overtakeable by it
            for (const other of waiting.values()) {
              if (other === served || other.seq > served.seq) continue;
              pairs += 1;
              expect(mayOvertake(other, served), `${offer.callId} overtook a caller it may not`).toBe(true);
              expect(served.at - other.at).toBeLessThan(overtakeWindowMs(other.lane, allLanes));
            }
            if (ev.outcome === "requeue") {
              await cq.requeue(offer.callId);
              continue;
            }
            if (ev.outcome === "hangup") await cq.abandon(offer.callId);
            else {
              await cq.answered(offer.callId, offer.agentId);
              await cq.agentState(offer.agentId, { to: "wrapup" });
            }
            waiting.delete(offer.callId);
          }
        }
      }),
      { numRuns: 40 },
    );
    // the property must have had something to check: callers served ahead of earlier arrivals
    expect(pairs).toBeGreaterThan(100);
    expect(overtakes).toBeGreaterThan(20);
  });

  it("puts a requeued caller back in exactly its old place", async () => {
    await fc.assert(
      fc.asyncProperty(
        lanesArb,
        fc.array(fc.record({ lane: fc.constantFrom(...LANE_NAMES), gapMs: fc.integer({ min: 0, max: 60_000 }) }), { minLength: 2, maxLength: 25 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        async (lanes, arrivals, agents, order) => {
          const { cq, clock } = makeQueue(redis(), env.prefix, { lanes, queues: { support: { lanes: [...LANE_NAMES], wrapUp: 0 } } });
          await staff(cq, clock, Array.from({ length: agents }, (_, i) => ({ id: `a${i}` })));
          for (const [i, a] of arrivals.entries()) {
            clock.advance(a.gapMs);
            await cq.enqueue({ callId: `c${i}`, queue: "support", lane: a.lane });
          }
          const before = (await cq.status("support")).callers.map((c) => c.callId);
          const offers: Offer[] = [];
          for (let i = 0; i < agents; i++) {
            const o = await cq.dispatch("support");
            if (o) offers.push(o);
          }
          // more callers arrive while the offers ring; then the offers come back in a random order
          for (let i = 0; i < 3; i++) {
            clock.advance(1000);
            await cq.enqueue({ callId: `late${i}`, queue: "support", lane: LANE_NAMES[i]! });
          }
          const expected = (await cq.status("support")).callers.map((c) => c.callId);
          const remaining = [...offers];
          for (const n of order) {
            if (!remaining.length) break;
            const [o] = remaining.splice(n % remaining.length, 1);
            clock.advance(3000);
            const { position } = await cq.requeue(o!.callId);
            const placeBefore = before.indexOf(o!.callId);
            // its position = 1 + callers waiting now that were ahead of it originally or late but better placed
            const now = (await cq.status("support")).callers.map((c) => c.callId);
            expect(now[position - 1]).toBe(o!.callId);
            expect(now.filter((id) => before.includes(id)).map((id) => before.indexOf(id))).toEqual(
              [...now.filter((id) => before.includes(id)).map((id) => before.indexOf(id))].sort((a, b) => a - b),
            );
            expect(placeBefore).toBeGreaterThanOrEqual(0);
          }
          for (const o of remaining) await cq.requeue(o.callId);
          // all back: the order is the original order with the late arrivals where they were placed
          const final = (await cq.status("support")).callers.map((c) => c.callId);
          expect(final.filter((id) => !id.startsWith("late"))).toEqual(before);
          expect(final.filter((id) => !offers.some((o) => o.callId === id))).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
