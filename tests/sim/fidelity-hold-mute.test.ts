/**
 * Fidelity of ARI hold and mute against the third batch of recordings (shared/asterisk-fixtures, ws-19-hold-mute
 * and its AMI side ami-26-hold-mute): a caller and the agent phone `PJSIP/1001` bridged, then hold / unhold of
 * either, mute / unmute in each direction, and the errors.
 *
 * - `POST`/`DELETE /channels/{id}/hold`: 204, no ARI event; AMI MusicOnHoldStart (class `default`) on the held
 *   channel itself and MusicOnHoldStop on unhold. Held twice: one start; unheld when not held: nothing. The
 *   same on a channel in no bridge.
 * - `POST`/`DELETE /channels/{id}/mute?direction=both|in|out`: 204 and no event of its own, nothing in the
 *   channel's snapshot; the mute's frame hook attaching (first direction) or detaching (last one) makes the
 *   channel's bridge publish every BRIDGEPEER again, a partial unmute that leaves it on does not. Without a
 *   direction 400 "Direction is required", `sideways` 400 "Invalid direction specified", unknown channel 404.
 *
 * Also what the simulator reports beyond the wire: whom each party hears while the other is muted.
 *
 * Not modelled, and left out on both sides: RTP statistics (`RTPAUDIOQOS*`), RTCP reports, `BRIDGEPVTCALLID`,
 * the AMI `Timestamp:` line (timestampevents).
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

const FILE = "ws-19-hold-mute.jsonl";
const AMI_FILE = "ami-26-hold-mute";

/** The recorded server: baresip 1001 (the agent) registered and answering at once. */
const servers = recordedServers();
const recordedServer = () => servers([agentPhone("1001", true, AUTO_ANSWER), agentPhone("1002", false), agentPhone("1003", false)]);

/**
 * A race of the recording's teardown, put in the simulator's order: the caller's hangup was asked for while
 * the agent's PJSIP channel was still being destroyed on its own thread (1 ms apart), so the caller's
 * ChannelHangupRequest came just before the agent's ChannelDestroyed; the simulator destroys the agent first.
 */
function races(out: ReplayOutcome): void {
  for (const [conn, frames] of out.recordedFrames) {
    const f = [...frames];
    const at = f.findIndex((x, i) => x.type === "ChannelHangupRequest" && f[i + 1]?.type === "ChannelDestroyed" && (x.channel as { id: string }).id !== (f[i + 1]!.channel as { id: string }).id);
    if (at >= 0) f.splice(at, 2, f[at + 1]!, f[at]!);
    out.recordedFrames.set(conn, f);
  }
}

const replay = (s: Simulator) => replayWithAmi(s, FILE, AMI_FILE);

