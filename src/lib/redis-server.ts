import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./net.js";

export interface LocalRedis {
  /** redis://[:password@]host:port: carries the password when there is one, so never log it. */
  url: string;
  port: number;
  /** The data directory (the append-only file lives here when `appendonly` is on). */
  dir: string;
  /** Stops the server (SIGTERM, or SIGKILL for a crash) and keeps the data directory, for restart(). */
  halt(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Starts the server again on the same port and directory (what it reloads depends on appendonly). */
  restart(): Promise<void>;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  bin?: string;
  host?: string;
  /** Append-only persistence (appendfsync everysec): what was written survives a restart. Default off. */
  appendonly?: boolean;
  /** requirepass: clients must authenticate (the url carries it). */
  password?: string;
  /**
   * A process group of its own: a terminal's Ctrl-C then reaches only the parent, which stops the server
   * after everything using it (the demo). The parent must stop it, even when forced to exit.
   */
  detached?: boolean;
}

/**
 * Starts Debian's redis-server on a free loopback port, for tests and the demo: without persistence by
 * default, with the append-only file and a password when asked. Fails with a clear message when the
 * binary is missing. The password goes to redis-server on its standard input (a config file read from
 * "-"), never on its command line, where any user of the machine could read it.
 */
export async function startLocalRedis(opts: LocalRedisOptions = {}): Promise<LocalRedis> {
  const host = opts.host ?? "127.0.0.1";
  const bin = opts.bin ?? process.env.REDIS_SERVER_BIN ?? "redis-server";
  const port = await freePort(host);
  const dir = mkdtempSync(path.join(os.tmpdir(), "switchboard-redis-"));
  const args = ["-", "--port", String(port), "--bind", host, "--save", "", "--appendonly", opts.appendonly ? "yes" : "no", "--dir", dir, "--protected-mode", "yes"];
  let child = await launch(bin, args, opts.password, host, port, opts.detached === true);
  const halt = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await done;
  };
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
  return {
    url: `redis://${auth}${host}:${port}`,
    port,
    dir,
    halt,
    async restart() {
      await halt();
      child = await launch(bin, args, opts.password, host, port, opts.detached === true);
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(bin: string, args: string[], password: string | undefined, host: string, port: number, detached: boolean): Promise<ChildProcess> {
  const child: ChildProcess = spawn(bin, args, { stdio: ["pipe", "ignore", "pipe"], detached });
  child.stdin?.on("error", () => undefined);
  child.stdin?.end(password ? `requirepass "${password.replace(/["\\]/g, "\\$&")}"\n` : "");
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
  return child;
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
