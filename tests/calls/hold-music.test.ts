/**
 * What a queued caller hears, end to end: the daemon over real sockets, the simulator (as faithful as
 * Asterisk: a play stops the hold music for good), a real redis-server. Read from the simulator's
 * hearing timeline, in simulated ms. The simulator runs in real time here (time scale 1), so the
 * daemon's own reaction time counts as it would on a real PBX and a loaded machine has a second of slack.
 */
import { afterEach, describe, expect, test } from "vitest";
import { spansOf, type HearingTimeline, type Simulator } from "../../src/sim/index.js";
import { daemon, setup, stopAll, waitFor } from "./harness.js";

afterEach(stopAll);

/** Gold customers of config/customers.yaml: welcome, express welcome, then the support queue's express lane. */
const GOLD = ["5551005", "5551010"];
const LAST_IVR_PROMPT = "sound:switchboard/express-welcome";
const AGENTS = [
  { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true },
  { id: "a2", name: "Agent Two", endpoint: "PJSIP/1002", queues: ["support"], skills: ["support"], autoAvailable: true },
];

const timeline = (sim: Simulator, id: string): HearingTimeline => sim.pbx.hearing(id)!;

/** The caller's wait: from the end of the IVR's last prompt (it joins the queue) to its bridge with an agent, or to now. */
function waited(t: HearingTimeline): { from: number; to?: number } {
  const joined = t.spans.filter((s) => s.kind === "prompt" && s.media === LAST_IVR_PROMPT).at(-1)?.to;
  if (joined === undefined) throw new Error(`${t.channelId} never finished the IVR`);
  const bridged = t.spans.find((s) => s.kind === "bridged")?.from;
  return bridged === undefined ? { from: joined } : { from: joined, to: bridged };
}

/** The longest stretch of silence while the caller waited, ms. */
function longestSilence(sim: Simulator, id: string): number {
  const t = timeline(sim, id);
  return spansOf(t, { ...waited(t), now: sim.pbx.simNow() })[0]?.ms ?? 0;
}

/** What the caller heard while it waited, in short: `moh`, `prompt <media>`, `silence <ms>`. */
const story = (t: HearingTimeline): string =>
  t.spans
    .filter((s) => s.from >= waited(t).from - 1)
    .map((s) => (s.kind === "prompt" ? s.media : s.kind === "silence" ? `silence ${Math.round((s.to ?? Infinity) - s.from)}` : s.kind))
    .join(", ");

