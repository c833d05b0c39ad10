/**
 * Fidelity of the simulator's CDRs against the second batch of recordings (shared/asterisk-fixtures,
 * ws-16-cdr-of-ari-originated-channel and its AMI side ami-20): the AMI `Cdr` of channels originated over
 * ARI with a client `channelId`, as Switchboard rings agents, on a real Asterisk 22.10.1.
 *
 * - A: caller (an inbound-style Local `;2`) and agent `PJSIP/1001` (originated) bridged, the agent hangs up
 *   first: the agent's CDR ends when it joins the bridge (Duration and BillableSeconds 0, AnswerTime =
 *   EndTime = the bridge moment). The conversation is on the caller's CDR (`DestinationChannel` = the agent
 *   leg), billed from the caller's answer to the end of the pairing (the first of the two to leave).
 * - B: the same, the caller hangs up first: the agent's CDR still ends at the bridge moment.
 * - C: an originated `PJSIP/1001` never bridged: its real billable seconds, up to its hangup.
 * - D: like A with `Local/agent1@agents`: `;1` (bridged) ends at the bridge moment (Duration = its ring,
 *   BillableSeconds 0), `;2` (the dialplan half, in no bridge) is billed from its answer to its hangup.
 * Seconds are truncated (cdr.conf `initiatedseconds = no`).
 *
 * ws-16 is replayed over ARI with an AMI session open beside it. The ARI test compares the frames and
 * replies, then the moments of each CDR against `MOMENTS`, a table of the events they fall on: the table
 * is checked against the recording (its ARI timestamps, truncated, give every recorded Duration and
 * BillableSeconds) and the simulator's CDRs against the table on the simulator's own events, to the
 * millisecond. The AMI test compares the whole AMI session with ami-20: every Cdr's fields and values
 * (times apart, which are the ARI test's), and the times each Cdr shows are those of its record.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type CdrRecord, type PbxEvent, type Simulator, type SimulatorOptions } from "../../src/sim/index.js";
import { DEFAULT_SOUNDS } from "../../src/sim/model/media.js";
import { compareSessions, loadRecording, type CompareOptions } from "./ami-replay.js";
import { get, type Msg } from "./ami-test-client.js";
import { readJsonl, replayWsScenario, type ReplayOutcome, type WsRecord } from "./ari-replay.js";
import { compareSequences, formatDifferences, IdMap } from "./fidelity.js";
import { frameDifferences, wsProblems } from "./replay-compare.js";
import { AUTO_ANSWER, configureEndpoints, REC_DIALPLAN, SECOND_BATCH } from "./second-batch.js";

const TIME_SCALE = 0.25;
const FILE = "ws-16-cdr-of-ari-originated-channel.jsonl";
const AMI_FILE = "ami-20-cdr-of-ari-originated-channel";

/** The recorded server's `agents` context: agent1 goes to a shared stand-in (the Newexten of ami-20). */
const AGENTS_DIALPLAN = {
  agents: { agent1: [{ app: "Goto", data: "agent-common,s,1" }] },
  "agent-common": {
    s: [
      { app: "NoOp", data: "agent stand-in" },
      { app: "Ringing" },
      { app: "Wait", data: "2" },
      { app: "Answer" },
      { app: "Wait", data: (get: (n: string) => string | undefined) => get("AGENT_TALK") || "20" },
      { app: "Hangup" },
    ],
  },
};

const RECORDED_SERVER: SimulatorOptions = {
  users: { rec: "rec" },
  ...SECOND_BATCH,
  dialplan: { ...REC_DIALPLAN, ...AGENTS_DIALPLAN },
  media: { ...SECOND_BATCH.media, sounds: { ...DEFAULT_SOUNDS, ...SECOND_BATCH.media!.sounds } },
  timeScale: TIME_SCALE,
};

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function recordedServer(): Promise<Simulator> {
  sim = await startSimulator(RECORDED_SERVER);
  configureEndpoints(sim.pbx, AUTO_ANSWER);
  return sim;
}

// ---------------------------------------------------------------- what the simulator does not model

/** The other half of a Local channel (`Local/x-0000005c;1` <-> `;2`), or undefined. */
const otherHalf = (name: string): string | undefined => (/;[12]$/.test(name) ? name.replace(/;([12])$/, (_m, n: string) => (n === "1" ? ";2" : ";1")) : undefined);

