import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/lib/seeded-random.js";
import { CallerQueue, QueueError, isDispatchable, isStaffed, type QueueEvent, type AgentState, type DeviceState } from "../../src/queue/index.js";
import { agentIdOfIdleMember } from "../../src/queue/keys.js";
import { testRedis } from "../setup/redis.js";

/**
 * Two dispatcher "daemons" (two CallerQueue instances on two separate Redis connections) share one real
 * Redis. 1,000 callers arrive and some hang up; 100 agents log in, pause, log off and take calls; both
 * daemons dispatch concurrently with several loops each. Afterwards:
 * - the event stream (Redis' own total order of every transition) is replayed: no caller is offered
 *   while already offered or gone, no agent is offered a call unless it was available;
 * - every caller that joined is answered, abandoned, or still waiting/ringing: none is lost;
 * - the per-queue sets and counters agree with the agents' and callers' records.
 */

const env = testRedis();
const clients: Redis[] = [];
beforeAll(() => {
  clients.push(env.client(), env.client());
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
});

const CALLERS = 1000;
const AGENTS = 100;
const QUEUES = ["support", "billing"] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Races a test provokes on purpose come back as these refusals; anything else fails the test. */
const EXPECTED_REFUSALS = new Set(["SBQ_INVALID_TRANSITION", "SBQ_UNKNOWN_CALL", "SBQ_NOT_OFFERED"]);
async function tolerate<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof QueueError && EXPECTED_REFUSALS.has(err.code)) return undefined;
    throw err;
  }
}

