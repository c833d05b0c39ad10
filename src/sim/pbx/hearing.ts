/**
 * What each channel hears, kept as a timeline from its creation to its end (and for a while after):
 * followed from the PBX's own events (playbacks, music on hold, bridge moves, channels coming and going)
 * and from Media for the changes that publish nothing (a paused or stalled playback, the dialplan's
 * Playback()). See `model/hearing.ts` for what counts as heard.
 */
import type { Channel } from "../model/channel.js";
import type { PbxEvent } from "../model/events.js";
import { sameHeard, type Heard, type HearingTimeline, type Party } from "../model/hearing.js";
import { hearsIn, hearsOut } from "../model/snoop.js";
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
    // a snoop hears what its channel hears, a whisper reaches beyond one bridge: with snoops, everyone again
    if (this.ctx.snoops.size > 0 || e.type === "ChanSpyStop") {
      if (e.type === "ChannelDestroyed") this.end(e.channel.id);
      if (e.type !== "Cdr" && e.type !== "DeviceStateChanged") for (const c of this.ctx.channels.values()) this.refresh(c);
      return;
    }
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

  /**
   * Whom the channel hears now, as channels (whose voices): its bridge's parties, what the snoops among them
   * pick up (a supervisor listening hears the call), and whoever whispers to it. Empty for a prompt, music or silence.
   */
  voices(channelId: string): Party[] {
    const c = this.ctx.channels.get(channelId);
    if (!c) return [];
    const out = new Map<string, Party>();
    const add = (h: Heard, depth: number): void => {
      for (const w of h.whispers ?? []) out.set(w.id, w);
      if (h.kind === "snoop") {
        if (h.says) out.set(h.says.id, h.says);
        if (h.hears) add(h.hears, depth);
        return;
      }
      if (h.kind !== "bridged") return;
      for (const p of h.parties) {
        const party = this.ctx.channels.get(p.id);
        if (party && this.ctx.snoops.has(p.id) && depth < 3) add(this.heardBy(party), depth + 1);
        else out.set(p.id, p);
      }
    };
    add(this.heardBy(c), 0);
    out.delete(c.id);
    return [...out.values()];
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
    // muted out: every voice frame written to it is dropped, whispers included
    if (c.muted.out) return { kind: "silence" };
    const whispers = this.whispersTo(c);
    const heard = this.plainHeardBy(c, true);
    return whispers.length ? { ...heard, whispers } : heard;
  }

  private plainHeardBy(c: Channel, snoopToo: boolean): Heard {
    if (c.muted.out) return { kind: "silence" };
    const playing = this.media.audible(c);
    if (playing) return { kind: "prompt", media: playing.media, ...(playing.playbackId ? { playbackId: playing.playbackId } : {}) };
    // the hold music is the channel's generator: it drowns the bridge's audio
    if (c.mohClass !== undefined) return { kind: "moh", mohClass: c.mohClass };
    const link = snoopToo ? this.ctx.snoops.get(c.id) : undefined;
    const spied = link ? this.ctx.channels.get(link.spiedId) : undefined;
    if (link && spied && link.spy !== "none") {
      const heard: Heard = { kind: "snoop", spiedId: spied.id, spy: link.spy };
      if (hearsIn(link.spy) && !spied.muted.in) heard.says = { id: spied.id, name: spied.name };
      if (hearsOut(link.spy)) heard.hears = this.plainHeardBy(spied, false) as typeof heard.hears;
      return heard;
    }
    const b = c.bridgeId ? this.ctx.bridges.get(c.bridgeId) : undefined;
    if (b && b.bridgeType !== "holding") {
      const parties = b.channels
        .filter((id) => id !== c.id)
        .map((id) => this.ctx.channels.get(id))
        // a party muted in says nothing into the bridge
        .filter((p): p is Channel => p !== undefined && !p.muted.in)
        .map((p) => ({ id: p.id, name: p.name }));
      if (parties.length > 0) return { kind: "bridged", bridgeId: b.id, parties };
    }
    return { kind: "silence" };
  }

  /** Who whispers to `c`: the parties bridged with a whispering snoop on `c` (`out`) or on another of `c`'s bridge (`in`). */
  private whispersTo(c: Channel): Party[] {
    const out: Party[] = [];
    for (const [snoopId, link] of this.ctx.snoops) {
      if (link.whisper === "none") continue;
      const spied = this.ctx.channels.get(link.spiedId);
      const toThis = link.spiedId === c.id && hearsOut(link.whisper);
      const toBridge = spied !== undefined && spied.id !== c.id && c.bridgeId !== undefined && spied.bridgeId === c.bridgeId && hearsIn(link.whisper);
      if (!toThis && !toBridge) continue;
      const snoop = this.ctx.channels.get(snoopId);
      const b = snoop?.bridgeId ? this.ctx.bridges.get(snoop.bridgeId) : undefined;
      for (const id of b?.channels ?? []) {
        const p = this.ctx.channels.get(id);
        if (p && !p.muted.in && id !== snoopId && !out.some((o) => o.id === id)) out.push({ id, name: p.name });
      }
    }
    return out;
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
