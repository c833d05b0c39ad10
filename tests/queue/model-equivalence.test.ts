import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QueueError, type CallerQueue, type DeviceState } from "../../src/queue/index.js";
import { agentIdOfIdleMember, callIdOfMember } from "../../src/queue/keys.js";
import { QueueModel } from "../../src/queue/model.js";
import { redisPerFile } from "../setup/redis.js";
import { makeQueue, type VirtualClock } from "./helpers.js";

/**
 * The in-memory model (used by the fairness benchmark) must make exactly the decisions the Lua scripts
 * make. Random operation sequences run against both; every result and, after every step, the order of
 * waiting callers, the idle order, the staffed sets and the counters must be identical.
 */

const { env, redis } = redisPerFile();
/** SBQ_STATS=1 prints what the random sequences exercised (offers, requeues, refusals...). */
const stats = new Map<string, number>();

const LANES = {
  express: { displayName: "Fast", headStart: 30, priorityBoost: 20, sla: { seconds: 20, percent: 80 } },
  standard: { displayName: "Std", headStart: 0, priorityBoost: 5, sla: { seconds: 120, percent: 80 } },
};
// small scan limits and a reserved share so the limits and the reserve rule are exercised
const QUEUES = {
  a: { lanes: ["express", "standard"], wrapUp: 5, maxWaiting: 8, scanDepth: 3, agentScan: 3, reserve: { share: 0.34, lanes: ["express"] } },
  b: { lanes: ["standard", "express"], wrapUp: 0, scanDepth: 4, agentScan: 2 },
};
const QUEUE_NAMES = ["a", "b"] as const;
const AGENTS = ["a1", "a2", "a3", "a4", "a5", "a6"];
const SKILL_NAMES = ["tech", "billing"] as const;

const skillsArb = fc
  .subarray([...SKILL_NAMES])
  .chain((names) => fc.tuple(...names.map(() => fc.integer({ min: 1, max: 3 }))).map((levels) => Object.fromEntries(names.map((n, i) => [n, levels[i]!]))));
const queuesArb = fc.subarray([...QUEUE_NAMES], { minLength: 1 });
const pick = fc.nat({ max: 1000 });
/** What a caller joins with: enqueue and join alike. */
const joinerArbs = {
  queue: fc.constantFrom(...QUEUE_NAMES),
  lane: fc.constantFrom("express", "standard"),
  skills: fc.oneof(fc.constant({}), skillsArb),
  priority: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 })),
  maxWait: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  /** joinedAt this many ms before now (a rebuilt caller, a kept callback placed again); negative: the future. */
  joinedBack: fc.option(fc.integer({ min: -5_000, max: 90_000 }), { nil: undefined, freq: 3 }),
};

const opArb = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("tick" as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000 })) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("enqueue" as const),
      ...joinerArbs,
    }),
  },
  {
    weight: 5,
    // now and then passing over some waiting callers (they keep their place: a kept callback held back, a PBX link down)
    arbitrary: fc.record({ k: fc.constant("dispatch" as const), queues: fc.oneof(queuesArb, fc.constant(["b", "a"])), skip: fc.option(fc.array(pick, { maxLength: 3 }), { nil: undefined, freq: 2 }) }),
  },
  {
    // the enqueue and a dispatch decision in one script (the call layer's join)
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("join" as const),
      ...joinerArbs,
      queues: fc.oneof(queuesArb, fc.constant(["b", "a"])),
      duplicate: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("answered" as const), pick, wrongAgent: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("requeue" as const), pick, agent: fc.constantFrom("available", "paused", "offline") as fc.Arbitrary<"available" | "paused" | "offline"> }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("abandon" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("expire" as const), queue: fc.constantFrom(...QUEUE_NAMES) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("position" as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("agent" as const),
      agent: fc.constantFrom(...AGENTS),
      change: fc.oneof(
        fc.constant({ to: "available" as const }),
        fc.constant({ to: "paused" as const, reason: "break" }),
        fc.constant({ to: "offline" as const }),
        fc.record({ to: fc.constant("wrapup" as const), seconds: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }) }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("device" as const), agent: fc.constantFrom(...AGENTS), device: fc.constantFrom<DeviceState>("registered", "in_use", "unavailable", "unknown") }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("profile" as const), agent: fc.constantFrom(...AGENTS), skills: skillsArb, queues: queuesArb }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

