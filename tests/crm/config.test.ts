import { describe, expect, test } from "vitest";
import { createCustomerStore, crmConfigSchema } from "../../src/crm/config.js";
import { loadCustomersFile } from "../../src/crm/file-store.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { createLogger } from "../../src/lib/logger.js";
import { redisPerFile } from "../setup/redis.js";

const logger = createLogger("silent");
const NOW = new Date("2026-11-22T09:00:00Z");

describe("crm config", () => {
  test("an empty section means the demo file store with a 1.5 s bound", () => {
    expect(crmConfigSchema.parse({})).toEqual({ store: "file", file: "config/customers.yaml", timeoutMs: 1500 });
  });

  test("the http section fills its defaults and is required for store http", () => {
    const cfg = crmConfigSchema.parse({ store: "http", http: { baseUrl: "https://crm.example.com/api", tokenEnv: "CRM_TOKEN" } });
    expect(cfg.http).toEqual({
      baseUrl: "https://crm.example.com/api",
      path: "/customers?phone={phone}",
      tokenEnv: "CRM_TOKEN",
      timeoutMs: 1000,
      cacheSeconds: 30,
      cacheSize: 10_000,
      breaker: { failures: 5, openSeconds: 30 },
      history: false,
      historyPath: "/customers/{id}/history",
    });
    const missing = crmConfigSchema.safeParse({ store: "http" });
    expect(missing.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(['http: store "http" needs an `http:` section with at least `baseUrl`']);
    expect(crmConfigSchema.safeParse({ store: "http", http: { baseUrl: "https://x", path: "/customers" } }).success).toBe(false);
    expect(crmConfigSchema.safeParse({ store: "ldap" }).success).toBe(false);
    expect(crmConfigSchema.safeParse({ http: { baseUrl: "https://x", tokenEnv: "crm token" } }).success).toBe(false);
  });

  test("the factory builds each store and names what is missing", async () => {
    const deps = { keyPrefix: "x:", logger, env: {}, now: () => NOW };
    const file = createCustomerStore(crmConfigSchema.parse({}), deps);
    expect((await file.findByPhone("5551003"))?.name).toBe("Carla Diaz");
    expect(() => createCustomerStore(crmConfigSchema.parse({ store: "redis" }), deps)).toThrow('crm.store "redis" needs a Redis connection');
    const http = crmConfigSchema.parse({ store: "http", http: { baseUrl: "http://127.0.0.1:9", tokenEnv: "SB_CRM_TOKEN" } });
    expect(() => createCustomerStore(http, deps)).toThrow("environment variable SB_CRM_TOKEN (crm.http.tokenEnv) is not set");
    expect(createCustomerStore(http, { ...deps, env: { SB_CRM_TOKEN: "t" } }).name).toBe("http");
  });

  describe("with Redis", () => {
    const { env, redis } = redisPerFile();

    test("store redis reads customers under the daemon's key prefix", async () => {
      await new RedisCustomerStore(redis(), env.prefix).seed(loadCustomersFile("config/customers.yaml", NOW));
      const store = createCustomerStore(crmConfigSchema.parse({ store: "redis" }), { redis: redis(), keyPrefix: env.prefix, logger, env: {} });
      expect((await store.findByPhone("5551005"))?.subscription?.express?.to).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    });
  });
});
