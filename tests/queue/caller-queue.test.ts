import { describe, expect, it } from "vitest";
import { QueueError } from "../../src/queue/index.js";
import { idleMember, waitingMember } from "../../src/queue/keys.js";
import { redisPerFile } from "../setup/redis.js";
import { makeQueue, staff } from "./helpers.js";

const { env, redis } = redisPerFile();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof QueueError) return err.code;
    throw err;
  }
  throw new Error("expected a QueueError");
}

describe("enqueue", () => {
  it("answers empty when nobody is staffed, and when nobody staffed has the skills", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    expect(await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).toEqual({ status: "empty" });
    await staff(cq, clock, [{ id: "a1", skills: { billing: 2 } }]);
    expect(await cq.enqueue({ callId: "c2", queue: "support", lane: "standard", skills: { billing: 3 } })).toEqual({ status: "empty" });
    expect((await cq.enqueue({ callId: "c3", queue: "support", lane: "standard", skills: { billing: 2 } })).status).toBe("queued");
    await cq.agentState("a1", { to: "paused", reason: "lunch" });
    expect(await cq.enqueue({ callId: "c4", queue: "support", lane: "standard" })).toEqual({ status: "empty" });
  });

  it("answers full at maxWaiting and refuses duplicates, unknown lanes and bad ids", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"], maxWaiting: 2 } } });
    await staff(cq, clock, [{ id: "a1" }]);
    await cq.agentState("a1", { to: "paused", reason: "meeting" });
    await cq.agentState("a1", { to: "available" });
    expect((await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).status).toBe("queued");
    expect((await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" })).status).toBe("queued");
    expect(await cq.enqueue({ callId: "c3", queue: "support", lane: "standard" })).toEqual({ status: "full" });
    expect(await codeOf(cq.enqueue({ callId: "c1", queue: "support", lane: "standard" }))).toBe("SBQ_DUPLICATE_CALL");
    await expect(cq.enqueue({ callId: "c9", queue: "support", lane: "express" })).rejects.toThrow(/lane "express" is not a lane of queue support/);
    expect(await codeOf(cq.enqueue({ callId: "c9", queue: "nope", lane: "standard" }))).toBe("SBQ_UNKNOWN_QUEUE");
    expect(await codeOf(cq.enqueue({ callId: "bad|id", queue: "support", lane: "standard" }))).toBe("SBQ_INVALID_INPUT");
  });

  it("reports position and an expected wait from staffed agents and handle time", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, {
      queues: { support: { lanes: ["express", "standard"], defaultHandleTime: 120 } },
    });
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.agentState("a1", { to: "paused", reason: "x" });
    await cq.agentState("a1", { to: "available" });
    // both idle: the first two callers are answered at once; the third waits for one of two agents
    expect(await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).toMatchObject({ position: 1, ewtMs: 0 });
    expect(await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" })).toMatchObject({ position: 2, ewtMs: 0 });
    expect(await cq.enqueue({ callId: "c3", queue: "support", lane: "standard" })).toMatchObject({ position: 3, ewtMs: 60_000 });
    expect(await cq.enqueue({ callId: "c4", queue: "support", lane: "express" })).toMatchObject({ position: 1, ewtMs: 0 });
    expect(await cq.position("c3")).toMatchObject({ state: "waiting", position: 4, ewtMs: 120_000 });
  });
});

