import { describe, expect, it } from "vitest";
import { AbandonCounter } from "../../src/outbound/abandon.js";
import { AttemptLog, decisionEntry, decisionEntrySchema, type DecisionEntry } from "../../src/outbound/attempt-log.js";
import { RULES, checkAttempt, type AttemptInput } from "../../src/outbound/compliance.js";
import { DncStore } from "../../src/outbound/dnc-store.js";
import { redisPerFile } from "../setup/redis.js";
import { BERLIN, NEW_YORK, at, config } from "./compliance-helpers.js";

const { env, redis } = redisPerFile();
let n = 0;

const cfg = config();

/** What the dialer does before each attempt: look up, decide, log (the wiring a gate module will own). */
function rig(maxLen = 10_000) {
  const keyPrefix = `${env.prefix}${++n}:`;
  const dnc = new DncStore({ redis: redis(), keyPrefix, site: "main", defaultCountry: "DE" });
  const log = new AttemptLog({ redis: redis(), keyPrefix, site: "main", maxLen, leadRetentionDays: 400, defaultCountry: "DE" });
  const abandon = new AbandonCounter({ redis: redis(), keyPrefix, site: "main", windowDays: 30 });
  let seq = 0;
  const attempt = async (a: Pick<AttemptInput, "number" | "now" | "kind"> & Partial<AttemptInput> & { leadId?: string; campaign?: string }): Promise<DecisionEntry> => {
    const { leadId, campaign, ...rest } = a;
    const input: AttemptInput = {
      dnc: await dnc.has(a.number),
      attempts: leadId ? await log.leadAttempts(leadId, a.now) : { total: 0, recent: [] },
      ...(campaign && { abandon: await abandon.figures(campaign, a.now) }),
      ...rest,
    };
    const entry = decisionEntry({ id: `att-${++seq}`, ...(leadId && { leadId }), ...(campaign && { campaign }) }, input, checkAttempt(input, cfg));
    await log.appendDecision(entry);
    return entry;
  };
  return { dnc, log, abandon, attempt };
}

const MONDAY_10 = at("2026-03-30T08:00:00Z"); // 10:00 in Berlin

