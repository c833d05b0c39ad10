/**
 * AMI side of the outage tests (the ARI side is outage-ari.test.ts, run in parallel): the AMI link
 * goes away for a minute and comes back, and caller-controlled text never turns into an AMI action.
 * AMI carries the agent phones' states; calls themselves run over ARI and must not notice an AMI outage.
 */
import { afterEach, expect, test } from "vitest";
import type { CallRecord } from "../../src/sim/scenario/call-record.js";
import { callerSpecSchema } from "../../src/sim/scenario/caller-spec.js";
import { CallerSession } from "../../src/sim/scenario/caller.js";
import { ChannelEventRouter } from "../../src/sim/scenario/channel-events.js";
import { INBOUND_CONTEXT, TRUNK } from "../../src/sim/scenario/inbound-dialplan.js";
import { daemon, setup, supportCaller, TIME_SCALE, waitFor } from "./harness.js";
import { heard, MAIN_MENU, plays, readiness, sleep, stopAllAndProxies, throughProxies } from "./outage-rig.js";

/** The outage the issue asks for, in real time. */
const OUTAGE_MS = 60_000;

const agent = (id: string, endpoint: string) => ({ id, name: `Agent ${id}`, endpoint, queues: ["support"], skills: ["support"], autoAvailable: true });

afterEach(stopAllAndProxies);

test(
  "AMI dropped for 60 s and back: reported not ok but still ready, calls go on, phone states catch up and flow again",
  async () => {
    const s = await throughProxies(await setup([agent("a1", "PJSIP/1001")]));
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.5, talkTime: 600 });
    const d = await daemon(s);
    const phone = async () => (await d.queue.status("support")).agents.find((a) => a.agentId === "a1")?.device;
    const ami = (r: Awaited<ReturnType<typeof readiness>>) => r.checks.find((c) => c.name === "ami:sim");

    // the phone's registration reaches the agent registry over AMI
    s.sim.control.updateAgent("PJSIP/1001", { registered: false });
    await waitFor("the registry to see the phone unregistered", async () => (await phone()) === "unavailable");

    s.amiProxy.cut();
    const during = await waitFor("/readyz to report AMI down", async () => {
      const r = await readiness(d);
      return ami(r)?.ok === false ? r : undefined;
    });
    // AMI is not required: the daemon stays ready (calls run over ARI) and says what is missing
    expect(during.status).toBe(200);
    expect(during.ready).toBe(true);
    expect(ami(during)).toMatchObject({ required: false, ok: false });
    expect(during.checks.find((c) => c.name === "ari:sim")).toMatchObject({ ok: true });

    // a caller during the AMI outage is answered by the app and hears the menu
    const caller = s.sim.control.placeCall({ caller: "5559301", did: "800", hangupAfter: 20 / TIME_SCALE });
    const call = await waitFor("a caller to reach the main menu during the AMI outage", () => {
      const r = s.sim.control.getCall(caller.channelId);
      return plays(r, MAIN_MENU) >= 1 ? r : undefined;
    });
    expect(call.answeredBy).toBe("app");

    // the agent's phone registers again while AMI is down: ARI's endpoint events still tell the daemon
    s.sim.control.updateAgent("PJSIP/1001", { registered: true });
    await waitFor("the registry to see the phone registered over ARI", async () => (await phone()) === "registered");
    await sleep(OUTAGE_MS);
    expect(ami(await readiness(d))?.ok).toBe(false);

    s.amiProxy.restore();
    await waitFor("AMI to be reported ok again", async () => ami(await readiness(d))?.ok === true, 20_000);
    // AMI's catch-up agrees with what ARI said during the outage
    await waitFor("the registry to see the phone registered after the catch-up", async () => (await phone()) === "registered");
    // and new changes flow again
    s.sim.control.updateAgent("PJSIP/1001", { registered: false });
    await waitFor("the registry to see the phone unregistered after the outage", async () => (await phone()) === "unavailable");
  },
  120_000,
);

/**
 * Text that would end an AMI action early and smuggle in a second one, were it ever written to AMI as
 * is (the simulator executes such an Originate: it rings PJSIP/666).
 */
