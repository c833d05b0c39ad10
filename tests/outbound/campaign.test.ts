/**
 * Campaigns on a real redis-server with the real queue: the audience is read once at start, members join
 * the queue as call backs while fewer than the staffed agents wait (progressive pacing never asks for more
 * dials than agents), and every attempt is checked and logged before it is placed: a number on the
 * do-not-call list is never dialled, one outside its calling hours waits for its window.
 */
import { describe, expect, it } from "vitest";
import { CallbackStore, type Callback } from "../../src/callbacks/callback-store.js";
import { CallbackRequests } from "../../src/calls/callback-requests.js";
import { CampaignFeeder } from "../../src/calls/campaign-feeder.js";
import { callbackDialSchema } from "../../src/calls/config.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { createLogger } from "../../src/lib/logger.js";
import { AttemptLog } from "../../src/outbound/attempt-log.js";
import { audienceSchema, MemoryAudienceSource } from "../../src/outbound/audience.js";
import { CampaignStore } from "../../src/outbound/campaign.js";
import { CampaignMembers } from "../../src/outbound/campaign-members.js";
import { complianceConfigSchema } from "../../src/outbound/config.js";
import { DialCheck } from "../../src/outbound/dial-check.js";
import { DncStore } from "../../src/outbound/dnc-store.js";
import { redisPerFile } from "../setup/redis.js";
import { makeQueue, staff } from "../queue/helpers.js";

const { env, redis } = redisPerFile();

const log = createLogger("silent");
const customers = loadCustomersFile("config/customers.yaml", new Date());

async function rig(agents: number, people = customers) {
  const { cq, clock } = makeQueue(redis(), env.prefix);
  await staff(cq, clock, Array.from({ length: agents }, (_, i) => ({ id: `a${i}` })));
  const store = new CallbackStore(redis(), cq.keys.base);
  const callbacks = new CallbackRequests({ queue: cq, store, settings: callbackDialSchema.parse({}), homeServer: "sim", kick: () => {} });
  const campaigns = new CampaignStore(redis(), cq.keys.base);
  const members = new CampaignMembers(redis(), cq.keys.base);
  const audience = audienceSchema.parse({ id: "everyone", name: "Everyone", condition: "true" });
  const feeder = new CampaignFeeder({ campaigns, callbacks, store, queue: cq, audiences: { get: async () => audience }, source: new MemoryAudienceSource(people), members, defaultCountry: "DE", logger: log });
  return { cq, clock, store, campaigns, members, feeder };
}

const window = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };

describe("campaigns", () => {
  it("reads the audience once, then keeps as many members queued as agents are staffed, and finishes when all were called", async () => {
    const r = await rig(2);
    await r.campaigns.create({ id: "pro5", name: "Pro 5 upgrade", audience: "everyone", queue: "support", script: { title: "Pro 5.0 for Pro 4 users", pitch: "Free migration" }, window }, Date.now());
    const started = await r.feeder.start("pro5");
    const withPhone = customers.filter((c) => c.phones.length > 0).length;
    expect(started.members).toBe(withPhone);
    await r.feeder.tick();
    const mine = async () => (await r.store.open()).filter((c) => c.purpose?.campaignId === "pro5");
    let queued = await mine();
    // two staffed agents: two members at a time, each a call back with the campaign's script
    expect(queued).toHaveLength(2);
    expect(queued[0]!.purpose).toMatchObject({ kind: "campaign", title: "Pro 5.0 for Pro 4 users", pitch: "Free migration", campaignId: "pro5" });
    await r.feeder.tick();
    expect(await mine()).toHaveLength(2);
    // as they are called (finished here), the next members follow, never more than two at once
    let rounds = 0;
    while ((await r.campaigns.get("pro5"))!.state === "running" && rounds++ < 100) {
      queued = await mine();
      expect(queued.length).toBeLessThanOrEqual(2);
      for (const cb of queued) await r.store.save({ ...cb, state: "completed" });
      await r.feeder.tick();
    }
    expect(await r.campaigns.get("pro5")).toMatchObject({ state: "done", fed: withPhone });
  });

  it("dials members in E.164 under ids of their own, with the campaign's retry settings; a phone that is no number is blocked, never queued", async () => {
    const people = [
      { ...customers[0]!, id: "p-1", phones: ["030 1234 567"] },
      { ...customers[0]!, id: "p-2", phones: ["call me"] },
    ];
    const r = await rig(2, people);
    await r.campaigns.create({ id: "e164", name: "E", audience: "everyone", queue: "support", script: { title: "T" }, window, retry: { maxAttempts: 4, delaySeconds: 60 } }, Date.now());
    expect(await r.feeder.start("e164")).toMatchObject({ members: 2, fed: 1 });
    const [cb] = (await r.store.open()).filter((c) => c.purpose?.campaignId === "e164");
    expect(cb).toMatchObject({ id: "cp-e164-1", number: "+49301234567", customerId: "p-1", retry: { maxAttempts: 4, retryDelaySeconds: 60 } });
    expect(await r.members.get("e164", "p-1")).toMatchObject({ status: "queued", callId: "cp-e164-1", number: "+49301234567", attempts: [] });
    expect(await r.members.get("e164", "p-2")).toMatchObject({ status: "blocked", reason: 'number: "call me" is not a phone number' });
    expect(await r.members.counts("e164")).toEqual({ queued: 1, blocked: 1 });
  });

  it("with nobody staffed, takes no member off the list (the queue would refuse them)", async () => {
    const r = await rig(0);
    await r.campaigns.create({ id: "empty", name: "E", audience: "everyone", queue: "support", script: { title: "T" }, window }, Date.now());
    const started = await r.feeder.start("empty");
    expect(started).toMatchObject({ state: "running", fed: 0 });
    expect(await r.campaigns.remaining("empty")).toBe(started.members);
  });

  it("refuses to start twice, and knows no campaign it was not given", async () => {
    const r = await rig(1);
    await r.campaigns.create({ id: "c2", name: "C2", audience: "everyone", queue: "support", script: { title: "T" }, window }, Date.now());
    await r.feeder.start("c2");
    await expect(r.feeder.start("c2")).rejects.toMatchObject({ status: 409 });
    await expect(r.feeder.start("nope")).rejects.toMatchObject({ status: 404 });
  });
});

