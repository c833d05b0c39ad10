/**
 * What each channel hears, kept as a timeline from its creation to its end (and for a while after):
 * followed from the PBX's own events (playbacks, music on hold, bridge moves, channels coming and going)
 * and from Media for the changes that publish nothing (a paused or stalled playback, the dialplan's
 * Playback()). See `model/hearing.ts` for what counts as heard.
 */
import type { Channel } from "../model/channel.js";
import type { PbxEvent } from "../model/events.js";
import { sameHeard, type Heard, type HearingTimeline } from "../model/hearing.js";
import type { PbxContext } from "./context.js";
import type { Media } from "./media.js";

/** Spans shorter than this (simulated ms) are one synchronous burst of changes, not something heard. */
const INSTANT_MS = 1;

export class Hearing {
  private readonly live = new Map<string, HearingTimeline>();
  private readonly ended = new Map<string, HearingTimeline>();

  constructor(
    private readonly ctx: PbxContext,
    private readonly media: Media,
    /** Timelines of ended channels kept (oldest dropped first). */
    private readonly keepEnded = 10_000,
  ) {
    ctx.onEvent((e) => this.onEvent(e));
    media.onAudibleChange = (c) => this.refresh(c);
  }

  /** The channel's timeline so far (a copy), live or ended; undefined for an unknown channel. */
  timeline(channelId: string): HearingTimeline | undefined {
    const t = this.live.get(channelId) ?? this.ended.get(channelId);
    return t ? structuredClone(t) : undefined;
  }

  private onEvent(e: PbxEvent): void {
    switch (e.type) {
      case "ChannelCreated":
      case "MohStart":
      case "MohStop":
        return this.refreshId(e.channel.id);
      case "PlaybackStarted":
      case "PlaybackContinuing":
      case "PlaybackFinished":
        if (e.playback.targetUri.startsWith("channel:")) this.refreshId(e.playback.targetUri.slice(8));
        return;
      case "ChannelEnteredBridge":
      case "ChannelLeftBridge":
        // the others in the bridge hear one party more or less
        for (const id of new Set([e.channel.id, ...e.bridge.channels])) this.refreshId(id);
        return;
      case "ChannelDestroyed":
        return this.end(e.channel.id);
      default:
        return;
    }
  }

  private refreshId(id: string): void {
    const c = this.ctx.channels.get(id);
    if (c) this.refresh(c);
  }

  /** Records what `c` hears now, if it changed. */
  refresh(c: Channel): void {
    if (c.destroyed) return;
    const now = this.ctx.scheduler.now();
    let t = this.live.get(c.id);
    if (!t) {
      t = { channelId: c.id, channelName: c.name, createdAt: now, spans: [] };
      this.live.set(c.id, t);
    }
    const heard = this.heardBy(c);
    const last = t.spans[t.spans.length - 1];
    if (last && last.to === undefined) {
      if (sameHeard(last, heard)) return;
      last.to = now;
      if (last.to - last.from < INSTANT_MS) t.spans.pop();
    }
    const prev = t.spans[t.spans.length - 1];
    if (prev && prev.to !== undefined && now - prev.to < INSTANT_MS && sameHeard(prev, heard)) {
      delete prev.to;
      return;
    }
    t.spans.push({ ...heard, from: now });
  }

  private heardBy(c: Channel): Heard {
    const playing = this.media.audible(c);
    if (playing) return { kind: "prompt", media: playing.media, ...(playing.playbackId ? { playbackId: playing.playbackId } : {}) };
    // the hold music is the channel's generator: it drowns the bridge's audio
    if (c.mohClass !== undefined) return { kind: "moh", mohClass: c.mohClass };
    const b = c.bridgeId ? this.ctx.bridges.get(c.bridgeId) : undefined;
    if (b && b.bridgeType !== "holding") {
      const parties = b.channels
        .filter((id) => id !== c.id)
        .map((id) => this.ctx.channels.get(id))
        .filter((p): p is Channel => p !== undefined)
        .map((p) => ({ id: p.id, name: p.name }));
      if (parties.length > 0) return { kind: "bridged", bridgeId: b.id, parties };
    }
    return { kind: "silence" };
  }

  private end(id: string): void {
    const t = this.live.get(id);
    if (!t) return;
    const now = this.ctx.scheduler.now();
    const last = t.spans[t.spans.length - 1];
    if (last && last.to === undefined) last.to = now;
    t.endedAt = now;
    this.live.delete(id);
    this.ended.set(id, t);
    if (this.ended.size > this.keepEnded) this.ended.delete(this.ended.keys().next().value!);
  }
}