describe("ARI hold and mute (ws-19, ami-26)", () => {
  it("ws-19-hold-mute: hold and unhold, mute and unmute in every direction, partial unmute, errors: replies and events as recorded", async () => {
    const s = await recordedServer();
    const out = await replay(s);
    scrubCallIds(out);
    races(out);
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    expect(wsProblems(out).join("\n\n")).toBe("");
    // the replies of the mute requests, one by one, as recorded
    const mutes = out.responses.filter((r) => /\/mute/.test(r.path)).map((r) => `${r.method} ${r.path.replace(/^.*\/channels\/[^/]+/, "")} ${r.sim?.status} ${(r.sim?.json as { message?: string } | undefined)?.message ?? ""}`.trim());
    const recorded = out.responses.filter((r) => /\/mute/.test(r.path)).map((r) => `${r.method} ${r.path.replace(/^.*\/channels\/[^/]+/, "")} ${r.recorded.status} ${(r.recorded.body as { message?: string } | undefined)?.message ?? ""}`.trim());
    expect(mutes).toEqual(recorded);
    expect(s.pbx.listChannels()).toEqual([]);
  }, 60_000);

  it("ami-26-hold-mute: the whole AMI session: MusicOnHoldStart / Stop for holds, nothing for mutes", async () => {
    const s = await recordedServer();
    const out = await replay(s);
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    const recorded = loadRecording(AMI_FILE).recv.map(withoutTimestamp).filter((m) => !notModelledAmi(m));
    const cmp = compareSessions(recorded, out.ami!.messages, new IdMap());
    expect(cmp.problems.join("\n")).toBe("");
    const moh = (msgs: Msg[]) => msgs.filter((m) => /^MusicOnHold/.test(get(m, "Event") ?? "")).map((m) => `${get(m, "Event")} ${get(m, "Channel")?.replace(/-[0-9a-f]{8}(;\d)?$/, "$1")}`);
    expect(moh(out.ami!.messages)).toEqual(moh(recorded));
  }, 60_000);

  it("who hears whom: muted in, a party is heard by nobody; muted out, it hears nothing; unmuted, as before", async () => {
    const s = await recordedServer();
    const { pbx } = s;
    pbx.registerApp("rec");
    const caller = pbx.originate({ endpoint: "Local/s@rec-inbound", context: "hold", exten: "s", priority: 1, timeoutMs: 30_000, callerId: "Caller <5553601>", variables: [], otherChannelId: "c2" });
    await waitFor(() => pbx.stasisAppOf("c2") === "rec");
    pbx.answer("c2");
    pbx.originate({ endpoint: "PJSIP/1001", app: "rec", appArgs: ["agent"], timeoutMs: 20_000, variables: [], channelId: "agent" });
    await waitFor(() => pbx.stasisAppOf("agent") === "rec");
    pbx.createBridge({ bridgeId: "talk", types: ["mixing"] });
    pbx.addToBridge("talk", ["c2", "agent"]);
    const voices = (id: string) => pbx.voicesHeardBy(id).map((p) => p.id);
    const now = (id: string) => pbx.hearing(id)?.spans.at(-1);
    expect([voices("c2"), voices("agent")]).toEqual([["agent"], ["c2"]]);

    // the agent muted in (the desk's mute): the caller no longer hears the agent; the agent still hears the caller
    pbx.mute("agent", "in");
    expect(pbx.audioOf("agent")).toEqual({ muted: { in: true, out: false }, held: false });
    expect([voices("c2"), voices("agent")]).toEqual([[], ["c2"]]);
    expect(now("c2")).toMatchObject({ kind: "silence" });
    // unmuting out leaves in muted: nothing changes
    pbx.unmute("agent", "out");
    expect([voices("c2"), voices("agent")]).toEqual([[], ["c2"]]);
    pbx.unmute("agent", "both");
    expect(pbx.audioOf("agent")?.muted).toEqual({ in: false, out: false });
    expect([voices("c2"), voices("agent")]).toEqual([["agent"], ["c2"]]);
    expect(now("c2")).toMatchObject({ kind: "bridged", parties: [{ id: "agent" }] });

    // the caller muted out: the caller hears nothing, the agent still hears the caller
    pbx.mute("c2", "out");
    expect([voices("c2"), voices("agent")]).toEqual([[], ["c2"]]);
    // both: neither hears the other through the caller's channel
    pbx.mute("c2", "both");
    expect([voices("c2"), voices("agent")]).toEqual([[], []]);
    pbx.unmute("c2", "in");
    expect([voices("c2"), voices("agent")]).toEqual([[], ["c2"]]);
    pbx.unmute("c2", "out");
    expect([voices("c2"), voices("agent")]).toEqual([["agent"], ["c2"]]);

    // hold: the caller's own music, once; unhold stops it
    pbx.hold("c2");
    pbx.hold("c2");
    expect(pbx.mohClassOf("c2")).toBe("default");
    expect(now("c2")).toMatchObject({ kind: "moh", mohClass: "default" });
    pbx.unhold("c2");
    expect(pbx.mohClassOf("c2")).toBeUndefined();
    expect(now("c2")).toMatchObject({ kind: "bridged" });
    pbx.hangup("agent");
    pbx.hangup(caller.channel.id);
  }, 30_000);
});

