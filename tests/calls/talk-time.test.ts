/**
 * Talk time, as a real Asterisk 22 makes it measurable (issue 12, ws-16/ami-20): the agent leg's CDR bills
 * 0 s once the leg joins the bridge with the older caller channel, and the caller's CDR bills from the
 * caller's answer (IVR and queue included). The history entry's talkSeconds comes from the bridge instead:
 * the agent leg's ChannelEnteredBridge to the first ChannelLeftBridge or hangup of either party, on
 * Asterisk's event timestamps, kept in the desk record in Redis (a restart keeps it). Each test holds it to
 * the simulator's own events of the same conversation (the same clock as the ARI timestamps), so a slow
 * machine changes both alike; the daemon runs against the simulator over real sockets and a real Redis.
 */
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { ariTime, cdrDisagreement, cdrTalkSeconds, talkSeconds } from "../../src/calls/talk-time.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { startDaemon, type Daemon } from "../../src/daemon/index.js";
import { DeskStore } from "../../src/desk/store.js";
import type { CdrRecord, PbxEvent, Simulator } from "../../src/sim/index.js";
import { ADMIN, PASSWORD, setup, stopAll, supportCaller, waitFor, type Setup } from "./harness.js";
import { processRig, type ProcessRig } from "./process-rig.js";

const daemons: Daemon[] = [];
let rig: ProcessRig | undefined;
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
  await rig?.close();
  rig = undefined;
  await stopAll();
}, 60_000);

const AGENT = { id: "a1", name: "Agent One", endpoint: "PJSIP/1001", queues: ["support"], skills: ["support"], autoAvailable: true };

/** A daemon whose log lines the test reads (debug and up). */
async function loggedDaemon(s: Setup): Promise<{ d: Daemon; lines: Array<Record<string, unknown>> }> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const d = await startDaemon(s.config, { logger: pino({ level: "debug" }, sink), env: { TEST_ARI_PASSWORD: PASSWORD, TEST_ADMIN_TOKEN: ADMIN } });
  daemons.push(d);
  return { d, lines };
}

async function redisCustomers(redis: Redis, prefix: string): Promise<RedisCustomerStore> {
  const store = new RedisCustomerStore(redis, prefix);
  await store.seed(loadCustomersFile("config/customers.yaml", new Date()));
  return store;
}

/** Every PBX event from now on. */
function recordEvents(sim: Simulator): PbxEvent[] {
  const events: PbxEvent[] = [];
  sim.pbx.onEvent((e) => events.push(e));
  return events;
}

/**
 * The conversation as the simulator had it: the agent leg's entry into the bridge, then the first
 * ChannelLeftBridge of that bridge or hangup of the caller or the agent leg; with both CDRs.
 */
function conversation(events: PbxEvent[], callId: string) {
  const entered = events.find((e) => e.type === "ChannelEnteredBridge" && e.channel.id.startsWith(`sba-${callId}~`));
  if (entered?.type !== "ChannelEnteredBridge") return undefined;
  const leg = entered.channel;
  const ends = events.filter(
    (e) =>
      e.at >= entered.at &&
      ((e.type === "ChannelLeftBridge" && e.bridge.id === entered.bridge.id) ||
        ((e.type === "ChannelHangupRequest" || e.type === "ChannelDestroyed" || e.type === "StasisEnd") && (e.channel.id === leg.id || e.channel.id === callId))),
  );
  if (ends.length === 0) return undefined;
  const cdrs = events.filter((e): e is Extract<PbxEvent, { type: "Cdr" }> => e.type === "Cdr").map((e) => e.cdr);
  return {
    seconds: (Math.min(...ends.map((e) => e.at)) - entered.at) / 1000,
    leg,
    agentCdr: cdrs.find((c: CdrRecord) => c.uniqueId === leg.id),
    callerCdr: cdrs.find((c: CdrRecord) => c.uniqueId === callId && c.destinationChannel === leg.name),
  };
}

/** The call's agent leg, once it entered the bridge. */
function agentLeg(events: PbxEvent[], callId: string) {
  const entered = events.find((e) => e.type === "ChannelEnteredBridge" && e.channel.id.startsWith(`sba-${callId}~`));
  return entered?.type === "ChannelEnteredBridge" ? entered.channel : undefined;
}

