import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/setup/global-redis.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // two cores: keep parallelism modest so socket tests do not starve each other
    maxWorkers: 2,
  },
});
