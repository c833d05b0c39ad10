/**
 * Fidelity of ARI bridge recording against the third batch of recordings (shared/asterisk-fixtures,
 * ws-18-bridge-recording, AMI side ami-25-bridge-recording): a caller and the agent phone `PJSIP/1001`
 * bridged and recorded.
 *
 * - `POST /bridges/{id}/record` answers 201 with `Location: /ari/recordings/live/{name}` and the recording
 *   `queued`; RecordingStarted (`recording`) goes to the apps following the bridge. The recorder
 *   (`Recorder/ARI-<n>;2`) is a party of the bridge without being listed in it: the others' BRIDGEPEER
 *   name it and the bridge mixes (`softmix`) while it records.
 * - `GET /recordings/live/{name}` shows `recording` / `paused`; pause, unpause and stop are 204; stop gives
 *   RecordingFinished (`done`, whole seconds) and the recorder leaves; then live is 404 and stored lists it.
 * - `GET /recordings/stored/{name}/file`: 200 `Content-Type: audio/wav`, a RIFF/WAVE body.
 * - Errors: `ifExists=fail` on a stored name (409), an unknown format (422), an unknown bridge (404), no
 *   name (500), unknown live and stored recordings (404). The recorder joins and leaves again around a 409 or 500.
 * - `maxDurationSeconds=2` ends by itself; a recording running when the legs hang up ends when its recorder
 *   is left alone (the last leave shows the recorder's id in the bridge, as its snapshot is gone).
 *
 * AMI (ami-25): nothing about the recording itself; the recorder shows only in the parties' BRIDGEPEER
 * (VarSet), in `BridgeNumChannels` and as the device `Recorder/ARI` (INUSE then UNKNOWN as it leaves).
 *
 * Not modelled, and left out on both sides: the RTP statistics of a PJSIP channel's end (`RTPAUDIOQOS*`),
 * `BRIDGEPVTCALLID`, RTCP reports. The file's bytes are the simulator's own (silence of the recorded length).
 * The AMI session is compared on what the recording is about (not message by message: at the end the
 * recording shows the caller's Local `;1` losing its caller id to the connected line its `;2` got from the
 * recorder, which the simulator does not pass between the halves of a Local channel).
 */
import { describe, expect, it } from "vitest";
import { get, type Msg } from "./ami-test-client.js";
import { loadRecording } from "./ami-replay.js";
import { httpRequest, replayWsScenario } from "./ari-replay.js";
import { notModelledAmi, notModelledFrame, recordedServers, REPLAY_TIME_SCALE, scrubCallIds, waitFor } from "./fidelity.js";
import { durationWithinASecond, wsProblems } from "./replay-compare.js";
import { agentPhone, AUTO_ANSWER } from "./second-batch.js";
import { replayWithAmi } from "./third-batch-replay.js";

const FILE = "ws-18-bridge-recording.jsonl";
const AMI_FILE = "ami-25-bridge-recording";

/** The recorded server: baresip 1001 (the agent) registered, answering at once. */
const servers = recordedServers();
const recordedServer = () => servers([agentPhone("1001", true, AUTO_ANSWER)]);

