/**
 * Fidelity of the simulator's media against the second batch of recordings (shared/asterisk-fixtures,
 * ws-14-play-and-bridge-during-moh and its AMI side ami-17-moh-play-bridge): what a play, a bridge and
 * the hold music do to each other on a real Asterisk 22.10.1.
 *
 * - A play on a channel with music on hold stops the music for good: AMI `MusicOnHoldStop` right after
 *   `PlaybackStarted`, no `MusicOnHoldStart` after `PlaybackFinished`, and a later `DELETE /moh` is 204
 *   with no event.
 * - Joining or leaving a mixing bridge does not touch the music; only `DELETE /moh` (or the hangup) stops it.
 * - ARI itself never reports music on hold.
 *
 * ws-14 is replayed over ARI with an AMI session open beside it (the timeline's `ami-recv` records are
 * anchors too). The ARI test compares the frames and replies and the media story (plays, bridge moves,
 * music) in the order the PBX published it; the AMI test compares the whole AMI session with ami-17 and
 * which REST request each music event followed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type PbxEvent, type Simulator, type SimulatorOptions } from "../../src/sim/index.js";
import { DEFAULT_SOUNDS } from "../../src/sim/model/media.js";
import { compareSessions, loadRecording, type CompareOptions } from "./ami-replay.js";
import { get, type Msg } from "./ami-test-client.js";
import { readJsonl, replayWsScenario, type ReplayOutcome, type WsRecord } from "./ari-replay.js";
import { compareSequences, compareStructure, formatDifferences, IdMap, normalizeChannelName } from "./fidelity.js";
import { frameDifferences } from "./replay-compare.js";

const TIME_SCALE = 0.25;
const FILE = "ws-14-play-and-bridge-during-moh.jsonl";
const AMI_FILE = "ami-17-moh-play-bridge";

/** The recorded server (second batch): user and app `rec`, systemname pbx1, its two contexts and prompt lengths. */
const RECORDED_SERVER: SimulatorOptions = {
  users: { rec: "rec" },
  timeScale: TIME_SCALE,
  systemName: "pbx1",
  recordedContexts: false,
  dialplan: {
    "rec-inbound": { s: [{ app: "Stasis", data: "rec,inbound,${CALLERID(num)}" }, { app: "Hangup" }] },
    hold: { s: [{ app: "Wait", data: "120" }, { app: "Hangup" }] },
  },
  media: { sounds: { ...DEFAULT_SOUNDS, "switchboard/welcome": 2440, "switchboard/goodbye": 840 }, unknownSound: "fail" },
};

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** What the caller's media did, in order: plays, bridge moves and the music, per channel. */
type Story = string[];

const ARI_STORY = new Set(["PlaybackStarted", "PlaybackFinished", "ChannelEnteredBridge", "ChannelLeftBridge"]);
const AMI_STORY = new Set(["MusicOnHoldStart", "MusicOnHoldStop"]);

/** The story as the recording client saw it: ARI frames and AMI messages merged in timeline order. */
function recordedStory(records: WsRecord[]): Story {
  const out: Story = [];
  for (const r of records) {
    if (r.kind === "ws-frame" && ARI_STORY.has(String(r.frame?.type))) {
      const f = r.frame as { type: string; channel?: { id: string }; playback?: { target_uri: string } };
      out.push(`${f.type} ${f.channel?.id ?? f.playback?.target_uri.replace(/^channel:/, "")}`);
    }
    if (r.kind === "ami-recv" && r.text) {
      const event = /^Event: (\S+)/.exec(r.text)?.[1] ?? "";
      if (AMI_STORY.has(event)) out.push(`${event} ${/\r\nUniqueid: (\S+)/.exec(r.text)?.[1]}`);
    }
  }
  return out;
}

/** The same story from the simulator's own event stream (one total order). */
function storyOf(e: PbxEvent): string | undefined {
  switch (e.type) {
    case "PlaybackStarted":
    case "PlaybackFinished":
      return `${e.type} ${e.playback.targetUri.replace(/^channel:/, "")}`;
    case "ChannelEnteredBridge":
    case "ChannelLeftBridge":
      return `${e.type} ${e.channel.id}`;
    case "MohStart":
      return `MusicOnHoldStart ${e.channel.id}`;
    case "MohStop":
      return `MusicOnHoldStop ${e.channel.id}`;
    default:
      return undefined;
  }
}

const types = (frames: Array<Record<string, unknown>>): string[] => frames.map((f) => String(f.type));
const notDevice = (f: Record<string, unknown>): boolean => f.type !== "DeviceStateChanged";

function frameProblems(out: ReplayOutcome): string {
  const problems: string[] = [];
  for (const [conn, recorded] of out.recordedFrames) {
    const rec = recorded.filter(notDevice);
    const act = (out.simFrames.get(conn) ?? []).filter(notDevice);
    const seq = compareSequences(types(rec), types(act));
    if (!seq.equal) problems.push(`event order on ${conn}:\n${seq.report}`);
    const diffs = frameDifferences(rec, act, out.idMap, conn);
    if (diffs.length) problems.push(formatDifferences(diffs));
  }
  for (const r of out.responses) {
    if (r.sim?.status !== r.recorded.status) problems.push(`${r.method} ${r.path}: ${r.sim?.status}, recorded ${r.recorded.status}`);
    const body = (r.recorded as unknown as { body?: unknown }).body;
    if (body === undefined) continue;
    const raceState = (s: string, key: string): string => (key === "state" && /\/play/.test(r.path) && s === "playing" ? "queued" : s);
    const diffs = compareStructure(body, r.sim?.json, {
      values: true,
      normalizeExpected: (s, key) => raceState(normalizeChannelName(s), key),
      normalizeActual: (s, key) => raceState(normalizeChannelName(out.idMap.rewriteToRecorded(s)), key),
    });
    if (diffs.length) problems.push(`reply to ${r.method} ${r.path}:\n${formatDifferences(diffs)}`);
  }
  return problems.join("\n");
}