async function outcome<T>(f: () => T | Promise<T>): Promise<T | { error: string }> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof QueueError) return { error: err.code };
    throw err;
  }
}

function joinedAt(op: { joinedBack?: number | undefined }, clock: VirtualClock): { joinedAt?: number } {
  return op.joinedBack === undefined ? {} : { joinedAt: clock.now() - op.joinedBack };
}

function cleanChange(change: Extract<Op, { k: "agent" }>["change"]) {
  return change.to === "wrapup" && change.seconds === undefined ? { to: "wrapup" as const } : change;
}

async function step(op: Op, cq: CallerQueue, model: QueueModel, clock: VirtualClock, ids: { next: number; all: string[] }) {
  const offered = () => [...model.callers.values()].filter((c) => c.state === "offered").map((c) => c.callId).sort();
  switch (op.k) {
    case "tick":
      clock.advance(op.ms);
      return [null, null];
    case "enqueue": {
      const req = { callId: `c${ids.next++}`, queue: op.queue, lane: op.lane, skills: op.skills, priority: op.priority, ...(op.maxWait !== undefined && { maxWait: op.maxWait }), ...joinedAt(op, clock) };
      ids.all.push(req.callId);
      return [await outcome(() => model.enqueue(req)), await outcome(() => cq.enqueue(req))];
    }
    case "dispatch": {
      const waiting = [...model.callers.values()].filter((c) => c.state === "waiting").map((c) => c.callId).sort();
      const skip = waiting.length ? (op.skip ?? []).map((i) => waiting[i % waiting.length]!) : [];
      return [await outcome(() => model.dispatch(op.queues, skip)), await outcome(() => cq.dispatch(op.queues, skip))];
    }
    case "join": {
      // now and then a call id already queued: the join fails as the enqueue does, and dispatches nothing
      const again = op.duplicate && ids.all.length > 0 && ids.next % 4 === 0;
      const callId = again ? ids.all[ids.all.length - 1]! : `c${ids.next++}`;
      if (!again) ids.all.push(callId);
      const req = { callId, queue: op.queue, lane: op.lane, skills: op.skills, priority: op.priority, ...(op.maxWait !== undefined && { maxWait: op.maxWait }), ...joinedAt(op, clock) };
      return [await outcome(() => model.join(req, op.queues)), await outcome(() => cq.join(req, { queues: op.queues }))];
    }
    case "answered": {
      const list = offered();
      if (!list.length) return [null, null];
      const callId = list[op.pick % list.length]!;
      const agent = op.wrongAgent ? AGENTS[op.pick % AGENTS.length]! : model.callers.get(callId)!.agent!;
      return [await outcome(() => model.answered(callId, agent)), await outcome(() => cq.answered(callId, agent))];
    }
    case "requeue": {
      const list = offered();
      if (!list.length) return [null, null];
      const callId = list[op.pick % list.length]!;
      return [await outcome(() => model.requeue(callId, op.agent, "no answer")), await outcome(() => cq.requeue(callId, { agent: op.agent }))];
    }
    case "abandon": {
      if (!ids.all.length) return [null, null];
      const callId = ids.all[op.pick % ids.all.length]!;
      return [await outcome(() => model.abandon(callId)), await outcome(() => cq.abandon(callId))];
    }
    case "expire":
      return [await outcome(() => model.expire(op.queue)), await outcome(() => cq.expire(op.queue))];
    case "position": {
      if (!ids.all.length) return [null, null];
      const callId = ids.all[op.pick % ids.all.length]!;
      return [await outcome(() => model.position(callId)), await outcome(() => cq.position(callId))];
    }
    case "agent": {
      const change = cleanChange(op.change);
      return [await outcome(() => model.agentState(op.agent, change)), await outcome(() => cq.agentState(op.agent, change))];
    }
    case "device":
      return [await outcome(() => model.deviceState(`PJSIP/${op.agent}`, op.device)), await outcome(() => cq.deviceState(`PJSIP/${op.agent}`, op.device))];
    case "profile": {
      const p = { agentId: op.agent, endpoint: `PJSIP/${op.agent}`, skills: op.skills, queues: op.queues };
      return [await outcome(() => model.registerAgent(p)), await outcome(() => cq.registerAgent(p))];
    }
  }
}