describe("dispatch", () => {
  it("offers the best-placed caller to the longest-idle agent with the skills", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [
      { id: "a1", skills: { billing: 1 } },
      { id: "a2", skills: { tech: 5 } },
      { id: "a3", skills: { tech: 2, billing: 4 } },
    ]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard", skills: { tech: 3 } });
    clock.advance(1000);
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" });
    await cq.enqueue({ callId: "c3", queue: "support", lane: "standard", skills: { billing: 3 } });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c1", agentId: "a2", endpoint: "PJSIP/1001-a2", waitMs: 1000 });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c2", agentId: "a1" });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c3", agentId: "a3" });
    expect(await cq.dispatch("support")).toBeNull();
  });

  it("finds a skilled agent behind more than agentScan longer-idle agents without the skill", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"], agentScan: 2 } } });
    await staff(cq, clock, [{ id: "g1", skills: { general: 1 } }, { id: "g2" }, { id: "g3" }, { id: "t1", skills: { tech: 1 } }, { id: "t2", skills: { tech: 3 } }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard", skills: { tech: 2 } });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c1", agentId: "t2" });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard", skills: { tech: 1 } });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c2", agentId: "t1" });
  });

  it("skips a caller nobody free can serve and takes the next one", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1", skills: { tech: 1 } }, { id: "a2", skills: { billing: 1 } }]);
    await cq.agentState("a1", { to: "paused", reason: "coaching" });
    await cq.agentState("a1", { to: "available" });
    await cq.agentState("a2", { to: "paused", reason: "coaching" });
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard", skills: { billing: 1 } });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard", skills: { tech: 1 } });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c2", agentId: "a1" });
    expect(await cq.dispatch("support")).toBeNull();
  });

  it("passes over callers it is told to skip, who keep their place for later", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.agentState("a2", { to: "paused", reason: "coaching" });
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    clock.advance(1000);
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" });
    expect(await cq.dispatch("support", ["c1"])).toMatchObject({ callId: "c2", agentId: "a1" });
    expect(await cq.position("c1")).toMatchObject({ position: 1 });
    await cq.agentState("a2", { to: "available" });
    expect(await cq.dispatch("support", ["c1"])).toBeNull();
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c1", agentId: "a2" });
  });

  it("keeps the reserved share for express callers while any wait", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, {
      queues: { support: { lanes: ["express", "standard"], reserve: { share: 0.5, lanes: ["express"] } } },
    });
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }, { id: "a3" }, { id: "a4" }]);
    for (const id of ["s1", "s2", "s3", "s4"]) await cq.enqueue({ callId: id, queue: "support", lane: "standard" });
    clock.advance(120_000); // beyond the 60 s head start: the express caller is placed behind all four
    await cq.enqueue({ callId: "e1", queue: "support", lane: "express" });
    // floor(0.5 * 4) = 2 agents reserved: standard callers may occupy 2 while e1 waits
    expect(await cq.dispatch("support")).toMatchObject({ callId: "s1" });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "s2" });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "e1" });
    // nobody reserved-for waits any more: the last agent serves standard again
    expect(await cq.dispatch("support")).toMatchObject({ callId: "s3" });
  });

  it("chooses across queues atomically when an agent serves several", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, {
      queues: { support: { lanes: ["express", "standard"] }, billing: { lanes: ["standard"] } },
    });
    await staff(cq, clock, [{ id: "a1", queues: ["support", "billing"] }, { id: "a2", queues: ["billing"] }]);
    await cq.enqueue({ callId: "b1", queue: "billing", lane: "standard" });
    clock.advance(10);
    await cq.enqueue({ callId: "s1", queue: "support", lane: "express" });
    // s1 is placed 60 s earlier than b1: across both queues it goes first, to the only support agent
    expect(await cq.dispatch(["billing", "support"])).toMatchObject({ callId: "s1", agentId: "a1", queue: "support" });
    // a1 is ringing, so it is gone from billing's idle list too
    expect(await cq.dispatch(["billing", "support"])).toMatchObject({ callId: "b1", agentId: "a2" });
  });

  it("skips agents whose phone is unreachable or busy, and brings them back when registered", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    expect(await cq.deviceState("PJSIP/1000-a1", "unavailable")).toEqual({ agentId: "a1", from: "unknown", to: "unavailable" });
    expect(await cq.deviceState("PJSIP/1001-a2", "in_use")).toMatchObject({ to: "in_use" });
    expect(await cq.deviceState("PJSIP/9999", "registered")).toBeNull();
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    expect(await cq.dispatch("support")).toBeNull();
    const s = await cq.status("support");
    expect(s.staffedAgents).toBe(1); // in use still works the queue; unreachable does not
    await cq.deviceState("PJSIP/1000-a1", "registered");
    expect(await cq.dispatch("support")).toMatchObject({ agentId: "a1" });
  });
});

