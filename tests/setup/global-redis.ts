import type { TestProject } from "vitest/node";
import { startLocalRedis } from "../../src/lib/redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** One real redis-server for the whole run, on a free loopback port; tests isolate themselves by key prefix. */
export default async function setup(project: TestProject) {
  const redis = await startLocalRedis();
  project.provide("redisUrl", redis.url);
  return () => redis.stop();
}
