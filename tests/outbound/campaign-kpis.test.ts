/**
 * Campaign KPIs folded from the site's event stream: the pure fold (which events are a campaign's, the
 * agents' time phase by phase, one conversion per call however many sales), and the tally on a real
 * redis-server (batches across calls, two daemons folding at once count every event once).
 */
import { describe, expect, it } from "vitest";
import type { SiteEvent } from "../../src/events/schema.js";
import { campaignCallId, campaignOfCall } from "../../src/outbound/campaign.js";
import { campaignKpis, foldCampaignEvents, type AgentTrack } from "../../src/outbound/campaign-kpis.js";
import { CampaignTally } from "../../src/outbound/campaign-tally.js";
import { redisPerFile } from "../setup/redis.js";

const q = { queue: "support", lane: "standard" };
const A = campaignCallId("spring-2", 1);
const B = campaignCallId("spring-2", 2);
/** One contact (A: dialled, talked 60 s, wrapped up 15 s, an offer sold twice) and one busy attempt (B), and a caller who is not the campaign's. */
function story(t0: number): Array<Record<string, unknown>> {
  return [
    { type: "callback", at: t0, callId: A, queue: "support", outcome: "accepted", result: "campaign", promise: undefined },
    { type: "callback", at: t0, callId: B, queue: "support", outcome: "accepted", result: "campaign", promise: undefined },
    { type: "offered", at: t0 + 1_000, ...q, callId: A, agentId: "7", waitMs: 1_000, requeues: 0 },
    { type: "offered", at: t0 + 1_000, ...q, callId: B, agentId: "8", waitMs: 1_000, requeues: 0 },
    { type: "callback", at: t0 + 4_000, callId: B, queue: "support", outcome: "attempt", result: "busy", promise: undefined },
    { type: "requeued", at: t0 + 4_000, ...q, callId: B, agentId: "8", agentTo: "available", reason: "call back: busy", position: 1, waitMs: 4_000 },
    { type: "callback", at: t0 + 9_000, callId: A, queue: "support", outcome: "attempt", result: "accepted", promise: undefined },
    { type: "answered", at: t0 + 9_000, ...q, callId: A, agentId: "7", waitMs: 9_000, ringMs: 500, requeues: 0 },
    // another call for agent 8 is none of the campaign's
    { type: "offered", at: t0 + 10_000, ...q, callId: "inbound-1", agentId: "8", waitMs: 3_000, requeues: 0 },
    { type: "answered", at: t0 + 11_000, ...q, callId: "inbound-1", agentId: "8", waitMs: 4_000, ringMs: 500, requeues: 0 },
    { type: "offer", at: t0 + 30_000, callId: A, agentId: "7", ...q, offerId: "upgrade", outcome: "sold", value: 49, amount: 39.5 },
    { type: "offer", at: t0 + 31_000, callId: A, agentId: "7", ...q, offerId: "warranty", outcome: "sold", value: 79, amount: undefined },
    { type: "offer", at: t0 + 32_000, callId: "inbound-1", agentId: "8", ...q, offerId: "warranty", outcome: "sold", value: 79, amount: undefined },
    { type: "agent", at: t0 + 69_000, agentId: "7", from: "oncall", to: "wrapup", reason: undefined, queues: ["support"] },
    { type: "agent", at: t0 + 84_000, agentId: "7", from: "wrapup", to: "available", reason: "wrap-up ended", queues: ["support"] },
    { type: "callback", at: t0 + 69_000, callId: A, queue: "support", outcome: "completed", result: undefined, promise: "kept" },
    { type: "agent", at: t0 + 90_000, agentId: "8", from: "oncall", to: "wrapup", reason: undefined, queues: ["support"] },
  ];
}

