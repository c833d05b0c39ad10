import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, inject } from "vitest";

/** A client on the suite's real redis-server plus a key prefix no other test uses. */
export function testRedis(): { url: string; prefix: string; client: () => Redis } {
  const url = inject("redisUrl");
  const prefix = `t:${randomUUID().slice(0, 8)}:`;
  return { url, prefix, client: () => new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 }) };
}

/** One client for a file's (or a describe block's) tests, opened before them and closed after; `redis()` is it. */
export function redisPerFile(): { env: ReturnType<typeof testRedis>; redis: () => Redis } {
  const env = testRedis();
  let client: Redis | undefined;
  beforeAll(() => {
    client = env.client();
  });
  afterAll(async () => {
    await client?.quit();
  });
  return { env, redis: () => client! };
}
