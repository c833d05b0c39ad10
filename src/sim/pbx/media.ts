/**
 * Media on channels: ARI playbacks (queued per channel, one playing at a time), music on hold,
 * and the "media from the peer" that Answer() on a Local channel waits for.
 */
import { randomUUID } from "node:crypto";
import type { Channel } from "../model/channel.js";
import { planMedia, Playback, type MediaOptions, type MediaPlan } from "../model/media.js";
import type { PlaybackSnapshot } from "../model/types.js";
import type { PbxContext } from "./context.js";
import { PbxError } from "./errors.js";

/** How far ARI's forward / reverse skip. */
const SKIP_MS = 3000;
const PLAYBACK_OPERATIONS = ["pause", "unpause", "restart", "reverse", "forward"];

/** Media starts on `c`: whoever waits for media from it (its Local peer's Answer()) wakes. */
export function notifyMedia(c: Channel, what: string): void {
  const peer = c.localPeer;
  if (peer) for (const w of [...peer.mediaWaiters]) w();
  c.remote?.onMedia?.(what);
}

export class Media {
  private readonly playbacks = new Map<string, Playback>();
  private readonly channelPlaybacks = new Map<string, Playback[]>();
  /** What the dialplan's Playback() plays to a channel now, by channel id. */
  private readonly dialplanPrompts = new Map<string, string>();
  /**
   * Told when what a channel hears changes without an event of its own (a playback paused or stalled,
   * the dialplan's Playback()); the hearing timelines listen.
   */
  onAudibleChange: (c: Channel) => void = () => {};

  constructor(
    private readonly ctx: PbxContext,
    private readonly options: MediaOptions,
  ) {}

  /** How long `uri` plays with this PBX's sounds. */
  plan(uri: string): MediaPlan {
    return planMedia(uri, this.options);
  }

  // ---------------------------------------------------------------- playbacks

  /** Queues a playback of `media` on a channel (ARI play). Returns the queued playback. */
  play(c: Channel, media: string[], opts: { playbackId?: string; lang?: string } = {}): PlaybackSnapshot {
    if (media.length === 0) throw new PbxError("playback-failed", "Failed to queue media for playback");
    const id = opts.playbackId ?? randomUUID();
    if (this.playbacks.has(id)) throw new PbxError("conflict", "Playback with given ID already exists");
    const pb = new Playback(id, media, c.id, opts.lang || c.language);
    this.playbacks.set(id, pb);
    const q = this.channelPlaybacks.get(c.id) ?? [];
    q.push(pb);
    this.channelPlaybacks.set(c.id, q);
    const snap = pb.snapshot();
    if (q.length === 1) this.ctx.scheduler.defer(() => this.startPlayback(pb));
    return snap;
  }

  get(id: string): PlaybackSnapshot | undefined {
    return this.playbacks.get(id)?.snapshot();
  }

  /** ARI DELETE /playbacks/{id}. */
  stop(id: string): void {
    const pb = this.playbacks.get(id);
    if (!pb) throw new PbxError("not-found", "Playback not found");
    if (pb.state === "queued") {
      this.playbacks.delete(id);
      this.unqueue(pb);
      return;
    }
    this.finishPlayback(pb, "done", true, true);
  }

  /**
   * ARI POST /playbacks/{id}/control. Throws `not-found`, `bad-request` (unknown operation) or
   * `conflict` ("Can only <op> while media is playing").
   */
  control(id: string, operation: string): void {
    const pb = this.playbacks.get(id);
    if (!pb) throw new PbxError("not-found", "Playback not found");
    if (!PLAYBACK_OPERATIONS.includes(operation)) throw new PbxError("bad-request", `Invalid operation ${operation}`);
    const conflict = (): never => {
      throw new PbxError("conflict", `Can only ${operation} while media is playing`);
    };
    switch (pb.state) {
      case "queued":
        if (operation === "restart") return;
        return conflict();
      case "paused":
        if (operation === "pause") return;
        if (operation === "unpause") {
          pb.state = "playing";
          this.runMediaTimer(pb, pb.remainingMs);
          this.audibleChanged(pb);
          return;
        }
        return conflict();
      case "playing":
        return this.controlPlaying(pb, operation);
      default:
        return conflict();
    }
  }

