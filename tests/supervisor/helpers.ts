import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { pino, type Logger } from "pino";
import { agentRouter } from "../../src/cti/router.js";
import { issueSession } from "../../src/cti/session.js";
import { errorHandler } from "../../src/http/errors.js";
import type { QueueBoard, WallboardFeed, WallboardSnapshot } from "../../src/metrics/wallboard-snapshot.js";
import { hashPassword } from "../../src/cti/password.js";
import { supervisorsConfigSchema, wallboardRouter, type StreamLimits, type SupervisorsConfig, type Wallboard } from "../../src/supervisor/index.js";
import { SECRET, TEST_LOGIN, testAgents } from "../cti/helpers.js";

export { SECRET, TEST_LOGIN };
export const silent = pino({ level: "silent" });
const FAST = { N: 1024, r: 8, p: 1 };

export async function testSupervisors(): Promise<SupervisorsConfig> {
  return supervisorsConfigSchema.parse([
    { id: "sup-ana", name: "Ana Ruiz", passwordHash: await hashPassword("ana-password", FAST) },
    { id: "sup-ben", name: "Ben Okafor", passwordHash: await hashPassword("ben-password", FAST) },
  ]);
}

export const supervisorToken = (id: string, opts: { hours?: number; now?: number } = {}) =>
  issueSession(SECRET, id, { hours: opts.hours ?? 1, role: "supervisor", ...(opts.now === undefined ? {} : { now: opts.now }) }).token;

/** 14:00 on a fixed day in Berlin; 16 intervals of history before it. */
export const BOARD_AT = Date.parse("2026-03-02T13:00:00Z");

function history(offset: number): QueueBoard["history"] {
  return Array.from({ length: 16 }, (_, i) => {
    const offered = 8 + ((i * 7 + offset) % 11);
    const answered = Math.max(0, offered - ((i + offset) % 4));
    return { start: BOARD_AT - (16 - i) * 900_000, offered, answered, abandoned: offered - answered, serviceLevel: i === 3 ? null : 0.6 + ((i * 13 + offset) % 40) / 100 };
  });
}

/** Two queues with two lanes each, every number distinct enough for a test to find it on the page. */
export function sampleSnapshot(): WallboardSnapshot {
  return {
    at: BOARD_AT,
    day: "2026-03-02",
    timeZone: "Europe/Berlin",
    serviceLevelFormula: { id: "answered-within", label: "Answered within target / offered" },
    queues: [
      {
        queue: "support",
        displayName: "Technical support",
        waiting: 3,
        longestWaitMs: 65_000,
        agents: { available: 4, ringing: 1, oncall: 6, wrapup: 2, paused: 1, offline: 3 },
        staffed: 13,
        needed: 15,
        today: { offered: 412, answered: 389, abandoned: 23, abandonRate: 23 / 412, asaMs: 18_000, serviceLevel: 0.82, express: { offered: 82, promiseKept: 0.93, credits: 4, fairnessCostMs: 3_400 } },
        lanes: [
          { lane: "standard", displayName: "Standard", waiting: 2, longestWaitMs: 65_000, sla: { seconds: 60, percent: 80 }, offeredToday: 330, serviceLevelToday: 0.79 },
          { lane: "express", displayName: "Express", waiting: 1, longestWaitMs: 12_000, sla: { seconds: 20, percent: 90 }, offeredToday: 82, serviceLevelToday: 0.93 },
        ],
        history: history(0),
      },
      {
        queue: "sales",
        displayName: "Sales",
        waiting: 0,
        longestWaitMs: 0,
        agents: { available: 3, ringing: 0, oncall: 2, wrapup: 0, paused: 0, offline: 1 },
        staffed: 5,
        needed: 4,
        today: { offered: 120, answered: 117, abandoned: 3, abandonRate: 3 / 120, asaMs: 9_000, serviceLevel: 0.95, express: { offered: 0, promiseKept: null, credits: 0, fairnessCostMs: 0 } },
        lanes: [
          { lane: "standard", displayName: "Standard", waiting: 0, longestWaitMs: 0, sla: { seconds: 30, percent: 80 }, offeredToday: 100, serviceLevelToday: 0.96 },
          { lane: "vip", displayName: "VIP", waiting: 0, longestWaitMs: 0, sla: { seconds: 15, percent: 90 }, offeredToday: 20, serviceLevelToday: 0.9 },
        ],
        history: history(5),
      },
    ],
    revenue: { currency: "EUR", today: { revenue: 12_480, sold: 37, presented: 212, conversion: 37 / 212, leads: 18 } },
  };
}

