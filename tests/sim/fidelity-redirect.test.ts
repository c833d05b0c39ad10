/**
 * Fidelity of ARI `redirect` against the second batch of recordings (shared/asterisk-fixtures,
 * ws-13-redirect and its AMI side ami-16-redirect, SIP side sip/redirect-pjsip-refer.txt): redirect is a
 * transfer by the channel's own technology, not a way to move a call.
 *
 * - A Local channel redirected to another technology: 422 `Endpoint technology 'PJSIP' does not match
 *   channel technology 'Local'`; to `Local/...`: 204 and nothing happens (no ARI or AMI event, the channel
 *   stays in Stasis).
 * - No `endpoint`: 400; an unknown channel: 404.
 * - An answered PJSIP channel: 204 and no ARI or AMI event; Asterisk sends the phone a SIP REFER to the
 *   target's contact, the phone calls the target on its own (phone to phone, Asterisk sees no INVITE) and
 *   its Asterisk channel stays up in Stasis until the app hangs it up.
 *
 * ws-13 is replayed over ARI with an AMI session beside it; the ARI test compares the frames and the
 * replies and what the simulated phone was asked to do, the AMI test compares the whole session with
 * ami-16 (RTCP reports and the RTP statistics variables of a PJSIP channel's end are not modelled).
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import { compareSessions, loadRecording } from "./ami-replay.js";
import { get, parseStream, type Msg } from "./ami-test-client.js";
import { readJsonl, replayWsScenario, type ReplayOutcome, type WsRecord } from "./ari-replay.js";
import { IdMap } from "./fidelity.js";
import { wsProblems } from "./replay-compare.js";
import { agentPhone, AUTO_ANSWER, SECOND_BATCH } from "./second-batch.js";

const TIME_SCALE = 0.25;
const FILE = "ws-13-redirect.jsonl";
const AMI_FILE = "ami-16-redirect";
/** 1002's registered contact: the Refer-To of the REFER Asterisk sent 1001 (sip/redirect-pjsip-refer.txt). */
const CONTACT_1002 = "sip:1002-0x556c2ac022d0@127.0.0.1:5081";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** The recorded server: both baresip phones registered and answering at once, the trunk static. */
async function recordedServer(): Promise<Simulator> {
  sim = await startSimulator({ users: { rec: "rec" }, ...SECOND_BATCH, timeScale: TIME_SCALE });
  sim.pbx.addEndpoint(agentPhone("1001", true, AUTO_ANSWER));
  sim.pbx.addEndpoint(agentPhone("1002", false, AUTO_ANSWER));
  sim.pbx.addEndpoint(agentPhone("1003", false));
  // baresip 1002 had registered before the scenario (and before the recording's AMI session logged in)
  sim.pbx.registerEndpoint("PJSIP", "1002", { contact: CONTACT_1002 });
  return sim;
}

/** What a real PJSIP channel has and the simulator does not model: RTCP reports and the RTP statistics set at its end. */
const isRtpStatistics = (name: unknown): boolean => typeof name === "string" && /^RTPAUDIOQOS/.test(name);
const notModelledFrame = (f: Record<string, unknown>): boolean => f.type === "ChannelVarset" && isRtpStatistics(f.variable);
const notModelledAmi = (m: Msg): boolean => /^RTCP/.test(get(m, "Event") ?? "") || (get(m, "Event") === "VarSet" && isRtpStatistics(get(m, "Variable")));

const amiSide = (port: number) => ({ port, sent: loadRecording(AMI_FILE).sent, skip: notModelledAmi });

/** The PJSIP channel's `protocol_id` is its SIP Call-ID: a UUID both sides, never the same one. */
function withoutCallIds(out: ReplayOutcome): void {
  const scrub = (v: unknown): void => {
    if (!v || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === "protocol_id" && typeof x === "string" && x !== "") (v as Record<string, unknown>)[k] = /^[0-9a-f-]{36}$/.test(x) ? "<call-id>" : x;
      else scrub(x);
    }
  };
  for (const frames of [...out.recordedFrames.values(), ...out.simFrames.values()]) frames.forEach(scrub);
  for (const r of out.responses) {
    scrub((r.recorded as unknown as { body?: unknown }).body);
    scrub(r.sim?.json);
  }
}

