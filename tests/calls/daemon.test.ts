/**
 * The daemon end to end: the PBX simulator over real ARI/AMI sockets, a real redis-server, the shipped
 * IVR trees and demo customers. Synthetic callers dial in and press keys; synthetic agent phones answer.
 */
import { afterEach, describe, expect, test } from "vitest";
import { SessionStore } from "../../src/calls/session-store.js";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { ADMIN, daemon, setup, stopAll, supportCaller, waitFor } from "./harness.js";

const heard = (r: CallRecord | undefined) => (r?.heard ?? []).map((h) => h.uri);
const agentOf = (r: CallRecord | undefined) => r?.bridges.find((b) => b.bridgeType !== "holding")?.with.map((w) => w.name).join();

afterEach(stopAll);

describe("the daemon on live channels", () => {
  test("a gold customer is greeted, recognised from the CRM and put through the express lane to an agent", async () => {
    const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }]);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.5, talkTime: 600 });
    const d = await daemon(s);
    const { channelId } = s.sim.control.placeCall({ caller: "5551005", did: "800" });
    const record = await waitFor("the agent to be bridged", () => {
      const r = s.sim.control.getCall(channelId);
      return agentOf(r) ? r : undefined;
    });
    expect(record!.answeredBy).toBe("app");
    expect(heard(record)).toEqual(expect.arrayContaining(["sound:switchboard/welcome", "sound:switchboard/express-welcome"]));
    expect(heard(record)).not.toContain("sound:switchboard/main-menu");
    expect(agentOf(record)).toMatch(/^PJSIP\/1001/);
    const events = await d.queue.events();
    expect(events.find((e) => e.type === "answered")).toMatchObject({ callId: channelId, lane: "express", agentId: "a1" });
    // the caller hangs up: the agent leg goes too and the agent wraps up
    s.sim.pbx.hangup(channelId);
    await waitFor("the agent's wrap-up", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.state === "wrapup");
    await waitFor("the call to be cleaned up", () => d.calls.size === 0);
  });

  test("with one agent, an express caller who arrives second is answered first", async () => {
    const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }]);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 3 });
    const d = await daemon(s);
    // the agent is staffed but the phone is busy (as on a personal call), so both callers wait
    // (once the phone states read over AMI at connect are in, so they do not overwrite this one)
    await waitFor("the phone's state from AMI", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.device === "registered");
    await d.queue.deviceState("PJSIP/1001", "in_use");
    const standard = s.sim.control.placeCall(supportCaller("5559001"));
    await waitFor("the standard caller to queue", async () => (await d.queue.status("support")).waiting === 1);
    const express = s.sim.control.placeCall({ caller: "5551005", did: "800" });
    await waitFor("both callers to queue", async () => (await d.queue.status("support")).waiting === 2);
    await d.queue.deviceState("PJSIP/1001", "registered");
    const first = await waitFor("someone to be answered", async () => (await d.queue.events()).find((e) => e.type === "answered"));
    expect(first).toMatchObject({ callId: express.channelId, lane: "express" });
    await waitFor("the standard caller to be answered after wrap-up", async () => (await d.queue.events()).some((e) => e.type === "answered" && e.callId === standard.channelId), 30_000);
  });

  test("an agent who does not answer is paused and the caller keeps its place for the next agent", async () => {
    const s = await setup([
      { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true },
      { id: "a2", name: "Agent Two", endpoint: "PJSIP/1002", queues: ["support"], skills: ["support"] },
    ]);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", noAnswerProbability: 1 });
    s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 0.2, talkTime: 600 });
    const d = await daemon(s);
    const { channelId } = s.sim.control.placeCall(supportCaller("5559002"));
    const requeued = await waitFor("the no-answer requeue", async () => (await d.queue.events()).find((e) => e.type === "requeued"));
    expect(requeued).toMatchObject({ callId: channelId, agentId: "a1", agentTo: "paused", position: 1 });
    // the bridge made while a1's phone rang is gone with the ring
    await waitFor("no bridge left from the missed ring", () => s.sim.control.listBridges().every((b) => b.bridgeType !== "mixing"));
    const status = await d.queue.status("support");
    expect(status.agents.find((a) => a.agentId === "a1")).toMatchObject({ state: "paused", pauseReason: "no answer" });
    await d.queue.agentState("a2", { to: "available" });
    const answered = await waitFor("a2 to answer", async () => (await d.queue.events()).find((e) => e.type === "answered"));
    expect(answered).toMatchObject({ callId: channelId, agentId: "a2", requeues: 1 });
    await waitFor("caller and a2 in one bridge", () => s.sim.control.listBridges().some((b) => b.bridgeType === "mixing" && b.channels.includes(channelId) && b.channels.length === 2));
  });

  test("a caller who hangs up during a prompt leaves no session behind", async () => {
    const s = await setup([]);
    const d = await daemon(s);
    const { channelId } = s.sim.control.placeCall({ caller: "5559003", did: "800", hangupAfter: 0.2 });
    await s.sim.control.waitForEnd(channelId);
    await waitFor("the call to be cleaned up", () => d.calls.size === 0);
    const store = new SessionStore(s.redis.client(), `${s.redis.prefix}sim:`);
    await waitFor("the session to leave Redis", async () => (await store.list("sim")).length === 0);
  });

  test("after a daemon restart a caller in the menu hears the menu again", async () => {
    const s = await setup([], { fallback: { context: "switchboard-fallback", extension: "s" } });
    const first = await daemon(s);
    const { channelId } = s.sim.control.placeCall({ caller: "5559004", did: "800", hangupAfter: 60 });
    const menu = (r: CallRecord | undefined) => heard(r).filter((u) => u === "sound:switchboard/main-menu").length;
    await waitFor("the main menu", () => menu(s.sim.control.getCall(channelId)) === 1);
    await first.stop();
    const second = await daemon(s);
    await waitFor("the menu to play again", () => menu(s.sim.control.getCall(channelId)) === 2);
    expect(second.calls.list()).toEqual([expect.objectContaining({ callId: channelId, node: "main#main-menu" })]);
  });

  test("health and the admin API: ready when ARI and Redis are up; admin needs the bearer token", async () => {
    const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"] }]);
    const d = await daemon(s);
    const ready = await fetch(`${d.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
    expect((await fetch(`${d.url}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${d.url}/admin/queues`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const ok = await fetch(`${d.url}/admin/queues/support`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ queue: "support", agents: [expect.objectContaining({ agentId: "a1", state: "offline" })] });
    expect((await fetch(`${d.url}/admin/queues/nope`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
  });
});
