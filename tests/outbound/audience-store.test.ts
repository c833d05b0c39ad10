import { describe, expect, test } from "vitest";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { INDEX_CAP } from "../../src/outbound/audience/codec.js";
import { AudienceConditionError, audienceMembers, MemoryAudienceSource, runAudience, type AudienceSource } from "../../src/outbound/audience.js";
import { AudienceExistsError, AudienceIndex, AudienceStore, redisCrmCustomers } from "../../src/outbound/audience-store.js";
import { redisPerFile } from "../setup/redis.js";
import { ago, call, customer, DAY, EXAMPLE, EXAMPLE_MATCHES, HAND_MADE, NOW, pro } from "./audience-fixtures.js";

const ids = async (source: AudienceSource, condition: string, since = "30d", batchSize = 1_000) => {
  const out: string[] = [];
  for await (const m of audienceMembers(source, { condition, since }, { now: NOW, batchSize })) out.push(m.id);
  return out.sort();
};

describe("the audience index on a real redis-server", () => {
  const { env, redis } = redisPerFile();

  test("built from customers, it selects what the same customers in memory select, in batches of any size", async () => {
    const index = new AudienceIndex(redis(), `${env.prefix}a:`);
    expect(await index.indexCustomers(HAND_MADE)).toBe(HAND_MADE.length);
    expect(await index.size()).toMatchObject({ customers: 11, withCalls: 10 });
    expect(await ids(index, EXAMPLE)).toEqual(EXAMPLE_MATCHES);
    expect(await ids(index, EXAMPLE, "30d", 2)).toEqual(EXAMPLE_MATCHES);
    const memory = new MemoryAudienceSource(HAND_MADE);
    for (const [condition, since] of [["size(calls) == 0", "30d"], ['history.exists(h, h.offers.size() > 0) || customer.id.startsWith("a1")', "all"]] as const) {
      expect(await ids(index, condition, since, 3)).toEqual(await ids(memory, condition, since));
    }
    // every key carries the site's hash tag
    const keys = await redis().keys(`${env.prefix}a:*`);
    expect(keys.sort()).toEqual(["cust", "dict", "hist", "last"].map((k) => `${env.prefix}a:{main}:aud:${k}`));
    // a condition that needs a call in the window reads only the customers called since its start
    const r = await runAudience(index, { condition: EXAMPLE, since: "30d" }, { now: NOW });
    expect(r.stats.scanned).toBe(9); // not a3 (last called 30 days and a second ago) nor a10 (never)
    expect((await runAudience(index, { condition: EXAMPLE, since: "30d" }, { now: NOW, prefilter: false })).stats.scanned).toBe(11);
  });

  test("the desk's history entries go first, new texts get codes, and the oldest go past the cap", async () => {
    const index = new AudienceIndex(redis(), `${env.prefix}h:`, "north");
    const anna = customer("anna", [pro("4.2")], []);
    await index.indexCustomer(anna);
    expect(await ids(index, 'calls.exists(c, c.reason == "technical support")')).toEqual([]);
    expect(await index.indexHistory("anna", call(ago(DAY), "technical support", { path: ["menu=Support", "support=Internet"], offers: [{ offer: "pro-5-upgrade", outcome: "declined" }], waitSeconds: 95 }))).toBe(true);
    expect(await index.indexHistory("anna", { at: "not a time" })).toBe(false);
    expect(await ids(index, EXAMPLE)).toEqual(["anna"]);
    expect(await ids(index, 'calls.exists(c, "support=Internet" in c.path && c.waitSeconds == 95.0 && c.offers[0].outcome == "declined")')).toEqual(["anna"]);
    await index.indexHistory("anna", call(ago(DAY / 2), "billing", { offers: [{ offer: "pro-5-upgrade", outcome: "sold", amount: 49.5 }] }));
    expect(await ids(index, EXAMPLE)).toEqual([]);
    expect(await ids(index, "calls[0].reason == 'billing' && calls[0].offers[0].amount == 49.5 && calls[1].reason == 'technical support'")).toEqual(["anna"]);

    for (let i = 0; i < INDEX_CAP + 3; i++) await index.indexHistory("anna", call(new Date(NOW.getTime() - DAY + i * 1000).toISOString(), `reason ${i % 5}`));
    const lines = (await redis().hget(index.keys.history, "anna"))!.split("\n");
    expect(lines).toHaveLength(INDEX_CAP);
    const r = await runAudience(index, { condition: "size(history) == 200 && history[0].reason == 'reason 2' && history[199].reason == 'reason 3'", since: "all" }, { now: NOW });
    expect(r.count).toBe(1);
    // one code per distinct text, whichever way it came in
    const dict = await index.dictionary();
    expect(dict.texts.filter((t) => t === "technical support")).toHaveLength(1);
    expect(dict.codes.get("reason 4")).toBeGreaterThan(0);
  });

  test("calls of a customer without a record are counted, not selected", async () => {
    const index = new AudienceIndex(redis(), `${env.prefix}n:`);
    await index.indexHistory("ghost", call(ago(DAY), "technical support"));
    const r = await runAudience(index, { condition: 'calls.exists(c, c.reason == "technical support")' }, { now: NOW });
    expect(r).toMatchObject({ count: 0, stats: { withoutRecord: 1 } });
    await index.forget("ghost");
    expect(await index.size()).toMatchObject({ customers: 0, withCalls: 0 });
  });

  test("the index is rebuilt from a Redis CRM", async () => {
    const crm = new RedisCustomerStore(redis(), `${env.prefix}crm*x:`);
    await crm.seed(HAND_MADE);
    const index = new AudienceIndex(redis(), `${env.prefix}crm*x:`);
    for await (const batch of redisCrmCustomers(redis(), `${env.prefix}crm*x:`, 4)) await index.indexCustomers(batch);
    expect(await index.size()).toMatchObject({ customers: HAND_MADE.length });
    expect(await ids(index, EXAMPLE)).toEqual(EXAMPLE_MATCHES);
  });
});

