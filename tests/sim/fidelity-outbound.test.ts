/**
 * Fidelity of outbound calls to a phone against the third batch of recordings (shared/asterisk-fixtures,
 * ws-20-outbound-customer-calls, its AMI side ami-27-outbound-customer-calls and sip/outbound-customer-calls.txt):
 * what a real Asterisk 22.10.1 does when the app originates `PJSIP/1002` (baresip) into itself.
 *
 * - A: answered at once (auto answer): 200 with the channel `Down`, `Dial` "" / RINGING / ANSWER, `StasisStart`;
 *   the app's hangup: `ChannelHangupRequest` 32 soft, `StasisEnd`, `ChannelDestroyed` 16.
 * - B: the phone rejects while ringing (SIP 486): `ChannelHangupRequest` cause 17 (not soft), `Dial` BUSY,
 *   `ChannelDestroyed` 17 `User busy`; no `StasisStart`.
 * - C: nobody answers within `timeout=5`: `ChannelDestroyed` 19 after 5 s, no final `Dial`, no hangup request.
 * - D / E: an unregistered (`PJSIP/1003`) and an unknown (`PJSIP/nosuch`) endpoint: 500 `Allocation failed`,
 *   no channel, no event.
 * - F: AMI `Originate` of `PJSIP/1003`: queued, then `OriginateResponse` Failure, Reason 0, `<unknown>` id.
 * - G (`Dial(PJSIP/1003)` from the dialplan) is not replayed: the simulator has no `Dial()` application.
 *
 * The phone's answer mode and its reject follow the timeline's notes (the recorder drove baresip over its
 * ctrl_tcp interface). Not modelled, and left out on both sides: the RTP statistics a PJSIP channel sets at
 * its end (`RTPAUDIOQOS*`) and the AMI `Timestamp:` line (manager.conf `timestampevents`, on in this batch).
 */
import { describe, expect, it } from "vitest";
import type { SimCall, Simulator } from "../../src/sim/index.js";
import { compareSessions, loadRecording } from "./ami-replay.js";
import { get, type Msg } from "./ami-test-client.js";
import { replayWsScenario, type ReplayOutcome, type WsRecord } from "./ari-replay.js";
import { IdMap, notModelledAmi, notModelledFrame, recordedServers, REPLAY_TIME_SCALE, scrubCallIds, withoutTimestamp } from "./fidelity.js";
import { wsProblems } from "./replay-compare.js";
import { agentPhone, AUTO_ANSWER } from "./second-batch.js";

const FILE = "ws-20-outbound-customer-calls.jsonl";
const AMI_FILE = "ami-27-outbound-customer-calls";

/** baresip 1002 as the recorder drove it: `answermode auto|manual`, and `hangup` on a ringing call (486). */
class Baresip {
  private mode: "auto" | "manual" = "auto";
  private ringing: SimCall | undefined;

  readonly onCall = (call: SimCall): void => {
    call.ring();
    if (this.mode === "auto") call.answer();
    else this.ringing = call;
  };

  note(text: string): void {
    const mode = /^ctrl answermode (auto|manual)/.exec(text)?.[1];
    if (mode === "auto" || mode === "manual") this.mode = mode;
    if (/^ctrl hangup/.test(text)) this.ringing?.reject(17);
  }
}

/** The recorded server: 1001 and 1002 registered, 1003 configured but never registered, the trunk. */
const servers = recordedServers();
const recordedServer = (phone: Baresip): Promise<Simulator> =>
  servers([
    agentPhone("1001", true, AUTO_ANSWER),
    agentPhone("1002", true, { onCall: phone.onCall }),
    agentPhone("1003", false),
    { tech: "PJSIP", resource: "trunk", staticContact: "sip:127.0.0.2:5060", context: "switchboard-inbound" },
  ]);

/** G, the dialplan's Dial(): not simulated. */
const partG = (r: WsRecord): boolean => r.kind === "note" && /^G: /.test(r.text ?? "");

/** The AMI side: the recording's Login now, its Originate (F) at F's note, its Logoff at the end. */
function amiSide(port: number) {
  const [login, , logoff] = loadRecording(AMI_FILE).sent;
  return { port, sent: [login!, logoff!], skip: notModelledAmi };
}

