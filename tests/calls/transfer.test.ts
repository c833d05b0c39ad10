/**
 * A tree's `transfer: { endpoint }`, end to end: the daemon over real sockets, the simulator (whose ARI
 * `redirect` does what Asterisk 22's does: nothing for a Local channel, a REFER the caller's own phone or
 * carrier must carry out for a PJSIP one), a real redis-server. The caller must reach the target through
 * the PBX, whatever its channel technology: the target rung into the app and bridged with the caller, the
 * hold music while it rings, either side's hangup ending the other, the fallback when the target is
 * busy, does not answer or cannot be reached, and a history entry saying where the call went.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { spansOf, type HeardSpan, type HearingTimeline, type Simulator } from "../../src/sim/index.js";
import { daemon, setup, stopAll, waitFor } from "./harness.js";

const dirs: string[] = [];
afterEach(async () => {
  await stopAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const PROMPT = "sound:switchboard/connecting-operator";
/** A DID per target, each a small tree: the customer lookup, the prompt, then the transfer as admins write it. */
const TARGETS: Record<string, string> = {
  "805": "PJSIP/1002",
  "806": "Local/100@transfer-desk",
  "807": "PJSIP/1003",
  "808": "PJSIP/1004",
};

/** The shipped trees plus one transfer tree per DID of TARGETS. */
function transferTrees(): Record<string, unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-transfer-"));
  dirs.push(dir);
  const trees = path.join(dir, "ivr-trees");
  cpSync("ivr-trees", trees, { recursive: true });
  const didMap: Record<string, string> = { "800": "main" };
  for (const [did, endpoint] of Object.entries(TARGETS)) {
    writeFileSync(
      path.join(trees, `transfer-${did}.yaml`),
      [
        "nodes:",
        // the caller's customer record: the history entry goes to it
        "  identify: { type: lookup, key: call.callerNumber, timeout: 2, next: desk, onNotFound: desk, onError: desk }",
        `  desk: { type: transfer, prompt: "${PROMPT}", endpoint: "${endpoint}" }`,
        "",
      ].join("\n"),
    );
    didMap[did] = `transfer-${did}`;
  }
  return { treesDir: trees, defaultTree: "main", watch: false, didMap };
}

/** `Local/100@transfer-desk` rings, answers after 1 s and stays; the Local caller's `;1` waits in `caller-line`. */
const DIALPLAN = {
  "transfer-desk": { "100": [{ app: "Ringing" }, { app: "Wait", data: "1" }, { app: "Answer" }, { app: "Wait", data: "600" }, { app: "Hangup" }] },
  "caller-line": { s: [{ app: "Wait", data: "600" }, { app: "Hangup" }] },
};

/** The set-up with the demo customers in the Redis store, so the test can read the history entries back. */
async function transferSetup(calls: Record<string, unknown> = {}, timeScale?: number) {
  const s = await setup([], calls, { ivr: transferTrees(), crm: { store: "redis" } }, { dialplan: DIALPLAN, ...(timeScale ? { timeScale } : {}) });
  // the control side loads the inbound dialplan (dialplan/extensions.conf) on first use: a caller placed
  // with pbx.originate needs it too
  void s.sim.control;
  const store = new RedisCustomerStore(s.redis.client(), s.redis.prefix);
  await store.seed(loadCustomersFile("config/customers.yaml", new Date()));
  return { s, store };
}

const timeline = (sim: Simulator, id: string): HearingTimeline | undefined => sim.pbx.hearing(id);

type Bridged = Extract<HeardSpan, { kind: "bridged" }>;

/** The caller's bridge with a channel whose name starts with `target`, once there is one. */
const bridgedWith = (sim: Simulator, id: string, target: string): Bridged | undefined =>
  timeline(sim, id)?.spans.find((x): x is Bridged => x.kind === "bridged" && x.parties.some((p) => p.name.startsWith(target)));

const historyOf = (store: RedisCustomerStore, customerId: string, callId: string) =>
  waitFor(`the history entry of ${callId}`, async () => (await store.findById(customerId))?.history.find((h) => h.callId === callId));

