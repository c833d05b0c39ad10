import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./net.js";

export interface LocalRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts Debian's redis-server on a free loopback port with no persistence, for tests and the demo.
 * Fails with a clear message when the binary is missing.
 */
export async function startLocalRedis(opts: { bin?: string; host?: string } = {}): Promise<LocalRedis> {
  const host = opts.host ?? "127.0.0.1";
  const bin = opts.bin ?? process.env.REDIS_SERVER_BIN ?? "redis-server";
  const port = await freePort(host);
  const dir = mkdtempSync(path.join(os.tmpdir(), "switchboard-redis-"));
  const child: ChildProcess = spawn(
    bin,
    ["--port", String(port), "--bind", host, "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === "ENOENT"
            ? `redis-server not found (install Debian's redis-server, or set REDIS_URL to a running Redis)`
            : `redis-server failed to start: ${err.message}`,
        ),
      ),
    );
    child.once("exit", (code) => reject(new Error(`redis-server exited with code ${code}: ${stderr.trim()}`)));
  });
  exited.catch(() => {});
  await Promise.race([waitForPort(host, port, 10_000), exited]);
  return {
    url: `redis://${host}:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port }, () => {
        s.end();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