/**
 * A Local channel passes the connected line its bridged half gets on to its other half as caller id
 * (ARI `ChannelCallerId`, AMI `NewCallerid`, and the new number in that half's later events and CDR):
 * the simulator does not model it. Picks, in order, the caller id updates of a half whose other half is in
 * a bridge (by channel name: `bridged` is fed by the caller).
 */
function lateCallerIds(): { bridged: Set<string>; isLate: (name: string) => boolean } {
  const bridged = new Set<string>();
  return { bridged, isLate: (name) => bridged.has(otherHalf(name) ?? "") };
}

/** A PJSIP channel's RTP statistics (set at its end) and its peer's SIP Call-ID (set in a bridge). */
const notModelledVariable = (v: unknown): boolean => typeof v === "string" && /^(RTPAUDIOQOS|BRIDGEPVTCALLID$)/.test(v);

function frameSkip(): (f: Record<string, unknown>) => boolean {
  const late = lateCallerIds();
  return (f) => {
    const ch = (f.channel as { name?: string } | undefined)?.name ?? "";
    if (f.type === "ChannelEnteredBridge") late.bridged.add(ch);
    if (f.type === "ChannelVarset" && notModelledVariable(f.variable)) return true;
    return f.type === "ChannelCallerId" && late.isLate(ch);
  };
}

function amiSkip(): (m: Msg) => boolean {
  const late = lateCallerIds();
  return (m) => {
    const event = get(m, "Event") ?? "";
    const ch = get(m, "Channel") ?? "";
    if (event === "BridgeEnter") late.bridged.add(ch);
    if (/^RTCP/.test(event) || (event === "VarSet" && notModelledVariable(get(m, "Variable")))) return true;
    return event === "NewCallerid" && late.isLate(ch);
  };
}

/**
 * Asterisk races an auto-answering phone's ringing against the dial's start: parts A and C show the
 * `ChannelStateChange` Ringing before the first `Dial` (whose snapshot is then Ringing too), parts B and D
 * the other way round, as the simulator has it. The recorded frames are put in the simulator's order.
 */
function ringRace(frames: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const out = [...frames];
  for (let i = 0; i + 1 < out.length; i++) {
    const [ring, dial] = [out[i]!, out[i + 1]!];
    const ringing = ring.type === "ChannelStateChange" && (ring.channel as { state: string }).state === "Ringing";
    const peer = dial.peer as { id: string; state: string } | undefined;
    if (!ringing || dial.type !== "Dial" || dial.dialstatus !== "" || peer?.id !== (ring.channel as { id: string }).id) continue;
    peer.state = "Down";
    out[i] = dial;
    out[i + 1] = ring;
  }
  return out;
}

/** A PJSIP channel's `protocol_id` (its SIP Call-ID, a run's own) blanked; a bridge's channels sorted (see `normalized`). */
function scrub(v: unknown): void {
  if (!v || typeof v !== "object") return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === "protocol_id") (v as Record<string, unknown>)[k] = "";
    else if (k === "channels" && Array.isArray(x)) x.sort();
    else scrub(x);
  }
}

/**
 * Frames as compared: `scrub`bed (Asterisk lists a bridge's channels from a sorted container, the
 * simulator in the order they joined: not what this file is about), and without the caller id a Local
 * half gets from its bridged other half (see `lateCallerIds`).
 */
function normalized(frames: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const late = lateCallerIds();
  return frames.map((f) => {
    const copy = structuredClone(f);
    scrub(copy);
    const ch = copy.channel as { name?: string; caller?: unknown } | undefined;
    if (copy.type === "ChannelEnteredBridge") late.bridged.add(ch?.name ?? "");
    if (ch?.caller && late.isLate(ch.name ?? "")) ch.caller = {};
    return copy;
  });
}

/** What a frame is about: its channel (a Dial's: the dialed channel), else its bridge. */
function frameSubject(f: Record<string, unknown>): string {
  const ch = (f.channel ?? f.peer) as { id?: string } | undefined;
  if (ch?.id) return `channel ${ch.id}`;
  return `bridge ${(f.bridge as { id?: string } | undefined)?.id ?? ""}`;
}

/**
 * The frames, channel by channel (and bridge by bridge): the same events in the same order with the same
 * fields and values. How the events of different channels interleave is left out: Asterisk publishes
 * them from the channels' own threads (a Local `;1`'s `Dial` RINGING and its `;2`'s next dialplan step
 * come in either order), and that is not what this file is about. The REST replies are compared whole.
 */
