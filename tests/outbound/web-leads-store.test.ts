/**
 * The web-lead store on a real redis-server: idempotent creation, the queue's order (score as a head
 * start), preferred times, claiming, expiry and the status moves the dialer makes.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { scoreLead } from "../../src/outbound/lead-score.js";
import { ENTERED_FROM, LEAD_STATUSES, LeadStore, leadIdOf, type NewLead } from "../../src/outbound/lead-store.js";
import { webLeadsConfigSchema } from "../../src/outbound/web-config.js";
import { parseWebLead, type WebLeadInput } from "../../src/outbound/web-lead.js";
import { testRedis } from "../setup/redis.js";

const T0 = Date.parse("2026-03-10T12:00:00Z");
let now = T0;
const clients: Redis[] = [];
afterAll(() => clients.forEach((c) => c.disconnect()));

function makeStore(over: Record<string, unknown> = {}) {
  const r = testRedis();
  const redis = r.client();
  clients.push(redis);
  const config = webLeadsConfigSchema.parse({ secretEnv: "X", headStartSecondsPerPoint: 3, expireAfterMinutes: 60, keepDays: 2, ...over });
  return { store: new LeadStore({ redis, keyPrefix: r.prefix, config, clock: () => now }), redis, prefix: r.prefix };
}

/** A parsed lead with a chosen score (the store orders by it; how it is computed is lead-score's test). */
function lead(eventId: string, score: number, over: Partial<WebLeadInput> = {}): NewLead {
  const p = parseWebLead(
    {
      eventId,
      kind: "call-me",
      occurredAt: new Date(T0).toISOString(),
      customer: { phone: "+4930123456" },
      consent: { given: true, at: new Date(T0).toISOString(), version: "v1", source: "widget" },
      ...over,
    },
    "DE",
  );
  if (!p.ok) throw new Error(JSON.stringify(p.problems));
  const s = scoreLead({ kind: "call-me", offers: [] }, { fullValue: 1000 });
  return { lead: p.lead, phone: p.phone, digest: p.digest, queue: "web-leads", score: { ...s, score }, offers: [] };
}

beforeEach(() => {
  now = T0;
});