async function redisSnapshot(cq: CallerQueue, queue: string) {
  const k = cq.keys;
  const [waiting, idle, staffed, meta, ...bySkill] = (await redis()
    .multi()
    .zrange(k.queue(queue, "waiting"), "0", "-1")
    .zrange(k.queue(queue, "idle"), "0", "-1")
    .smembers(k.queue(queue, "staffed"))
    .hmget(k.queue(queue, "meta"), "reservedWaiting", "busyOther", "ahtMs", "staffed")
    .zrange(`${k.queue(queue, "idle")}:${SKILL_NAMES[0]}`, "0", "-1")
    .zrange(`${k.queue(queue, "idle")}:${SKILL_NAMES[1]}`, "0", "-1")
    .exec())!.map(([err, v]) => {
    if (err) throw err;
    return v;
  }) as [string[], string[], string[], (string | null)[], string[], string[]];
  // the meta's count of the staffed set, which dispatch reads instead of the set
  expect(Number(meta[3] ?? 0), `staffed count of ${queue}`).toBe(staffed.length);
  return {
    waiting: waiting.map(callIdOfMember),
    idle: idle.map(agentIdOfIdleMember),
    idleBySkill: Object.fromEntries(SKILL_NAMES.map((s, i) => [s, bySkill[i]!.map(agentIdOfIdleMember)])),
    staffed: staffed.sort(),
    reservedWaiting: Number(meta[0] ?? 0),
    busyOther: Number(meta[1] ?? 0),
    ahtMs: meta[2] === null ? null : Number(meta[2]),
  };
}

describe("in-memory model and Lua scripts", () => {
  it("make identical decisions on random operation sequences", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 90, size: "max" }), async (ops) => {
        const { cq, clock } = makeQueue(redis(), env.prefix, { lanes: LANES, queues: QUEUES });
        const model = new QueueModel(cq.settings, clock);
        for (const [i, id] of AGENTS.entries()) {
          const p = { agentId: id, endpoint: `PJSIP/${id}`, skills: (i % 2 ? { tech: 1 + (i % 3) } : { billing: 2, tech: 1 }) as Record<string, number>, queues: i < 2 ? ["a"] : i < 4 ? ["b"] : ["a", "b"] };
          model.registerAgent(p);
          await cq.registerAgent(p);
          if (i < 5) {
            model.agentState(id, { to: "available" });
            await cq.agentState(id, { to: "available" });
          }
          clock.advance(i % 2);
        }
        const ids = { next: 0, all: [] as string[] };
        for (const [i, op] of ops.entries()) {
          const [fromModel, fromRedis] = await step(op, cq, model, clock, ids);
          expect(fromRedis, `step ${i}: ${JSON.stringify(op)}`).toEqual(fromModel);
          if (process.env.SBQ_STATS) {
            const key = `${op.k}:${fromModel === null ? "skip" : typeof fromModel === "object" && "error" in fromModel ? fromModel.error : op.k === "dispatch" ? "offer" : op.k === "enqueue" ? (fromModel as { status: string }).status : op.k === "join" ? `${(fromModel as { status: string }).status}+${(fromModel as unknown as { offer: unknown }).offer ? "offer" : "none"}` : "ok"}`;
            stats.set(key, (stats.get(key) ?? 0) + 1);
          }
          for (const q of QUEUE_NAMES) {
            expect(await redisSnapshot(cq, q), `queue ${q} after step ${i}: ${JSON.stringify(op)}`).toEqual(model.snapshot(q, SKILL_NAMES));
          }
        }
        const states = await Promise.all(AGENTS.map((id) => redis().hget(cq.keys.agent(id), "state")));
        expect(states).toEqual(AGENTS.map((id) => model.agents.get(id)!.state));
      }),
      { numRuns: 60 },
    );
    if (process.env.SBQ_STATS) console.log([...stats].sort());
  });
});