describe("join (enqueue and dispatch in one script)", () => {
  it("offers the joining caller at once when an agent is free, with the enqueue's result and both events", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    const r = await cq.join({ callId: "c1", queue: "support", lane: "express" }, { queues: ["support"] });
    expect(r).toEqual({
      status: "queued",
      position: 1,
      ewtMs: 0,
      score: expect.any(Number),
      offer: { callId: "c1", agentId: "a1", endpoint: "PJSIP/1000-a1", queue: "support", lane: "express", waitMs: 0, requeues: 0 },
    });
    expect(await cq.position("c1")).toMatchObject({ state: "offered", agentId: "a1" });
    expect((await cq.events()).map((e) => e.type).slice(-2)).toEqual(["joined", "offered"]);
  });

  it("decides as a dispatch right after the enqueue would: a caller placed before, nobody, or the skipped passed over", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    // a2 works the queue on another call: staffed, never free here
    await cq.deviceState("PJSIP/1001-a2", "in_use");
    await cq.agentState("a1", { to: "paused", reason: "coaching" });
    expect(await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).toMatchObject({ status: "queued" });
    await cq.agentState("a1", { to: "available" });
    // a1 is free again but nobody dispatched: the join's decision goes to c1, placed before c2
    expect(await cq.join({ callId: "c2", queue: "support", lane: "standard" }, { queues: "support" })).toMatchObject({ status: "queued", position: 2, offer: { callId: "c1", agentId: "a1" } });
    expect(await cq.join({ callId: "c3", queue: "support", lane: "standard" }, { queues: "support" })).toMatchObject({ status: "queued", position: 2, offer: null });
    await cq.requeue("c1");
    expect(await cq.join({ callId: "c4", queue: "support", lane: "express" }, { queues: "support", skip: ["c4"] })).toMatchObject({ position: 1, offer: { callId: "c1" } });
  });

  it("fails as the enqueue does and then dispatches nothing; a refused caller's join still decides", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"], maxWaiting: 1 } } });
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.deviceState("PJSIP/1001-a2", "in_use");
    await cq.agentState("a1", { to: "paused", reason: "coaching" });
    expect(await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).toMatchObject({ status: "queued" });
    await cq.agentState("a1", { to: "available" });
    expect(await codeOf(cq.join({ callId: "c1", queue: "support", lane: "standard" }, { queues: "support" }))).toBe("SBQ_DUPLICATE_CALL");
    expect(await cq.position("c1")).toMatchObject({ state: "waiting", position: 1 });
    expect(await cq.join({ callId: "c2", queue: "support", lane: "standard" }, { queues: "support" })).toEqual({ status: "full", offer: expect.objectContaining({ callId: "c1" }) });
  });
});

