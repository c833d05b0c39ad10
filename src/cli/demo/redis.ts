import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Logger } from "../../lib/logger.js";
import { startLocalRedis, type LocalRedis } from "../../lib/redis-server.js";

/**
 * Debian's redis-server, installed with apt-get when missing (as .ci/run does), unless REDIS_URL is set:
 * with the append-only file (a restart of redis-server loses nothing) and a password made for this run
 * (requirepass; the URL that carries it stays in this process and is never logged). It runs in a process
 * group of its own, so that a terminal's Ctrl-C does not stop it under the daemon: the demo stops it last.
 */
export async function localRedis(log: Logger): Promise<LocalRedis> {
  const opts = { appendonly: true, password: randomBytes(24).toString("base64url"), detached: true };
  try {
    return await startLocalRedis(opts);
  } catch (err) {
    if (!/not found/.test((err as Error).message)) throw err;
  }
  log.info("redis-server is not installed: installing Debian's redis-server with apt-get");
  const root = process.getuid?.() === 0;
  const run = (args: string[]) => spawnSync(root ? args[0]! : "sudo", root ? args.slice(1) : ["-n", ...args], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const ok = run(["apt-get", "update", "-qq"]).status === 0 && run(["apt-get", "install", "-y", "-qq", "redis-server"]).status === 0;
  if (!ok) throw new Error("could not install redis-server (needs root or passwordless sudo on Debian/Ubuntu): install it yourself, or set REDIS_URL to a running Redis");
  return startLocalRedis(opts);
}
