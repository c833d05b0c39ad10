/**
 * Set-up shared by the daemon benchmarks: a redis-server on a free loopback port (or REDIS_URL), the
 * world process (bench/daemon-world.ts: simulator, agent phones, agent desktops) and the daemon itself
 * in this process, configured from config/switchboard.yaml with the simulator as its Asterisk server.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { z } from "zod";
import { loadConfig } from "../src/config/load.js";
import { configSchema, type Config } from "../src/config/schema.js";
import { startDaemon, type Daemon } from "../src/daemon/index.js";
import { createLogger } from "../src/lib/logger.js";
import type { CallerSpecInput } from "../src/sim/scenario/caller-spec.js";
import { startLocalRedis, type LocalRedis } from "../src/lib/redis-server.js";
import type { WorldCommand, WorldMessage, WorldStats } from "./daemon-world.js";
import { loopDelay } from "./loop-delay.js";

export interface Rig {
  daemon: Daemon;
  redis: Redis;
  sessionSecret: string;
  send(cmd: WorldCommand): void;
  next<T extends WorldMessage["type"]>(type: T): Promise<Extract<WorldMessage, { type: T }>>;
  stats(): Promise<WorldStats>;
  /** Places `calls` at `rate`/s, then polls the world's figures until `done` or `timeoutMs` has passed. */
  place(calls: CallerSpecInput[], rate: number, wait: { done(s: WorldStats): boolean; timeoutMs: number; pollMs: number }): Promise<{ stats: WorldStats; seconds: number }>;
  /** Heap in use after a full GC (run with --expose-gc), bytes; the daemon's loop-delay record starts again. */
  heapAfterGc(): number;
  /** Event-loop delay of both processes since the daemon started: the latency tails come from here. */
  loops(world: WorldStats): string;
  stop(): Promise<void>;
}

export interface RigOptions {
  /** Simulator time scale: prompts and agent timings run this much faster. */
  timeScale: number;
  /** Changes to the shipped config (agents, queues, calls...). */
  config?: (base: Config) => Partial<z.input<typeof configSchema>>;
  /** The run is killed after this long whatever happens. */
  hardStopMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

export async function startRig(name: string, opts: RigOptions): Promise<Rig> {
  const password = randomBytes(12).toString("hex");
  const sessionSecret = randomBytes(24).toString("hex");
  const local: LocalRedis | undefined = process.env.REDIS_URL ? undefined : await startLocalRedis();
  const redisUrl = process.env.REDIS_URL ?? local!.url;
  const world: ChildProcess = fork(new URL("./daemon-world.ts", import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_ARI_PASSWORD: password, BENCH_TIME_SCALE: String(opts.timeScale) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const hardStop = setTimeout(() => {
    process.stderr.write(`${name}: hard stop after ${opts.hardStopMs / 1000} s\n`);
    world.kill("SIGKILL");
    void local?.stop();
    process.exit(1);
  }, opts.hardStopMs);
  world.once("exit", (code) => {
    if (code !== 0) {
      process.stderr.write(`${name}: the world process exited with code ${code}\n`);
      process.exit(1);
    }
  });

  const waiters: Array<(m: WorldMessage) => boolean> = [];
  world.on("message", (m: WorldMessage) => {
    const i = waiters.findIndex((w) => w(m));
    if (i >= 0) waiters.splice(i, 1);
  });
  const next = <T extends WorldMessage["type"]>(type: T) =>
    new Promise<Extract<WorldMessage, { type: T }>>((resolve) => waiters.push((m) => (m.type === type ? (resolve(m as Extract<WorldMessage, { type: T }>), true) : false)));
  const send = (cmd: WorldCommand) => void world.send(cmd);

  const ready = await next("ready");
  const base = loadConfig("config/switchboard.yaml", {});
  const prefix = `bench:${randomBytes(4).toString("hex")}:`;
  const config = configSchema.parse({
    ...base,
    log: { level: "warn" },
    http: { ...base.http, host: "127.0.0.1", port: 0 },
    redis: { url: redisUrl, keyPrefix: prefix },
    ivr: { ...base.ivr, watch: false },
    cti: { ...base.cti, sessionSecret: { env: "BENCH_SESSION_SECRET" } },
    asterisk: [
      {
        id: "sim",
        ari: { url: ready.ariUrl, username: "switchboard", password: { env: "BENCH_ARI_PASSWORD" } },
        ami: { host: "127.0.0.1", port: ready.amiPort, username: "switchboard", secret: { env: "BENCH_ARI_PASSWORD" } },
      },
    ],
    ...opts.config?.(base),
  });
  const daemon = await startDaemon(config, {
    logger: createLogger("error"),
    env: { BENCH_ARI_PASSWORD: password, BENCH_SESSION_SECRET: sessionSecret },
  });
  const redis = new Redis(redisUrl);
  const loop = loopDelay();

  const stats = () => {
    const p = next("stats");
    send({ cmd: "stats" });
    return p;
  };

  return {
    daemon,
    redis,
    sessionSecret,
    send,
    next,
    stats,
    async place(calls, rate, wait) {
      const t0 = Date.now();
      send({ cmd: "place", calls, rate });
      await next("placed");
      const until = Date.now() + wait.timeoutMs;
      let now = await stats();
      while (!wait.done(now) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, wait.pollMs));
        now = await stats();
      }
      return { stats: now, seconds: (Date.now() - t0) / 1000 };
    },
    heapAfterGc() {
      gc?.();
      gc?.();
      // a forced full GC is the bench's own pause, not the daemon's
      loop.reset();
      return process.memoryUsage().heapUsed;
    },
    loops(w) {
      return `event-loop delay p99/max: daemon ${loop.p99().toFixed(1)}/${loop.max().toFixed(1)} ms, simulator and desktops ${w.loopP99.toFixed(1)}/${w.loopMax.toFixed(1)} ms`;
    },
    async stop() {
      loop.stop();
      await daemon.stop();
      // the bench's keys only: the Redis may be the user's (REDIS_URL)
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      world.removeAllListeners("exit");
      send({ cmd: "stop" });
      await new Promise((r) => world.once("exit", r));
      await local?.stop();
      clearTimeout(hardStop);
    },
  };
}

/** Median, p99 and max of a list of milliseconds, as printed by the daemon benchmarks. */
/** ms on CLOCK_MONOTONIC: the same clock in every process of the machine (performance.now() is per process). */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export function summary(ms: number[]): string {
  if (ms.length === 0) return "no samples";
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return `median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${s[s.length - 1]!.toFixed(2)} ms (${s.length} samples)`;
}