describe("ARI bridge recording (ws-18)", () => {
  it("ws-18-bridge-recording: record, pause, stop, stored and its file, errors, a 2 s recording, one ended by the hangups", async () => {
    const s = await recordedServer();
    const out = await replayWsScenario(FILE, s.ariUrl, REPLAY_TIME_SCALE, 4000, { skipFrame: notModelledFrame });
    scrubCallIds(out);
    expect(wsProblems(out, durationWithinASecond).join("\n\n")).toBe("");
    expect(out.simFrames.get("ws")?.filter((f) => /^Recording/.test(String(f.type))).map((f) => f.type)).toEqual(["RecordingStarted", "RecordingFinished", "RecordingStarted", "RecordingFinished", "RecordingStarted", "RecordingFinished"]);
    // the file's reply: status, headers in Asterisk's order and spelling, a WAV body
    const file = out.responses.find((r) => r.path.endsWith("/fx3-rec-1/file") && r.recorded.status === 200)!;
    expect(file.sim?.headers.map(([k]) => k)).toEqual(["Server", "Date", "Cache-Control", "Content-Type", "Content-Length"]);
    expect(file.sim?.headers.find(([k]) => k === "Content-Type")?.[1]).toBe("audio/wav");
    expect(file.sim?.text.slice(0, 4)).toBe("RIFF");
    expect(s.pbx.storedRecordings()).toEqual([]);
  }, 60_000);

  it("ami-25-bridge-recording: no AMI event of its own; the recorder in BRIDGEPEER, BridgeNumChannels and its device", async () => {
    const s = await recordedServer();
    const out = await replayWithAmi(s, FILE, AMI_FILE);
    expect(out.missedAnchors).toEqual([]);
    const recorded = loadRecording(AMI_FILE).recv.filter((m) => !notModelledAmi(m));
    const sim = out.ami!.messages;
    const counters = (v: string) => v.replace(/-[0-9a-f]{8}(;[12])?/g, "-<n>$1");
    const peers = (msgs: Msg[]) => msgs.filter((m) => get(m, "Event") === "VarSet" && get(m, "Variable") === "BRIDGEPEER").map((m) => `${counters(get(m, "Channel")!)}=${counters(get(m, "Value")!)}`);
    expect(peers(sim)).toEqual(peers(recorded));
    const bridge = (msgs: Msg[]) => msgs.filter((m) => /^Bridge/.test(get(m, "Event") ?? "")).map((m) => `${get(m, "Event")} ${get(m, "BridgeNumChannels")} ${get(m, "BridgeTechnology")}`);
    expect(bridge(sim)).toEqual(bridge(recorded));
    const recorder = (msgs: Msg[]) => msgs.filter((m) => get(m, "Event") === "DeviceStateChange" && get(m, "Device") === "Recorder/ARI").map((m) => get(m, "State"));
    expect(recorder(sim)).toEqual(recorder(recorded));
    expect(sim.some((m) => /Recorder/.test(get(m, "Channel") ?? ""))).toBe(false);
  }, 60_000);

  it("what the simulator keeps of a recording: its length, the parties it had on it, its file", async () => {
    const s = await recordedServer();
    const { pbx } = s;
    pbx.registerApp("rec");
    pbx.originate({ endpoint: "Local/s@rec-inbound", context: "hold", exten: "s", priority: 1, timeoutMs: 30_000, callerId: "Caller <5553601>", variables: [], otherChannelId: "c2" });
    pbx.originate({ endpoint: "PJSIP/1001", app: "rec", appArgs: ["agent"], timeoutMs: 20_000, variables: [], channelId: "agent" });
    await waitFor(() => pbx.stasisAppOf("c2") === "rec" && pbx.stasisAppOf("agent") === "rec");
    pbx.createBridge({ bridgeId: "talk", types: ["mixing"] });
    pbx.addToBridge("talk", ["c2", "agent"]);
    expect(pbx.recordBridge("talk", { name: "call-1", format: "wav" })).toEqual({ name: "call-1", format: "wav", state: "queued", targetUri: "bridge:talk" });
    expect(pbx.getBridge("talk")).toMatchObject({ technology: "softmix", channels: ["agent", "c2"] });
    expect(pbx.getVar("c2", "BRIDGEPEER")).toMatch(/^Recorder\/ARI-[0-9a-f]{8};2,PJSIP\/1001-/);
    const at = pbx.simNow();
    await waitFor(() => pbx.simNow() > at + 1500);
    pbx.controlRecording("call-1", "stop");
    expect(pbx.getVar("c2", "BRIDGEPEER")).toMatch(/^PJSIP\/1001-/);
    const stored = pbx.storedRecording("call-1")!;
    expect(stored.durationMs).toBeGreaterThanOrEqual(1500);
    expect(stored.parties.map((p) => p.id).sort()).toEqual(["agent", "c2"]);
    const res = await httpRequest(s.ariUrl, "GET", "/ari/recordings/stored/call-1/file", { auth: "rec:rec" });
    expect(Number(res.headers.find(([k]) => k === "Content-Length")?.[1])).toBe(stored.bytes);
    // ifExists=fail (the default) on a stored name: 409, and the recorder is out again
    expect(() => pbx.recordBridge("talk", { name: "call-1", format: "wav" })).toThrow(/already exists/);
    await waitFor(() => !/Recorder/.test(pbx.getVar("c2", "BRIDGEPEER") ?? ""));
  }, 30_000);
});
