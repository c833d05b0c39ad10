import { describe, expect, test } from "vitest";
import type { Customer } from "../../src/crm/customer.js";
import { HISTORY_CAP, loadCustomersFile, parseCustomers } from "../../src/crm/file-store.js";
import { CrmLookup } from "../../src/crm/lookup.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { createLogger } from "../../src/lib/logger.js";
import { redisPerFile } from "../setup/redis.js";

const NOW = new Date("2026-11-22T09:00:00Z");
const demo = loadCustomersFile("config/customers.yaml", NOW);
const customer = (yaml: string): Customer => parseCustomers("x.yaml", `customers:\n  - ${yaml}\n`, NOW)[0]!;

describe("RedisCustomerStore on a real redis-server", () => {
  const { env, redis } = redisPerFile();

  test("seeded demo customers are found by caller number with their history, newest first", async () => {
    const store = new RedisCustomerStore(redis(), `${env.prefix}a:`);
    expect(await store.seed(demo)).toBe(10);
    const carla = await store.findByPhone("+1 555-1003");
    expect(carla).toEqual(demo.find((c) => c.id === "c-1003"));
    const farid = await store.findByPhone("5551006");
    expect(farid!.history.map((h) => h.waitSeconds)).toEqual([310, 360, 420]);
    expect(await store.findByPhone("5551011")).toBeNull();
    // Everything lives under the prefix: another daemon with another prefix sees nothing.
    expect(await new RedisCustomerStore(redis(), `${env.prefix}b:`).findByPhone("5551003")).toBeNull();
    const lookup = await new CrmLookup(store, { timeoutMs: 1000, logger: createLogger("silent"), now: () => NOW }).lookup("5551001");
    expect(lookup).toMatchObject({ status: "found", customer: { name: "Anna Becker", contractEndsInDays: 20 } });
  });

  test("appended history is read back newest first and capped at 50", async () => {
    const store = new RedisCustomerStore(redis(), `${env.prefix}h:`);
    await store.seed([customer('{ id: a, name: A, phones: ["5552001"], history: [{ at: "-3d", disposition: resolved }] }')]);
    for (let i = 0; i < HISTORY_CAP + 3; i++) {
      await store.appendHistory("a", { at: new Date(NOW.getTime() + i * 60_000).toISOString(), callId: `call-${i}`, waitSeconds: i, disposition: "resolved" });
    }
    const a = await store.findByPhone("5552001");
    expect(a!.history).toHaveLength(HISTORY_CAP);
    expect(a!.history[0]).toMatchObject({ callId: `call-${HISTORY_CAP + 2}`, waitSeconds: HISTORY_CAP + 2 });
    expect(a!.history.at(-1)!.callId).toBe("call-3");
    expect(await redis().llen(`${env.prefix}h:crm:{a}:history`)).toBe(HISTORY_CAP);
    await expect(store.appendHistory("nobody", { at: NOW.toISOString() })).rejects.toThrow('no customer "nobody" in Redis');
    expect(await redis().exists(`${env.prefix}h:crm:{nobody}:history`)).toBe(0);
  });

  test("re-seeding a customer moves its numbers; a number another customer holds is refused", async () => {
    const store = new RedisCustomerStore(redis(), `${env.prefix}s:`);
    await store.seed([customer('{ id: a, name: A, phones: ["5553001"] }'), customer('{ id: b, name: B, phones: ["5553002"] }')]);
    await store.seed([customer('{ id: a, name: A2, phones: ["+1 555 3003"] }')]);
    expect(await store.findByPhone("5553001")).toBeNull();
    expect((await store.findByPhone("5553003"))?.name).toBe("A2");
    await expect(store.seed([customer('{ id: c, name: C, phones: ["+44 555 3002"] }')])).rejects.toThrow("phone +44 555 3002 of customer c matches 5553002 of customer b already in Redis");
    await expect(store.seed([customer('{ id: c, name: C, phones: ["5553009"] }'), customer('{ id: d, name: D, phones: ["555-3009"] }')])).rejects.toThrow(
      "phone 555-3009 of customer d matches 5553009 of customer c",
    );
    expect(await store.findByPhone("5553009")).toBeNull();
  });

  test("a record another tool wrote wrongly is an error naming the field", async () => {
    const prefix = `${env.prefix}bad:`;
    const store = new RedisCustomerStore(redis(), prefix);
    await store.seed([customer('{ id: x, name: X, phones: ["5554001"] }')]);
    await redis().set(`${prefix}crm:{x}:customer`, JSON.stringify({ id: "x", name: "X", phones: ["5554001"], tier: "diamond" }));
    await expect(store.findByPhone("5554001")).rejects.toThrow(
      `Redis key ${prefix}crm:{x}:customer returned an invalid customer record: "tier" must be one of "standard", "silver", "gold", "platinum", not "diamond"`,
    );
  });
});