/** A WallboardFeed over a snapshot in memory: the test changes it and signals, as metrics/ would. */
export class MemoryFeed implements WallboardFeed {
  private listeners = new Set<() => void>();
  private held: Array<() => void> | null = null;
  /** How many snapshots were asked for. */
  calls = 0;

  constructor(public current: WallboardSnapshot = sampleSnapshot()) {}

  async snapshot(): Promise<WallboardSnapshot> {
    this.calls += 1;
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    return structuredClone(this.current);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribers(): number {
    return this.listeners.size;
  }

  /** Changes the snapshot and signals the change. */
  change(edit: (s: WallboardSnapshot) => void): void {
    edit(this.current);
    this.signal();
  }

  signal(): void {
    for (const l of [...this.listeners]) l();
  }

  /** From now on snapshot() hangs until release(): the server has nothing to send. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const w of waiting) w();
  }
}

export interface BoardServer {
  url: string;
  feed: MemoryFeed;
  board: Wallboard;
  /** A new wallboard router in place of the stopped one (a daemon coming back). */
  restart(): void;
  close(): Promise<void>;
}

/** The wallboard and the agent login on one express app on loopback, with the daemon's error handler. */
export async function startBoard(redis: Redis, prefix: string, opts: { feed?: MemoryFeed; limits?: Partial<StreamLimits>; logger?: Logger; clock?: () => number } = {}): Promise<BoardServer> {
  const feed = opts.feed ?? new MemoryFeed();
  const supervisors = await testSupervisors();
  const make = () =>
    wallboardRouter({
      feed,
      supervisors,
      sessionSecret: SECRET,
      sessionHours: 1,
      policy: TEST_LOGIN,
      redis,
      keyPrefix: prefix,
      logger: opts.logger ?? silent,
      ...(opts.limits ? { limits: opts.limits } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
    });
  const app = express();
  app.disable("x-powered-by");
  app.use(agentRouter({ agents: await testAgents(), sessionSecret: SECRET, sessionHours: 1, logger: silent, redis, keyPrefix: prefix, policy: TEST_LOGIN, ...(opts.clock ? { clock: opts.clock } : {}) }));
  const state = { board: make() };
  app.use((req, res, next) => state.board.routes(req, res, next));
  app.use((_req, res) => void res.status(404).json({ error: "not found" }));
  app.use(errorHandler(silent));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    feed,
    get board() {
      return state.board;
    },
    restart() {
      state.board = make();
    },
    async close() {
      await state.board.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface SseEvent {
  event: string;
  data: string;
}

/** A Server-Sent Events reader over a real socket that keeps every event and lets a test wait for them. */
export class SseClient {
  /** The newest events (at most 100 kept). */
  readonly events: SseEvent[] = [];
  /** Every event received, kept or not. */
  received = 0;
  ended = false;
  private text = "";
  private waiters: Array<() => void> = [];

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    readonly res: http.IncomingMessage,
    readonly req: http.ClientRequest,
  ) {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      this.text += chunk;
      const blocks = this.text.split("\n\n");
      this.text = blocks.pop() ?? "";
      for (const b of blocks) {
        const lines = b.split("\n");
        const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
        const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        this.events.push({ event, data });
        this.received += 1;
        if (this.events.length > 100) this.events.shift();
      }
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    res.on("end", end);
    res.on("close", end);
    res.on("error", end);
  }

  /** GET `path` with the bearer token (none: no Authorization header); resolves once the status is in. */
  static open(baseUrl: string, token: string | null, path = "/wallboard/events"): Promise<SseClient> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: hostname, port, path, agent: false, headers: token === null ? {} : { authorization: `Bearer ${token}` } }, (res) => resolve(new SseClient(res.statusCode ?? 0, res.headers, res, req)));
      req.on("error", reject);
      req.end();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `ready()` holds (bounded by the test's timeout); fails if the stream ends first. */
  async until(ready: () => boolean, what: string): Promise<void> {
    while (!ready()) {
      if (this.ended) throw new Error(`stream ended while waiting for ${what}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  snapshots(): WallboardSnapshot[] {
    return this.events.filter((e) => e.event === "snapshot").map((e) => JSON.parse(e.data) as WallboardSnapshot);
  }

  async endedNow(): Promise<void> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** The whole body of a non-stream answer (a refusal). */
  async body(): Promise<string> {
    await this.endedNow();
    return this.text;
  }

  close(): void {
    this.req.destroy();
  }
}
