import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import { parseSiteEvent } from "../events/parse.js";
import type { SiteEvent } from "../events/schema.js";
import { contactKeys, fold, type AgentTrack, type FoldSettings } from "./fold.js";
import { GROUP, MetricsStore, NotLeaderError } from "./store.js";

/**
 * Folds the site's event stream into the aggregates, once per event across daemons and restarts.
 *
 * Every daemon runs one; the one holding the folding lease (a Redis key with a token and an expiry,
 * renewed while it works) reads the stream through the consumer group `metrics`, folds each batch and
 * applies it with its acknowledgement in one script that checks the lease. One folder at a time keeps
 * the fold's state (each agent's state since when, customers' last contacts) consistent; the consumer
 * group keeps what was read and not applied: a new leader first claims every pending entry, then reads
 * on. The others wait to take over when the lease lapses (a killed daemon's within LEASE_MS).
 */

/** How long a folder's lease lasts without renewal: the longest a killed folder's turn stays taken. */
const LEASE_MS = 10_000;
const BATCH = 2_000;
const BLOCK_MS = 500;
const IDLE_RETRY_MS = 1_000;

export interface ConsumerDeps {
  /** The daemon's Redis connection (scripts, reads). */
  redis: Redis;
  store: MetricsStore;
  settings: FoldSettings;
  fcrWindowMs: number;
  logger: Logger;
  /** Lease length in ms (default 10 s; renewed every third of it). */
  leaseMs?: number;
  /** Called with each batch once applied (Prometheus counters count it on the daemon that folded it). */
  onApplied?(events: readonly SiteEvent[]): void;
}

export class MetricsConsumer {
  private readonly token = randomUUID();
  private readonly me = `folder-${this.token.slice(0, 8)}`;
  /** A connection of its own: XREADGROUP BLOCK holds it. */
  private readonly reader: Redis;
  private running = false;
  private leader = false;
  private agents = new Map<string, AgentTrack>();
  private renewTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;
  /** Entries folded by this daemon since it started. */
  folded = 0;

  constructor(private readonly deps: ConsumerDeps) {
    this.reader = deps.redis.duplicate({ lazyConnect: false, maxRetriesPerRequest: null });
    this.reader.on("error", () => undefined);
    this.log = deps.logger.child({ component: "metrics" });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.renewTimer);
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
    if (this.leader) {
      this.leader = false;
      await this.deps.store.releaseLease(this.token).catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!this.leader) {
          if (!(await this.lead())) {
            await sleep(IDLE_RETRY_MS);
            continue;
          }
        }
        await this.step();
        if (this.failing) this.log.info("metrics: folding again");
        this.failing = false;
      } catch (err) {
        if (!this.running) return;
        if (err instanceof NotLeaderError) {
          this.log.warn("metrics: another daemon took over folding");
          this.follow();
        } else {
          // once per outage, not once a second while Redis is away
          if (!this.failing) this.log.warn({ err }, "metrics: folding paused; retried every second");
          this.failing = true;
          // what was read and not applied stays pending for this consumer: read it again first
          this.pendingFirst = true;
          await sleep(IDLE_RETRY_MS);
        }
      }
    }
  }

  private pendingFirst = true;
  private failing = false;

  /** Takes the lease if it is free: loads the fold's state and claims what other consumers left pending. */
  private async lead(): Promise<boolean> {
    const { store } = this.deps;
    const leaseMs = this.deps.leaseMs ?? LEASE_MS;
    if (!(await store.takeLease(this.token, leaseMs))) return false;
    await store.ensureGroup();
    this.agents = await store.loadAgents();
    this.leader = true;
    this.pendingFirst = true;
    this.renewTimer = setInterval(() => {
      void store.renewLease(this.token, leaseMs).then(
        (ok) => {
          if (!ok && this.leader) this.follow();
        },
        () => undefined,
      );
    }, leaseMs / 3);
    this.renewTimer.unref();
    await this.claimOrphans();
    this.log.info({ consumer: this.me }, "metrics: this daemon folds the event stream");
    return true;
  }

  private follow(): void {
    this.leader = false;
    clearInterval(this.renewTimer);
  }

  /** Entries other consumers (stopped or killed daemons) read and never applied, oldest first. */
  private async claimOrphans(): Promise<void> {
    let cursor = "0-0";
    do {
      const [next, entries, deleted] = (await this.deps.redis.xautoclaim(this.deps.store.stream, GROUP, this.me, 0, cursor, "COUNT", BATCH)) as [string, [string, string[]][], string[]?];
      if (entries.length) await this.foldEntries(entries);
      if (deleted?.length) await this.deps.redis.xack(this.deps.store.stream, GROUP, ...deleted);
      cursor = next;
    } while (cursor !== "0-0" && this.running && this.leader);
  }

  /** One batch: this consumer's own pending entries first (after a failed apply), else new ones. */
  private async step(): Promise<void> {
    const id = this.pendingFirst ? "0" : ">";
    const reply = (await this.reader.xreadgroup("GROUP", GROUP, this.me, "COUNT", BATCH, "BLOCK", BLOCK_MS, "STREAMS", this.deps.store.stream, id)) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (this.pendingFirst && entries.length === 0) {
      this.pendingFirst = false;
      return;
    }
    if (entries.length) await this.foldEntries(entries);
  }

  private async foldEntries(entries: readonly [string, string[]][]): Promise<void> {
    const ids: string[] = [];
    const events: SiteEvent[] = [];
    for (const [id, flat] of entries) {
      ids.push(id);
      // a trimmed entry comes back without fields; an entry of unknown shape is skipped (and acknowledged)
      const e = flat ? parseSiteEvent(id, flat) : undefined;
      if (e) events.push(e);
    }
    const { store, settings, fcrWindowMs } = this.deps;
    const contacts = await store.loadContacts(contactKeys(events));
    const out = fold(events, settings, { agents: this.agents, contacts });
    await store.apply(this.token, ids, out.delta, out.agents, out.contacts, fcrWindowMs);
    for (const [id, t] of out.agents) this.agents.set(id, t);
    this.folded += ids.length;
    this.deps.onApplied?.(events);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