describe("requeue, answer, abandon, timeout", () => {
  it("puts an unanswered caller back in its old place and moves the agent to the back of the idle order", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.agentState("a2", { to: "paused", reason: "x" });
    for (const id of ["c1", "c2", "c3"]) await cq.enqueue({ callId: id, queue: "support", lane: "standard" });
    const offer = await cq.dispatch("support");
    expect(offer).toMatchObject({ callId: "c1", agentId: "a1" });
    await cq.agentState("a2", { to: "available" });
    clock.advance(5000);
    expect(await cq.requeue("c1")).toEqual({ position: 1, agentId: "a1" });
    // a2 became available before a1 returned: a2 is offered next, still to c1
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c1", agentId: "a2", requeues: 1 });
    expect(await codeOf(cq.requeue("c2"))).toBe("SBQ_NOT_OFFERED");
    expect(await codeOf(cq.requeue("zz"))).toBe("SBQ_UNKNOWN_CALL");
  });

  it("auto-pauses an agent that did not answer when asked to", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    await cq.dispatch("support");
    await cq.requeue("c1", { agent: "paused", reason: "no answer" });
    const s = await cq.status("support");
    expect(s.agents[0]).toMatchObject({ agentId: "a1", state: "paused", pauseReason: "no answer" });
    expect(await cq.dispatch("support")).toBeNull();
  });

  it("answers only for the agent the call was offered to", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    expect(await codeOf(cq.answered("c1", "a1"))).toBe("SBQ_NOT_OFFERED");
    await cq.dispatch("support");
    expect(await codeOf(cq.answered("c1", "a2"))).toBe("SBQ_NOT_OFFERED");
    clock.advance(3000);
    expect(await cq.answered("c1", "a1")).toEqual({ waitMs: 3000, ringMs: 3000 });
    expect(await cq.position("c1")).toBeNull();
    expect(await cq.abandon("c1")).toBeNull();
  });

  it("frees the ringing agent, keeping its idle place, when the caller hangs up", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    await cq.dispatch("support");
    clock.advance(2000);
    expect(await cq.abandon("c1")).toEqual({ waitMs: 2000, agentId: "a1" });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c2", agentId: "a1" });
  });

  it("times out callers past their max wait and only those", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }]);
    await cq.agentState("a1", { to: "paused", reason: "x" });
    await cq.agentState("a1", { to: "available" });
    await cq.enqueue({ callId: "c0", queue: "support", lane: "standard" });
    await cq.dispatch("support");
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard", maxWait: 30 });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard", maxWait: 60 });
    await cq.enqueue({ callId: "c3", queue: "support", lane: "standard" });
    clock.advance(30_000);
    expect(await cq.expire("support")).toEqual(["c1"]);
    expect(await cq.timeout("c3")).toEqual({ waitMs: 30_000 });
    clock.advance(40_000);
    expect(await cq.expire("support")).toEqual(["c2"]);
    expect((await cq.status("support")).waiting).toBe(0);
    const types = (await cq.events()).filter((e) => e.type === "timeout").map((e) => ("callId" in e ? e.callId : ""));
    expect(types).toEqual(["c1", "c3", "c2"]);
  });
});

