import type { Request, Response } from "express";
import type { Logger } from "../lib/logger.js";
import { wallboardSnapshotSchema, type WallboardFeed, type WallboardSnapshot } from "../metrics/wallboard-snapshot.js";
import type { SupervisorAuth } from "./auth.js";
import { freshEnough, nextBroadcastAt, sendDelay, sseFrame, type Pace } from "./pace.js";

/**
 * The wallboard's Server-Sent Events: every open stream gets a snapshot at once, then whenever the feed
 * signals a change (paced, pace.ts) and at least every period. One snapshot is fetched per broadcast and
 * encoded once for every stream, however many wall screens watch. A stream whose reader stops reading is
 * dropped once its unsent bytes pass the cap, so it cannot grow the daemon; a supervisor may hold only so
 * many streams; a stream ends when its session expires and when the wallboard stops.
 */

export interface StreamLimits extends Pace {
  /** Bytes a stream may leave unsent in the daemon (beyond the kernel's buffers) before it is dropped. */
  maxBufferedBytes: number;
  /** Open streams per supervisor on this daemon; more are refused with 429. */
  maxStreamsPerSupervisor: number;
}

export const DEFAULT_LIMITS: StreamLimits = { minGapMs: 250, periodMs: 1000, maxBufferedBytes: 1024 * 1024, maxStreamsPerSupervisor: 8 };

type Login = Extract<SupervisorAuth, { ok: true }>;

interface Viewer {
  supervisorId: string;
  res: Response;
  lastSentAt: number;
  /** The newest frame held back by the pace, sent when the stream may have another. */
  pending: string | null;
  paceTimer: NodeJS.Timeout | undefined;
  expiry: NodeJS.Timeout;
}

export class WallboardStreams {
  private readonly viewers = new Set<Viewer>();
  private readonly perSupervisor = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private latest: { frame: string; at: number } | null = null;
  private changed = false;
  private fetching = false;
  private lastFetchAt = 0;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly feed: WallboardFeed,
    private readonly limits: StreamLimits,
    private readonly log: Logger,
  ) {
    this.unsubscribe = feed.subscribe(() => {
      this.changed = true;
      this.schedule();
    });
  }

  /** Streams open on this daemon. */
  count(): number {
    return this.viewers.size;
  }

  /** A snapshot now, checked against the schema (for GET /wallboard/snapshot and every broadcast). */
  async snapshot(): Promise<WallboardSnapshot> {
    const parsed = wallboardSnapshotSchema.safeParse(await this.feed.snapshot());
    if (!parsed.success) throw new Error(`the wallboard feed gave a malformed snapshot: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return parsed.data;
  }

  /** GET /wallboard/events for an authenticated supervisor. */
  open(req: Request, res: Response, login: Login): void {
    const id = login.supervisor.id;
    if (this.closed) {
      res.status(503).set("Retry-After", "5").json({ error: "the wallboard is shutting down" });
      return;
    }
    const held = this.perSupervisor.get(id) ?? 0;
    if (held >= this.limits.maxStreamsPerSupervisor) {
      this.log.warn({ supervisorId: id, streams: held }, "wallboard stream refused: too many for this supervisor");
      res.status(429).set("Retry-After", "5").json({ error: `at most ${this.limits.maxStreamsPerSupervisor} wallboard streams per supervisor; close one or try again later`, reason: "streams" });
      return;
    }
    res.status(200).set({ "Content-Type": "text/event-stream; charset=utf-8", "X-Accel-Buffering": "no" });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const viewer: Viewer = {
      supervisorId: id,
      res,
      lastSentAt: 0,
      pending: null,
      paceTimer: undefined,
      // the page goes back to its login form rather than reconnecting with a dead token
      expiry: setTimeout(() => this.end(viewer, sseFrame("expired", "{}")), Math.max(0, login.claims.exp - Date.now())),
    };
    this.viewers.add(viewer);
    this.perSupervisor.set(id, held + 1);
    res.on("close", () => this.forget(viewer));
    this.log.info({ supervisorId: id, streams: held + 1 }, "wallboard stream opened");
    // at once: the last broadcast's frame when it is fresh, else a broadcast now (an ongoing one will do)
    if (this.latest && freshEnough(this.latest.at, Date.now(), this.limits)) {
      this.send(viewer, this.latest.frame);
      this.schedule();
    } else void this.broadcast();
  }

  /** Ends every stream and refuses new ones; the pages reconnect (to this daemon's successor or another). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.timer);
    for (const v of [...this.viewers]) this.end(v, null);
  }

  private schedule(): void {
    if (this.closed || this.fetching || this.viewers.size === 0) return;
    clearTimeout(this.timer);
    const due = nextBroadcastAt(this.lastFetchAt, this.changed, this.limits);
    this.timer = setTimeout(() => void this.broadcast(), Math.max(0, due - Date.now()));
  }

  private async broadcast(): Promise<void> {
    if (this.closed || this.fetching || this.viewers.size === 0) return;
    clearTimeout(this.timer);
    this.fetching = true;
    this.lastFetchAt = Date.now();
    this.changed = false; // a change signalled from here on is fetched by the next broadcast
    try {
      const frame = sseFrame("snapshot", JSON.stringify(await this.snapshot()));
      this.latest = { frame, at: Date.now() };
      if (this.failing) this.log.info("wallboard feed back");
      this.failing = false;
      for (const v of this.viewers) this.send(v, frame);
    } catch (err) {
      // once per outage, not once a second: the pages show their last update's time meanwhile
      if (!this.failing) this.log.error({ err: (err as Error).message }, "wallboard snapshot failed; streams keep their last one");
      this.failing = true;
    } finally {
      this.fetching = false;
      this.schedule();
    }
  }

  private send(v: Viewer, frame: string): void {
    const wait = sendDelay(v.lastSentAt, Date.now(), this.limits);
    if (wait === 0) return this.write(v, frame);
    v.pending = frame;
    v.paceTimer ??= setTimeout(() => {
      v.paceTimer = undefined;
      const held = v.pending;
      v.pending = null;
      if (held && this.viewers.has(v)) this.write(v, held);
    }, wait);
  }

  private write(v: Viewer, frame: string): void {
    v.lastSentAt = Date.now();
    v.res.write(frame);
    const buffered = v.res.writableLength;
    if (buffered > this.limits.maxBufferedBytes) {
      this.log.warn({ supervisorId: v.supervisorId, bufferedBytes: buffered, limitBytes: this.limits.maxBufferedBytes }, "wallboard stream dropped: its reader left too much unread");
      this.forget(v);
      v.res.destroy();
    }
  }

  /** A last frame (or none), then the end of the stream. */
  private end(v: Viewer, last: string | null): void {
    this.forget(v);
    if (last) v.res.write(last);
    v.res.end();
  }

  private forget(v: Viewer): void {
    if (!this.viewers.delete(v)) return;
    clearTimeout(v.expiry);
    clearTimeout(v.paceTimer);
    const left = (this.perSupervisor.get(v.supervisorId) ?? 1) - 1;
    if (left > 0) this.perSupervisor.set(v.supervisorId, left);
    else this.perSupervisor.delete(v.supervisorId);
    this.log.info({ supervisorId: v.supervisorId, streams: left }, "wallboard stream closed");
    if (this.viewers.size === 0) clearTimeout(this.timer);
  }
}