function frameProblems(out: ReplayOutcome): string[] {
  for (const r of out.responses) {
    scrub((r.recorded as unknown as { body?: unknown }).body);
    scrub(r.sim?.json);
  }
  const problems = wsProblems({ ...out, recordedFrames: new Map(), simFrames: new Map() });
  for (const [conn, recorded] of out.recordedFrames) {
    const bySubject = (frames: Array<Record<string, unknown>>): Map<string, Array<Record<string, unknown>>> => {
      const m = new Map<string, Array<Record<string, unknown>>>();
      for (const f of frames) m.set(frameSubject(f), [...(m.get(frameSubject(f)) ?? []), f]);
      return m;
    };
    const rec = bySubject(ringRace(normalized(recorded)));
    const act = bySubject(normalized(out.simFrames.get(conn) ?? []));
    for (const subject of new Set([...rec.keys(), ...act.keys()])) {
      const [r, a] = [rec.get(subject) ?? [], act.get(subject) ?? []];
      const seq = compareSequences(r.map((f) => String(f.type)), a.map((f) => String(f.type)));
      if (!seq.equal) problems.push(`${conn}, ${subject}:\n${seq.report}`);
      const diffs = frameDifferences(r, a, out.idMap, `${conn} ${subject} `);
      if (diffs.length) problems.push(formatDifferences(diffs));
    }
  }
  return problems;
}

const isPjsip = (m: Msg, key = "Channel"): boolean => /^PJSIP\//.test(get(m, key) ?? "");

/**
 * The AMI session's scope (see above): the not-modelled messages left out, and in the events that follow a
 * Local half's bridging (hangups, CDR) its other half's caller id is not compared. The ring race: the phone's
 * `Newstate` Ringing and the `DialBegin` (whose destination shows Ringing or Down) come in either order, so
 * that `Newstate` and the destination's state in `DialBegin` are not compared.
 */
function amiScope(recorded: Msg[]): CompareOptions {
  const late = lateCallerIds();
  const after = new Set<Msg>();
  for (const m of recorded) {
    if (get(m, "Event") === "BridgeEnter") late.bridged.add(get(m, "Channel") ?? "");
    if (late.isLate(get(m, "Channel") ?? "")) after.add(m);
  }
  return {
    ignore: (m) => get(m, "Event") === "Newstate" && isPjsip(m) && get(m, "ChannelState") === "5",
    ignoreValue: (m, key) => {
      const event = get(m, "Event") ?? "";
      if (event === "DialBegin" && isPjsip(m, "DestChannel") && key.startsWith("DestChannelState")) return true;
      if (!after.has(m)) return false;
      return event === "Cdr" ? key === "Source" || key === "CallerID" : key.startsWith("CallerID");
    },
  };
}

// ---------------------------------------------------------------- the moments of each CDR

type MomentEvent = "ChannelStateChange" | "ChannelEnteredBridge" | "ChannelLeftBridge" | "ChannelDestroyed";
interface Moment {
  event: MomentEvent;
  channel: string;
}
interface CdrMoments {
  /** Answered: the channel's ChannelStateChange to Up. */
  answer: Moment;
  end: Moment;
  /** The channel whose name is the Cdr's DestinationChannel. */
  partyB?: string;
}

const up = (channel: string): Moment => ({ event: "ChannelStateChange", channel });
const entered = (channel: string): Moment => ({ event: "ChannelEnteredBridge", channel });
const left = (channel: string): Moment => ({ event: "ChannelLeftBridge", channel });
const destroyed = (channel: string): Moment => ({ event: "ChannelDestroyed", channel });

/** Each CDR of a channel the app sees (the callers' `;1` are compared over AMI only), by UniqueID. */
const MOMENTS: Record<string, CdrMoments> = {
  "fx-cdr-a-agent": { answer: up("fx-cdr-a-agent"), end: entered("fx-cdr-a-agent") },
  "fx-cdr-a-caller-2": { answer: up("fx-cdr-a-caller-2"), end: left("fx-cdr-a-agent"), partyB: "fx-cdr-a-agent" },
  "fx-cdr-b-agent": { answer: up("fx-cdr-b-agent"), end: entered("fx-cdr-b-agent") },
  "fx-cdr-b-caller-2": { answer: up("fx-cdr-b-caller-2"), end: left("fx-cdr-b-caller-2"), partyB: "fx-cdr-b-agent" },
  "fx-cdr-c-solo": { answer: up("fx-cdr-c-solo"), end: destroyed("fx-cdr-c-solo") },
  "fx-cdr-d-agent": { answer: up("fx-cdr-d-agent"), end: entered("fx-cdr-d-agent") },
  "fx-cdr-d-agent-2": { answer: up("fx-cdr-d-agent-2"), end: destroyed("fx-cdr-d-agent-2") },
  "fx-cdr-d-caller-2": { answer: up("fx-cdr-d-caller-2"), end: left("fx-cdr-d-agent"), partyB: "fx-cdr-d-agent" },
};

