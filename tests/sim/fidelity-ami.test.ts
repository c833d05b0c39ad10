/**
 * Fidelity of the simulator's AMI side against recordings of a real Asterisk 22.10.1
 * (shared/asterisk-fixtures/ami): every recorded session is replayed action by action against the
 * simulator, with the same calls set up in the PBX where the recording needed them, and the
 * received stream is compared structurally with the recording (see `ami-replay.ts` for what is
 * compared and what is ignored). The restart recordings (ami-14a/b) are replayed with the whole
 * simulator, as the restart is the simulator's.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startAmiServer, type AmiServer } from "../../src/sim/ami/server.js";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { recordedQueues, SimPbx, type SimPbxOptions } from "../../src/sim/pbx.js";
import { get, RawAmi, until, type Msg } from "./ami-test-client.js";
import { compareSessions, loadRecording, replay, type CompareOptions, type ReplayOptions } from "./ami-replay.js";
import { httpRequest } from "./ari-replay.js";
import { IdMap } from "./fidelity.js";

const TIME_SCALE = 0.05;

let pbx: SimPbx | undefined;
let ami: AmiServer | undefined;
let sim: Simulator | undefined;
const clients: RawAmi[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await ami?.close();
  pbx?.stop();
  await sim?.stop();
  ami = undefined;
  pbx = undefined;
  sim = undefined;
});

const AGENTS = ["Local/agent1@agents", "Local/agent2@agents"];

/** Waits until the PBX has `n` channels, all answered and running a dialplan application. */
async function settled(p: SimPbx, n: number): Promise<void> {
  await until(
    () => {
      const list = p.listChannels();
      return list.length === n && list.every((c) => c.state === "Up" && c.dialplan.appName !== "" && c.dialplan.appName !== "Answer");
    },
    5000,
    `${n} channels up`,
  );
}

/** The calls of ami-05/07/08: a caller waiting in queue `support` (both agents paused) and another call. */
async function twoCallsUp(p: SimPbx): Promise<void> {
  for (const a of AGENTS) p.queuePauseMember(a, true, { queue: "support", reason: "fixture" });
  p.originate({ endpoint: "Local/s@queue-entry", context: "caller-hold", exten: "s", priority: 1, callerId: "Waiting Caller <5559000>" });
  await until(() => p.listChannels().length === 2, 2000, "queued caller");
  p.originate({
    endpoint: "Local/s@dtmf-driver",
    context: "caller-hold",
    exten: "s",
    priority: 1,
    callerId: "Other Call <5558000>",
    variables: { DTMF_DELAY: "60" },
  });
  await settled(p, 4);
  // ;2 of the dtmf-driver call waits at priority 3
  await until(() => p.listChannels().some((c) => c.dialplan.appName === "Wait" && c.dialplan.appData === "60"), 3000, "Wait(60)");
}

interface Scenario {
  name: string;
  /** Why the scenario needs what it sets up, or what is left out. */
  note?: string;
  pbx?: SimPbxOptions;
  setup?: (p: SimPbx) => Promise<void> | void;
  replay?: (p: SimPbx) => ReplayOptions;
  compare?: CompareOptions;
}

const MEMBER_ONE = /^Local\/agent\d@agents(-noanswer)?-[0-9a-f]{8};1$/;
const isMemberOne = (m: Msg): boolean => MEMBER_ONE.test(get(m, "Channel") ?? "");
const isDestMemberOne = (m: Msg): boolean => MEMBER_ONE.test(get(m, "DestChannel") ?? "");

/**
 * What the queue recordings show that the simulated app_queue does not model, left out of the
 * comparison (everything else, the queue events included, is compared):
 * - CDRs: Asterisk writes one per dial attempt of the queued caller (party B the member), the
 *   simulator one per channel;
 * - app_queue sets the member channel's extension to the caller's (`s`) and its connected line,
 *   which reach the member `;1`'s snapshot when it rings (a second Newexten AppQueue and a
 *   NewConnectedLine); the simulator keeps the member's own extension;
 * - AgentCalled: Asterisk formats it with a later snapshot of the member channel (connected line
 *   already set), the simulator with the one of the moment it is emitted;
 * - durations in the variables app_queue sets (QUEUEWAIT, ANSWEREDTIME, DIALEDTIME ...).
 */
