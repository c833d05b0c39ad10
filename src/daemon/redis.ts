import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import type { HealthCheck } from "../http/health.js";
import type { Logger } from "../lib/logger.js";
import type { Running } from "./lifecycle.js";

/**
 * The daemon's Redis connection (sessions, queue, desk, caps), which /readyz requires, and its watch:
 * every PROBE_MS a small write (a key of the daemon's own, expiring) shows whether Redis takes writes (a
 * full Redis with noeviction refuses every one, reads and all, while the connection is fine), and the
 * epoch marker, written when the daemon starts, shows whether Redis still has its data: a Redis restarted
 * without persistence (or flushed) comes back without it. Then what the daemon knows is written again
 * (the `emptied` handlers: agents, their states, callers) before the marker is. A connection that comes
 * back is probed at once.
 */

export const PROBE_MS = 1000;

export interface RedisHealth {
  /** Redis took the last probe's write. */
  writable: boolean;
  /** Why the last write failed, and since when (ms) writes have been failing. */
  lastError?: string;
  failingSince?: number;
  /** Probes whose write failed, since the start. */
  writeFailures: number;
  /** Times Redis was found without its data and the daemon wrote what it knows again. */
  rebuilds: number;
  /** A rebuild is under way (or failed and is retried at the next probe). */
  rebuilding: boolean;
}

export interface RedisLink extends Running {
  client: Redis;
  checks: HealthCheck[];
  health: Readonly<RedisHealth>;
  /** Runs when Redis is found without its data, before the marker is written again; a failure is retried at the next probe. */
  onEmptied(handler: () => Promise<void>): void;
  /** Runs after each probe whose write Redis took (after a failure: writes the daemon owes can go now). */
  onWritable(handler: (recovered: boolean) => void): void;
  /** Starts the probes (after everything that listens to them is wired). */
  watch(): Promise<void>;
}

export async function connectRedis(config: Config["redis"], log: Logger): Promise<RedisLink> {
  const redis = new Redis(config.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on("error", (err) => log.warn({ err: err.message }, "redis"));
  await redis.connect();
  const watch = new RedisWatch(redis, config.keyPrefix, log);
  return {
    client: redis,
    health: watch.health,
    checks: [{ name: "redis", required: true, status: () => watch.status() }],
    onEmptied: (h) => watch.emptied.push(h),
    onWritable: (h) => watch.writable.push(h),
    watch: () => watch.start(),
    async stop() {
      watch.stop();
      void redis.quit().catch(() => redis.disconnect());
    },
  };
}

class RedisWatch {
  readonly health: RedisHealth = { writable: true, writeFailures: 0, rebuilds: 0, rebuilding: false };
  readonly emptied: Array<() => Promise<void>> = [];
  readonly writable: Array<(recovered: boolean) => void> = [];
  private readonly marker: string;
  private readonly probeKey: string;
  private readonly epoch = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  private stopped = false;
  private readonly onReady = () => void this.probe();

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly log: Logger,
  ) {
    this.marker = `${keyPrefix}epoch`;
    this.probeKey = `${keyPrefix}probe:${this.epoch}`;
  }

  async start(): Promise<void> {
    // the first daemon on an empty Redis sets the marker; later ones find it
    await this.redis.set(this.marker, this.epoch, "NX").catch((err) => this.failed(err));
    this.redis.on("ready", this.onReady);
    this.timer = setInterval(() => void this.probe(), PROBE_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.redis.off("ready", this.onReady);
  }

  status(): { ok: boolean; detail: string; metrics: Record<string, number | boolean> } {
    const h = this.health;
    const metrics = { writable: h.writable, writeFailures: h.writeFailures, rebuilds: h.rebuilds };
    if (this.redis.status !== "ready") return { ok: false, detail: this.redis.status, metrics };
    if (!h.writable) return { ok: false, detail: `writes failing since ${new Date(h.failingSince!).toISOString()}: ${h.lastError}`, metrics };
    if (h.rebuilding) return { ok: false, detail: "Redis came back without its data: writing the agents and callers again", metrics };
    return { ok: true, detail: "ready", metrics };
  }

  /** One probe at a time; one that overlaps the one running is that one. */
  probe(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return (this.probing ??= this.probeOnce().finally(() => (this.probing = undefined)));
  }

  private async probeOnce(): Promise<void> {
    try {
      await this.redis.set(this.probeKey, String(Date.now()), "PX", PROBE_MS * 5);
    } catch (err) {
      this.failed(err);
      return;
    }
    const recovered = !this.health.writable;
    if (recovered) {
      this.log.warn({ failedFor: Date.now() - this.health.failingSince! }, "Redis takes writes again");
      this.health.writable = true;
      this.health.failingSince = undefined;
    }
    for (const h of this.writable) h(recovered);
    if (!(await this.redis.exists(this.marker).catch(() => 1))) await this.rebuild();
  }

  private failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.health.writeFailures++;
    this.health.lastError = message;
    if (this.health.writable) {
      this.health.writable = false;
      this.health.failingSince = Date.now();
      this.log.error({ err: message }, "Redis refuses writes: not ready until it takes them again (calls keep their places in memory)");
    }
  }

  private async rebuild(): Promise<void> {
    if (!this.health.rebuilding) this.log.error("Redis came back without its data (restarted without persistence, or flushed): writing the agents, their states and the callers on the line again");
    this.health.rebuilding = true;
    const started = Date.now();
    try {
      for (const h of this.emptied) await h();
      await this.redis.set(this.marker, this.epoch);
    } catch (err) {
      this.log.error({ err }, "rebuild after Redis lost its data failed; trying again at the next probe");
      return;
    }
    this.health.rebuilding = false;
    this.health.rebuilds++;
    this.log.warn({ tookMs: Date.now() - started }, "rebuilt what Redis lost");
  }
}