/** One side's events: when each moment happened (ms), each channel's creation time and name. */
interface Timeline {
  at(m: Moment): number | undefined;
  created(channel: string): number | undefined;
  name(channel: string): string | undefined;
}

function timeline(events: Array<{ type: string; at: number; channel: { id: string; name: string; state: string; created: number } }>): Timeline {
  const first = (m: Moment) => events.find((e) => e.type === m.event && e.channel.id === m.channel && (m.event !== "ChannelStateChange" || e.channel.state === "Up"));
  const any = (id: string) => events.find((e) => e.channel.id === id);
  return { at: (m) => first(m)?.at, created: (id) => any(id)?.channel.created, name: (id) => any(id)?.channel.name };
}

/** The recording's ARI frames as a timeline (frame timestamps; the channels' `creationtime`). */
function recordedTimeline(records: WsRecord[]): Timeline {
  const ms = (s: unknown): number => Date.parse(String(s));
  return timeline(
    records
      .filter((r) => r.kind === "ws-frame" && (r.frame?.channel as { id?: string } | undefined)?.id)
      .map((r) => {
        const c = r.frame!.channel as { id: string; name: string; state: string; creationtime: string };
        return { type: String(r.frame!.type), at: ms(r.frame!.timestamp), channel: { id: c.id, name: c.name, state: c.state, created: ms(c.creationtime) } };
      }),
  );
}

/** The simulator's events as a timeline (`at`; the snapshots' creation time). */
function simTimeline(events: PbxEvent[]): Timeline {
  return timeline(
    events.flatMap((e) => {
      if (!("channel" in e) || !e.channel || typeof e.channel !== "object" || !("id" in e.channel)) return [];
      const c = e.channel;
      return [{ type: e.type, at: e.at, channel: { id: c.id, name: c.name, state: c.state, created: c.creationTime } }];
    }),
  );
}

/** `2026-12-02 07:25:08`: the CDR's second (the recorded server ran on UTC). */
const cdrSecond = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace("T", " ").replace(/\.000Z$/, "");

/** The recorded Cdrs against the table: their seconds are those of the table's moments, truncated. */
function recordedProblems(records: WsRecord[], recorded: Msg[]): string[] {
  const t = recordedTimeline(records);
  const problems: string[] = [];
  for (const [id, m] of Object.entries(MOMENTS)) {
    const cdr = recorded.find((x) => get(x, "Event") === "Cdr" && get(x, "UniqueID") === id);
    const [created, answer, end] = [t.created(id), t.at(m.answer), t.at(m.end)];
    if (!cdr || created === undefined || answer === undefined || end === undefined) {
      problems.push(`${id}: no recorded Cdr or moment`);
      continue;
    }
    const expected = {
      StartTime: cdrSecond(created),
      AnswerTime: cdrSecond(answer),
      EndTime: cdrSecond(end),
      Duration: String(Math.floor((end - created) / 1000)),
      BillableSeconds: String(Math.floor((end - answer) / 1000)),
      DestinationChannel: m.partyB ? t.name(m.partyB) : "",
    };
    for (const [k, v] of Object.entries(expected)) if (get(cdr, k) !== v) problems.push(`${id}: recorded ${k} ${get(cdr, k)}, the table says ${v}`);
  }
  return problems;
}