describe("agents", () => {
  it("rejects invalid transitions with the allowed moves, unknown agents and taken endpoints", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }]);
    await expect(cq.agentState("a1", { to: "wrapup" })).rejects.toThrow("agent a1 cannot go from available to wrapup (allowed: paused, offline)");
    expect(await codeOf(cq.agentState("ghost", { to: "available" }))).toBe("SBQ_UNKNOWN_AGENT");
    expect(await codeOf(cq.registerAgent({ agentId: "a2", endpoint: "PJSIP/1000-a1", queues: ["support"] }))).toBe("SBQ_ENDPOINT_TAKEN");
    expect(await codeOf(cq.registerAgent({ agentId: "a2", endpoint: "PJSIP/2", queues: ["nope"] }))).toBe("SBQ_UNKNOWN_QUEUE");
    expect(await codeOf(cq.agentState("a1", { to: "paused", reason: " " }))).toBe("SBQ_INVALID_INPUT");
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    await cq.dispatch("support");
    await expect(cq.agentState("a1", { to: "offline" })).rejects.toThrow(/cannot go from ringing to offline: the agent is being offered a call/);
    await cq.answered("c1", "a1");
    await expect(cq.agentState("a1", { to: "paused", reason: "x" })).rejects.toThrow(/on a call: end it with wrapup/);
    await expect(cq.agentState("a1", { to: "available" })).rejects.toThrow(/cannot go from oncall to available \(allowed: wrapup\)/);
    expect(await codeOf(cq.removeAgent("a1"))).toBe("SBQ_AGENT_BUSY");
  });

  it("runs a timed wrap-up, measures handle time and frees the agent by itself", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"], wrapUp: 10 } } });
    await staff(cq, clock, [{ id: "a1" }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    await cq.dispatch("support");
    await cq.answered("c1", "a1");
    clock.advance(50_000);
    const end = clock.t + 10_000;
    expect(await cq.agentState("a1", { to: "wrapup" })).toEqual({ from: "oncall", to: "wrapup", wrapUpUntil: end });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" });
    clock.advance(9_999);
    expect(await cq.dispatch("support")).toBeNull();
    clock.advance(1);
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c2", agentId: "a1", waitMs: 10_000 });
    const s = await cq.status("support");
    expect(s.handled).toBe(1);
    expect(s.handleTimeMs).toBe(60_000);
    // second call: 20 s talk + 10 s wrap-up; the average moves a fifth of the way towards 30 s
    await cq.answered("c2", "a1");
    clock.advance(20_000);
    await cq.agentState("a1", { to: "wrapup" });
    clock.advance(10_000);
    expect(await cq.status("support")).toMatchObject({ handled: 2, handleTimeMs: 54_000 });
  });

  it("ends a call straight to available with zero wrap-up, and lets an agent finish wrap-up early", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"], wrapUp: 30 } } });
    await staff(cq, clock, [{ id: "a1" }]);
    for (const id of ["c1", "c2"]) await cq.enqueue({ callId: id, queue: "support", lane: "standard" });
    await cq.dispatch("support");
    await cq.answered("c1", "a1");
    expect(await cq.agentState("a1", { to: "wrapup", seconds: 0 })).toEqual({ from: "oncall", to: "available" });
    await cq.dispatch("support");
    await cq.answered("c2", "a1");
    expect((await cq.agentState("a1", { to: "wrapup" })).to).toBe("wrapup");
    expect(await cq.agentState("a1", { to: "available" })).toEqual({ from: "wrapup", to: "available" });
    expect((await cq.status("support")).agents[0]).toMatchObject({ state: "available", idleMs: 0 });
  });

  it("moves an agent between queues and removes a logged-off agent", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"] }, billing: { lanes: ["standard"] } } });
    await staff(cq, clock, [{ id: "a1" }]);
    expect(await cq.registerAgent({ agentId: "a1", endpoint: "PJSIP/77", queues: ["billing"] })).toBe("updated");
    expect(await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).toEqual({ status: "empty" });
    expect((await cq.enqueue({ callId: "c2", queue: "billing", lane: "standard" })).status).toBe("queued");
    expect(await cq.dispatch("billing")).toMatchObject({ endpoint: "PJSIP/77" });
    await cq.requeue("c2", { agent: "offline" });
    expect(await cq.removeAgent("a1")).toBe(true);
    expect(await cq.removeAgent("a1")).toBe(false);
    expect((await cq.status("billing")).agents).toEqual([]);
  });
});