describe("hold music while a caller waits", () => {
  test("no waiting caller hears more than 1 s of silence: after the join announcement, while an agent's phone rings, after a missed ring; once bridged the caller hears the agent", async () => {
    // a ring outlasts an announcement (about 5 s): the announcement ends while the phone rings
    const s = await setup(AGENTS, { ringTimeout: 6, announceEvery: 6 }, {}, { timeScale: 1 });
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", noAnswerProbability: 1 });
    s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 0.5, talkTime: 600 });
    // a2 is on another call: staffed, not offered calls, until the phone is free again
    s.sim.pbx.setDeviceState("PJSIP/1002", "INUSE");
    const d = await daemon(s);
    const agent = async (id: string) => (await d.queue.status("support")).agents.find((a) => a.agentId === id);
    await waitFor("the phones' states from AMI", async () => (await agent("a1"))?.device === "registered" && (await agent("a2"))?.device === "in_use");
    const events = () => d.queue.events();

    const first = s.sim.control.placeCall({ caller: GOLD[0]!, did: "800", hangupAfter: 120 });
    await new Promise((r) => setTimeout(r, 2000));
    // the second caller joins while a1's phone rings for the first: it waits and hears its position
    const second = s.sim.control.placeCall({ caller: GOLD[1]!, did: "800", hangupAfter: 120 });
    await waitFor("a1 rung for the first caller", async () => (await events()).some((e) => e.type === "offered" && e.callId === first.channelId && e.agentId === "a1"), 30_000);
    await waitFor("the missed ring", async () => (await events()).some((e) => e.type === "requeued" && e.callId === first.channelId && e.agentId === "a1"), 30_000);
    await waitFor("the second caller in the queue", async () => (await events()).some((e) => e.type === "joined" && e.callId === second.channelId), 30_000);
    // both wait with nobody free for a while (announcements come every 6 s), then a2's phone is free and a2 answers
    await new Promise((r) => setTimeout(r, 2500));
    s.sim.pbx.setDeviceState("PJSIP/1002", "NOT_INUSE");
    await waitFor("the first caller bridged with a2", () => timeline(s.sim, first.channelId).spans.some((x) => x.kind === "bridged"), 30_000);
    // the second caller waits on; while its next announcement plays a1 is back, rung, and misses it again
    await waitFor("an announcement to the second caller after the bridge", () => {
      const bridgedAt = timeline(s.sim, first.channelId).spans.find((x) => x.kind === "bridged")!.from;
      const now = timeline(s.sim, second.channelId).spans.at(-1)!;
      return now.kind === "prompt" && now.from > bridgedAt;
    }, 30_000);
    await d.queue.agentState("a1", { to: "available" });
    await waitFor("a1 rung for the second caller", async () => (await events()).some((e) => e.type === "offered" && e.callId === second.channelId && e.agentId === "a1"), 30_000);
    await waitFor("the second missed ring", async () => (await events()).some((e) => e.type === "requeued" && e.callId === second.channelId && e.agentId === "a1"), 30_000);
    await new Promise((r) => setTimeout(r, 1500));

    for (const id of [first.channelId, second.channelId]) {
      const t = timeline(s.sim, id);
      expect(longestSilence(s.sim, id), `${id} while waiting: ${story(t)}`).toBeLessThanOrEqual(1000);
      // announcements were heard, and music between them
      expect(t.spans.some((x) => x.kind === "moh" && x.from >= waited(t).from)).toBe(true);
    }
    // once bridged the first caller hears a2, not the music: from the bridge on, only a2
    const t = timeline(s.sim, first.channelId);
    const bridged = t.spans.findIndex((x) => x.kind === "bridged");
    const after = t.spans.slice(bridged);
    expect(after.map((x) => x.kind)).toEqual(["bridged"]);
    expect(after[0]).toMatchObject({ kind: "bridged", parties: [expect.objectContaining({ name: expect.stringMatching(/^PJSIP\/1002-/) })] });
    // the announcements were heard while waiting
    expect(story(timeline(s.sim, second.channelId))).toContain("sound:queue-thereare");
  }, 90_000);

  test("a caller who joins while an agent is free is rung at once: the agent's phone is originated before any other request for the caller, and it hears no position, only the music", async () => {
    const requests: Array<{ method: string; path: string }> = [];
    const s = await setup([AGENTS[0]!], { ringTimeout: 5 }, {}, { timeScale: 1, ari: { onRequest: (r) => requests.push({ method: r.method, path: r.path }) } });
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.5, talkTime: 600 });
    const d = await daemon(s);
    await waitFor("a1's phone state from AMI", async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.device === "registered");
    const { channelId } = s.sim.control.placeCall({ caller: GOLD[0]!, did: "800", hangupAfter: 120 });
    await waitFor("the caller bridged with a1", () => timeline(s.sim, channelId).spans.some((x) => x.kind === "bridged"), 30_000);

    // after the IVR's last prompt (engine playbacks are sbp-<call>~...), what the daemon asked for the
    // caller: the originate of the agent's phone (POST /channels, the only one here) comes first
    const lastIvrPlay = requests.map((r) => r.path.includes(`/play/sbp-${channelId}~`)).lastIndexOf(true);
    const originate = (r: { method: string; path: string }) => r.method === "POST" && r.path === "/ari/channels";
    const afterIvr = requests.slice(lastIvrPlay + 1).filter((r) => r.path.includes(channelId) || originate(r));
    expect(afterIvr.findIndex(originate), afterIvr.map((r) => `${r.method} ${r.path}`).join("\n")).toBe(0);
    // no announcement (queue playbacks are sbq-<call>~...), neither asked for nor heard; the music while it rang
    expect(requests.some((r) => r.path.includes(`/play/sbq-${channelId}~`))).toBe(false);
    const t = timeline(s.sim, channelId);
    const heard = t.spans.filter((x) => x.from >= waited(t).from);
    expect(heard.filter((x) => x.kind === "prompt")).toEqual([]);
    expect(heard.some((x) => x.kind === "moh")).toBe(true);
    expect(longestSilence(s.sim, channelId), story(t)).toBeLessThanOrEqual(1000);
  }, 60_000);
});