/** The simulator's CDR records against the table, on its own events (a few ms: two clock reads). */
function simProblems(events: PbxEvent[]): string[] {
  const t = simTimeline(events);
  const cdrs = events.filter((e): e is PbxEvent & { type: "Cdr"; cdr: CdrRecord } => e.type === "Cdr").map((e) => e.cdr);
  const problems: string[] = [];
  const near = (what: string, id: string, actual: number | null, expected: number | undefined): void => {
    if (actual === null || expected === undefined || Math.abs(actual - expected) > 50) problems.push(`${id}: ${what} at ${actual}, the table says ${expected} (${actual === null || expected === undefined ? "" : actual - expected} ms)`);
  };
  for (const [id, m] of Object.entries(MOMENTS)) {
    const mine = cdrs.filter((c) => c.uniqueId === id);
    if (mine.length !== 1) {
      problems.push(`${id}: ${mine.length} CDRs, recorded 1`);
      continue;
    }
    const cdr = mine[0]!;
    if (cdr.startTime !== t.created(id)) problems.push(`${id}: starts at ${cdr.startTime}, created at ${t.created(id)}`);
    near("answered", id, cdr.answerTime, t.at(m.answer));
    near("ends", id, cdr.endTime, t.at(m.end));
    const partyB = m.partyB ? t.name(m.partyB) : "";
    if (cdr.destinationChannel !== partyB) problems.push(`${id}: DestinationChannel "${cdr.destinationChannel}", expected "${partyB}"`);
    if (cdr.duration !== Math.floor((cdr.endTime - cdr.startTime) / 1000)) problems.push(`${id}: Duration ${cdr.duration} is not truncated`);
    if (cdr.billableSeconds !== Math.floor((cdr.endTime - (cdr.answerTime ?? cdr.endTime)) / 1000)) problems.push(`${id}: BillableSeconds ${cdr.billableSeconds} is not truncated`);
  }
  return problems;
}

// ---------------------------------------------------------------- the tests

async function replay(s: Simulator, events: PbxEvent[]): Promise<ReplayOutcome> {
  s.pbx.onEvent((e) => events.push(e));
  const out = await replayWsScenario(FILE, s.ariUrl, TIME_SCALE, 4000, {
    ami: { port: s.amiPort!, sent: loadRecording(AMI_FILE).sent, skip: amiSkip() },
    skipFrame: frameSkip(),
  });
  out.ami?.destroy();
  return out;
}

describe("CDRs of ARI-originated channels (ws-16, ami-20)", () => {
  it("the table of CDR moments explains every recorded Duration and BillableSeconds", () => {
    const records = readJsonl<WsRecord>(`ari-ws/${FILE}`);
    expect(recordedProblems(records, loadRecording(AMI_FILE).recv)).toEqual([]);
  });

  it("ws-16-cdr-of-ari-originated-channel: ARI frames and replies; each CDR starts, is answered and ends on the recorded events", async () => {
    const s = await recordedServer();
    const events: PbxEvent[] = [];
    const out = await replay(s, events);
    expect(frameProblems(out).join("\n\n")).toBe("");
    expect(simProblems(events)).toEqual([]);
  }, 60_000);

  it("ami-20-cdr-of-ari-originated-channel: the AMI session beside ws-16, every Cdr's fields and values", async () => {
    const s = await recordedServer();
    const events: PbxEvent[] = [];
    const out = await replay(s, events);
    const recording = loadRecording(AMI_FILE);
    const skip = amiSkip();
    const cmp = compareSessions(recording.recv.filter((m) => !skip(m)), out.ami!.messages, new IdMap(), amiScope(recording.recv));
    expect(cmp.problems.join("\n")).toBe("");
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    // what bills nothing in the recording (the agent legs, bridged just after their answer) bills nothing here
    const billed = (msgs: Msg[]) => Object.fromEntries(msgs.filter((m) => get(m, "Event") === "Cdr").map((m) => [get(m, "UniqueID"), get(m, "BillableSeconds") === "0" ? "nothing" : "something"]));
    const recordedBilled = billed(recording.recv);
    const zero = Object.keys(recordedBilled).filter((id) => recordedBilled[id] === "nothing");
    expect(zero).toEqual(["fx-cdr-a-agent", "fx-cdr-b-agent", "fx-cdr-d-agent"]);
    expect(zero.map((id) => [id, billed(out.ami!.messages)[id]])).toEqual(zero.map((id) => [id, "nothing"]));
    // the times on the wire are those of the records (which the ARI test holds against the recording)
    const records = events.filter((e): e is PbxEvent & { type: "Cdr"; cdr: CdrRecord } => e.type === "Cdr").map((e) => e.cdr);
    const wire = out.ami!.messages.filter((m) => get(m, "Event") === "Cdr");
    expect(wire.map((m) => [get(m, "UniqueID"), get(m, "Duration"), get(m, "BillableSeconds")])).toEqual(
      records.filter((r) => r.answerTime !== null).map((r) => [r.uniqueId, String(r.duration), String(r.billableSeconds)]),
    );
  }, 60_000);
});
