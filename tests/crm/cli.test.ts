import { Command } from "commander";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { register } from "../../src/cli/customers.js";
import { RedisCustomerStore } from "../../src/crm/redis-store.js";
import { testRedis } from "../setup/redis.js";

const dir = mkdtempSync(path.join(tmpdir(), "sb-crm-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs the verb in-process and collects what it prints. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  const program = new Command().exitOverride();
  register(program);
  await program.parseAsync(["customers", ...args], { from: "user" });
  const code = process.exitCode ?? 0;
  vi.restoreAllMocks();
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("switchboard customers", () => {
  test("check passes the shipped file and lists every problem of a broken one", async () => {
    expect(await run("check")).toEqual({ code: 0, stdout: "config/customers.yaml: 10 customers, no errors\n", stderr: "" });
    const bad = path.join(dir, "bad.yaml");
    writeFileSync(bad, 'customers:\n  - id: a\n    name: A\n    phones: ["5551001"]\n    tier: diamond\n  - id: a\n    name: B\n    phones: ["5551002"]\n');
    const r = await run("check", bad);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      `${bad}:5:11: error: "tier" of customer "a" must be one of "standard", "silver", "gold", "platinum", not "diamond"`,
    ]);
    expect((await run("check", path.join(dir, "missing.yaml"))).stderr).toMatch(/^switchboard customers check: ENOENT/);
  });

  test("seed loads the file into the Redis and key prefix of the config", async () => {
    const env = testRedis();
    const cfg = path.join(dir, "switchboard.yaml");
    writeFileSync(cfg, `redis:\n  url: ${env.url}\n  keyPrefix: "${env.prefix}"\n`);
    const r = await run("seed", "config/customers.yaml", "--config", cfg);
    expect(r).toEqual({ code: 0, stdout: `seeded 10 customers from config/customers.yaml under key prefix "${env.prefix}"\n`, stderr: "" });
    const redis = env.client();
    try {
      expect((await new RedisCustomerStore(redis, env.prefix).findByPhone("5551003"))?.name).toBe("Carla Diaz");
    } finally {
      await redis.quit();
    }
  });

  test("seed reports an unreachable Redis and exits 1", async () => {
    const cfg = path.join(dir, "down.yaml");
    writeFileSync(cfg, "redis:\n  url: redis://127.0.0.1:1\n");
    const r = await run("seed", "config/customers.yaml", "--config", cfg);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^switchboard customers seed: .*ECONNREFUSED/);
  });
});