describe("status, events and keys", () => {
  it("shows waiting callers with lane, position and wait, and agents with states", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1", skills: { tech: 2 } }, { id: "a2" }]);
    await cq.agentState("a2", { to: "paused", reason: "training" });
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard", skills: ["tech"] });
    clock.advance(5000);
    await cq.enqueue({ callId: "c2", queue: "support", lane: "express", priority: 3 });
    await cq.dispatch("support");
    await cq.enqueue({ callId: "c3", queue: "support", lane: "standard" });
    clock.advance(1000);
    const s = await cq.status("support");
    expect(s).toMatchObject({ queue: "support", waiting: 2, idleAgents: 0, staffedAgents: 1 });
    expect(s.callers.map((c) => [c.callId, c.lane, c.laneName, c.position, c.waitMs])).toEqual([
      ["c1", "standard", "Standard line", 1, 6000],
      ["c3", "standard", "Standard line", 2, 1000],
    ]);
    expect(s.callers[0]!.skills).toEqual({ tech: 1 });
    expect(s.lanes.find((l) => l.lane === "standard")).toMatchObject({ waiting: 2, oldestWaitMs: 6000, sla: { seconds: 120, percent: 80 }, overtakeWindowMs: 60_000 });
    expect(s.lanes.find((l) => l.lane === "express")).toMatchObject({ waiting: 0, overtakeWindowMs: 0 });
    expect(s.agents.map((a) => [a.agentId, a.state, a.callId ?? a.pauseReason])).toEqual([
      ["a1", "ringing", "c2"],
      ["a2", "paused", "training"],
    ]);
  });

  it("writes every transition to the stream with lane, queue and waits", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "express" });
    clock.advance(4000);
    await cq.dispatch("support");
    clock.advance(1000);
    await cq.requeue("c1");
    await cq.dispatch("support");
    clock.advance(2000);
    await cq.answered("c1", "a1");
    await cq.agentState("a1", { to: "wrapup" });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "standard" });
    await cq.abandon("c2");
    const events = await cq.events();
    expect(events.map((e) => e.type)).toEqual(["agent", "joined", "offered", "requeued", "offered", "answered", "agent", "joined", "abandoned"]);
    expect(events[2]).toMatchObject({ type: "offered", queue: "support", lane: "express", callId: "c1", agentId: "a1", waitMs: 4000 });
    expect(events[3]).toMatchObject({ type: "requeued", agentTo: "available", position: 1, waitMs: 5000 });
    expect(events[5]).toMatchObject({ type: "answered", waitMs: 7000, ringMs: 2000, requeues: 1 });
    expect(events[6]).toMatchObject({ type: "agent", from: "oncall", to: "available", queues: ["support"] });
    const later = await cq.events({ after: events[6]!.id });
    expect(later.map((e) => e.type)).toEqual(["joined", "abandoned"]);
  });

  it("loads its Redis functions again when Redis has lost them", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }]);
    await redis().call("FUNCTION", "FLUSH");
    expect(await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" })).toMatchObject({ status: "queued", position: 1 });
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c1", agentId: "a1" });
  });

  it("keeps every key of a site under its hash tag", async () => {
    const { cq, clock, prefix } = makeQueue(redis(), env.prefix, {
      site: "acme",
      queues: { support: { site: "acme", lanes: ["express", "standard"], wrapUp: 5 } },
    });
    await staff(cq, clock, [{ id: "a1", skills: { tech: 3, billing: 1 } }]);
    await cq.enqueue({ callId: "c1", queue: "support", lane: "standard", maxWait: 10 });
    await cq.enqueue({ callId: "c2", queue: "support", lane: "express" });
    await cq.dispatch("support");
    await cq.answered("c2", "a1");
    await cq.agentState("a1", { to: "wrapup" });
    // the waiting member is what keys.ts documents: sequence, reserved flag, needs, lane, enqueued at,
    // requeues, deadline flag, call id
    await cq.enqueue({ callId: "c3", queue: "support", lane: "standard", skills: { tech: 2, billing: 1 } });
    const c = { reserved: false, lane: "standard", enqueuedAt: clock.now(), requeues: 0 };
    expect(await redis().zrange(cq.keys.queue("support", "waiting"), "0", "-1")).toEqual([
      waitingMember(1, { ...c, needs: "", deadline: 1 }, "c1"),
      waitingMember(3, { ...c, needs: "billing=1,tech=2", deadline: 0 }, "c3"),
    ]);
    // ...and so is the idle member: the agent's profile
    await cq.agentState("a1", { to: "available" });
    expect(await redis().zrange(cq.keys.queue("support", "idle"), "0", "-1")).toEqual([idleMember("a1", "PJSIP/1000-a1", "support", ",billing=1,tech=3,")]);
    const keys = await redis().keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThanOrEqual(8);
    for (const k of keys) expect(k.startsWith(`${prefix}{acme}:`)).toBe(true);
  });
});