describe("AttemptLog", () => {
  it("logs every decision with every check, blocked ones included, with the rule that blocked it and its inputs", async () => {
    const { dnc, log, attempt } = rig();
    await dnc.add(BERLIN, { source: "disposition:agent-7", at: MONDAY_10 - 1000 });
    await attempt({ number: "030 1234567", now: MONDAY_10, kind: "campaign", campaign: "spring", leadId: "L1" });
    await attempt({ number: "+49 40 7654321", now: MONDAY_10 + 1, kind: "web-lead", leadId: "L2" });
    await attempt({ number: "+49 40 7654321", now: MONDAY_10 + 2, kind: "web-lead", leadId: "L2", consent: true });
    await attempt({ number: NEW_YORK, now: MONDAY_10 + 3, kind: "callback", leadId: "L3" });

    const page = await log.read();
    expect(page.entries).toHaveLength(4);
    for (const e of page.entries) {
      expect(e.type).toBe("decision");
      if (e.type === "decision") expect(e.checks.map((c) => c.rule)).toEqual([...RULES]);
    }
    const [dncBlocked, noConsent, ok, usNight] = page.entries as DecisionEntry[];
    expect(dncBlocked).toMatchObject({ id: "att-1", allowed: false, blockedBy: ["dnc"], e164: "+49301234567", campaign: "spring", leadId: "L1" });
    expect(dncBlocked!.inputs).toMatchObject({ dnc: true, zones: ["Europe/Berlin"], zoneSource: "number", attemptsTotal: 0, abandon: { connected: 0, abandoned: 0 } });
    expect(noConsent).toMatchObject({ allowed: false, blockedBy: ["consent"] });
    expect(noConsent!.checks.find((c) => c.rule === "consent")).toEqual({ rule: "consent", ok: false, detail: "no recorded consent: required for web-lead" });
    expect(ok).toMatchObject({ allowed: true, blockedBy: [], inputs: { consent: true } });
    // 08:00 UTC is the middle of the night in the US: blocked, and the log says the zone was a guess
    expect(usNight).toMatchObject({ allowed: false, blockedBy: ["hours"], inputs: { zoneSource: "country-all" } });
    expect(usNight!.checks.find((c) => c.rule === "hours")!.detail).toMatch(/zone not derivable.*most restrictive/);
    for (const { streamId, ...e } of page.entries) {
      expect(streamId).toMatch(/^\d+-\d+$/);
      expect(decisionEntrySchema.parse(e)).toEqual(e);
    }
  });

  it("appends outcomes as entries of their own and reads back by lead, number, type and time", async () => {
    const { log, attempt } = rig();
    // stream ids follow the Redis server's clock, `at` the daemon's: time queries need the two close, as in production
    const t0 = Date.now();
    await attempt({ number: BERLIN, now: t0, kind: "campaign", campaign: "spring", leadId: "L1", abandon: { connected: 100, abandoned: 0 } });
    await log.appendOutcome({ type: "outcome", id: "att-1", at: t0 + 30, leadId: "L1", campaign: "spring", number: "+49301234567", outcome: "abandoned", detail: "no agent within 2 s" });
    await attempt({ number: "+49 40 7654321", now: t0 + 60, kind: "campaign", leadId: "L2", abandon: { connected: 100, abandoned: 0 } });

    expect((await log.read({ leadId: "L1" })).entries.map((e) => [e.type, e.id])).toEqual([["decision", "att-1"], ["outcome", "att-1"]]);
    expect((await log.read({ number: "030 1234567" })).entries).toHaveLength(2);
    expect((await log.read({ number: "+49 40 7654321" })).entries.map((e) => e.leadId)).toEqual(["L2"]);
    expect((await log.read({ type: "outcome" })).entries).toEqual([expect.objectContaining({ outcome: "abandoned", streamId: expect.any(String) })]);
    expect((await log.read({ from: t0 + 1, to: t0 + 59 })).entries.map((e) => e.type)).toEqual(["outcome"]);
    expect((await log.read({ from: t0 + 60 })).entries.map((e) => e.leadId)).toEqual(["L2"]);
    expect((await log.read({ to: t0 - 1 })).entries).toEqual([]);
    expect((await log.read({ newestFirst: true })).entries.map((e) => e.at)).toEqual([t0 + 60, t0 + 30, t0]);
  });

  it("pages with limit and next, newest first or oldest first", async () => {
    const { log, attempt } = rig();
    for (let i = 0; i < 7; i++) await attempt({ number: BERLIN, now: MONDAY_10 + i, kind: "callback", leadId: `L${i}` });
    const first = await log.read({ limit: 3 });
    expect(first.entries.map((e) => e.leadId)).toEqual(["L0", "L1", "L2"]);
    const second = await log.read({ limit: 3, after: first.next! });
    expect(second.entries.map((e) => e.leadId)).toEqual(["L3", "L4", "L5"]);
    const newest = await log.read({ limit: 2, newestFirst: true });
    expect(newest.entries.map((e) => e.leadId)).toEqual(["L6", "L5"]);
    expect((await log.read({ limit: 2, newestFirst: true, after: newest.next! })).entries.map((e) => e.leadId)).toEqual(["L4", "L3"]);
    const bounded = await log.read({ leadId: "L6", maxScan: 4 });
    expect(bounded).toMatchObject({ entries: [], scanned: 4, next: expect.any(String) });
  });

  it("counts a lead's placed attempts for the caps: the fourth today is blocked, and logged so", async () => {
    const { log, attempt } = rig();
    const lead = { number: BERLIN, kind: "callback" as const, leadId: "L9" };
    for (let i = 0; i < 3; i++) expect((await attempt({ ...lead, now: MONDAY_10 + i * 3_600_000 })).allowed).toBe(true);
    const fourth = await attempt({ ...lead, now: MONDAY_10 + 4 * 3_600_000 });
    expect(fourth).toMatchObject({ allowed: false, blockedBy: ["attempts-day"], inputs: { attemptsTotal: 3 } });
    expect(await log.leadAttempts("L9", MONDAY_10 + 4 * 3_600_000)).toEqual({ total: 3, recent: [0, 1, 2].map((i) => MONDAY_10 + i * 3_600_000) });
    // the next local day the lead may be called again; blocked attempts were not counted
    expect((await attempt({ ...lead, now: MONDAY_10 + 86_400_000 })).allowed).toBe(true);
    expect((await log.leadAttempts("L9", MONDAY_10 + 86_400_000)).total).toBe(4);
    expect(await redis().pttl(log.leadKey("L9"))).toBeGreaterThan(399 * 86_400_000);
  });

  it("feeds the campaign's abandon figures back into the decision", async () => {
    const { abandon, attempt } = rig();
    for (let i = 0; i < 97; i++) await abandon.record("spring", "connected", MONDAY_10 - i * 60_000);
    for (let i = 0; i < 3; i++) await abandon.record("spring", "abandoned", MONDAY_10 - i * 60_000);
    const e = await attempt({ number: BERLIN, now: MONDAY_10, kind: "campaign", campaign: "spring" });
    expect(e).toMatchObject({ allowed: false, blockedBy: ["abandon"], pace: 0, inputs: { abandon: { connected: 100, abandoned: 3 } } });
    expect((await attempt({ number: BERLIN, now: MONDAY_10, kind: "campaign", campaign: "spring", mode: "progressive" })).allowed).toBe(true);
  });

  it("trims the stream to about maxLen", async () => {
    const { log, attempt } = rig(100);
    for (let i = 0; i < 600; i++) await attempt({ number: BERLIN, now: MONDAY_10 + i, kind: "callback" });
    const len = await redis().xlen(log.key);
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(600);
  });
});
