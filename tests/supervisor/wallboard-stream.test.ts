/**
 * GET /wallboard/events over real sockets: the first snapshot at once, a change pushed, the periodic push,
 * changes coalesced, a reader that stops reading dropped, the per-supervisor cap, the session's end, and
 * every stream closed on stop. Nothing waits a fixed time: each test waits for what it expects (bounded
 * by the test timeout), and the pace is set so that the thing under test is the only way to get there.
 */
import net from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import type { StreamLimits } from "../../src/supervisor/index.js";
import { freshEnough, nextBroadcastAt, sendDelay, sseFrame } from "../../src/supervisor/pace.js";
import { redisPerFile, testRedis } from "../setup/redis.js";
import { MemoryFeed, SseClient, startBoard, supervisorToken, type BoardServer } from "./helpers.js";

const { redis } = redisPerFile();
const boards: BoardServer[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const b of boards.splice(0)) await b.close();
});

async function board(limits: Partial<StreamLimits>, opts: { feed?: MemoryFeed; logger?: pino.Logger } = {}): Promise<BoardServer> {
  const b = await startBoard(redis(), testRedis().prefix, { limits, ...opts });
  boards.push(b);
  return b;
}

async function open(b: BoardServer, supervisor = "sup-ana", token = supervisorToken(supervisor)): Promise<SseClient> {
  const c = await SseClient.open(b.url, token);
  clients.push(c);
  return c;
}

/** A minute between quiet pushes: within a test only a connect or a change can bring a snapshot. */
const QUIET = { periodMs: 60_000 };

describe("pace (pure)", () => {
  test("a change goes out a gap after the last, a quiet feed a period after; a stream waits out its gap", () => {
    const pace = { minGapMs: 250, periodMs: 1000 };
    expect(nextBroadcastAt(10_000, true, pace)).toBe(10_250);
    expect(nextBroadcastAt(10_000, false, pace)).toBe(11_000);
    expect(sendDelay(10_000, 10_100, pace)).toBe(150);
    expect(sendDelay(10_000, 10_250, pace)).toBe(0);
    expect(sendDelay(0, 10_000, pace)).toBe(0);
    expect(freshEnough(10_000, 10_249, pace)).toBe(true);
    expect(freshEnough(10_000, 10_250, pace)).toBe(false);
    expect(sseFrame("snapshot", '{"a":"x\\ny"}')).toBe('event: snapshot\ndata: {"a":"x\\ny"}\n\n');
  });
});

