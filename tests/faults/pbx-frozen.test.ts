/**
 * The PBX freezes for 30 s (the figure): the daemon's ARI and AMI connections stay open but
 * nothing comes back. Agents who become free in that time are rung before the daemon has noticed; those
 * originates fail (no reply in time) or are never sent (the link is found dead). Neither is the agent's
 * missed call: every agent must stay available, every caller keep its place, and all be connected once
 * the PBX answers again.
 */
import { afterEach, expect, test } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { daemon, supportCaller, waitFor } from "../calls/harness.js";
import { faultSetup, figure, redisReadiness, stopEverything } from "./fault-rig.js";
import { startFreezeProxy, type FreezeProxy } from "./freeze-proxy.js";

const proxies: FreezeProxy[] = [];
afterEach(async () => {
  await stopEverything();
  for (const p of proxies.splice(0)) await p.close();
});

const FROZEN_MS = 30_000;
const AGENTS = [1, 2, 3, 4].map((n) => ({ id: `a${n}`, name: `Agent ${n}`, endpoint: `PJSIP/100${n}`, queues: ["support"], skills: ["support"], autoAvailable: true }));

test("PBX frozen for 30 s while agents become free: no agent is paused, every caller keeps its place and is answered once the PBX is back", async () => {
  const s = await faultSetup(AGENTS);
  for (const a of AGENTS) s.sim.control.addAgent({ endpoint: a.endpoint, answerDelay: 0.2, talkTime: 600 });
  const ari = await startFreezeProxy({ host: s.sim.host, port: s.sim.ariPort });
  const ami = await startFreezeProxy({ host: s.sim.host, port: s.sim.amiPort! });
  proxies.push(ari, ami);
  const server = s.config.asterisk[0]!;
  const config = configSchema.parse({
    ...s.config,
    asterisk: [
      {
        ...server,
        ari: { ...server.ari, url: `http://127.0.0.1:${ari.port}`, reconnectMaxDelay: 2 },
        ami: { ...server.ami!, host: "127.0.0.1", port: ami.port, heartbeatInterval: 1, reconnectMaxDelay: 2 },
      },
    ],
  });
  const d = await daemon({ ...s, config });
  const agents = async () => (await d.queue.status("support")).agents;
  await waitFor("the phones' states from AMI", async () => (await agents()).every((a) => a.device === "registered"));
  // every agent's phone busy with another call: the callers wait
  for (const a of AGENTS) await d.queue.deviceState(a.endpoint, "in_use");
  const callers = ["5559401", "5559402", "5559403", "5559404"].map((n) => s.sim.control.placeCall(supportCaller(n, { hangupAfter: 900 })));
  await waitFor("the four callers to queue", async () => (await d.queue.status("support")).waiting === 4);

  const frozeAt = Date.now();
  ari.freeze();
  ami.freeze();
  // the agents' other calls end at once: dispatch rings them before the daemon can know the PBX is frozen
  for (const a of AGENTS) await d.queue.deviceState(a.endpoint, "registered");
  await waitFor("/readyz to see the frozen PBX", async () => (await redisReadiness(d)).status === 503, 20_000);
  figure("PBX frozen: freeze -> /readyz 503 (ari:sim)", Date.now() - frozeAt);
  await new Promise((r) => setTimeout(r, FROZEN_MS));
  const during = await agents();
  expect(during.filter((a) => a.state === "paused").map((a) => a.agentId)).toEqual([]);
  const thawedAt = Date.now();
  ari.thaw();
  ami.thaw();

  await waitFor("/readyz to be 200 again", async () => (await redisReadiness(d)).status === 200, 30_000);
  figure("PBX frozen: thaw -> /readyz 200", Date.now() - thawedAt);
  const ids = callers.map((c) => c.channelId);
  await waitFor(
    "all four callers to be answered",
    async () => {
      const got = new Set((await d.queue.events()).filter((e) => e.type === "answered").map((e) => (e as { callId: string }).callId));
      return ids.every((id) => got.has(id));
    },
    60_000,
  );
  figure("PBX frozen: thaw -> all four callers answered", Date.now() - thawedAt);
  const events = await d.queue.events();
  figure("PBX frozen: agents paused", `${events.filter((e) => e.type === "agent" && (e as { to: string }).to === "paused").length} of 4`);
  expect(events.filter((e) => e.type === "requeued" && (e as { agentTo: string }).agentTo !== "available")).toEqual([]);
  expect(events.filter((e) => e.type === "agent" && (e as { to: string }).to === "paused")).toEqual([]);
  expect((await agents()).map((a) => a.state)).toEqual(["oncall", "oncall", "oncall", "oncall"]);
  // the waits above are bounded one by one; the whole may take their sum on a loaded machine
}, 240_000);
