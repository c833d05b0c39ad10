/**
 * One daemon, two Asterisk servers (two simulators, each with its own ARI password and system name):
 * each call runs on the server it arrived on, the agent is rung on the caller's server (directly or
 * through the agent's `dialFrom` route), each phone's state comes from its own server's AMI, and a
 * server whose ARI link is down does not hold up callers on the other one.
 */
import { afterEach, expect, test } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { addServer, daemon, setup, waitFor } from "./harness.js";
import { proxyTo, readiness, stopAllAndProxies } from "./outage-rig.js";
import type { TcpProxy } from "./tcp-proxy.js";

const agentOf = (r: CallRecord | undefined) => r?.bridges.find((b) => b.bridgeType !== "holding")?.with.map((w) => w.name).join();
/** A gold customer: straight to the express lane of the support queue. */
const EXPRESS = { caller: "5551005", did: "800" };

// a1's phone is registered with the first server ("sim"); pbx-b reaches it through a trunk
const A1 = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true, dialFrom: { "pbx-b": "PJSIP/trunk-a-1001" } };
const A2 = { id: "a2", name: "Agent Two", endpoint: "PJSIP/2001", server: "pbx-b", queues: ["support"], skills: ["support"] };

let proxy: TcpProxy | undefined;
afterEach(stopAllAndProxies);

async function twoServers(agents: object[], ariUrl?: Parameters<typeof addServer>[3]) {
  const s = await addServer(await setup([]), "pbx-b", "second-ari-password", ariUrl);
  return { ...s, config: configSchema.parse({ ...s.config, agents }) };
}

test("each caller is answered on its own server; the agent is rung on the caller's server; phone states come from the phone's server", async () => {
  const s = await twoServers([A1, A2]);
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 3 });
  s.second.control.addAgent({ endpoint: "PJSIP/trunk-a-1001", answerDelay: 0.2, talkTime: 3 });
  // the same phone name on both servers: registered on its own (pbx-b), unknown to the first
  s.second.control.addAgent({ endpoint: "PJSIP/2001", answerDelay: 0.2, talkTime: 3 });
  s.sim.control.addAgent({ endpoint: "PJSIP/2001", registered: false });
  const d = await daemon(s, s.env);
  expect([...d.servers.keys()]).toEqual(["sim", "pbx-b"]);
  const agent = async (id: string) => (await d.queue.status("support")).agents.find((a) => a.agentId === id);
  await waitFor("a2's phone state from pbx-b's AMI", async () => (await agent("a2"))?.device === "registered");
  await waitFor("a1's phone state from the first server's AMI", async () => (await agent("a1"))?.device === "registered");
  // the first server's PJSIP/2001 comes and goes, then a1's phone there unregisters: by the time a1 is
  // seen unavailable, the 2001 changes have been read too, and they must not have touched a2
  s.sim.control.updateAgent("PJSIP/2001", { registered: true });
  s.sim.control.updateAgent("PJSIP/2001", { registered: false });
  s.sim.control.updateAgent("PJSIP/1001", { registered: false });
  await waitFor("a1's phone to be seen unregistered", async () => (await agent("a1"))?.device === "unavailable");
  expect((await agent("a2"))?.device).toBe("registered");
  s.sim.control.updateAgent("PJSIP/1001", { registered: true });
  await waitFor("a1's phone to be back", async () => (await agent("a1"))?.device === "registered");

  const onB = s.second.control.placeCall(EXPRESS);
  expect(onB.channelId).toMatch(/^pbx-b-/);
  await waitFor("the call to be listed on pbx-b", () => d.calls.list().find((c) => c.callId === onB.channelId)?.serverId === "pbx-b");
  const bRecord = await waitFor("pbx-b's caller to be bridged with a1 through the trunk", () => {
    const r = s.second.control.getCall(onB.channelId);
    return agentOf(r) ? r : undefined;
  });
  expect(agentOf(bRecord)).toMatch(/^PJSIP\/trunk-a-1001/);
  expect(s.sim.control.getAgent("PJSIP/1001")?.calls.offered).toBe(0);
  s.second.pbx.hangup(onB.channelId);
  await waitFor("a1 to be free again", async () => (await agent("a1"))?.state === "available");

  const onA = s.sim.control.placeCall(EXPRESS);
  const aRecord = await waitFor("the first server's caller to be bridged with a1's phone", () => {
    const r = s.sim.control.getCall(onA.channelId);
    return agentOf(r) ? r : undefined;
  });
  expect(agentOf(aRecord)).toMatch(/^PJSIP\/1001/);
  const events = await d.queue.events();
  expect(events.filter((e) => e.type === "answered").map((e) => e.callId)).toEqual([onB.channelId, onA.channelId]);
});

