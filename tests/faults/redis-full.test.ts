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
import { fill, free, faultSetup, redisReadiness, stopEverything } from "./fault-rig.js";

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
  await fill(s);
  const down = await waitFor("/readyz to say Redis refuses writes", async () => {
    const r = await redisReadiness(d);
    return r.status === 503 ? r : undefined;
  });
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
