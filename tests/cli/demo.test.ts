/**
 * `switchboard demo` as a newcomer runs it (the built CLI, its own Redis, the simulator): on a free port
 * it prints its addresses with that port, a second demo on the same port exits 1 at once with a clear
 * message, calls reach the agents within the first minute, and Ctrl-C (SIGINT) stops it in order: exit
 * 0, a summary, no error or stack trace. Everything listens on loopback; every wait is bounded.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../../src/lib/net.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "bin/switchboard.js");

interface Run {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  output(): string;
  exited: Promise<number | null>;
}

function demo(...args: string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  // its own Redis, as a newcomer's demo has
  delete env.REDIS_URL;
  const child = spawn(process.execPath, [bin, "demo", "--log-format", "compact", ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms))]);

let first: Run | undefined;
let port = 0;
let startedAt = 0;

beforeAll(async () => {
  expect(existsSync(path.join(root, "dist/cli/main.js")), "run `npm run build` first (npm test does)").toBe(true);
  port = await freePort();
  startedAt = Date.now();
  first = demo("--port", String(port));
  await until("the demo's banner", () => first!.output().includes("Stop with Ctrl-C."), 60_000);
}, 90_000);

afterAll(async () => {
  if (first && first.child.exitCode === null) {
    first.child.kill("SIGKILL");
    await first.exited;
  }
});

describe("switchboard demo", () => {
  test("prints its addresses on the port it was given, with the logins and the sized load", () => {
    const out = first!.output();
    const base = `http://127.0.0.1:${port}`;
    expect(out).toContain(`Agent desktop: ${base}/agent`);
    expect(out).toMatch(/log in as agent 1004 with password \S+ and press Available/);
    expect(out).toContain(`Wallboard:     ${base}/wallboard`);
    expect(out).toMatch(new RegExp(`Reports: +curl -H 'Authorization: Bearer [\\w-]+' '${base}/admin/reports\\?from=today&by=queue&format=table'`));
    expect(out).toContain(`${base}/metrics`);
    expect(out).toContain("= 85% occupancy");
    expect(out).not.toContain("8080");
    // the webhooks go to the demo's own receiver: nothing is left unconfigured
    expect(out).not.toMatch(/no webhook configured/);
    expect(out).not.toMatch(/agent phone not configured/);
  });

  test("a second demo on the same port exits 1 at once, saying which port and how to choose another", async () => {
    const second = demo("--port", String(port));
    const code = await within(second.exited, 15_000, "the second demo's exit");
    expect(code).toBe(1);
    expect(second.output().trim()).toBe(
      `switchboard demo: port ${port} on 127.0.0.1 is already in use (another demo or server?). Choose another with --port <n>, e.g. --port ${port + 1}, or --port 0 for any free port.`,
    );
  });

  test("calls reach the agents within the first minute", async () => {
    const token = /Queues: +curl -H 'Authorization: Bearer ([\w-]+)'/.exec(first!.output())![1]!;
    const answered = await until(
      "a call answered by an agent",
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/admin/queues`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { queues: Array<{ agents: Array<{ agentId: string; state: string }> }> };
        const busy = body.queues.flatMap((q) => q.agents).filter((a) => a.state === "oncall" || a.state === "wrapup");
        return busy.length > 0 ? busy : undefined;
      },
      Math.max(5_000, startedAt + 90_000 - Date.now()),
    );
    expect(answered.length).toBeGreaterThan(0);
    await until("the pop of an answered call", () => /screen-pop pushed {2}callId=\S+ agentId=100[123]/.test(first!.output()), 15_000);
  }, 100_000);

  test("Ctrl-C stops it in order: exit 0, the summary, no error and no stack trace", async () => {
    first!.child.kill("SIGINT");
    const code = await within(first!.exited, 45_000, "the demo's exit after SIGINT");
    const out = first!.output();
    expect(code).toBe(0);
    const after = out.slice(out.indexOf("Stopping: no new calls"));
    expect(after.indexOf("switchboard daemon stopped")).toBeGreaterThan(0);
    expect(after.indexOf("Demo summary after")).toBeGreaterThan(after.indexOf("switchboard daemon stopped"));
    expect(after).toMatch(/calls placed [1-9]\d*, answered by agents [1-9]\d*, abandoned in the queue \d+/);
    expect(out).not.toMatch(/Error|ERROR|FATAL/);
    expect(out).not.toMatch(/^\s+at /m);
  }, 60_000);
});
