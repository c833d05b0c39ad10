/**
 * Supervisors on live calls, on a real daemon over the simulator's sockets and a real Redis: the live calls
 * list, listen (a snoop on the agent's leg bridged with the supervisor's phone: the supervisor hears the
 * call), whisper (`whisper=out`: the agent hears the supervisor, the caller does not), barge (the phone in
 * the conversation's bridge), stop; recording with the caller told first, the file only for a supervisor
 * who may fetch recordings; a queue recorded by its config, and the retention sweeper deleting it; a
 * recorded call's history entry linking its recording, listed with the recorded calls, served to a
 * supervisor who may fetch recordings and refused without a token or with an agent's.
 */
import { afterEach, describe, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { issueSession } from "../../src/cti/session.js";
import { hashPassword } from "../../src/cti/password.js";
import type { Simulator } from "../../src/sim/index.js";
import { daemon, setup, stopAll, supportCaller, waitFor } from "../calls/harness.js";

const SECRET = "test-session-secret-for-the-supervisor-0123456789";
const FAST = { N: 1024, r: 8, p: 1 };
const token = (id: string, role: "supervisor" | "agent" = "supervisor") => issueSession(SECRET, id, { hours: 1, ...(role === "supervisor" ? { role } : {}) }).token;

afterEach(stopAll);

async function start(extra: Record<string, unknown> = {}) {
  const s = await setup([{ id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true }], {}, {
    cti: { sessionSecret: { env: "TEST_SESSION_SECRET" }, dispositionGrace: 0.3 },
    supervisors: [
      { id: "sup-ana", name: "Ana Ruiz", passwordHash: await hashPassword("ana-password", FAST), phone: "PJSIP/2001" },
      { id: "sup-ben", name: "Ben Okafor", passwordHash: await hashPassword("ben-password", FAST), phone: "PJSIP/2002", may: ["listen"] },
    ],
    ...extra,
  });
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 900 });
  s.sim.control.addAgent({ endpoint: "PJSIP/2001", answerDelay: 0.2, talkTime: 900 });
  s.sim.control.addAgent({ endpoint: "PJSIP/2002", answerDelay: 0.2, talkTime: 900 });
  const d = await daemon(s, { TEST_SESSION_SECRET: SECRET });
  const api = async (method: string, path: string, body?: unknown, who: string | null = token("sup-ana")) => {
    const res = await fetch(`${d.url}${path}`, {
      method,
      headers: { ...(who ? { Authorization: `Bearer ${who}` } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
  await waitFor("a1 available", async () => (await d.queue.status("support")).agents.some((a) => a.state === "available" && a.device === "registered"));
  return { s, d, api };
}

/** A caller answered by a1: its call as the live calls list shows it. */
async function liveCall(s: { sim: Simulator }, api: Awaited<ReturnType<typeof start>>["api"]) {
  const { channelId } = s.sim.control.placeCall(supportCaller("5551003", { hangupAfter: 900 }));
  const view = await waitFor("the call in the live list", async () => (await api("GET", "/api/supervisor/calls")).json?.calls?.find((c: { callId: string }) => c.callId === channelId), 30_000);
  return view as { callId: string; agent: { id: string; name: string }; caller: { number: string }; queue: { id: string; name: string }; lane: { id: string }; since: number };
}

const phoneOf = (sim: Simulator, endpoint: string) => sim.pbx.listChannels().find((c) => c.name.startsWith(`${endpoint}-`))?.id;
const ids = (parties: Array<{ id: string }>) => parties.map((p) => p.id).sort();

describe("supervision on a daemon", () => {
  test("live calls; listen, whisper, barge and stop; 4xx with reasons", async () => {
    const { s, api } = await start();
    const call = await liveCall(s, api);
    expect(call).toMatchObject({ agent: { id: "a1", name: "Agent One" }, caller: { number: "5551003" }, queue: { id: "support" } });
    expect(call.since).toBeGreaterThan(0);
    const session = await waitFor("the session's legs", async () => (await s.sim.pbx.listBridges()).find((b) => b.channels.includes(call.callId)));
    const agentLeg = session.channels.find((id) => id !== call.callId)!;

    // refusals first: no token, an agent's, no such call, a bad body, a power the supervisor lacks
    expect((await api("POST", "/api/supervisor/calls/listen", { callId: call.callId }, null)).status).toBe(401);
    expect(await api("POST", "/api/supervisor/calls/listen", { callId: call.callId }, token("a1", "agent"))).toMatchObject({ status: 403, json: { error: "an agent's session may not supervise calls" } });
    expect(await api("POST", "/api/supervisor/calls/listen", { callId: "no-such-call" })).toMatchObject({ status: 404 });
    expect((await api("POST", "/api/supervisor/calls/listen", { call: call.callId })).status).toBe(400);
    expect(await api("POST", "/api/supervisor/calls/whisper", { callId: call.callId }, token("sup-ben"))).toMatchObject({ status: 403, json: { error: "sup-ben may not whisper (supervisors[].may)" } });
    expect(await api("POST", "/api/supervisor/calls/stop", {})).toMatchObject({ status: 409 });

    // listen: a snoop spying both ways on the agent's leg, bridged with Ana's phone: she hears agent and caller
    expect(await api("POST", "/api/supervisor/calls/listen", { callId: call.callId })).toMatchObject({ status: 202, json: { monitor: { supervisorId: "sup-ana", mode: "listen", phone: "PJSIP/2001" } } });
    const phone = await waitFor("Ana's phone answered", () => phoneOf(s.sim, "PJSIP/2001"));
    await waitFor("Ana hears the call", () => ids(s.sim.pbx.voicesHeardBy(phone)).join() === [agentLeg, call.callId].sort().join());
    const listening = s.sim.pbx.snoops().filter((x) => x.endedAt === undefined);
    expect(listening).toMatchObject([{ spiedId: agentLeg, spy: "both", whisper: "none", app: "switchboard-supervision" }]);
    expect(ids(s.sim.pbx.voicesHeardBy(agentLeg))).toEqual([call.callId]);
    expect(ids(s.sim.pbx.voicesHeardBy(call.callId))).toEqual([agentLeg]);
    const viewed = (await api("GET", "/api/supervisor/calls")).json!;
    expect(viewed.calls[0].monitors).toEqual([{ supervisorId: "sup-ana", name: "Ana Ruiz", mode: "listen", state: "connected" }]);
    expect(viewed.you.monitor).toMatchObject({ callId: call.callId, mode: "listen" });

    // whisper: the same phone, a new snoop whispering out to the agent's leg: the agent hears Ana, the caller does not
    expect((await api("POST", "/api/supervisor/calls/whisper", { callId: call.callId })).status).toBe(202);
    await waitFor("a whispering snoop", () => s.sim.pbx.snoops().some((x) => x.endedAt === undefined && x.whisper === "out" && x.spiedId === agentLeg));
    await waitFor("the agent hears Ana", () => ids(s.sim.pbx.voicesHeardBy(agentLeg)).includes(phone));
    expect(ids(s.sim.pbx.voicesHeardBy(call.callId))).toEqual([agentLeg]);
    expect(ids(s.sim.pbx.voicesHeardBy(phone))).toEqual([agentLeg, call.callId].sort());
    expect(phoneOf(s.sim, "PJSIP/2001")).toBe(phone);

    // barge: Ana's phone in the conversation's bridge, no snoop left
    expect((await api("POST", "/api/supervisor/calls/barge", { callId: call.callId })).status).toBe(202);
    await waitFor("Ana in the conversation's bridge", () => s.sim.pbx.getBridge(session.id)?.channels.includes(phone));
    // (a whispering snoop out of the app lingers until the agent's leg ends, as recorded in ws-17: it hears nothing then)
    await waitFor("no snoop in the app", () => s.sim.pbx.snoops().every((x) => x.endedAt !== undefined || s.sim.pbx.stasisAppOf(x.id) === undefined));
    expect(ids(s.sim.pbx.voicesHeardBy(call.callId))).toEqual([agentLeg, phone].sort());

    // stop: the phone goes, the conversation goes on between caller and agent
    expect(await api("POST", "/api/supervisor/calls/stop", { callId: call.callId })).toMatchObject({ status: 200, json: { left: call.callId } });
    await waitFor("Ana's phone hung up", () => phoneOf(s.sim, "PJSIP/2001") === undefined);
    expect(s.sim.pbx.getBridge(session.id)?.channels.sort()).toEqual([agentLeg, call.callId].sort());
    expect((await api("GET", "/api/supervisor/calls")).json!.calls[0].monitors).toEqual([]);
  }, 90_000);

  test("record a call: the caller told first; the file only with a supervisor's token that may fetch recordings", async () => {
    const { s, api } = await start();
    const call = await liveCall(s, api);
    const started = await api("POST", "/api/supervisor/calls/record/start", { callId: call.callId });
    expect(started).toMatchObject({ status: 202, json: { recording: { state: "prompt", url: null } } });
    const name = started.json!.recording.name as string;
    expect(await api("POST", "/api/supervisor/calls/record/start", { callId: call.callId })).toMatchObject({ status: 409 });
    await waitFor("recording", async () => (await api("GET", "/api/supervisor/calls")).json!.calls[0].recording.state === "recording");
    expect(s.sim.pbx.liveRecording(name)).toMatchObject({ state: "recording", targetUri: expect.stringMatching(/^bridge:/) });
    expect((await api("POST", "/api/supervisor/calls/record/stop", { callId: call.callId })).status).toBe(200);
    const done = await waitFor("recorded", async () => (await api("GET", "/api/supervisor/calls")).json!.calls[0].recording.url as string | null);
    expect(done).toBe(`/api/supervisor/recordings/${name}`);

    // the caller heard the prompt, and only after it ended did the recording start
    const stored = s.sim.pbx.storedRecording(name)!;
    const prompt = s.sim.pbx.hearing(call.callId)!.spans.find((x) => x.kind === "prompt" && x.media === "sound:switchboard/call-recorded");
    expect(prompt?.to).toBeDefined();
    expect(stored.startedAt).toBeGreaterThanOrEqual(prompt!.to!);
    expect(stored.parties.map((p) => p.id)).toContain(call.callId);

    const file = await api("GET", done!);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("audio/wav");
    expect(Number(file.headers.get("content-length"))).toBe(stored.bytes);
    expect(file.text.slice(0, 4)).toBe("RIFF");
    expect((await api("GET", done!, undefined, null)).status).toBe(401);
    expect((await api("GET", done!, undefined, token("a1", "agent"))).status).toBe(403);
    expect(await api("GET", done!, undefined, token("sup-ben"))).toMatchObject({ status: 403, json: { error: "sup-ben may not fetch recordings (supervisors[].may)" } });
    expect((await api("GET", "/api/supervisor/recordings/sbrec-nothing-1")).status).toBe(404);
  }, 90_000);

  test("a queue recorded by its config; the sweeper deletes recordings past their retention", async () => {
    const { s, api } = await start({ supervision: { recording: { queues: ["support"], retentionDays: 0.00005, sweepInterval: 0.5 } } });
    const call = await liveCall(s, api);
    const rec = await waitFor("the queue's recording", async () => {
      const r = (await api("GET", "/api/supervisor/calls")).json!.calls[0]?.recording;
      return r?.state === "recording" ? r : undefined;
    });
    expect(s.sim.pbx.hearing(call.callId)!.spans.some((x) => x.kind === "prompt" && x.media === "sound:switchboard/call-recorded")).toBe(true);
    s.sim.pbx.hangup(call.callId);
    await waitFor("stored", () => s.sim.pbx.storedRecording(rec.name) !== undefined);
    // 0.00005 days: about 4 s; then the next sweep deletes it from the PBX
    await waitFor("swept from the PBX", () => s.sim.pbx.storedRecording(rec.name) === undefined, 30_000);
  }, 90_000);

  test("a recorded call's history entry links its recording: served to a supervisor who may fetch it, refused without one", async () => {
    // the demo customers in the Redis store, so the test reads back the entry the daemon wrote
    const { s, api } = await start({ crm: { store: "redis" }, supervision: { recording: { queues: ["support"] } } });
    const customers = new RedisCustomerStore(s.redis.client(), s.redis.prefix);
    await customers.seed(loadCustomersFile("config/customers.yaml", new Date()));
    const call = await liveCall(s, api);
    const rec = await waitFor("the queue's recording", async () => {
      const r = (await api("GET", "/api/supervisor/calls")).json!.calls[0]?.recording;
      return r?.state === "recording" ? (r as { name: string }) : undefined;
    });
    s.sim.pbx.hangup(call.callId);

    // a phone-only agent: the entry comes after wrap-up and the disposition grace
    const entry = await waitFor("Carla's history entry", async () => (await customers.findById("c-1003"))?.history.find((h) => h.callId === call.callId), 30_000);
    expect(entry.recording).toEqual({ id: rec.name, url: `/api/supervisor/recordings/${rec.name}` });
    // the recorded calls list shows it too, with the same address once the file is stored
    const listed = await waitFor("the recording stored and listed", async () => {
      const r = (await api("GET", "/api/supervisor/recordings")).json!.recordings.find((x: { name: string }) => x.name === rec.name);
      return r?.state === "done" ? r : undefined;
    });
    const stored = s.sim.pbx.storedRecording(rec.name)!;
    expect(listed).toMatchObject({ callId: call.callId, agent: { id: "a1", name: "Agent One" }, caller: { number: "5551003" }, queue: { id: "support" }, url: entry.recording!.url, seconds: expect.any(Number) });

    const file = await api("GET", entry.recording!.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("audio/wav");
    expect(Number(file.headers.get("content-length"))).toBe(stored.bytes);
    expect(file.text.slice(0, 4)).toBe("RIFF");
    expect((await api("GET", entry.recording!.url, undefined, null)).status).toBe(401);
    expect((await api("GET", entry.recording!.url, undefined, token("a1", "agent"))).status).toBe(403);
    expect((await api("GET", entry.recording!.url, undefined, token("sup-ben"))).status).toBe(403);
    expect((await api("GET", "/api/supervisor/recordings", undefined, null)).status).toBe(401);
  }, 90_000);
});