const QUEUE_SCOPE: CompareOptions = {
  ignore: (m) =>
    get(m, "Event") === "Cdr" ||
    (isMemberOne(m) && get(m, "Event") === "Newexten" && get(m, "Application") === "AppQueue" && get(m, "ChannelStateDesc") !== "Down") ||
    (isMemberOne(m) && get(m, "Event") === "NewConnectedLine"),
  ignoreValue: (m, key) =>
    (key === "Exten" && isMemberOne(m)) ||
    (key === "DestExten" && isDestMemberOne(m)) ||
    (key.startsWith("DestConnectedLine") && get(m, "Event") === "AgentCalled") ||
    (key === "Value" && /(TIME|WAIT)(_MS)?$/.test(get(m, "Variable") ?? "")),
};

/** Drops a DialEnd CANCEL that repeats one already seen for the same dialed channel. */
function repeatedCancel(): (m: Msg) => boolean {
  const seen = new Set<string>();
  return (m) => {
    if (get(m, "Event") !== "DialEnd" || get(m, "DialStatus") !== "CANCEL") return false;
    const dest = get(m, "DestChannel") ?? "";
    if (seen.has(dest)) return true;
    seen.add(dest);
    return false;
  };
}

const SCENARIOS: Scenario[] = [
  { name: "ami-01-login-ping-logoff" },
  { name: "ami-02-login-failure" },
  { name: "ami-03-originate-async-success" },
  { name: "ami-04-originate-failures" },
  { name: "ami-05-coreshowchannels", setup: twoCallsUp },
  { name: "ami-05b-coreshowchannels-empty" },
  {
    name: "ami-06-devicestatelist",
    note: "a caller waits in queue support with both members paused",
    setup: async (p) => {
      for (const a of AGENTS) p.queuePauseMember(a, true, { queue: "support", reason: "fixture" });
      p.originate({ endpoint: "Local/s@queue-entry", context: "caller-hold", exten: "s", priority: 1, callerId: "Waiting Caller <5559000>" });
      await settled(p, 2);
    },
  },
  { name: "ami-07a-queuestatus-caller-waiting", setup: twoCallsUp },
  { name: "ami-07b-queuestatus-one-queue", setup: twoCallsUp },
  { name: "ami-07c-queuesummary-caller-waiting", setup: twoCallsUp },
  { name: "ami-07d-queues-action-not-available" },
  { name: "ami-08-command-core-show-channels", setup: twoCallsUp },
  { name: "ami-08b-command-unknown-cli" },
  { name: "ami-08c-status-all-channels", setup: twoCallsUp },
  { name: "ami-09-errors-and-actionid" },
  {
    name: "ami-10-queue-call-answered",
    note: "Asterisk reported the cancelled member's DialEnd CANCEL twice; the simulator reports it once",
    // the recorded server happened to ring agent2 first; the simulator rings in configuration order
    pbx: { queues: recordedQueues().map((q) => ({ ...q, members: [...(q.members ?? [])].reverse() })) },
    compare: QUEUE_SCOPE,
    replay: () => ({ dropRecorded: repeatedCancel() }),
  },
  {
    name: "ami-11-queue-caller-abandon",
    note: "agents 1 and 2 were paused before the session; Asterisk reported one DialEnd CANCEL twice",
    compare: QUEUE_SCOPE,
    replay: () => ({ dropRecorded: repeatedCancel() }),
    setup: (p) => {
      for (const a of AGENTS) p.queuePauseMember(a, true, { queue: "support", reason: "fixture" });
    },
  },
  {
    name: "ami-12-devicestate-local",
    note: "the device state cache of the recorded server held queue pseudo-devices from earlier sessions",
    setup: (p) => {
      for (const a of AGENTS) {
        p.queuePauseMember(a, true, { queue: "support" });
        p.queuePauseMember(a, false, { queue: "support" });
      }
      p.setDeviceState("Queue:support_pause_Local/agent9@agents-noanswer", "NOT_INUSE");
    },
  },
  {
    name: "ami-13-module-reload",
    note: "the operator ran `module reload app_queue.so` and `module reload` on the CLI during the session",
    replay: (p) => ({
      before: {
        1: () => {
          p.reload("app_queue.so");
          p.reload("All");
        },
      },
    }),
  },
];