const INJECTION = "\r\n\r\nAction: Originate\r\nChannel: PJSIP/666\r\nContext: default\r\nExten: 666\r\nPriority: 1\r\n\r\n";

/** The AMI actions the daemon sends of its own accord, none with caller text (extend it deliberately). */
const DAEMON_ACTIONS = ["login", "logoff", "ping", "devicestatelist", "coreshowchannels"];

/** The action names of every message a client wrote on one AMI connection. */
function actionsIn(stream: string): string[] {
  return stream
    .split("\r\n\r\n")
    .flatMap((block) => block.split("\r\n"))
    .map((line) => /^action:\s*(.*)$/i.exec(line)?.[1]?.trim())
    .filter((a): a is string => a !== undefined);
}

test("a caller name or number with CR LF goes through the IVR to an agent and never reaches AMI as an action", async () => {
  // everything the daemon writes to AMI, per connection, as the simulator's AMI server receives it
  const written = new Map<number, string>();
  // The harness rings for 1 s of real time and pauses an agent who misses a ring; a loaded machine can take
  // longer than that between the originate and the answer reaching the daemon, and with both agents paused
  // the callers would wait until the test timed out. This test is about AMI, not ringing: the ring outlasts
  // any machine's delay, and a missed ring leaves the agent available.
  const calls = { ringTimeout: 60, noAnswer: "available" };
  const s = await throughProxies(await setup([agent("a1", "PJSIP/1001"), agent("a2", "PJSIP/1002")], calls), (conn, chunk) =>
    written.set(conn, (written.get(conn) ?? "") + chunk.toString("latin1")),
  );
  s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 1 });
  s.sim.control.addAgent({ endpoint: "PJSIP/1002", answerDelay: 0.2, talkTime: 1 });
  // the phone an injected Originate would ring
  s.sim.control.addAgent({ endpoint: "PJSIP/666", answerDelay: 0.2, talkTime: 1 });
  const channels: string[] = [];
  const offEvents = s.sim.pbx.onEvent((e) => {
    if (e.type === "ChannelCreated") channels.push(e.channel.name);
  });
  const router = new ChannelEventRouter(s.sim.pbx);
  try {
    await daemon(s);
    // the control API refuses such callers (as a SIP stack might not); a caller session on the PBX does not
    const support = callerSpecSchema.parse(supportCaller("5559401", { hangupAfter: 60 / TIME_SCALE }));
    const env = { pbx: s.sim.pbx, router, context: INBOUND_CONTEXT, trunk: TRUNK };
    const byName = new CallerSession(env, { ...support, callerName: `Mallory${INJECTION}` });
    const byNumber = new CallerSession(env, { ...support, caller: `5559402${INJECTION}` });
    const records: CallRecord[] = await Promise.all([byName.ended, byNumber.ended]);

    for (const r of records) {
      // handled like any caller: the menu, the queue, an agent, and the agent ended the call
      expect(r.answeredBy).toBe("app");
      expect(heard(r)).toEqual(expect.arrayContaining([MAIN_MENU, "sound:switchboard/enter-account"]));
      expect(r.bridges.find((b) => b.bridgeType !== "holding")?.with.map((w) => w.name).join()).toMatch(/^PJSIP\/100[12]-/);
      expect(r.hangup?.by).toBe("pbx");
    }
    expect(records[0]!.caller.name).toContain("Action: Originate");

    // the daemon wrote only its own actions to AMI, and nothing of the callers' text
    const streams = [...written.values()];
    expect(streams.length).toBeGreaterThan(0);
    const actions = new Set(streams.flatMap(actionsIn).map((a) => a.toLowerCase()));
    expect(actions).toContain("login");
    expect(actions).not.toContain("originate");
    expect([...actions].filter((a) => !DAEMON_ACTIONS.includes(a))).toEqual([]);
    for (const text of streams) {
      expect(text).not.toContain("PJSIP/666");
      expect(text).not.toContain("Mallory");
    }
    // and the PBX never rang the injected channel
    expect(channels.filter((n) => n.startsWith("PJSIP/666"))).toEqual([]);
    expect(s.sim.control.getAgent("PJSIP/666")?.calls.offered).toBe(0);
  } finally {
    offEvents();
    router.close();
  }
}, 120_000);