async function replay(s: Simulator, phone: Baresip): Promise<ReplayOutcome> {
  const originate = loadRecording(AMI_FILE).sent[1]!;
  const out = await replayWsScenario(FILE, s.ariUrl, REPLAY_TIME_SCALE, 4000, {
    ami: amiSide(s.amiPort!),
    until: partG,
    skipFrame: notModelledFrame,
    onNote: (text, side) => {
      phone.note(text);
      if (/^F: AMI Originate/.test(text)) side.ami?.send(originate);
    },
  });
  out.ami?.destroy();
  return out;
}

/**
 * Asterisk races a phone's 180 against the dial's own progress: in A (180 and 200 at once) `Dial` RINGING
 * (its peer still `Down`) comes before the `ChannelStateChange` Ringing; in B and C after it, as the
 * simulator has it. The recorded frames are put in the simulator's order.
 */
function ringRace(frames: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const out = [...frames];
  for (let i = 0; i + 1 < out.length; i++) {
    const [dial, ring] = [out[i]!, out[i + 1]!];
    const peer = dial.peer as { id: string; state: string } | undefined;
    const ringing = ring.type === "ChannelStateChange" && (ring.channel as { id: string; state: string }).state === "Ringing";
    if (dial.type !== "Dial" || dial.dialstatus !== "RINGING" || !ringing || peer?.id !== (ring.channel as { id: string }).id) continue;
    out[i] = ring;
    out[i + 1] = { ...dial, peer: { ...peer, state: "Ringing" } };
  }
  return out;
}

/** The same race on AMI: `DialState` RINGING before the phone's `Newstate` Ringing (A) is put after it. */
function amiRingRace(msgs: Msg[]): Msg[] {
  const out = [...msgs];
  for (let i = 0; i + 1 < out.length; i++) {
    const [dial, ring] = [out[i]!, out[i + 1]!];
    if (get(dial, "Event") !== "DialState" || get(ring, "Event") !== "Newstate" || get(ring, "Channel") !== get(dial, "DestChannel")) continue;
    out[i] = ring;
    out[i + 1] = dial.map(([k, v]): [string, string] => [k, k === "DestChannelState" ? "5" : k === "DestChannelStateDesc" ? "Ringing" : v]);
  }
  return out;
}

/** The recorded AMI session up to part G, then its Goodbye; without what is not modelled. */
function recordedAmi(): Msg[] {
  const recv = loadRecording(AMI_FILE).recv.map(withoutTimestamp).filter((m) => !notModelledAmi(m));
  const f = recv.findIndex((m) => get(m, "Event") === "OriginateResponse");
  return amiRingRace([...recv.slice(0, f + 1), ...recv.filter((m) => get(m, "Response") === "Goodbye")]);
}

describe("outbound calls to a phone (ws-20, ami-27)", () => {
  it("ws-20-outbound-customer-calls A-F: answered, rejected (BUSY 17), no answer (19), unregistered and unknown endpoints (500)", async () => {
    const phone = new Baresip();
    const s = await recordedServer(phone);
    const out = await replay(s, phone);
    for (const [conn, frames] of out.recordedFrames) out.recordedFrames.set(conn, ringRace(frames));
    scrubCallIds(out);
    expect(wsProblems(out).join("\n\n")).toBe("");
    expect(s.pbx.listChannels()).toEqual([]);
  }, 60_000);

  it("ami-27-outbound-customer-calls A-F: the AMI session beside ws-20, with the Originate of an unregistered endpoint", async () => {
    const phone = new Baresip();
    const s = await recordedServer(phone);
    const out = await replay(s, phone);
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    const cmp = compareSessions(recordedAmi(), out.ami!.messages, new IdMap());
    expect(cmp.problems.join("\n")).toBe("");
    const response = out.ami!.messages.find((m) => get(m, "Event") === "OriginateResponse")!;
    expect([get(response, "Response"), get(response, "Channel"), get(response, "Reason"), get(response, "Uniqueid")]).toEqual(["Failure", "PJSIP/1003", "0", "<unknown>"]);
  }, 60_000);
});
