import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";

/** A client on the suite's real redis-server plus a key prefix no other test uses. */
export function testRedis(): { url: string; prefix: string; client: () => Redis } {
  const url = inject("redisUrl");
  const prefix = `t:${randomUUID().slice(0, 8)}:`;
  return { url, prefix, client: () => new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 }) };
}
