import { describe, expect, test } from "vitest";
import { CircuitBreaker, CircuitOpenError } from "../../src/crm/circuit-breaker.js";
import { TtlCache } from "../../src/crm/ttl-cache.js";

describe("TtlCache", () => {
  test("remembers a null answer, expires entries and drops the oldest beyond its size", () => {
    let now = 0;
    const cache = new TtlCache<string, string | null>({ ttlMs: 1000, maxEntries: 2, now: () => now });
    cache.set("unknown", null);
    expect(cache.get("unknown")).toEqual({ value: null });
    expect(cache.get("never")).toBeUndefined();
    cache.set("a", "A");
    cache.set("b", "B");
    expect(cache.size).toBe(2);
    expect(cache.get("unknown")).toBeUndefined();
    now = 1000;
    expect(cache.get("a")).toBeUndefined();
  });

  test("size 0 or ttl 0 caches nothing", () => {
    const cache = new TtlCache<string, number>({ ttlMs: 0, maxEntries: 10 });
    cache.set("a", 1);
    expect(cache.get("a")).toBeUndefined();
  });
});

describe("CircuitBreaker", () => {
  test("while the half-open trial runs, other calls fail at once", async () => {
    let now = 0;
    const breaker = new CircuitBreaker("CRM", { failures: 1, openMs: 1000, now: () => now });
    await expect(breaker.run(() => Promise.reject(new Error("down")))).rejects.toThrow("down");
    now = 1000;
    let finish!: () => void;
    const trial = breaker.run(() => new Promise<string>((resolve) => (finish = () => resolve("up"))));
    await expect(breaker.run(async () => "second")).rejects.toBeInstanceOf(CircuitOpenError);
    finish();
    await expect(trial).resolves.toBe("up");
    await expect(breaker.run(async () => "after")).resolves.toBe("after");
  });

  test("errors the caller says are not the backend's fault do not open it", async () => {
    const breaker = new CircuitBreaker("CRM", { failures: 1, openMs: 1000 });
    await expect(breaker.run(() => Promise.reject(new Error("cancelled")), () => false)).rejects.toThrow("cancelled");
    expect(breaker.state).toBe("closed");
  });
});
