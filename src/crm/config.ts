import type { Redis } from "ioredis";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import { FileCustomerStore } from "./file-store.js";
import { HttpCustomerStore } from "./http-store.js";
import { RedisCustomerStore } from "./redis-store.js";
import type { CustomerStore } from "./store.js";

/** An external CRM reached over HTTP (contract in docs/crm.md). */
export const crmHttpConfigSchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** Lookup path appended to baseUrl; `{phone}` is the normalised caller number. */
    path: z.string().startsWith("/").includes("{phone}").default("/customers?phone={phone}"),
    /** Environment variable holding a bearer token; the token itself never appears in config or logs. */
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "must be an environment variable name").optional(),
    /** Bound on one request; keep it below crm.timeoutMs so the CRM's own error is what gets logged. */
    timeoutMs: z.number().int().positive().max(30_000).default(1000),
    /** Hits and misses are remembered this long (0: no cache), for up to cacheSize numbers. */
    cacheSeconds: z.number().min(0).max(86_400).default(30),
    cacheSize: z.number().int().min(0).max(1_000_000).default(10_000),
    /** After `failures` failed requests in a row, fail at once for `openSeconds`, then try one request. */
    breaker: z
      .object({ failures: z.number().int().min(1).max(1000).default(5), openSeconds: z.number().positive().max(3600).default(30) })
      .strict()
      .prefault({}),
    /** POST each call's history entry to `historyPath` (`{id}` is the customer id). */
    history: z.boolean().default(false),
    historyPath: z.string().startsWith("/").includes("{id}").default("/customers/{id}/history"),
  })
  .strict();

/** Where the daemon finds customers. The file store serves the demo and small sites. */
export const crmConfigSchema = z
  .object({
    store: z.enum(["file", "redis", "http"]).default("file"),
    /** YAML file of customers (config/customers.yaml format; relative dates allowed); store "file". */
    file: z.string().min(1).default("config/customers.yaml"),
    /** Required with store "http". */
    http: crmHttpConfigSchema.optional(),
    /** A lookup that takes longer gives the tree's onError path; the caller never waits on the CRM. */
    timeoutMs: z.number().int().positive().max(30_000).default(1500),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.store === "http" && !cfg.http) ctx.addIssue({ code: "custom", path: ["http"], message: 'store "http" needs an `http:` section with at least `baseUrl`' });
  });
export type CrmConfig = z.infer<typeof crmConfigSchema>;

export interface CrmStoreDeps {
  /** The daemon's Redis connection (store "redis"); the store borrows it and never closes it. */
  redis?: Redis;
  /** The daemon's Redis key prefix (config.redis.keyPrefix). */
  keyPrefix: string;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** Load time for relative dates in the customer file. */
  now?: () => Date;
}

/** Builds the configured store; throws with a message naming the config field when something is missing. */
export function createCustomerStore(cfg: CrmConfig, deps: CrmStoreDeps): CustomerStore {
  switch (cfg.store) {
    case "file":
      return FileCustomerStore.open(cfg.file, deps.now?.() ?? new Date());
    case "redis":
      if (!deps.redis) throw new Error('crm.store "redis" needs a Redis connection (the redis: section)');
      return new RedisCustomerStore(deps.redis, deps.keyPrefix);
    case "http": {
      const http = cfg.http;
      if (!http) throw new Error('crm.store "http" needs crm.http.baseUrl');
      let token: string | undefined;
      if (http.tokenEnv !== undefined) {
        token = deps.env[http.tokenEnv];
        if (!token) throw new Error(`environment variable ${http.tokenEnv} (crm.http.tokenEnv) is not set`);
      }
      return new HttpCustomerStore({
        baseUrl: http.baseUrl,
        path: http.path,
        historyPath: http.historyPath,
        postHistory: http.history,
        token,
        timeoutMs: http.timeoutMs,
        cacheSeconds: http.cacheSeconds,
        cacheSize: http.cacheSize,
        breaker: http.breaker,
        logger: deps.logger,
      });
    }
  }
}