test("a server whose ARI is down: /readyz names it, its queued caller keeps its place, callers on the other server are answered", async () => {
  // pbx-b's ARI through a proxy the test can cut
  const s = await twoServers([A1], async (second) => {
    proxy = await proxyTo({ host: second.host, port: second.ariPort });
    return `http://127.0.0.1:${proxy.port}`;
  });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 3 });
  s.second.control.addAgent({ endpoint: "PJSIP/trunk-a-1001", answerDelay: 0.2, talkTime: 3 });
  const d = await daemon(s, s.env);
  const status = () => d.queue.status("support");
  // a1 busy on another call: both callers wait
  await waitFor("a1's phone state", async () => (await status()).agents[0]?.device === "registered");
  await d.queue.deviceState("PJSIP/1001", "in_use");

  const first = s.second.control.placeCall({ ...EXPRESS, hangupAfter: 600 });
  await waitFor("pbx-b's caller to queue", async () => (await status()).waiting === 1);
  proxy!.cut();
  const down = await waitFor("/readyz to name pbx-b", async () => {
    const r = await readiness(d);
    return r.status === 503 ? r : undefined;
  });
  expect(down.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["ari:pbx-b"]);

  const second = s.sim.control.placeCall(EXPRESS);
  await waitFor("the first server's caller to queue behind", async () => (await status()).waiting === 2);
  await d.queue.deviceState("PJSIP/1001", "registered");
  await waitFor("the caller on the reachable server to be bridged with a1", () => agentOf(s.sim.control.getCall(second.channelId)));
  expect(await d.queue.position(first.channelId)).toMatchObject({ state: "waiting", position: 1 });
  expect(s.second.control.getAgent("PJSIP/trunk-a-1001")?.calls.offered).toBe(0);

  proxy!.restore();
  await waitFor("/readyz to be ready again", async () => (await readiness(d)).status === 200, 20_000);
  // a1's call ends by itself (talk time), then wrap-up
  await waitFor("pbx-b's caller, who kept its place, to be bridged once the link is back", () => agentOf(s.second.control.getCall(first.channelId)), 20_000);
});

test("a server unreachable at startup does not keep the daemon from serving the other; it is connected once reachable", async () => {
  const s = await twoServers([A1], async (second) => {
    proxy = await proxyTo({ host: second.host, port: second.ariPort });
    return `http://127.0.0.1:${proxy.port}`;
  });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 3 });
  proxy!.cut();
  const d = await daemon(s, s.env);
  const r = await readiness(d);
  expect(r.status).toBe(503);
  expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["ari:pbx-b"]);
  const call = s.sim.control.placeCall(EXPRESS);
  await waitFor("the reachable server's caller to be bridged with a1", () => agentOf(s.sim.control.getCall(call.channelId)));
  proxy!.restore();
  await waitFor("pbx-b to be connected in the background", async () => (await readiness(d)).status === 200, 20_000);
});

test("a wrong password for any one server stops the daemon with a clear error", async () => {
  const s = await twoServers([A1]);
  await expect(daemon(s, { ...s.env, TEST_ARI_PASSWORD_PBX_B: "wrong" })).rejects.toThrow(/credentials|401|unauthori[sz]ed/i);
});