describe("two dispatchers on one Redis", () => {
  it("assign no caller twice, lose none and double-book no agent", async () => {
    const rng = new SeededRandom(20240601);
    const config = {
      keyPrefix: `${env.prefix}conc:`,
      lanes: {
        express: { displayName: "Priority", headStart: 0.2, sla: { seconds: 20, percent: 80 } },
        standard: { displayName: "Standard", headStart: 0, sla: { seconds: 120, percent: 80 } },
      },
      queues: {
        support: { lanes: ["express", "standard"], wrapUp: 0.02, reserve: { share: 0.2, lanes: ["express"] } },
        billing: { lanes: ["express", "standard"], wrapUp: 0 },
      },
    };
    const daemons = clients.map((redis) => new CallerQueue({ redis, ...config }));
    const any = () => rng.pick(daemons);

    const agentQueues = (i: number) => (i % 3 === 0 ? ["support"] : i % 3 === 1 ? ["billing"] : ["support", "billing"]);
    for (let i = 0; i < AGENTS; i++) {
      await daemons[i % 2]!.registerAgent({ agentId: `a${i}`, endpoint: `PJSIP/${2000 + i}`, skills: i % 4 === 0 ? { french: 2 } : {}, queues: agentQueues(i) });
    }

    const joined = new Set<string>();
    const refused = new Set<string>();
    const answered = new Set<string>();
    const offersBy = [0, 0];
    let running = true;
    let duplicateAnswers = 0;

    // agents: log in, sometimes pause, sometimes log off and come back; phones sometimes drop
    const agentLife = async (i: number) => {
      const id = `a${i}`;
      await sleep(rng.int(0, 300));
      while (running) {
        await tolerate(any().agentState(id, { to: "available" }));
        await sleep(rng.int(50, 600));
        const r = rng.next();
        if (r < 0.3) {
          await tolerate(any().agentState(id, { to: "paused", reason: "break" }));
          await sleep(rng.int(10, 100));
        } else if (r < 0.5) {
          await tolerate(any().agentState(id, { to: "offline" }));
          await sleep(rng.int(10, 200));
        } else if (r < 0.55) {
          await any().deviceState(`PJSIP/${2000 + i}`, "unavailable");
          await sleep(rng.int(5, 50));
          await any().deviceState(`PJSIP/${2000 + i}`, "registered");
        }
      }
    };

    // the agent's phone: rings, then the agent answers and later ends the call, or it is not answered
    const handleOffer = async (d: CallerQueue, callId: string, agentId: string) => {
      await sleep(rng.int(0, 15));
      const r = rng.next();
      if (r < 0.85) {
        const ok = await tolerate(d.answered(callId, agentId));
        if (ok) {
          if (answered.has(callId)) duplicateAnswers += 1;
          answered.add(callId);
          await sleep(rng.int(100, 600));
          await any().agentState(agentId, { to: "wrapup" });
        }
      } else {
        await tolerate(any().requeue(callId, { agent: rng.pick(["available", "paused", "offline"] as const) }));
      }
    };

    const pending: Promise<unknown>[] = [];
    const dispatcher = async (daemon: number) => {
      const d = daemons[daemon]!;
      while (running) {
        const queues = rng.chance(0.5) ? [...QUEUES] : [rng.pick(QUEUES)];
        const offer = await d.dispatch(queues);
        if (!offer) {
          await sleep(1);
          continue;
        }
        offersBy[daemon]! += 1;
        pending.push(handleOffer(d, offer.callId, offer.agentId));
      }
    };

    const callers = async () => {
      for (let n = 0; n < CALLERS; n++) {
        const callId = `call${n}`;
        const r = await any().enqueue({
          callId,
          queue: rng.pick(QUEUES),
          lane: rng.chance(0.2) ? "express" : "standard",
          skills: rng.chance(0.1) ? { french: 1 } : {},
        });
        if (r.status === "queued") {
          joined.add(callId);
          if (rng.chance(0.2)) {
            const patience = rng.int(0, 400);
            pending.push(sleep(patience).then(() => any().abandon(callId)));
          }
        } else refused.add(callId);
        await sleep(rng.int(0, 4));
      }
    };

    const agents = Array.from({ length: AGENTS }, (_, i) => agentLife(i));
    const loops = [0, 0, 0, 1, 1, 1].map((d) => dispatcher(d));
    await callers();
    await sleep(500);
    running = false;
    await Promise.all([...agents, ...loops]);
    for (let i = 0; i < pending.length; i++) await pending[i];

    expect(duplicateAnswers).toBe(0);
    // both daemons really took part
    expect(offersBy[0]).toBeGreaterThan(100);
    expect(offersBy[1]).toBeGreaterThan(100);
    expect(joined.size).toBeGreaterThan(CALLERS * 0.8);

    // --- final state first (status() itself promotes ended wrap-ups, which appends events) ---
    const d0 = daemons[0]!;
    const waitingNow = new Set<string>();
    const waitingExpress = new Map<string, number>();
    for (const q of QUEUES) {
      const callers = (await d0.status(q, 10_000)).callers;
      for (const c of callers) waitingNow.add(c.callId);
      waitingExpress.set(q, callers.filter((c) => c.lane === "express").length);
    }
    const redis = clients[0]!;
    const k = d0.keys;
    const recs = await Promise.all(Array.from({ length: AGENTS }, (_, i) => redis.hgetall(k.agent(`a${i}`))));

    // --- replay Redis' own order of events ---
    const events: QueueEvent[] = [];
    for (let after = "0"; ; ) {
      const batch = await d0.events({ after, count: 5000 });
      if (!batch.length) break;
      events.push(...batch);
      after = batch.at(-1)!.id;
    }
    const call = new Map<string, "waiting" | "offered" | "answered" | "abandoned">();
    const agent = new Map<string, { state: AgentState; call?: string }>();
    const stateOf = (id: string) => agent.get(id) ?? { state: "offline" as AgentState };
    const violations: string[] = [];
    for (const e of events) {
      switch (e.type) {
        case "joined":
          if (call.has(e.callId)) violations.push(`${e.callId} joined twice`);
          call.set(e.callId, "waiting");
          break;
        case "offered": {
          if (call.get(e.callId) !== "waiting") violations.push(`${e.callId} offered while ${call.get(e.callId)}`);
          const a = stateOf(e.agentId);
          if (a.state !== "available") violations.push(`agent ${e.agentId} offered ${e.callId} while ${a.state} ${a.call ?? ""}`);
          call.set(e.callId, "offered");
          agent.set(e.agentId, { state: "ringing", call: e.callId });
          break;
        }
        case "answered": {
          const a = stateOf(e.agentId);
          if (call.get(e.callId) !== "offered" || a.state !== "ringing" || a.call !== e.callId) violations.push(`bad answer ${e.callId}`);
          call.set(e.callId, "answered");
          agent.set(e.agentId, { state: "oncall", call: e.callId });
          break;
        }
        case "requeued": {
          const a = stateOf(e.agentId);
          if (call.get(e.callId) !== "offered" || a.call !== e.callId) violations.push(`bad requeue ${e.callId}`);
          call.set(e.callId, "waiting");
          agent.set(e.agentId, { state: e.agentTo });
          break;
        }
        case "abandoned":
        case "timeout": {
          const was = call.get(e.callId);
          if (was !== "waiting" && was !== "offered") violations.push(`${e.callId} abandoned while ${was}`);
          if (was === "offered") {
            if (!e.agentId || stateOf(e.agentId).call !== e.callId) violations.push(`abandon of ringing ${e.callId} without its agent`);
            else agent.set(e.agentId, { state: "available" });
          }
          call.set(e.callId, "abandoned");
          break;
        }
        case "agent": {
          const a = stateOf(e.agentId);
          if (a.state !== e.from) violations.push(`agent ${e.agentId} moved from ${e.from} but was ${a.state}`);
          agent.set(e.agentId, e.to === "wrapup" ? { state: "wrapup", ...(a.call && { call: a.call }) } : { state: e.to });
          break;
        }
        case "refused":
        case "device":
          break;
      }
    }
    expect(violations).toEqual([]);

    // --- none lost: every joined caller is answered, abandoned, or still in the queue ---
    const ringingNow = new Set<string>();
    const abandoned = new Set([...call].filter(([, s]) => s === "abandoned").map(([id]) => id));
    for (const [id, s] of call) if (s === "offered") ringingNow.add(id);
    expect(new Set([...call.keys()])).toEqual(joined);
    for (const id of joined) {
      const places = [answered.has(id), abandoned.has(id), waitingNow.has(id), ringingNow.has(id)].filter(Boolean).length;
      expect(places, `${id} must be in exactly one place`).toBe(1);
    }
    for (const id of refused) expect(call.has(id)).toBe(false);
    expect(answered.size).toBeGreaterThan(CALLERS / 4);
    // abandons really raced the dispatchers (how many of the ~200 hang-ups found their caller still
    // waiting depends on how fast the machine dispatches: only that some did is certain)
    expect(abandoned.size).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === "answered").length).toBe(answered.size);

    // --- the derived sets and counters agree with the records ---
    for (const q of QUEUES) {
      const idle = new Set((await redis.zrange(k.queue(q, "idle"), "0", "-1")).map(agentIdOfIdleMember));
      const idleFrench = new Set((await redis.zrange(`${k.queue(q, "idle")}:french`, "0", "-1")).map(agentIdOfIdleMember));
      const staffed = new Set(await redis.smembers(k.queue(q, "staffed")));
      let busyOther = 0;
      for (const [i, rec] of recs.entries()) {
        const id = `a${i}`;
        const serves = rec.queues!.split(",").includes(q);
        expect(idle.has(id), `${id} idle in ${q}`).toBe(serves && isDispatchable(rec.state as AgentState, rec.device as DeviceState));
        expect(idleFrench.has(id), `${id} idle for french in ${q}`).toBe(idle.has(id) && rec.skills === ",french=2,");
        expect(staffed.has(id), `${id} staffed in ${q}`).toBe(serves && isStaffed(rec.state as AgentState, rec.device as DeviceState));
        // the agent's current call: "<callId>|<queue>|<reserved>|<wrapMs>"
        const [, callQueue, callReserved] = (rec.call ?? "").split("|");
        if (callQueue === q && callReserved === "0") busyOther += 1;
        expect(agent.get(id)?.state ?? "offline").toBe(rec.state);
      }
      const meta = await redis.hgetall(k.queue(q, "meta"));
      expect(Number(meta.busyOther ?? 0)).toBe(busyOther);
      expect(Number(meta.staffed ?? 0)).toBe(staffed.size);
      expect(Number(meta.reservedWaiting ?? 0)).toBe(q === "support" ? waitingExpress.get(q) : 0);
    }
  });
});
