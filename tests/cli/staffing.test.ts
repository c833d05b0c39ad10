import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";

/** These tests run the built CLI (`npm test` builds first), exactly as a planner would. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin/switchboard.js");

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "staffing", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const example = ["--calls", "100", "--interval", "30", "--aht", "180", "--target", "80/20"];

beforeAll(() => {
  expect(existsSync(path.join(root, "dist/cli/main.js")), "run `npm run build` first (npm test does)").toBe(true);
});

describe("switchboard staffing", () => {
  test("Erlang C: 100 calls in 30 minutes, AHT 180 s, 80/20 needs 14 agents", () => {
    const r = run(...example);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "agents: 14",
      "agents on the phones: 14",
      "traffic: 10.00 erlangs (100 calls in 30 min, AHT 180 s)",
      "service level: 88.8% answered within 20 s (target 80%)",
      "ASA: 7.8 s",
      "occupancy: 71.4%",
      "model: erlang-c (callers wait until answered)",
      "",
    ]);
  });

  test("shrinkage and patience: agents to schedule, Erlang A with the abandon rate", () => {
    const r = run(...example, "--shrinkage", "0.3", "--patience", "120");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^agents: 18\nagents on the phones: 12 \(after 30\.0% shrinkage\)\n/);
    expect(r.stdout).toMatch(/\nabandoned: \d+\.\d% of calls\n/);
    expect(r.stdout).toContain("model: erlang-a (callers hang up after 120 s on average)\n");
  });

  test("--json", () => {
    const r = run(...example, "--json");
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({ agents: 14, agentsOnPhones: 14, trafficErlangs: 10, model: "erlang-c" });
    expect(body.serviceLevel).toBeCloseTo(0.8884, 4);
  });

  test("usage errors exit 2 with a one-line message", () => {
    const bad = run("--calls", "100", "--interval", "30", "--aht", "180", "--target", "80");
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.split("\n")[0]).toBe("error: option '--target <pct>/<s>' argument '80' is invalid. expected <percent>/<seconds> with a percent above 0 and below 100, like 80/20");
    expect(run("--calls", "100", "--interval", "30", "--aht", "180").code).toBe(2);
    expect(run(...example, "--shrinkage", "1").code).toBe(2);
    expect(run("--calls", "lots", "--interval", "30", "--aht", "180", "--target", "80/20").code).toBe(2);
  });
});
