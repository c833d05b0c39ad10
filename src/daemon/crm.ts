import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { createCustomerStore } from "../crm/config.js";
import { CrmLookup } from "../crm/lookup.js";
import type { CustomerStore } from "../crm/store.js";
import type { Logger } from "../lib/logger.js";

/** The customer store and the lookup started when a call arrives (read by the pop); nothing to stop. */
export interface Crm {
  customers: CustomerStore;
  lookup: CrmLookup;
}

export function openCrm(config: Config, redis: Redis, env: NodeJS.ProcessEnv, log: Logger): Crm {
  const customers = createCustomerStore(config.crm, { redis, keyPrefix: config.redis.keyPrefix, logger: log, env });
  return { customers, lookup: new CrmLookup(customers, { timeoutMs: config.crm.timeoutMs, logger: log, express: config.express }) };
}