describe("GET /wallboard/events", () => {
  test("the first snapshot at once, then a change as soon as it is signalled", async () => {
    const b = await board(QUIET);
    const c = await open(b);
    expect(c.status).toBe(200);
    expect(c.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(c.headers["cache-control"]).toBe("no-store");
    await c.until(() => c.snapshots().length === 1, "the first snapshot");
    expect(c.snapshots()[0]).toEqual(b.feed.current);

    b.feed.change((s) => {
      s.queues[0]!.waiting = 7;
      s.revenue.today.revenue = 13_000;
    });
    await c.until(() => c.snapshots().length === 2, "the changed snapshot");
    expect(c.snapshots()[1]!.queues[0]!.waiting).toBe(7);
    expect(c.snapshots()[1]!.revenue.today.revenue).toBe(13_000);
  });

  test("without changes a snapshot still comes every period (the waits move)", async () => {
    const b = await board({ periodMs: 100, minGapMs: 20 });
    const c = await open(b);
    await c.until(() => c.snapshots().length >= 4, "four snapshots without a change");
    b.feed.current.queues[0]!.longestWaitMs = 99_000; // no signal: only the periodic push carries it
    await c.until(() => c.snapshots().some((s) => s.queues[0]!.longestWaitMs === 99_000), "the periodic push of the new wait");
  });

  test("a burst of signals is one fetch shared by every stream, not one per signal or per stream", async () => {
    const b = await board({ ...QUIET, minGapMs: 250 });
    const [c1, c2, c3] = [await open(b), await open(b, "sup-ben"), await open(b)];
    // settled: every stream shows the same change, so nothing is held back for any of them
    b.feed.change((s) => (s.queues[0]!.waiting = 100));
    for (const c of [c1, c2, c3]) await c.until(() => c.snapshots().at(-1)?.queues[0]!.waiting === 100, "the settling change");
    const before = { fetches: b.feed.calls, received: [c1, c2, c3].map((c) => c.received) };
    for (let i = 1; i <= 50; i++) b.feed.change((s) => (s.queues[0]!.waiting = i));
    for (const c of [c1, c2, c3]) await c.until(() => c.snapshots().at(-1)!.queues[0]!.waiting === 50, "the last change");
    expect(b.feed.calls - before.fetches).toBe(1);
    expect([c1, c2, c3].map((c, i) => c.received - before.received[i]!)).toEqual([1, 1, 1]);
  });

  test("a reader that stops reading is dropped once its unsent bytes pass the cap; the others carry on", async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
    // big snapshots, often: the kernel's buffers fill quickly, then the daemon's
    const feed = new MemoryFeed();
    feed.current.queues[0]!.displayName = `Technical support ${"x".repeat(256 * 1024)}`;
    const b = await board({ periodMs: 40, minGapMs: 10, maxBufferedBytes: 512 * 1024 }, { feed, logger });
    const good = await open(b, "sup-ben");

    const { port } = new URL(b.url);
    const stalled = net.connect(Number(port), "127.0.0.1");
    await new Promise<void>((r) => stalled.once("connect", () => r()));
    stalled.pause(); // never reads a byte
    stalled.write(`GET /wallboard/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${supervisorToken("sup-ana")}\r\n\r\n`);
    const closed = new Promise<void>((r) => stalled.once("close", () => r()));

    await expect.poll(() => warnings.some((w) => w.msg === "wallboard stream dropped: its reader left too much unread"), { timeout: 25_000, interval: 50 }).toBe(true);
    const drop = warnings.find((w) => w.msg === "wallboard stream dropped: its reader left too much unread")!;
    expect(drop).toMatchObject({ supervisorId: "sup-ana", limitBytes: 512 * 1024 });
    expect(drop.bufferedBytes as number).toBeGreaterThan(512 * 1024);
    stalled.resume();
    await closed;
    expect(b.board.streams()).toBe(1);
    const seen = good.received;
    await good.until(() => good.received > seen + 2, "more snapshots for the reader that reads");
  });

  test("a supervisor holds at most maxStreamsPerSupervisor streams; another supervisor is not held back", async () => {
    const b = await board({ ...QUIET, maxStreamsPerSupervisor: 2 });
    await open(b);
    await open(b);
    const third = await open(b);
    expect(third.status).toBe(429);
    expect(third.headers["retry-after"]).toBe("5");
    expect(JSON.parse(await third.body())).toEqual({ error: "at most 2 wallboard streams per supervisor; close one or try again later", reason: "streams" });
    expect((await open(b, "sup-ben")).status).toBe(200);
    // a stream closed by its reader gives its place back
    clients[0]!.close();
    await expect.poll(() => b.board.streams(), { timeout: 10_000 }).toBe(2);
    expect((await open(b)).status).toBe(200);
  });

  test("a session that expires ends its stream with an `expired` event", async () => {
    const b = await board(QUIET);
    // issued an hour ago less three seconds: a one-hour session with three seconds left
    const c = await open(b, "sup-ana", supervisorToken("sup-ana", { now: Date.now() - 3_600_000 + 3000 }));
    expect(c.status).toBe(200);
    await c.endedNow();
    expect(c.events.at(-1)).toEqual({ event: "expired", data: "{}" });
  });

  test("stop() ends every stream, refuses new ones and lets go of the feed", async () => {
    const b = await board(QUIET);
    const streams = [await open(b), await open(b, "sup-ben")];
    for (const c of streams) await c.until(() => c.snapshots().length === 1, "the first snapshot");
    expect(b.feed.subscribers()).toBe(1);
    await b.board.stop();
    for (const c of streams) await c.endedNow();
    expect(b.board.streams()).toBe(0);
    expect(b.feed.subscribers()).toBe(0);
    const late = await open(b);
    expect(late.status).toBe(503);
    expect(JSON.parse(await late.body())).toEqual({ error: "the wallboard is shutting down" });
  });
});