describe("saved audiences on a real redis-server", () => {
  const { env, redis } = redisPerFile();

  test("save, read, list, replace and delete; the condition is checked before anything is written", async () => {
    const store = new AudienceStore(redis(), env.prefix);
    const saved = await store.save({ id: "pro-4-support", name: "Pro 4 support callers", condition: EXAMPLE }, { now: NOW });
    expect(saved).toEqual({ id: "pro-4-support", name: "Pro 4 support callers", condition: EXAMPLE, since: "30d", savedAt: NOW.toISOString() });
    expect(await store.get("pro-4-support")).toEqual(saved);
    await expect(store.save({ id: "pro-4-support", name: "again", condition: "true" })).rejects.toThrow(AudienceExistsError);
    await store.save({ id: "pro-4-support", name: "Pro 4, 90 days", condition: EXAMPLE, since: "90d" }, { replace: true });
    expect((await store.get("pro-4-support"))!.since).toBe("90d");
    await expect(store.save({ id: "broken", name: "x", condition: "calls.exists(c, c.reson == 'x')" })).rejects.toThrow(AudienceConditionError);
    await expect(store.save({ id: "Bad Id", name: "x", condition: "true" })).rejects.toThrow(/id must be/);
    expect(await store.get("broken")).toBeNull();
    await store.save({ id: "all", name: "Everyone", condition: "true", since: "all" });
    // an entry edited by hand into something unreadable is left out, not an error
    await redis().hset(store.keys.definitions, "mangled", "{not json");
    expect((await store.list()).map((a) => a.id)).toEqual(["all", "pro-4-support"]);
    expect(await store.delete("all")).toBe(true);
    expect(await store.delete("all")).toBe(false);
    expect((await store.list()).map((a) => a.id)).toEqual(["pro-4-support"]);
  });
});