/** Per redirect request of the recording: the AMI events between it and the next request (RTCP reports aside). */
function afterRedirects(records: WsRecord[]): string[] {
  const out: string[] = [];
  let open: string[] | undefined;
  for (const r of records) {
    if (r.kind === "http-request") {
      if (open) out.push(open.join(" "));
      open = r.path?.includes("/redirect") ? [] : undefined;
    }
    if (open && r.kind === "ami-recv" && r.text) {
      for (const m of parseStream(r.text)) if (!notModelledAmi(m) && get(m, "Event") !== undefined) open.push(get(m, "Event")!);
    }
  }
  if (open) out.push(open.join(" "));
  return out;
}

describe("ARI redirect (ws-13, ami-16)", () => {
  it("ws-13-redirect: 422 and 204-and-nothing for a Local channel, 400, 404, and a REFER the PJSIP phone carries out itself", async () => {
    const s = await recordedServer();
    const out = await replayWsScenario(FILE, s.ariUrl, TIME_SCALE, 4000, { ami: amiSide(s.amiPort!) });
    out.ami?.destroy();
    for (const [conn, frames] of out.recordedFrames) out.recordedFrames.set(conn, frames.filter((f) => !notModelledFrame(f)));
    withoutCallIds(out);
    expect(wsProblems(out).join("\n\n")).toBe("");
    // what the PBX shows nothing of: 1001 was referred to 1002's contact and carried it out; the Local caller was not
    const c1 = out.idMap.sim("fx-redir-c1") ?? "fx-redir-c1";
    expect(s.pbx.referrals()).toEqual([expect.objectContaining({ channelId: c1, from: "PJSIP/1001", target: "PJSIP/1002", referTo: CONTACT_1002, accepted: true })]);
  });

  it("ami-16-redirect: the AMI session beside ws-13; no AMI message follows any of the redirects", async () => {
    const s = await recordedServer();
    const recording = loadRecording(AMI_FILE);
    const out = await replayWsScenario(FILE, s.ariUrl, TIME_SCALE, 4000, { ami: amiSide(s.amiPort!) });
    const ami = out.ami!;
    ami.destroy();
    expect(out.missedAnchors, "anchors the simulator never produced").toEqual([]);
    expect(ami.banner).toBe(recording.banner);
    // every message, the CDRs included (the callers' and the PJSIP channel's, never bridged)
    const cmp = compareSessions(recording.recv.filter((m) => !notModelledAmi(m)), ami.messages, new IdMap());
    expect(cmp.problems.join("\n")).toBe("");
    // each redirect as recorded, and nothing on AMI between it and the next request (the recording's gaps: 0.5 to 8 s)
    const redirects = out.responses.filter((r) => r.path.includes("/redirect"));
    expect(redirects.map((r) => `${r.sim?.status}`)).toEqual(redirects.map((r) => `${r.recorded.status}`));
    expect(afterRedirects(readJsonl<WsRecord>(`ari-ws/${FILE}`))).toEqual(["", "", "", "", ""]);
    const times = out.responses.map((r) => r.sentAt);
    const simAfter = out.responses.flatMap((r, i) => {
      if (!r.path.includes("/redirect")) return [];
      const until = times[i + 1] ?? Number.POSITIVE_INFINITY;
      return [ami.timedMessages.filter(({ msg, at }) => at >= r.sentAt && at < until && !notModelledAmi(msg) && get(msg, "Event") !== undefined).map(({ msg }) => get(msg, "Event")).join(" ")];
    });
    expect(simAfter).toEqual(["", "", "", "", ""]);
  });
});