describe("LeadStore", () => {
  test("create is idempotent by eventId: duplicate for the same event, conflict for other content, one write", async () => {
    const { store, redis, prefix } = makeStore();
    const a = await store.create(lead("e-1", 40));
    expect(a.outcome).toBe("created");
    expect(a.lead.id).toBe(leadIdOf("e-1"));
    now += 1000;
    const again = await store.create(lead("e-1", 40));
    expect(again).toMatchObject({ outcome: "duplicate", lead: { id: a.lead.id, receivedAt: T0 } });
    const other = await store.create(lead("e-1", 40, { preferredTime: "2026-03-10T15:00:00Z" }));
    expect(other).toMatchObject({ outcome: "conflict", lead: { id: a.lead.id } });
    expect(other.lead.preferredTime).toBeUndefined();
    expect(await store.waiting("web-leads")).toEqual({ ready: 1, later: 0 });
    // every key of the site shares the hash tag; the lead expires keepDays after it is due
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.every((k) => k.startsWith(`${prefix}{main}:wl:`))).toBe(true);
    const ttl = await redis.pttl(store.keys.lead(a.lead.id));
    expect(ttl).toBeGreaterThan(2 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(2 * 86_400_000);
  });

  test("order: oldest first, each score point a head start of headStartSecondsPerPoint", async () => {
    const { store } = makeStore();
    await store.create(lead("old-low", 10)); // at T0, counts as T0 - 30 s
    now = T0 + 60_000;
    await store.create(lead("new-high", 40)); // at T0 + 60 s, counts as T0 - 60 s: ahead
    now = T0 + 61_000;
    await store.create(lead("new-low", 10)); // T0 + 31 s: last
    const order: string[] = [];
    for (;;) {
      const next = await store.nextDue("web-leads", { claim: true });
      if (!next) break;
      order.push(next.eventId);
      expect(next).toMatchObject({ status: "dialing", attempts: 1 });
    }
    expect(order).toEqual(["new-high", "old-low", "new-low"]);
  });

  test("without claim the next lead is only looked at; claimed leads are not handed out twice", async () => {
    const { store } = makeStore();
    await store.create(lead("a", 50));
    expect((await store.nextDue("web-leads"))?.status).toBe("new");
    expect((await store.nextDue("web-leads"))?.eventId).toBe("a");
    const claims = await Promise.all([1, 2, 3].map(() => store.nextDue("web-leads", { claim: true })));
    expect(claims.filter(Boolean).map((l) => l!.eventId)).toEqual(["a"]);
  });

  test("a preferred time keeps the lead out of line until then", async () => {
    const { store } = makeStore();
    const c = await store.create(lead("later", 90, { preferredTime: "2026-03-10T14:00:00Z" }));
    expect(c.lead.dueAt).toBe(Date.parse("2026-03-10T14:00:00Z"));
    expect(await store.waiting("web-leads")).toEqual({ ready: 0, later: 1 });
    expect(await store.nextDue("web-leads")).toBeUndefined();
    now = Date.parse("2026-03-10T14:00:00Z");
    expect((await store.nextDue("web-leads", { claim: true }))?.eventId).toBe("later");
    // a preferred time in the past is simply now
    expect((await store.create(lead("past", 1, { preferredTime: "2026-03-01T14:00:00Z" }))).lead.dueAt).toBe(now);
  });

  test("a lead not dialled within expireAfterMinutes expires when the dialer reaches it", async () => {
    const { store } = makeStore();
    await store.create(lead("stale", 10));
    now = T0 + 61 * 60_000;
    await store.create(lead("fresh", 10));
    expect((await store.nextDue("web-leads", { claim: true }))?.eventId).toBe("fresh");
    const stale = await store.getByEvent("stale");
    expect(stale).toMatchObject({ status: "expired", statusReason: "not dialled in time", attempts: 0 });
  });

  test("status moves: dialing, back to new with a retry time, contacted, converted; others refused", async () => {
    const { store } = makeStore();
    const { lead: l } = await store.create(lead("s", 30));
    expect(await store.updateStatus(l.id, "converted")).toEqual({ ok: false, reason: "not-allowed", from: "new" });
    expect(await store.updateStatus("wl-nope", "dialing")).toEqual({ ok: false, reason: "not-found" });
    expect((await store.updateStatus(l.id, "dialing")).ok).toBe(true);
    expect(await store.waiting("web-leads")).toEqual({ ready: 0, later: 0 });
    // no answer: again in ten minutes
    const retry = await store.updateStatus(l.id, "new", { reason: "no answer", retryAt: T0 + 600_000 });
    expect(retry).toMatchObject({ ok: true, from: "dialing", lead: { status: "new", statusReason: "no answer", dueAt: T0 + 600_000, attempts: 1 } });
    expect(await store.nextDue("web-leads")).toBeUndefined();
    now = T0 + 600_000;
    expect((await store.nextDue("web-leads", { claim: true }))?.attempts).toBe(2);
    expect(await store.updateStatus(l.id, "contacted", { expectFrom: "new" })).toEqual({ ok: false, reason: "changed", from: "dialing" });
    expect((await store.updateStatus(l.id, "contacted", { expectFrom: "dialing" })).ok).toBe(true);
    expect((await store.updateStatus(l.id, "converted", { reason: "sold PRO-5" })).ok).toBe(true);
    for (const to of LEAD_STATUSES) expect((await store.updateStatus(l.id, to)).ok, to).toBe(false);
    expect(ENTERED_FROM.converted).toEqual(["contacted"]);
  });

  test("list: newest first, by status and queue, paged by receivedAt", async () => {
    const { store } = makeStore();
    for (let i = 0; i < 5; i++) {
      now = T0 + i * 1000;
      await store.create(lead(`l-${i}`, i));
    }
    // l-4 has the best score: 4 points of 3 s put it ahead of l-0's 4 s lead
    await store.nextDue("web-leads", { claim: true });
    expect((await store.list()).map((l) => l.eventId)).toEqual(["l-4", "l-3", "l-2", "l-1", "l-0"]);
    expect((await store.list({ status: "dialing" })).map((l) => l.eventId)).toEqual(["l-4"]);
    expect((await store.list({ limit: 2, before: T0 + 3000 })).map((l) => l.eventId)).toEqual(["l-2", "l-1"]);
    expect(await store.list({ queue: "other" })).toEqual([]);
  });
});