describe("talk time of an agent's call", () => {
  test("the agent hangs up: talkSeconds is the agent's time in the bridge, although the agent leg's CDR bills 0 s; the caller's CDR agrees", async () => {
    const s = await setup([AGENT], {}, { crm: { store: "redis" }, cti: { dispositionGrace: 0.3 } });
    const customers = await redisCustomers(s.redis.client(), s.redis.prefix);
    // 30 simulated seconds are 3 real ones (the timestamps are wall-clock)
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 30 });
    const events = recordEvents(s.sim);
    const { lines } = await loggedDaemon(s);
    const { channelId } = s.sim.control.placeCall(supportCaller("5551003"));
    const entry = await waitFor("Carla's history entry", async () => (await customers.findById("c-1003"))?.history.find((h) => h.callId === channelId));

    const talk = conversation(events, channelId)!;
    expect(talk.seconds).toBeGreaterThanOrEqual(2);
    // what a real PBX does (ws-16): the agent leg's record ends as it joins the bridge; the caller's pairs with it
    expect(talk.agentCdr).toMatchObject({ disposition: "ANSWERED", billableSeconds: 0 });
    expect(talk.callerCdr).toMatchObject({ disposition: "ANSWERED", destinationChannel: talk.leg.name });
    expect(talk.callerCdr!.billableSeconds).toBeGreaterThan(talk.seconds);
    expect(entry).toMatchObject({ agent: "a1", disposition: "not recorded" });
    expect(Math.abs(entry.talkSeconds! - talk.seconds)).toBeLessThanOrEqual(0.5);
    // the cross-check ran and agreed
    const checked = lines.find((l) => l.msg === "talk time from the bridge" && l.callId === channelId);
    expect(checked).toMatchObject({ talkSeconds: entry.talkSeconds });
    expect(Math.abs((checked!.cdrTalkSeconds as number) - talk.seconds)).toBeLessThanOrEqual(1);
    expect(lines.filter((l) => String(l.msg).includes("disagree"))).toEqual([]);
  });

  test("the caller hangs up first: the talk ends with the caller's hangup", async () => {
    const s = await setup([AGENT], {}, { crm: { store: "redis" }, cti: { dispositionGrace: 0.3 } });
    const customers = await redisCustomers(s.redis.client(), s.redis.prefix);
    s.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    const events = recordEvents(s.sim);
    await loggedDaemon(s);
    const { channelId } = s.sim.control.placeCall(supportCaller("5551001", { talkTime: 20 }));
    const entry = await waitFor("Alice's history entry", async () => (await customers.findById("c-1001"))?.history.find((h) => h.callId === channelId));

    const talk = conversation(events, channelId)!;
    expect(s.sim.control.getCall(channelId)?.hangup).toMatchObject({ by: "caller", reason: "talk-time" });
    expect(talk.seconds).toBeGreaterThanOrEqual(2);
    expect(talk.agentCdr).toMatchObject({ billableSeconds: 0 });
    expect(Math.abs(entry.talkSeconds! - talk.seconds)).toBeLessThanOrEqual(0.5);
  });

  test("kill -9 in the middle of a conversation: the next daemon sees its end, and the entry counts it from the first daemon's bridge", async () => {
    rig = await processRig({
      config: {
        crm: { store: "redis" },
        agents: [AGENT],
        cti: { dispositionGrace: 0 },
        queues: { support: { displayName: "Technical support", lanes: ["express", "standard"], wrapUp: 1 } },
        calls: { ringTimeout: 2, announceEvery: 0, sweepInterval: 0.2, reconcileInterval: 1, recoveryInterval: 0.5 },
      },
    });
    const r = rig;
    const customers = await redisCustomers(r.redis, r.prefix);
    const desk = new DeskStore(r.redis, r.prefix);
    r.sim.control.addAgent({ endpoint: "PJSIP/1001", answerDelay: 0.2, talkTime: 600 });
    const events = recordEvents(r.sim);
    const first = await r.start();
    const { channelId } = r.sim.control.placeCall(supportCaller("5551003", { hangupAfter: 3600 }));
    // the call and the conversation's start are on the desk (in Redis) before the daemon dies
    await waitFor("the call and its start on the desk", async () => (await desk.get(channelId)) !== null && (await desk.talk(channelId)).from !== undefined);

    await r.end(first, "SIGKILL");
    await r.start();
    await waitFor("the next daemon's app to be connected", () => r.sim.pbx.getApp("switchboard")?.active === true);
    // the agent hangs up with the next daemon listening
    r.sim.pbx.hangup(agentLeg(events, channelId)!.id);
    const entry = await waitFor("Carla's history entry", async () => (await customers.findById("c-1003"))?.history.find((h) => h.callId === channelId), 30_000);

    const talk = conversation(events, channelId)!;
    expect(entry).toMatchObject({ agent: "a1" });
    expect(Math.abs(entry.talkSeconds! - talk.seconds)).toBeLessThanOrEqual(0.5);
  }, 60_000);
});

describe("talk time arithmetic", () => {
  test("ARI timestamps with their UTC offset", () => {
    expect(ariTime("2026-12-02T07:25:08.123+0000")).toBe(Date.UTC(2026, 11, 2, 7, 25, 8, 123));
    expect(ariTime("2026-12-02T08:25:08.123+0100")).toBe(Date.UTC(2026, 11, 2, 7, 25, 8, 123));
    expect(ariTime("2026-12-02T07:25:08+00:00")).toBe(Date.UTC(2026, 11, 2, 7, 25, 8));
    expect(ariTime("yesterday")).toBeUndefined();
    expect(ariTime(undefined)).toBeUndefined();
  });

  // ws-16 part A: caller created 07:24:59.5, agent in the bridge at 07:25:03.2 for 4.1 s; the caller's CDR's
  // Duration runs from the creation to the end of the pairing (7.8 s, truncated: 7)
  const created = Date.UTC(2026, 11, 2, 7, 24, 59, 500);
  const from = created + 3700;
  const to = from + 4100;
  const cdr = { destinationChannel: "PJSIP/1001-00000006", duration: 7, billableSeconds: 5 };

  test("seconds from the bridge, and the caller's CDR's view of them", () => {
    expect(talkSeconds({ from, to })).toBe(4);
    expect(talkSeconds({ from })).toBeUndefined();
    expect(cdrTalkSeconds({ from, to, callerCreated: created, cdr })).toBeCloseTo(3.8, 5);
    expect(cdrTalkSeconds({ from, to, cdr })).toBeUndefined();
    expect(cdrDisagreement({ from, to, callerCreated: created, cdr })).toBeUndefined();
  });

  test("a CDR more than 3 s off is a disagreement (the bridge's figure stays)", () => {
    expect(cdrDisagreement({ from, to, callerCreated: created, cdr: { ...cdr, duration: 12 } })).toEqual({ talkSeconds: 4, cdrTalkSeconds: 9 });
    expect(cdrDisagreement({ from, to: from + 60_000, callerCreated: created, cdr })).toEqual({ talkSeconds: 60, cdrTalkSeconds: 4 });
  });
});
