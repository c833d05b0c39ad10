/**
 * Fidelity of ARI snoop against the third batch of recordings (shared/asterisk-fixtures, ws-17-snoop-spy-whisper
 * and its AMI side ami-24-snoop-spy-whisper): a caller and the agent phone `PJSIP/1001` bridged, the
 * supervisor phone `PJSIP/1002` originated into the app and bridged with snoop channels.
 *
 * - `POST /channels/{id}/snoop` answers 200 with `Snoop/<snooped id>-<n>`, up, in `default,s,1` running
 *   `Stasis(<app>,<appArgs>)`; its StasisStart follows. Attaching (and detaching) the snoop's hooks makes
 *   the snooped channel's bridge publish every BRIDGEPEER again.
 * - A snoop ends as a dialplan channel does: ChannelHangupRequest and StasisEnd, no ChannelDestroyed; when
 *   the snooped channel goes, its snoop leaves its bridge and ends with it (no hangup request of its own).
 * - Errors: a snoop id taken (500), no app (400), a bad direction (400), neither spy nor whisper (400), an
 *   unknown channel (404).
 * - AMI: the snoop channel's Newchannel / Hangup, ChanSpyStart / ChanSpyStop with Spyer and Spyee fields.
 *
 * Also what the simulator reports beyond the wire: the snoop channels and what the supervisor hears.
 *
 * Not modelled, and left out on both sides: the RTP statistics a PJSIP channel sets at its end
 * (`RTPAUDIOQOS*`), RTCP reports, `BRIDGEPVTCALLID`, the AMI `Timestamp:` line (timestampevents).
 */
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.js";
import { get, type Msg } from "./ami-test-client.js";
import { compareSessions, loadRecording } from "./ami-replay.js";
import type { ReplayOutcome } from "./ari-replay.js";
import { IdMap, notModelledAmi, recordedServers, scrubCallIds, waitFor, withoutTimestamp } from "./fidelity.js";
import { wsProblems } from "./replay-compare.js";
import { agentPhone, AUTO_ANSWER } from "./second-batch.js";
import { replayWithAmi } from "./third-batch-replay.js";

const FILE = "ws-17-snoop-spy-whisper.jsonl";
const AMI_FILE = "ami-24-snoop-spy-whisper";

/** The recorded server: baresip 1001 (agent) and 1002 (supervisor) registered, answering at once. */
const servers = recordedServers();
const recordedServer = () => servers([agentPhone("1001", true, AUTO_ANSWER), agentPhone("1002", true, AUTO_ANSWER), agentPhone("1003", false)]);

/**
 * Races of the recording, put in the simulator's order: (1) part 4's snoop StasisStart came before the
 * re-published BRIDGEPEERs of the agent's bridge (two threads; parts 1 and 2 had them the other way round,
 * as the simulator does); (2) the 200 of that snoop was taken before its Stasis thread ran (`app_name` "").
 */
function races(out: ReplayOutcome): void {
  for (const [conn, frames] of out.recordedFrames) {
    const f = [...frames];
    for (let i = 0; i + 3 < f.length; i++) {
      const start = f[i]!;
      const name = (start.channel as { name?: string } | undefined)?.name ?? "";
      if (start.type !== "StasisStart" || !name.startsWith("Snoop/")) continue;
      const next = f.slice(i + 1, i + 3);
      if (next.every((x) => x.type === "ChannelVarset" && x.variable === "BRIDGEPEER")) f.splice(i, 3, ...next, start);
    }
    out.recordedFrames.set(conn, f);
  }
  for (const r of out.responses) {
    const body = (r.recorded as unknown as { body?: { dialplan?: { app_name: string; app_data: string } } }).body;
    const sim = r.sim?.json as { dialplan?: { app_name: string; app_data: string } } | undefined;
    if (/\/snoop/.test(r.path) && body?.dialplan?.app_name === "" && sim?.dialplan) body.dialplan = { ...sim.dialplan };
  }
}

/**
 * The recorded session without what is not modelled. The supervisor phone's two CDRs (one per snoop it was
 * bridged with) were posted newest first; the simulator posts a channel's records in order: put in order.
 */
function recordedAmi(): Msg[] {
  const recv = loadRecording(AMI_FILE).recv.map(withoutTimestamp).filter((m) => !notModelledAmi(m));
  const i = recv.findIndex((m, k) => get(m, "Event") === "Cdr" && get(m, "Channel")?.startsWith("PJSIP/1002-") && get(recv[k + 1]!, "Channel") === get(m, "Channel"));
  if (i >= 0) recv.splice(i, 2, recv[i + 1]!, recv[i]!);
  return recv;
}

const replay = (s: Simulator) => replayWithAmi(s, FILE, AMI_FILE);