describe("the fold", () => {
  it("names the campaign of its call ids only", () => {
    expect(campaignOfCall(A)).toBe("spring-2");
    expect(campaignOfCall("cp-a-1-12")).toBe("a-1");
    expect(campaignOfCall("cb-1234")).toBeUndefined();
    expect(campaignOfCall("wl-wl-0123")).toBeUndefined();
  });

  it("counts attempts, contacts, one conversion per call and the agents' time by phase", () => {
    const events = story(0).map((e, i) => ({ ...e, id: `${i}-0` })) as unknown as SiteEvent[];
    const d = foldCampaignEvents(events, { agents: new Map(), converted: new Set() });
    const counters = Object.fromEntries([...d.counters].filter(([k]) => k.startsWith("spring-2|")).map(([k, v]) => [k.split("|")[1], v]));
    expect(campaignKpis(10, counters)).toEqual({
      leads: 10,
      fed: 2,
      attempts: 2,
      attemptResults: { answered: 1, busy: 1, noAnswer: 0, noKey: 0, failed: 0 },
      contacts: 1,
      completed: 1,
      gaveUp: 0,
      conversions: 1,
      sales: 2,
      revenue: 39.5 + 79,
      contactRate: 0.5,
      conversionRate: 1,
      // A rang and dialled 8 s, B 3 s; A talked 60 s and wrapped up 15 s
      agentTime: { dialMs: 8_000 + 3_000, talkMs: 60_000, wrapupMs: 15_000, costMs: 75_000 },
      revenuePerAgentHour: Math.round(((39.5 + 79) / (75_000 / 3_600_000)) * 100) / 100,
    });
    // nothing of the inbound call, and no agent left on a campaign call
    expect([...d.counters.keys()].every((k) => k.startsWith("spring-2|"))).toBe(true);
    expect([...d.agents.values()].every((t) => t === null)).toBe(true);
    expect([...d.converted]).toEqual([A]);
  });

  it("carries an agent's time across batches, and a call converted before is not converted again", () => {
    const events = story(0).map((e, i) => ({ ...e, id: `${i}-0` })) as unknown as SiteEvent[];
    const cut = events.findIndex((e) => e.type === "offer");
    const first = foldCampaignEvents(events.slice(0, cut), { agents: new Map(), converted: new Set() });
    const agents = new Map([...first.agents].filter((x): x is [string, AgentTrack] => x[1] !== null));
    expect(agents.get("7")).toEqual({ campaign: "spring-2", callId: A, phase: "talk", since: 9_000 });
    const second = foldCampaignEvents(events.slice(cut), { agents, converted: new Set([A]) });
    expect(second.counters.get("spring-2|talkMs")).toBe(60_000);
    expect(second.counters.get("spring-2|wrapupMs")).toBe(15_000);
    expect(second.counters.get("spring-2|sales")).toBe(2);
    expect(second.counters.has("spring-2|conversions")).toBe(false);
  });
});

describe("the tally on Redis", () => {
  const { env, redis: client } = redisPerFile();

  const write = async (stream: string, events: Array<Record<string, unknown>>) => {
    for (const e of events) {
      const flat = Object.entries(e).flatMap(([k, v]) => (v === undefined ? [] : [k, Array.isArray(v) ? v.join(",") : String(v)]));
      await client().xadd(stream, "*", ...flat);
    }
  };

  it("folds nothing before a campaign began, then every event once, also with two daemons folding at once", async () => {
    const base = `${env.prefix}{main}:`;
    const stream = `${base}events`;
    const second = env.client();
    const tallies = [new CampaignTally(client(), base, stream), new CampaignTally(second, base, stream)];
    await write(stream, story(Date.now() - 100_000));
    await tallies[0]!.catchUp();
    expect((await tallies[0]!.totals("spring-2")).counters).toEqual({});
    // the stream's ids are the Redis server's clock: a start now reads the minute before it too
    await tallies[0]!.begin(Date.now());
    const t0 = Date.now() - 90_000;
    for (let i = 0; i < 2; i++) await write(stream, story(t0));
    // two daemons (own connections) fold the same events at once
    await Promise.all([tallies[0]!.catchUp(), tallies[1]!.catchUp(), tallies[1]!.catchUp()]);
    const { counters, asOf } = await tallies[1]!.totals("spring-2");
    const kpis = campaignKpis(3, counters);
    // story() three times: the same calls, so the second and third sales on A convert nothing new
    expect(kpis).toMatchObject({ fed: 6, attempts: 6, contacts: 3, completed: 3, conversions: 1, sales: 6, revenue: 3 * (39.5 + 79) });
    expect(kpis.agentTime).toEqual({ dialMs: 3 * 11_000, talkMs: 3 * 60_000, wrapupMs: 3 * 15_000, costMs: 3 * 75_000 });
    expect(asOf).toBeGreaterThan(0);
    await tallies[0]!.catchUp();
    expect((await tallies[0]!.totals("spring-2")).counters).toEqual(counters);
    await second.quit();
  });
});