/** The server's `SystemName:` line is another part's (systemname): left out on both sides here. */
const withoutSystemName = (msgs: Msg[]): Msg[] => msgs.map((m) => m.filter(([k]) => k !== "SystemName"));

const isLocalOne = (m: Msg): boolean => /;1$/.test(get(m, "Channel") ?? "");

/**
 * What ami-17 shows that the simulator does not model, left out of the comparison (the music, the
 * bridges, the connected lines, the CDRs (the older caller's forked when the second caller joins its
 * bridge) and everything else is compared):
 * - a Local channel passes the connected line its `;2` got in the bridge on to its `;1` as the caller id,
 *   which AMI shows only with `;1`'s last snapshot: a `NewCallerid` after its `Hangup`, and the new number
 *   in that `Hangup` and in its CDR;
 * - device states: Asterisk computed both callers' devices after both had hung up (19 ms apart), the
 *   simulator computes each right after its hangup.
 */
const MEDIA_SCOPE: CompareOptions = {
  ignoreValue: (m, key) =>
    (get(m, "Event") === "DeviceStateChange" && key === "State") ||
    (isLocalOne(m) && get(m, "Event") === "Hangup" && key.startsWith("CallerID")) ||
    (isLocalOne(m) && get(m, "Event") === "Cdr" && (key === "Source" || key === "CallerID")),
};

/** Picks, message by message in order, the recorded `NewCallerid`s that follow their channel's `Hangup` (see MEDIA_SCOPE). */
function lateCallerId(): (m: Msg) => boolean {
  const gone = new Set<string>();
  return (m) => {
    const ch = get(m, "Channel") ?? "";
    if (get(m, "Event") === "Hangup") gone.add(ch);
    return get(m, "Event") === "NewCallerid" && gone.has(ch);
  };
}

const amiSide = (port: number) => ({ port, sent: loadRecording(AMI_FILE).sent, skip: lateCallerId() });

/**
 * For each music event, how many REST requests the client had sent before it arrived: the request that
 * caused it. Asterisk and the simulator alike publish these within a few ms of the request, and the
 * recording's next request came 1.5 s or more later.
 */
function musicWindows(events: Array<{ msg: Msg; at: number }>, requestTimes: number[]): string[] {
  return events
    .filter(({ msg }) => AMI_STORY.has(get(msg, "Event") ?? ""))
    .map(({ msg, at }) => `${get(msg, "Event")} ${get(msg, "Uniqueid")} after request #${requestTimes.filter((t) => t <= at).length}`);
}

/** The recorded side of `musicWindows`, from the timeline's order. */
function recordedMusicWindows(records: WsRecord[]): string[] {
  let requests = 0;
  const out: string[] = [];
  for (const r of records) {
    if (r.kind === "http-request") requests++;
    if (r.kind !== "ami-recv" || !r.text) continue;
    const event = /^Event: (\S+)/.exec(r.text)?.[1] ?? "";
    if (AMI_STORY.has(event)) out.push(`${event} ${/\r\nUniqueid: (\S+)/.exec(r.text)?.[1]} after request #${requests}`);
  }
  return out;
}

describe("music on hold, plays and bridges (ws-14, ami-17)", () => {
  it("ws-14-play-and-bridge-during-moh: ARI frames and replies; a play stops the music for good, a bridge does not", async () => {
    sim = await startSimulator(RECORDED_SERVER);
    const story: Story = [];
    sim.pbx.onEvent((e) => {
      const line = storyOf(e);
      if (line) story.push(line);
    });
    const out = await replayWsScenario(FILE, sim.ariUrl, TIME_SCALE, 6000, { ami: amiSide(sim.amiPort!) });
    out.ami?.destroy();
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    expect(frameProblems(out), "ARI frames and replies (no MOH event on ARI)").toBe("");
    const expected = recordedStory(readJsonl<WsRecord>(`ari-ws/${FILE}`));
    expect(story.join("\n"), "plays, bridge moves and music, in order").toBe(expected.join("\n"));
  });

  it("ami-17-moh-play-bridge: the AMI session beside ws-14, and which request each music event followed", async () => {
    sim = await startSimulator(RECORDED_SERVER);
    const recording = loadRecording(AMI_FILE);
    const late = lateCallerId();
    const out = await replayWsScenario(FILE, sim.ariUrl, TIME_SCALE, 6000, { ami: amiSide(sim.amiPort!) });
    const ami = out.ami!;
    ami.destroy();
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    expect(ami.banner).toBe(recording.banner);
    const cmp = compareSessions(withoutSystemName(recording.recv.filter((m) => !late(m))), withoutSystemName(ami.messages), new IdMap(), MEDIA_SCOPE);
    expect(cmp.problems.join("\n")).toBe("");
    const requestTimes = out.responses.map((r) => r.sentAt);
    expect(musicWindows(ami.timedMessages, requestTimes)).toEqual(recordedMusicWindows(readJsonl<WsRecord>(`ari-ws/${FILE}`)));
  });
});
