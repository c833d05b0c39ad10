/**
 * The post-call survey end to end: the PBX simulator over real ARI/AMI sockets, a real redis-server and
 * the shipped trees (main.yaml's support queue goes on to survey.yaml when the agent hangs up first).
 * Every wait is for a condition, never for a length of time.
 */
import type { Redis } from "ioredis";
import { afterEach, describe, expect, test } from "vitest";
import { parseSiteEvent } from "../../src/events/parse.js";
import type { SiteEvent } from "../../src/events/schema.js";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { daemon, setup, stopAll, supportCaller, waitFor } from "./harness.js";
import { processRig, type ProcessRig } from "./process-rig.js";

const QUESTION = "sound:switchboard/csat-question";
const THANKS = "sound:switchboard/csat-thanks";
/** Simulated ms: a prompt that outlasts any test. */
const HOUR_MS = 3_600_000;
const A1 = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true };

const heard = (r: CallRecord | undefined) => (r?.heard ?? []).map((h) => h.uri);

/** A support caller (standard lane) who presses `key` whenever the survey question starts. */
function surveyedCaller(caller: string, key: string, extra: Record<string, unknown> = {}) {
  const base = supportCaller(caller);
  return { ...base, prompts: [...base.prompts, { prompt: QUESTION, after: 0.1, press: key }], ...extra };
}

/** Every event of the site's stream, as the metrics read them. */
async function streamEvents(redis: Redis, key: string): Promise<SiteEvent[]> {
  const entries = (await redis.xrange(key, "-", "+")) as Array<[string, string[]]>;
  return entries.flatMap(([id, flat]) => parseSiteEvent(id, flat) ?? []);
}

const surveysOf = (events: SiteEvent[], callId: string) => events.filter((e) => e.type === "survey" && e.callId === callId);

const clients: Redis[] = [];
let rig: ProcessRig | undefined;
afterEach(async () => {
  await stopAll();
  for (const c of clients.splice(0)) c.disconnect();
  await rig?.close();
  rig = undefined;
}, 60_000);

describe("the post-call survey", () => {
  test("the agent hangs up first: the caller hears the question, presses 4, and the answer is in the stream with the agent, queue and lane", async () => {
    const s = await setup([A1]);
    // 20 simulated seconds of talk are 2 real ones; the caller would talk for an hour: the agent ends it
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 20 });
    const d = await daemon(s);
    const redis = s.redis.client();
    clients.push(redis);
    const { channelId } = s.sim.control.placeCall(surveyedCaller("5559301", "4", { talkTime: 3600 }));

    const [survey] = await waitFor("the survey answer in the stream", async () => {
      const found = surveysOf(await streamEvents(redis, d.queue.keys.events), channelId);
      return found.length ? found : undefined;
    });
    expect(survey).toMatchObject({ type: "survey", callId: channelId, score: 4, scale: 5, agentId: "a1", queue: "support", lane: "standard" });

    // the IVR thanks the caller and hangs up: the caller's channel was never hung up with the agent's
    const record = await s.sim.control.waitForEnd(channelId);
    expect(record.hangup).toMatchObject({ by: "pbx" });
    const order = heard(record);
    expect(order.indexOf(QUESTION)).toBeGreaterThan(order.indexOf("sound:switchboard/enter-account"));
    expect(order.slice(-2)).toEqual([QUESTION, THANKS]);
    // the question came after the conversation: the caller had left the bridge by then
    const bridge = record.bridges.find((b) => b.bridgeType !== "holding")!;
    const question = record.heard.find((h) => h.uri === QUESTION)!;
    expect(bridge.leftAt).toBeDefined();
    expect(Date.parse(question.startedAt)).toBeGreaterThanOrEqual(Date.parse(bridge.leftAt!));
    await waitFor("the call to be cleaned up", () => d.calls.size === 0);
    expect(surveysOf(await streamEvents(redis, d.queue.keys.events), channelId)).toHaveLength(1);
  });

  test("the caller hangs up first: no question, no answer, the agent wraps up as before", async () => {
    const s = await setup([A1]);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 3600 });
    const d = await daemon(s);
    const redis = s.redis.client();
    clients.push(redis);
    // the caller would press 4 if asked; 20 simulated seconds after being bridged it hangs up
    const { channelId } = s.sim.control.placeCall(surveyedCaller("5559302", "4", { talkTime: 20 }));
    const record = await s.sim.control.waitForEnd(channelId);
    expect(record.hangup).toMatchObject({ by: "caller", reason: "talk-time" });
    await waitFor("the agent's wrap-up", async () => (await streamEvents(redis, d.queue.keys.events)).some((e) => e.type === "agent" && e.agentId === "a1" && e.to === "wrapup"));
    await waitFor("the call to be cleaned up", () => d.calls.size === 0);
    // the agent's leg went with the caller, as it always did
    await waitFor("the agent's leg to be hung up", () => s.sim.control.listChannels().every((c) => !c.name.startsWith("PJSIP/1001")));
    expect(heard(s.sim.control.getCall(channelId))).not.toContain(QUESTION);
    expect(surveysOf(await streamEvents(redis, d.queue.keys.events), channelId)).toEqual([]);
  });
});

test("kill -9 while the survey question plays: the next daemon asks again and credits the answer to the agent the caller talked to", async () => {
  // the question lasts an hour: the daemon is killed while it plays; the caller's key comes from the test,
  // once the next daemon asks again
  rig = await processRig({ sim: { media: { sounds: { "switchboard/csat-question": HOUR_MS } } } });
  const r = rig;
  r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 20 });
  const first = await r.start();
  const { channelId } = r.sim.control.placeCall(supportCaller("5559303", { hangupAfter: 3600 }));
  const questions = () => (r.sim.control.getCall(channelId)?.heard ?? []).filter((h) => h.uri === QUESTION);
  await waitFor("the caller to hear the survey question", () => questions()[0]?.outcome === "playing", 30_000);
  const session = await waitFor("the session to be at the question", async () => {
    const s = await r.sessions.get(channelId);
    return s?.engine.node === "survey#start" ? s : undefined;
  });
  // whom the caller talked to stays in the session; the legs do not (the conversation is over)
  expect(session.agent).toMatchObject({ agentId: expect.any(String), queue: "support", lane: "standard", endedAt: expect.any(Number) });
  expect(session.agent?.channelId).toBeUndefined();

  await r.end(first, "SIGKILL");
  await r.start();
  await waitFor("the question to be asked again", () => questions()[1]?.outcome === "playing", 30_000);
  // the caller presses 4 now, at the second time it hears the question
  r.sim.control.press(channelId, "4");
  const key = `${r.prefix}{main}:events`;
  const [survey] = await waitFor("the survey answer in the stream", async () => {
    const found = surveysOf(await streamEvents(r.redis, key), channelId);
    return found.length ? found : undefined;
  });
  expect(survey).toMatchObject({ score: 4, scale: 5, agentId: session.agent!.agentId, queue: "support", lane: "standard" });
  const record = await r.sim.control.waitForEnd(channelId);
  expect(heard(record).at(-1)).toBe(THANKS);
}, 90_000);
