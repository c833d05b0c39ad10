/**
 * Fault tests' set-up on top of the daemon harness (tests/calls/harness.ts): a redis-server of the
 * test's own on a free loopback port, which the test can fill (maxmemory below what it holds, with
 * noeviction: every write refused, as a full production Redis), stop, and start again empty (no
 * persistence) or with its append-only file.
 */
import { Redis } from "ioredis";
import { configSchema } from "../../src/config/schema.js";
import type { Daemon } from "../../src/daemon/index.js";
import { startLocalRedis, type LocalRedis } from "../../src/lib/redis-server.js";
import { setup, stopAll, type Setup } from "../calls/harness.js";

const servers: LocalRedis[] = [];
const clients: Redis[] = [];

/** After each test: the daemons and simulators, then the test's redis-servers and clients. */
export async function stopEverything(): Promise<void> {
  await stopAll();
  for (const c of clients.splice(0)) c.disconnect();
  for (const r of servers.splice(0)) await r.stop();
}

export interface FaultSetup extends Setup {
  local: LocalRedis;
  /** A client of the test's (reads work while Redis is full). */
  admin: Redis;
}

/** setup() of the harness, on a redis-server of the test's own. */
export async function faultSetup(
  agents: Array<Record<string, unknown>>,
  calls: Record<string, unknown> = {},
  opts: { appendonly?: boolean; simulator?: Parameters<typeof setup>[3] } = {},
): Promise<FaultSetup> {
  const local = await startLocalRedis({ appendonly: opts.appendonly ?? false });
  servers.push(local);
  const s = await setup(agents, calls, {}, opts.simulator ?? {});
  const config = configSchema.parse({ ...s.config, redis: { url: local.url, keyPrefix: "sb:" } });
  const admin = new Redis(local.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  admin.on("error", () => undefined);
  clients.push(admin);
  return { ...s, config, local, admin };
}

/** Redis full: maxmemory below what it uses, noeviction. Every write (and every queue function) is refused with OOM. */
export async function fill(s: FaultSetup): Promise<void> {
  await s.admin.config("SET", "maxmemory-policy", "noeviction");
  await s.admin.config("SET", "maxmemory", "1");
}

/** Memory freed: no limit again. */
export async function free(s: FaultSetup): Promise<void> {
  await s.admin.config("SET", "maxmemory", "0");
}

export interface RedisCheck {
  status: number;
  ok: boolean;
  detail?: string;
  metrics?: { writable: boolean; writeFailures: number; rebuilds: number };
}

/** /readyz's status and its redis check. */
export async function redisReadiness(d: Daemon): Promise<RedisCheck> {
  const res = await fetch(`${d.url}/readyz`);
  const body = (await res.json()) as { checks: Array<{ name: string; ok: boolean; detail?: string; metrics?: RedisCheck["metrics"] }> };
  const c = body.checks.find((x) => x.name === "redis")!;
  return { status: res.status, ok: c.ok, ...(c.detail === undefined ? {} : { detail: c.detail }), ...(c.metrics ? { metrics: c.metrics } : {}) };
}

/** With FAULT_FIGURES=1, prints a measured figure (docs/reliability.md): `FAULT_FIGURES=1 npx vitest run tests/faults/<file>`. */
export function figure(what: string, value: number | string): void {
  if (process.env.FAULT_FIGURES) process.stdout.write(`FIGURE ${what}: ${typeof value === "number" ? `${Math.round(value)} ms` : value}\n`);
}