describe("transfer to an endpoint", () => {
  test("a trunk (PJSIP) caller reaches a phone: music while it rings, bridged through the PBX, the phone's hangup ends the call, history says where it went", async () => {
    // real time: the daemon's reaction counts as on a real PBX (the music must start within a second)
    const { s, store } = await transferSetup({}, 1);
    s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 1.5, talkTime: 600 });
    await daemon(s);
    const { channelId } = s.sim.control.placeCall({ caller: "5551001", did: "805", hangupAfter: 600 });

    const bridge = await waitFor("the caller bridged with PJSIP/1002", () => bridgedWith(s.sim, channelId, "PJSIP/1002-"), 20_000);
    // the phone's side hangs up: the caller's call ends with it
    s.sim.pbx.hangup(bridge.parties.find((p) => p.name.startsWith("PJSIP/1002-"))!.id);
    await waitFor("the caller's call to end", () => s.sim.control.getCall(channelId)?.phase === "ended", 20_000);
    const t = timeline(s.sim, channelId)!;
    const promptEnd = t.spans.filter((x) => x.kind === "prompt" && x.media === PROMPT).at(-1)!.to!;
    const ringing = t.spans.filter((x) => x.from >= promptEnd - 1 && x.from < bridge.from);
    expect(ringing.some((x) => x.kind === "moh"), "music while the target rings").toBe(true);
    expect(spansOf(t, { from: promptEnd, to: bridge.from, now: s.sim.pbx.simNow() })[0]?.ms ?? 0).toBeLessThanOrEqual(1000);
    // redirect was not used: no phone was asked to carry out a REFER
    expect(s.sim.pbx.referrals()).toEqual([]);
    expect(await historyOf(store, "c-1001", channelId)).toMatchObject({ disposition: "transferred to PJSIP/1002" });
    await waitFor("no channel left", () => s.sim.pbx.listChannels().length === 0);
  }, 60_000);

  test("a Local caller reaches a Local target; the caller's hangup ends the target's leg", async () => {
    const { s, store } = await transferSetup();
    await daemon(s);
    const caller = s.sim.pbx.originate({ endpoint: "Local/806@switchboard-inbound", context: "caller-line", exten: "s", callerId: '"Dana" <5551002>' });
    const callId = caller.other!.id;
    await waitFor("the caller bridged with the desk", () => bridgedWith(s.sim, callId, "Local/100@transfer-desk-"), 20_000);
    // the caller hangs up: the desk's leg goes too
    s.sim.pbx.hangup(caller.channel.id);
    await waitFor("every channel gone", () => s.sim.pbx.listChannels().length === 0, 20_000);
    expect(await historyOf(store, "c-1002", callId)).toMatchObject({ disposition: "transferred to Local/100@transfer-desk" });
  }, 60_000);

  test.each([
    { did: "807", target: "PJSIP/1003", why: "busy", phone: { endpoint: "PJSIP/1003", busy: true } },
    { did: "807", target: "PJSIP/1003", why: "no answer", phone: { endpoint: "PJSIP/1003", noAnswerProbability: 1 } },
    { did: "808", target: "PJSIP/1004", why: "unreachable", phone: undefined },
  ])("a target that is $why: the caller goes to the fallback and its history says so", async ({ did, target, why, phone }) => {
    const { s, store } = await transferSetup({ transferTimeout: 2 });
    if (phone) s.sim.control.addAgent(phone);
    await daemon(s);
    const { channelId } = s.sim.control.placeCall({ caller: "5551003", did, hangupAfter: 600 });
    // [switchboard-fallback] answers and plays please-hold (Dial() is not simulated: the call then ends)
    await waitFor("the caller in the fallback", () => timeline(s.sim, channelId)?.spans.some((x) => x.kind === "prompt" && x.media === "sound:switchboard/please-hold"), 20_000);
    if (why === "no answer") expect(timeline(s.sim, channelId)!.spans.some((x) => x.kind === "moh"), "music while the target rang").toBe(true);
    expect(await historyOf(store, "c-1003", channelId)).toMatchObject({ disposition: `transfer to ${target} failed (${why}); sent to the fallback` });
    await waitFor("no channel left", () => s.sim.pbx.listChannels().length === 0, 20_000);
  }, 60_000);
});