  /** Ends every playback of `c`: the active one reports failed (unless it stalls), queued ones vanish. */
  dropPlaybacks(c: Channel, reportActive: boolean): void {
    const q = this.channelPlaybacks.get(c.id);
    if (!q) return;
    this.channelPlaybacks.delete(c.id);
    for (const pb of q) {
      pb.cancelTimer?.();
      pb.cancelTimer = undefined;
      this.playbacks.delete(pb.id);
      if (reportActive && !pb.stalled && (pb.state === "playing" || pb.state === "paused" || pb.state === "continuing")) {
        pb.state = "failed";
        this.ctx.emit({ type: "PlaybackFinished", playback: pb.snapshot() });
      }
    }
  }

  /** Forgets every playback (the PBX stopped). */
  clear(): void {
    this.playbacks.clear();
    this.channelPlaybacks.clear();
    this.dialplanPrompts.clear();
  }

  /** The media playing to `c` now: its active ARI playback (not paused, not stalled) or the dialplan's Playback(). */
  audible(c: Channel): { media: string; playbackId?: string } | undefined {
    const pb = this.channelPlaybacks.get(c.id)?.[0];
    if (pb && !pb.stalled && (pb.state === "playing" || pb.state === "continuing")) return { media: pb.media[pb.index]!, playbackId: pb.id };
    const d = this.dialplanPrompts.get(c.id);
    return d === undefined ? undefined : { media: d };
  }

  /** The dialplan's Playback() starts `uri` on `c` (stopping its music, as any media does), or ends (undefined). */
  dialplanPrompt(c: Channel, uri: string | undefined): void {
    if (uri === undefined) this.dialplanPrompts.delete(c.id);
    else {
      this.stopMoh(c);
      this.dialplanPrompts.set(c.id, uri);
    }
    this.onAudibleChange(c);
  }

  private controlPlaying(pb: Playback, operation: string): void {
    if (pb.stalled) return;
    const elapsed = Date.now() - pb.startedAt;
    const remaining = Math.max(0, pb.remainingMs - elapsed / this.ctx.scheduler.timeScale);
    const total = this.plan(pb.media[pb.index]!);
    const totalMs = typeof total === "number" ? total : 0;
    if (operation === "unpause") return;
    if (operation === "pause") {
      pb.cancelTimer?.();
      pb.cancelTimer = undefined;
      pb.remainingMs = remaining;
      pb.state = "paused";
      this.audibleChanged(pb);
      return;
    }
    if (operation === "restart") return this.runMediaTimer(pb, totalMs);
    if (operation === "reverse") return this.runMediaTimer(pb, Math.min(totalMs, remaining + SKIP_MS));
    // forward
    if (remaining - SKIP_MS <= 0) {
      pb.cancelTimer?.();
      pb.cancelTimer = undefined;
      this.ctx.scheduler.defer(() => this.mediaDone(pb));
      return;
    }
    return this.runMediaTimer(pb, remaining - SKIP_MS);
  }

  private audibleChanged(pb: Playback): void {
    const c = this.ctx.channels.get(pb.channelId);
    if (c) this.onAudibleChange(c);
  }

  private startPlayback(pb: Playback): void {
    if (!this.playbacks.has(pb.id) || pb.state !== "queued") return;
    const c = this.ctx.channels.get(pb.channelId);
    if (!c || c.destroyed) return;
    this.startMedia(pb, c);
  }

