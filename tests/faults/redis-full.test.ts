/**
 * Redis full (maxmemory reached with noeviction): every write is refused with OOM, and so is every
 * queue function, while the connection itself is fine. The daemon must say so in /readyz, keep the
 * callers it has (the one whose enqueue fails hears music and is tried again, not sent to the tree's
 * "nobody staffed" branch), and once memory is freed release the agent whose answer Redis refused and
 * connect everyone. Over real sockets: the daemon in-process, the simulator, a redis-server of the
 * test's own.
 */
import { afterEach, expect, test } from "vitest";
import type { Daemon } from "../../src/daemon/index.js";
import { daemon, supportCaller, waitFor } from "../calls/harness.js";
import { figure, fill, free, faultSetup, redisReadiness, stopEverything } from "./fault-rig.js";

afterEach(stopEverything);

const AGENTS = [
  { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true },
  { id: "a2", name: "Agent Two", endpoint: "PJSIP/1002", queues: ["support"], skills: ["support"], autoAvailable: true },
];
const AFTER_HOURS = "sound:switchboard/after-hours";

/** a1 rings for the first caller (a2's phone busy), then Redis fills up: a1's answer cannot be recorded. */
async function fullWhileRinging() {
  // simulated time runs 10x: a 20 s answer delay is 2 s of real time, a 60 s ring 6 s
  const s = await faultSetup(AGENTS, { ringTimeout: 60 });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 20, talkTime: 600 });
  s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 20, talkTime: 600 });
  const d = await daemon(s);
  expect((await redisReadiness(d)).status).toBe(200);
  const agents = async () => (await d.queue.status("support")).agents;
  await waitFor("the phones' states", async () => (await agents()).every((a) => a.device === "registered"));
  await d.queue.deviceState("PJSIP/1002", "in_use");
  const first = s.sim.control.placeCall(supportCaller("5559201", { hangupAfter: 900 }));
  await waitFor("a1 to ring for the first caller", async () => (await agents()).find((a) => a.agentId === "a1")?.state === "ringing");
  const filled = Date.now();
  await fill(s);
  const down = await waitFor("/readyz to say Redis refuses writes", async () => {
    const r = await redisReadiness(d);
    return r.status === 503 ? r : undefined;
  });
  figure("Redis full: fill -> /readyz 503", Date.now() - filled);
  return { s, d, agents, first, down };
}

const answeredCalls = async (d: Daemon) => (await d.queue.events()).filter((e) => e.type === "answered").map((e) => (e as { callId: string }).callId);

test("Redis full: /readyz is 503 with Redis' reason while writes fail; once memory is freed the agent whose answer Redis refused is released and the caller answered", async () => {
  const { s, d, agents, first, down } = await fullWhileRinging();
  expect(down.ok).toBe(false);
  expect(down.detail).toMatch(/writes failing since .*OOM/);
  expect(down.metrics?.writeFailures).toBeGreaterThan(0);
  await waitFor("a1's phone to have answered and been let go", () => (s.sim.control.getAgent("PJSIP/1001")?.calls.answered ?? 0) >= 1, 20_000);
  // still full: still not ready, and the caller still waits
  expect((await redisReadiness(d)).status).toBe(503);
  expect(s.sim.control.getCall(first.channelId)!.phase).not.toBe("ended");

  await free(s);
  await waitFor("/readyz to be 200 again", async () => (await redisReadiness(d)).status === 200, 20_000);
  expect((await redisReadiness(d)).metrics).toMatchObject({ writable: true });
  await waitFor("the first caller to be answered", async () => (await answeredCalls(d)).includes(first.channelId), 40_000);
  expect((await agents()).find((a) => a.agentId === "a1")?.state).toBe("oncall");
}, 120_000);
test("Redis full: a caller whose enqueue fails keeps hearing music, is tried again and answered once memory is freed", async () => {
  const { s, d, agents, first } = await fullWhileRinging();
  // a caller who reaches the queue meanwhile: not sent to "nobody staffed", music while it waits
  const second = s.sim.control.placeCall(supportCaller("5559202", { hangupAfter: 900 }));
  await waitFor("the second caller to hear the hold music", () => s.sim.control.getCall(second.channelId)?.heard.some((h) => h.uri.startsWith("moh:")), 30_000);
  await waitFor("a1's phone to have answered and been let go", () => (s.sim.control.getAgent("PJSIP/1001")?.calls.answered ?? 0) >= 1, 20_000);
  for (const id of [first.channelId, second.channelId]) {
    const r = s.sim.control.getCall(id)!;
    expect(r.phase).not.toBe("ended");
    expect(r.heard.map((h) => h.uri)).not.toContain(AFTER_HOURS);
  }

  const freed = Date.now();
  await free(s);
  await d.queue.deviceState("PJSIP/1002", "registered");
  await waitFor("/readyz to be 200 again", async () => (await redisReadiness(d)).status === 200, 20_000);
  figure("Redis full: memory freed -> /readyz 200", Date.now() - freed);
  await waitFor("both callers to be answered", async () => {
    const got = await answeredCalls(d);
    return got.includes(first.channelId) && got.includes(second.channelId);
  }, 40_000);
  figure("Redis full: memory freed -> both callers answered (the refused enqueue and the refused answer)", Date.now() - freed);
  figure("Redis full: callers lost", `${[first, second].filter((c) => s.sim.control.getCall(c.channelId)!.phase === "ended").length} of 2`);
  for (const a of await agents()) expect(a.state).toBe("oncall");
  for (const id of [first.channelId, second.channelId]) expect(s.sim.control.getCall(id)!.heard.map((h) => h.uri)).not.toContain(AFTER_HOURS);
}, 120_000);

test("Redis full for longer than calls.enqueueRetryFor: the caller goes to the dialplan fallback, not to the tree's 'nobody staffed'", async () => {
  const s = await faultSetup(AGENTS, { enqueueRetryFor: 2, fallback: { context: "switchboard-fallback", extension: "s" } });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 20, talkTime: 600 });
  const d = await daemon(s);
  await waitFor("a1's phone state", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.device === "registered");
  await fill(s);
  await waitFor("/readyz to say Redis refuses writes", async () => (await redisReadiness(d)).status === 503);
  const caller = s.sim.control.placeCall(supportCaller("5559203", { hangupAfter: 900 }));
  await waitFor("the caller to hear the hold music", () => s.sim.control.getCall(caller.channelId)?.heard.some((h) => h.uri.startsWith("moh:")), 30_000);
  const left = await waitFor("the caller to leave the app for the dialplan fallback", () => {
    const r = s.sim.control.getCall(caller.channelId);
    return r?.stasis?.endedAt ? r : undefined;
  }, 30_000);
  expect(left.heard.map((h) => h.uri)).not.toContain(AFTER_HOURS);
  expect(left.phase).not.toBe("ended");
}, 90_000);
