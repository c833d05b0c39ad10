import { Command } from "commander";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { register } from "../../src/cli/offers.js";
import { OfferCaps } from "../../src/offers/caps.js";
import { loadOffers } from "../../src/offers/load.js";
import { testRedis } from "../setup/redis.js";

/** The verb as main.ts registers it, run in-process; stdout and stderr captured, exit code from process.exitCode. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  const se = vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  const cwd = process.cwd();
  process.chdir(root);
  process.exitCode = undefined;
  const program = new Command().name("switchboard").exitOverride();
  register(program);
  let code: number | undefined;
  try {
    await program.parseAsync(["node", "switchboard", "offers", ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? -1;
  } finally {
    so.mockRestore();
    se.mockRestore();
    process.chdir(cwd);
    process.exitCode = undefined;
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "switchboard-offers-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe("switchboard offers <customer>", () => {
  test("by phone: the offers that fire, in order, with facts and pitch, and why the others do not", async () => {
    const r = await run("5551003", "--reason", "technical support", "--wait", "90");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("c-1003 Carla Diaz (5551003), rules config/offers.yaml");
    expect(lines[1]).toBe("fires:");
    expect(lines[2]).toBe("  1. upgrade-outdated-version: Upgrade to the current version [sell-in-call, 49 EUR, priority 90]");
    expect(lines[3]).toBe("       - Pro 4.2 installed, 5.0 current");
    expect(lines[4]).toBe("       - calling about technical support: many issues are fixed in 5.0");
    expect(r.stdout).toContain("  2. warranty-extension: Warranty extension [sell-in-call, 79 EUR, priority 80]\n       - Pro warranty ends in 12 days\n");
    expect(r.stdout).toContain("       - waited 90 s on this call\n");
    expect(r.stdout).toContain("does not fire:\n  prepaid-top-up: condition false\n");
    expect(r.stdout).toContain("caps: not checked (pass --redis <url> to count earlier presentations)\n");
  });

  test("--json by id, with --limit", async () => {
    const r = await run("c-1009", "--json", "--limit", "2");
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { customer: { id: string }; offers: Array<{ id: string; facts: string[] }>; skipped: Array<{ id: string; reason: string }> };
    expect(body.customer.id).toBe("c-1009");
    expect(body.offers.map((o) => o.id)).toEqual(["accessories-after-purchase", "training-after-purchase"]);
    expect(body.skipped).toContainEqual({ id: "service-contract", title: "Service contract", reason: "over-limit", limit: 2 });
  });

  test("an unknown customer exits 1 with a clear message", async () => {
    const r = await run("c-9999");
    expect(r).toEqual({ code: 1, stdout: "", stderr: 'switchboard offers: no customer with id or phone "c-9999" in config/customers.yaml\n' });
  });

  test("neither a customer nor --check is a usage error (exit 2)", async () => {
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("name a customer (id or phone), or use --check");
  });

  test("a broken rules file stops the verb with its diagnostics", async () => {
    const r = await run("c-1003", "--rules", "tests/offers/broken/cel-not-bool.yaml");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tests/offers/broken/cel-not-bool.yaml:6:11: error: "when" of offer "renewal": must give true or false (bool), this expression gives string\n');
  });

  test("caps read from Redis show as capped", async () => {
    const { url, prefix, client } = testRedis();
    const redis: Redis = client();
    try {
      const loaded = loadOffers(path.join(root, "config/offers.yaml"));
      if (!loaded.ok) throw new Error("shipped rules do not load");
      const caps = new OfferCaps(redis, prefix);
      for (let i = 0; i < 3; i++) await caps.record("c-1003", "upgrade-outdated-version", new Date(), 30);
      const r = await run("c-1003", "--redis", url, "--key-prefix", prefix);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("  upgrade-outdated-version: capped: presented 3 of 3 times in the last 30 days\n");
      expect(r.stdout).toMatch(/fires:\n {2}1\. warranty-extension/);
      expect(r.stdout).not.toContain("caps: not checked");
    } finally {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});

describe("switchboard offers --check", () => {
  test("the shipped rules are valid", async () => {
    expect(await run("--check")).toEqual({ code: 0, stdout: "config/offers.yaml: 9 offers, 0 errors\n", stderr: "" });
  });

  test("a broken file: file:line:col for every problem, exit 1", async () => {
    const file = path.join(dir, "offers.yaml");
    writeFileSync(file, "currency: EUR\noffers:\n  - id: x\n    title: X\n    kind: sell-in-call\n    when: customer.tierr == 'gold'\n    facts: [{ text: '{{ customer.name' }]\n    pitch: p\n    value: 1\n    priority: 1\n    cap: { times: 1, days: 1 }\n");
    const r = await run("--check", file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${file}:6:20: error: "when" of offer "x": unknown field "tierr" (did you mean "tier"?) (fields are listed in docs/offers.md)\n` +
        `${file}:7:22: error: fact 1 of offer "x": "{{" is never closed with "}}"\n` +
        `${file}: 2 errors\n`,
    );
  });
});