  private startMedia(pb: Playback, c: Channel): void {
    pb.state = "playing";
    this.ctx.emit({ type: "PlaybackStarted", playback: pb.snapshot() });
    const plan = this.plan(pb.media[pb.index]!);
    // opening the media replaces the channel's generator: music on hold stops for good, right after
    // PlaybackStarted (ws-14 / ami-17); it does not come back when the playback ends
    if (plan !== "stall") this.stopMoh(c);
    if (plan === "fail") {
      this.finishPlayback(pb, "failed");
      return;
    }
    notifyMedia(c, "playback");
    if (plan === "stall") {
      pb.stalled = true;
      this.onAudibleChange(c);
      return;
    }
    this.runMediaTimer(pb, plan);
  }

  private runMediaTimer(pb: Playback, ms: number): void {
    pb.remainingMs = ms;
    pb.startedAt = Date.now();
    pb.cancelTimer?.();
    if (!Number.isFinite(ms)) {
      pb.cancelTimer = undefined;
      return;
    }
    pb.cancelTimer = this.ctx.scheduler.after(ms, () => this.mediaDone(pb));
  }

  private mediaDone(pb: Playback): void {
    if (!this.playbacks.has(pb.id)) return;
    pb.cancelTimer = undefined;
    const c = this.ctx.channels.get(pb.channelId);
    if (!c || c.destroyed) return;
    if (pb.index < pb.media.length - 1) {
      pb.state = "continuing";
      this.ctx.emit({ type: "PlaybackContinuing", playback: pb.snapshot() });
      pb.index++;
      this.startMedia(pb, c);
      return;
    }
    this.finishPlayback(pb, "done");
  }

  private finishPlayback(pb: Playback, state: "done" | "failed", startNext = true, stopped = false): void {
    pb.cancelTimer?.();
    pb.cancelTimer = undefined;
    pb.state = state;
    this.playbacks.delete(pb.id);
    const q = this.unqueue(pb);
    this.ctx.emit({ type: "PlaybackFinished", playback: pb.snapshot(), ...(stopped ? { stopped: true as const } : {}) });
    if (startNext && q && q.length > 0) {
      const next = q[0]!;
      this.ctx.scheduler.defer(() => this.startPlayback(next));
    }
  }

  /** Takes `pb` out of its channel's queue; returns what is left of the queue. */
  private unqueue(pb: Playback): Playback[] | undefined {
    const q = this.channelPlaybacks.get(pb.channelId);
    if (q) {
      const i = q.indexOf(pb);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) this.channelPlaybacks.delete(pb.channelId);
    }
    return q;
  }

  // ---------------------------------------------------------------- music on hold

  /** Starts music on hold (unknown classes are accepted, as Asterisk's ARI does). */
  startMoh(c: Channel, mohClass: string): void {
    if (c.mohClass !== undefined) this.ctx.emit({ type: "MohStop", channel: c.snapshot() });
    c.mohClass = mohClass;
    this.ctx.emit({ type: "MohStart", channel: c.snapshot(), mohClass });
    notifyMedia(c, "moh");
  }

  stopMoh(c: Channel): void {
    if (c.mohClass === undefined) return;
    c.mohClass = undefined;
    this.ctx.emit({ type: "MohStop", channel: c.snapshot() });
  }

  // ---------------------------------------------------------------- media from the peer

  /** The Local peer of `c` plays something (music on hold or a playback) towards it. */
  mediaFlowingTo(c: Channel): boolean {
    const peer = c.localPeer;
    if (!peer || peer.destroyed) return false;
    const pbs = this.channelPlaybacks.get(peer.id);
    return peer.mohClass !== undefined || (pbs !== undefined && pbs.some((p) => p.state === "playing"));
  }

  /** Waits up to `ms` for media towards `c` (Answer() on a Local channel); ends early on hangup. */
  waitForMedia(c: Channel, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel = (): void => {};
      const done = (): void => {
        cancel();
        c.mediaWaiters.delete(done);
        c.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      c.mediaWaiters.add(done);
      c.abort.signal.addEventListener("abort", done, { once: true });
      cancel = this.ctx.scheduler.after(ms, done);
      if (this.ctx.scheduler.isStopped) done();
    });
  }
}