describe("ARI snoop (ws-17, ami-24)", () => {
  it("ws-17-snoop-spy-whisper: listen and coach snoops bridged with the supervisor, errors, a snoop ending with its channel", async () => {
    const s = await recordedServer();
    const out = await replay(s);
    scrubCallIds(out);
    races(out);
    expect(wsProblems(out).join("\n\n")).toBe("");
    expect(s.pbx.listChannels()).toEqual([]);
    // what the simulator reports: three snoops, with their directions, all ended
    const snoops = s.pbx.snoops().map((x) => [x.name.replace(/-[0-9a-f]{8}$/, "-<n>"), x.spy, x.whisper, x.args.join(","), x.endedAt !== undefined]);
    expect(snoops).toEqual([
      [`Snoop/${out.idMap.sim("fx3-sn-caller-2")}-<n>`, "both", "none", "snoop,listen", true],
      ["Snoop/fx3-sn-caller-2-<n>", "both", "out", "snoop,coach", true],
      ["Snoop/fx3-sn-agent-<n>", "in", "both", "snoop,agent", true],
    ]);
  }, 60_000);

  it("ami-24-snoop-spy-whisper: the whole AMI session, with ChanSpyStart / ChanSpyStop and the snoops' own channels and CDRs", async () => {
    const s = await recordedServer();
    const out = await replay(s);
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    const recorded = recordedAmi();
    const cmp = compareSessions(recorded, out.ami!.messages, new IdMap());
    expect(cmp.problems.join("\n")).toBe("");
    const spies = (msgs: Msg[]) =>
      msgs.filter((m) => /^ChanSpy/.test(get(m, "Event") ?? "")).map((m) => `${get(m, "Event")} ${(get(m, "SpyerChannel") ?? "").replace(/-[0-9a-f]{8}$/, "")} ${get(m, "SpyeeChannel")?.replace(/-[0-9a-f]{8}(;\d)?$/, "$1")}`);
    const fixIds = (line: string) => line.replace(out.idMap.sim("fx3-sn-caller-2") ?? "\0", "fx3-sn-caller-2");
    expect(spies(out.ami!.messages).map(fixIds)).toEqual(spies(recorded));
  }, 60_000);

  it("a supervisor listening through a snoop hears the call; a whisper out reaches only the snooped party", async () => {
    const s = await recordedServer();
    const { pbx } = s;
    pbx.registerApp("rec");
    const caller = pbx.originate({ endpoint: "Local/s@rec-inbound", context: "hold", exten: "s", priority: 1, timeoutMs: 30_000, callerId: "Caller <5553601>", variables: [], otherChannelId: "c2" });
    await waitFor(() => pbx.stasisAppOf("c2") === "rec");
    pbx.answer("c2");
    pbx.originate({ endpoint: "PJSIP/1001", app: "rec", appArgs: ["agent"], timeoutMs: 20_000, variables: [], channelId: "agent" });
    pbx.originate({ endpoint: "PJSIP/1002", app: "rec", appArgs: ["supervisor"], timeoutMs: 20_000, variables: [], channelId: "sup" });
    await waitFor(() => pbx.stasisAppOf("agent") === "rec" && pbx.stasisAppOf("sup") === "rec");
    pbx.createBridge({ bridgeId: "talk", types: ["mixing"] });
    pbx.addToBridge("talk", ["c2", "agent"]);
    const spy = pbx.snoop("agent", { spy: "both", whisper: "none", app: "rec", appArgs: ["listen"], snoopId: "spy" });
    expect(spy.name).toMatch(/^Snoop\/agent-[0-9a-f]{8}$/);
    pbx.createBridge({ bridgeId: "sup-bridge", types: ["mixing"] });
    await waitFor(() => pbx.stasisAppOf("spy") === "rec");
    pbx.addToBridge("sup-bridge", ["spy", "sup"]);
    const ids = (parties: Array<{ id: string }>) => parties.map((p) => p.id).sort();
    expect(ids(pbx.voicesHeardBy("sup"))).toEqual(["agent", "c2"]);
    expect(pbx.hearing("spy")?.spans.at(-1)).toMatchObject({ kind: "snoop", spiedId: "agent", spy: "both", says: { id: "agent" }, hears: { kind: "bridged", parties: [{ id: "c2" }] } });
    expect(ids(pbx.voicesHeardBy("agent"))).toEqual(["c2"]);

    pbx.hangup("spy");
    await waitFor(() => pbx.snoops().every((x) => x.endedAt !== undefined));
    pbx.snoop("agent", { spy: "both", whisper: "out", app: "rec", appArgs: ["whisper"], snoopId: "coach" });
    await waitFor(() => pbx.stasisAppOf("coach") === "rec");
    pbx.addToBridge("sup-bridge", ["coach"]);
    expect(ids(pbx.voicesHeardBy("agent"))).toEqual(["c2", "sup"]);
    expect(ids(pbx.voicesHeardBy("c2"))).toEqual(["agent"]);
    expect(pbx.hearing("agent")?.spans.at(-1)).toMatchObject({ kind: "bridged", whispers: [{ id: "sup" }] });
    // the agent's leg goes: its snoop leaves the supervisor's bridge and ends with it
    pbx.hangup("agent");
    await waitFor(() => pbx.getChannel("coach") === undefined);
    expect(pbx.getBridge("sup-bridge")?.channels).toEqual(["sup"]);
    pbx.hangup(caller.channel.id);
  }, 30_000);
});
