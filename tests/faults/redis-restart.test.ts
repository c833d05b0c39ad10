/**
 * Redis restarted under a running daemon. Without persistence (as the tests and, before, the demo ran
 * it) it comes back empty: the daemon must notice and put back what it knows, agents from its config
 * with the states they had, their phones' states, and its callers still on the line at their first join,
 * so that the callers keep their order and later calls reach agents, without anyone restarting the
 * daemon. With the append-only file nothing is lost and nothing needs putting back.
 */
import { afterEach, expect, test } from "vitest";
import type { Daemon } from "../../src/daemon/index.js";
import { daemon, supportCaller, waitFor } from "../calls/harness.js";
import { faultSetup, figure, redisReadiness, stopEverything, type FaultSetup } from "./fault-rig.js";

afterEach(stopEverything);

const AGENTS = [
  { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true },
  { id: "a2", name: "Agent Two", endpoint: "PJSIP/1002", queues: ["support"], skills: ["support"], autoAvailable: true },
];
const OPERATOR = "sound:switchboard/connecting-operator";

/** a1 on a personal call (phone in use), a2 paused; two callers waiting, the first placed well before the second. */
async function twoWaiting(opts: { appendonly: boolean }) {
  const s = await faultSetup(AGENTS, {}, { appendonly: opts.appendonly });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
  s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 0.2, talkTime: 600 });
  s.sim.pbx.setDeviceState("PJSIP/1001", "INUSE");
  const d = await daemon(s);
  const agent = async (id: string) => (await d.queue.status("support")).agents.find((a) => a.agentId === id);
  await waitFor("the phones' states from AMI", async () => (await agent("a1"))?.device === "in_use" && (await agent("a2"))?.device === "registered");
  await d.queue.agentState("a2", { to: "paused", reason: "lunch" });
  const first = s.sim.control.placeCall(supportCaller("5559301", { hangupAfter: 900 }));
  await waitFor("the first caller to queue", async () => (await d.queue.status("support")).waiting === 1);
  await new Promise((r) => setTimeout(r, 1500));
  const second = s.sim.control.placeCall(supportCaller("5559302", { hangupAfter: 900 }));
  await waitFor("the second caller to queue", async () => (await d.queue.status("support")).waiting === 2);
  // the daemon's probe has read the agents' states since
  await new Promise((r) => setTimeout(r, 1500));
  return { s, d, agent, first, second };
}

const answered = async (d: Daemon) => (await d.queue.events()).filter((e) => e.type === "answered").map((e) => e as { callId: string; agentId: string });

/** After the restart: the callers in their old order, the agents as they were, and both callers answered in order. */
async function servedInOrder(s: FaultSetup, d: Daemon, first: string, second: string, since: number): Promise<void> {
  const st = await d.queue.status("support");
  expect(st.callers.map((c) => c.callId)).toEqual([first, second]);
  // the first caller's wait counts from its first join, not from the restart
  expect(st.callers[0]!.waitMs).toBeGreaterThanOrEqual(Date.now() - since);
  expect(st.agents.find((a) => a.agentId === "a1")).toMatchObject({ state: "available", device: "in_use" });
  expect(st.agents.find((a) => a.agentId === "a2")).toMatchObject({ state: "paused", pauseReason: "lunch" });
  for (const id of [first, second]) {
    const r = s.sim.control.getCall(id)!;
    expect(r.phase).not.toBe("ended");
    expect(r.heard.map((h) => h.uri)).not.toContain(OPERATOR);
  }
  // a1's personal call ends: it takes the first caller; a2 back from lunch takes the second
  s.sim.pbx.setDeviceState("PJSIP/1001", "NOT_INUSE");
  await waitFor("a1 to answer the first caller", async () => (await answered(d)).some((e) => e.callId === first && e.agentId === "a1"), 30_000);
  await d.queue.agentState("a2", { to: "available" });
  await waitFor("a2 to answer the second caller", async () => (await answered(d)).some((e) => e.callId === second && e.agentId === "a2"), 30_000);
  figure("Redis restart: callers lost / answered in their old order", "0 of 2 / yes");
}

test("Redis restarted without persistence: the daemon notices, puts back agents, their states and the waiting callers at their places, and calls reach agents again", async () => {
  const { s, d, first, second } = await twoWaiting({ appendonly: false });
  const joinedBefore = Date.now() - 3000;
  const restarted = Date.now();
  await s.local.restart();
  const back = await waitFor("the daemon to rebuild what Redis lost", async () => {
    const r = await redisReadiness(d);
    return r.status === 200 && (r.metrics?.rebuilds ?? 0) >= 1 ? r : undefined;
  }, 30_000);
  expect(back.ok).toBe(true);
  figure("Redis restart without persistence: redis-server stopped -> rebuilt, /readyz 200", Date.now() - restarted);
  await servedInOrder(s, d, first.channelId, second.channelId, joinedBefore);
}, 120_000);

test("Redis restarted with its append-only file: nothing lost, nothing rebuilt, the callers keep their places", async () => {
  const { s, d, first, second } = await twoWaiting({ appendonly: true });
  const joinedBefore = Date.now() - 3000;
  const restarted = Date.now();
  await s.local.restart();
  await waitFor("Redis to be back for the daemon", async () => (await redisReadiness(d)).status === 200 && (await s.admin.ping().catch(() => "")) === "PONG", 30_000);
  figure("Redis restart with appendonly: redis-server stopped -> /readyz 200", Date.now() - restarted);
  // a few probes later: still nothing to rebuild
  await new Promise((r) => setTimeout(r, 2500));
  expect((await redisReadiness(d)).metrics?.rebuilds).toBe(0);
  await servedInOrder(s, d, first.channelId, second.channelId, joinedBefore);
}, 120_000);