describe("AMI sessions replayed against the simulator", () => {
  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      pbx = new SimPbx({ timeScale: TIME_SCALE, ...(sc.pbx ?? {}) });
      ami = await startAmiServer(pbx, { users: { cti: "cti" } });
      await sc.setup?.(pbx);
      const out = await replay(sc.name, ami.port, { ...(sc.replay?.(pbx) ?? {}), ...(sc.compare?.ignore ? { ignore: sc.compare.ignore } : {}) });
      clients.push(out.client);
      expect(out.client.banner).toBe(out.recording.banner);
      expect(out.missedAnchors, "events the recording client waited for").toEqual([]);
      const cmp = compareSessions(out.recorded, out.actual, out.ids, sc.compare);
      expect(cmp.problems.join("\n"), sc.note ?? "").toBe("");
      // the recorded server closed every one of these sessions (Logoff, failed login)
      expect(out.client.open).toBe(false);
    });
  }
});

describe("AMI across a restart (ami-14a, ami-14b)", () => {
  it("a session open during core restart now sees the hangups and Shutdown, then the connection drops; a new one logs in", async () => {
    sim = await startSimulator({ users: { cti: "cti" }, timeScale: TIME_SCALE, ami: startAmiServer });
    const s = sim;
    // the Stasis app that the recorded call was in
    const ws = new WebSocket(`ws://127.0.0.1:${s.ariPort}/ari/events?app=cti`, { headers: { Authorization: `Basic ${Buffer.from("cti:cti").toString("base64")}` } });
    const frames: Array<Record<string, unknown>> = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    ws.on("error", () => {});
    await new Promise((r) => ws.once("open", r));

    const before = await RawAmi.connect(s.amiPort!);
    clients.push(before);
    before.send("Action: Login\r\nUsername: cti\r\nSecret: cti\r\nEvents: on\r\nActionID: login\r\n\r\n");
    await before.waitFor((m) => get(m, "Event") === "SuccessfulAuth");
    // as recorded: an ARI originate of an inbound-style call
    const orig = await httpRequest(
      s.ariUrl,
      "POST",
      "/ari/channels?endpoint=Local%2Fs%40inbound-stasis&context=dtmf-driver&extension=s&priority=1&callerId=Restart%20%3C5550009%3E",
      { auth: "cti:cti", body: '{"variables":{"DTMF_DELAY":"60"}}' },
    );
    expect(orig.status).toBe(200);
    await until(() => frames.some((f) => f.type === "StasisStart"), 3000, "StasisStart");
    s.pbx.answer(String((frames.find((f) => f.type === "StasisStart")!.channel as { id: string }).id));
    await before.waitFor((m) => get(m, "Event") === "Newexten" && get(m, "AppData") === "60");
    const restarted = s.restart(200);
    await before.closed;
    ws.terminate();
    await restarted;

    const recorded = loadRecording("ami-14a-core-restart-now").recv;
    const cmp = compareSessions(recorded, before.messages, new IdMap());
    expect(cmp.problems.join("\n")).toBe("");

    const after = await replay("ami-14b-after-restart", s.amiPort!);
    clients.push(after.client);
    expect(after.missedAnchors).toEqual([]);
    expect(compareSessions(after.recorded, after.actual, after.ids).problems.join("\n")).toBe("");
    const booted = after.actual.find((m) => get(m, "Event") === "FullyBooted")!;
    expect(Number(get(booted, "Uptime"))).toBeLessThan(5);
  });
});
