/**
 * The call-back records on a real redis-server: booked once per id, the open list, which are not due,
 * and the number lock that keeps two call backs from dialling one number at once.
 */
import { describe, expect, it } from "vitest";
import { CallbackStore, type Callback } from "../../src/callbacks/callback-store.js";
import { redisPerFile } from "../setup/redis.js";

const { env, redis } = redisPerFile();

let n = 0;
const store = () => new CallbackStore(redis(), `${env.prefix}cbtest${++n}{main}:`);
const cb = (id: string, over: Partial<Callback> = {}): Callback => ({
  id,
  queue: "support",
  lane: "standard",
  joinedAt: 1_000,
  number: "5551003",
  source: "queue",
  acceptedAt: 2_000,
  quotedMs: 180_000,
  state: "waiting",
  attempts: [],
  serverId: "sim",
  ...over,
});

describe("call-back store", () => {
  it("books an id once, keeps the open ones oldest first, and drops finished ones from the open list", async () => {
    const s = store();
    expect(await s.create(cb("a", { acceptedAt: 3_000 }))).toBe(true);
    expect(await s.create(cb("a"))).toBe(false);
    await s.create(cb("b", { acceptedAt: 2_500 }));
    expect((await s.open()).map((c) => c.id)).toEqual(["b", "a"]);
    await s.save({ ...(await s.get("b"))!, state: "completed" });
    expect((await s.open()).map((c) => c.id)).toEqual(["a"]);
    expect((await s.get("b"))?.state).toBe("completed");
  });

  it("a call back with its next attempt in the future is not due until then", async () => {
    const s = store();
    await s.create(cb("a"));
    await s.save({ ...cb("a"), notBefore: 10_000 });
    expect(await s.notDue(9_999)).toEqual(["a"]);
    expect(await s.notDue(10_000)).toEqual([]);
    await s.save({ ...cb("a"), state: "gave-up" });
    expect(await s.notDue(0)).toEqual([]);
  });

  it("one number is dialled by one call back at a time, and is free again once let go", async () => {
    const s = store();
    expect(await s.lockNumber("5551003", "a", 60_000)).toBe(true);
    expect(await s.lockNumber("5551003", "b", 60_000)).toBe(false);
    // the holder asking again keeps it
    expect(await s.lockNumber("5551003", "a", 60_000)).toBe(true);
    // someone else's unlock does not free it
    await s.unlockNumber("5551003", "b");
    expect(await s.lockNumber("5551003", "b", 60_000)).toBe(false);
    await s.unlockNumber("5551003", "a");
    expect(await s.lockNumber("5551003", "b", 60_000)).toBe(true);
    // concurrent takers: exactly one wins
    const wins = await Promise.all(["c", "d", "e", "f"].map((id) => s.lockNumber("5551999", id, 60_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});
