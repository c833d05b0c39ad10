/**
 * The queue's side of the desk's transfers (offer-to.lua, consult.lua), on the suite's Redis:
 * - offerTo: a caller transferred to a named agent is offered to that agent at once, passing over an agent
 *   idle longer and callers placed before; an agent who cannot take it leaves the caller waiting; an
 *   agent who does not answer puts the caller back at the place it was given (`rankAs`), ahead of callers
 *   who came later.
 * - consult: the agent asked rings and talks for the call with no caller in any queue (no offered or
 *   answered event), by name or as a queue's longest-idle agent; release lets it go.
 */
import { describe, expect, it } from "vitest";
import { redisPerFile } from "../setup/redis.js";
import { makeQueue, staff } from "./helpers.js";

const { env, redis } = redisPerFile();

const stateOf = async (cq: ReturnType<typeof makeQueue>["cq"], id: string) => (await cq.status("support")).agents.find((a) => a.agentId === id);

describe("offerTo: a transfer to a named agent", () => {
  it("offers the caller to that agent at once, though another agent was idle longer and a caller waits before it", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    // a1 idle longest; "early" waits (nothing dispatched yet): dispatch would give it a1
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.enqueue({ callId: "early", queue: "support", lane: "standard" });
    clock.advance(10);
    const r = await cq.offerTo({ callId: "moved", queue: "support", lane: "standard" }, "a2");
    expect(r.offer).toMatchObject({ callId: "moved", agentId: "a2", queue: "support", lane: "standard" });
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "ringing", callId: "moved" });
    expect((await cq.position("early"))?.state).toBe("waiting");
    await cq.answered("moved", "a2");
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "oncall", callId: "moved" });
  });

  it("an agent who cannot take it: the caller waits in the queue like any other", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    await cq.agentState("a2", { to: "paused", reason: "lunch" });
    await cq.agentState("a1", { to: "paused", reason: "meeting" });
    await cq.agentState("a1", { to: "available" });
    await cq.enqueue({ callId: "busy", queue: "support", lane: "standard" });
    const r = await cq.offerTo({ callId: "moved", queue: "support", lane: "standard" }, "a2");
    expect(r.offer).toBeNull();
    expect(r).toMatchObject({ status: "queued", position: 2 });
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "paused" });
  });

  it("not answered: the caller goes back to the place of its first join, ahead of callers who came later", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    const firstJoin = clock.now();
    clock.advance(60_000);
    await cq.agentState("a1", { to: "paused", reason: "busy" });
    const r = await cq.offerTo({ callId: "moved", queue: "support", lane: "standard", rankAs: firstJoin }, "a2");
    expect(r.offer?.agentId).toBe("a2");
    await cq.agentState("a1", { to: "available" });
    clock.advance(1000);
    await cq.agentState("a1", { to: "paused", reason: "busy again" });
    await cq.enqueue({ callId: "later", queue: "support", lane: "standard" });
    await cq.requeue("moved", { agent: "paused", reason: "no answer" });
    expect(await cq.position("moved")).toMatchObject({ state: "waiting", position: 1 });
    expect(await cq.position("later")).toMatchObject({ state: "waiting", position: 2 });
    // its wait counts from the transfer, not from the first join
    expect((await cq.position("moved"))?.waitMs).toBeLessThan(60_000);
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "paused", pauseReason: "no answer" });
  });
});

describe("consult: another agent asked while the caller holds", () => {
  it("rings the agent named, puts it on the call, lets it go: agent events only, no caller in the queue", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix);
    await staff(cq, clock, [{ id: "a1" }, { id: "a2" }]);
    const before = (await cq.events()).length;
    expect(await cq.consultRing("x1", { agentId: "a2" }, "support")).toEqual({ agentId: "a2", endpoint: expect.stringContaining("a2") });
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "ringing", callId: "x1" });
    // not offered to anyone else meanwhile: a caller goes to a1
    const r = await cq.enqueue({ callId: "c1", queue: "support", lane: "standard" });
    expect(r.status).toBe("queued");
    expect(await cq.dispatch("support")).toMatchObject({ callId: "c1", agentId: "a1" });
    expect(await cq.consultAnswered("x1", "a2")).toBe(true);
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "oncall", callId: "x1" });
    expect(await cq.consultAnswered("x1", "a2")).toBe(false);
    expect(await cq.consultRelease("x1", "a2", { state: "available" })).toBe(true);
    expect(await stateOf(cq, "a2")).toMatchObject({ state: "available" });
    expect(await cq.consultRelease("x1", "a2", { state: "available" })).toBe(false);
    const events = (await cq.events()).slice(before).filter((e) => e.type === "agent" && e.agentId === "a2");
    expect(events.map((e) => e.type === "agent" && `${e.from}>${e.to}`)).toEqual(["available>ringing", "ringing>oncall", "oncall>available"]);
    expect((await cq.events()).some((e) => "callId" in e && e.callId === "x1")).toBe(false);
  });

  it("asks a queue's longest-idle agent; nobody free: null; a missed ring pauses the agent", async () => {
    const { cq, clock } = makeQueue(redis(), env.prefix, { queues: { support: { lanes: ["standard"] }, billing: { lanes: ["standard"] } } });
    await staff(cq, clock, [{ id: "a1" }, { id: "b1", queues: ["billing"] }, { id: "b2", queues: ["billing"] }]);
    expect((await cq.consultRing("x1", { queue: "billing" }, "support"))?.agentId).toBe("b1");
    expect((await cq.consultRing("x2", { queue: "billing" }, "support"))?.agentId).toBe("b2");
    expect(await cq.consultRing("x3", { queue: "billing" }, "support")).toBeNull();
    expect(await cq.consultRing("x3", { agentId: "b1" }, "support")).toBeNull();
    expect(await cq.consultRelease("x1", "b1", { state: "paused", reason: "missed a consultation" })).toBe(true);
    expect((await cq.status("billing")).agents.find((a) => a.agentId === "b1")).toMatchObject({ state: "paused", pauseReason: "missed a consultation" });
  });
});