describe("the check before every attempt", () => {
  const config = complianceConfigSchema.parse({ defaultCountry: "DE" });
  const cb = (number: string, over: Partial<Callback> = {}): Callback => ({
    id: `cb-${number}`,
    queue: "support",
    lane: "standard",
    joinedAt: 0,
    number,
    source: "campaign",
    acceptedAt: 0,
    quotedMs: null,
    state: "waiting",
    attempts: [],
    serverId: "sim",
    purpose: { kind: "campaign", title: "T", campaignId: "c", leadId: `c:${number}` },
    ...over,
  });
  // a Wednesday, 10:00 in Berlin
  const wednesday10 = Date.parse("2026-12-09T09:00:00Z");
  const check = (now: number) => {
    const dnc = new DncStore({ redis: redis(), keyPrefix: `${env.prefix}dc${now}:`, site: "main", defaultCountry: "DE" });
    const attempts = new AttemptLog({ redis: redis(), keyPrefix: `${env.prefix}dc${now}:`, site: "main", maxLen: 10_000, leadRetentionDays: 30, defaultCountry: "DE" });
    return { dnc, attempts, gate: new DialCheck({ config, dnc, log: attempts, now: () => now }) };
  };

  it("allows a number in its hours, and logs the decision with every check", async () => {
    const { gate, attempts } = check(wednesday10);
    expect(await gate.check(cb("+4930123456"))).toEqual({ allowed: true });
    const { entries } = await attempts.read({});
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: "decision", allowed: true, campaign: "c", leadId: "c:+4930123456" });
  });

  it("never dials a number on the do-not-call list: given up, and the refusal is logged", async () => {
    const { gate, dnc, attempts } = check(wednesday10 + 1);
    await dnc.add("+4930999999", { source: "disposition:a1", at: wednesday10 });
    const v = await gate.check(cb("+4930999999"));
    expect(v).toMatchObject({ allowed: false, final: true, reason: expect.stringMatching(/^dnc: /) });
    expect((await attempts.read({})).entries[0]).toMatchObject({ allowed: false, blockedBy: ["dnc"] });
  });

  it("outside the callee's hours: waits for the window (Thursday 08:00 Berlin after Wednesday 22:00)", async () => {
    const late = Date.parse("2026-12-09T21:00:00Z"); // 22:00 in Berlin
    const { gate } = check(late);
    const v = await gate.check(cb("+4930123456"));
    expect(v).toMatchObject({ allowed: false, retryAt: Date.parse("2026-12-10T07:00:00Z") });
  });

  it("a call back the customer asked for is not held to calling hours (they chose the time)", async () => {
    const late = Date.parse("2026-12-09T21:00:00Z");
    const { gate, attempts } = check(late + 5);
    expect(await gate.check(cb("+4930123456", { source: "queue", purpose: undefined }))).toEqual({ allowed: true });
    expect((await attempts.read({})).entries).toHaveLength(0);
  });

  it("a web lead without consent is never dialled", async () => {
    const { gate } = check(wednesday10 + 2);
    const v = await gate.check(cb("+4930123457", { source: "web-lead", purpose: { kind: "web-lead", title: "Cart", consent: false } }));
    expect(v).toMatchObject({ allowed: false, final: true, reason: expect.stringMatching(/consent/) });
  });
});
