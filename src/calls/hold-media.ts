import { randomUUID } from "node:crypto";
import type { Logger } from "../lib/logger.js";
import type { CallerQueue } from "../queue/index.js";
import type { AriEvent, AriGateway } from "../telephony/index.js";
import type { CallsConfig } from "./config.js";
import type { HandoffHooks, Waiter } from "./handoff-types.js";

const ignore = () => {};

export interface HoldHost {
  /** The hand-off's waiting callers, by call id. */
  waiting: Map<string, Waiter>;
  ari(serverId: string): AriGateway;
  queue: CallerQueue;
  config: CallsConfig;
  hooks: HandoffHooks;
  log: Logger;
  timedOut(callId: string): Promise<void>;
}

/**
 * What a waiting caller hears and says: music on hold, the position and expected-wait announcements
 * with the call-back offer, and the call-back key. The hand-off (queue-handoff.ts) decides when; this
 * keeps the caller's media requests in order.
 */
export class HoldMedia {
  constructor(private readonly h: HoldHost) {}

  /** A PlaybackFinished of an announcement, or the call-back key: true when the event was ours. */
  handle(e: AriEvent): boolean {
    if (e.type === "ChannelDtmfReceived") return this.callbackKey(e.channel.id, e.digit);
    if (e.type !== "PlaybackFinished") return false;
    const m = /^sbq-(.+)~/.exec(e.playback.id);
    if (!m) return false;
    const w = this.h.waiting.get(m[1]!);
    if (w?.announcement === e.playback.id) {
      w.announcement = undefined;
      // the play stopped the music for good: it comes back now, also while an agent's phone rings
      if (!w.connecting && !w.held) this.startMusic(w);
    }
    return true;
  }

  /** Runs a media request of the caller's after the ones before it (see `Waiter.media`). */
  media(w: Waiter, op: () => Promise<unknown>): Promise<void> {
    const next = (w.media ?? Promise.resolve()).then(op).then(ignore);
    w.media = next.catch(ignore);
    return next;
  }

  /** Music on hold, unless it is on already. */
  startMusic(w: Waiter): void {
    if (w.music) return;
    w.music = true;
    this.media(w, () => this.h.ari(w.serverId).startMoh(w.channelId, this.h.config.mohClass)).catch((err) => {
      w.music = false;
      this.h.log.debug({ err, callId: w.callId }, "music on hold did not start");
    });
  }

  /** The next announcement, `announceEvery` from now. */
  schedule(callId: string): void {
    const w = this.h.waiting.get(callId);
    const every = this.h.config.announceEvery;
    if (!w || every <= 0) return;
    clearTimeout(w.announceTimer);
    w.announceTimer = setTimeout(() => void this.periodic(callId), every * 1000);
  }

  private async periodic(callId: string): Promise<void> {
    const w = this.h.waiting.get(callId);
    if (w?.held) return;
    if (!w || w.ringing || w.connecting || w.joined) return this.schedule(callId);
    const pos = await this.h.queue.position(callId).catch(() => undefined);
    if (pos === undefined) return this.schedule(callId);
    if (pos === null) {
      // another daemon's sweep timed the caller out: same path as our own sweep
      return this.h.timedOut(callId);
    }
    if (pos.state === "waiting") await this.announce(callId, pos.position, pos.ewtMs);
    this.schedule(callId);
  }

  /**
   * Position and expected wait, in a pause of the music: the play itself stops the music (for good, on
   * Asterisk), and its PlaybackFinished starts it again.
   */
  async announce(callId: string, position: number, ewtMs: number | null): Promise<void> {
    const w = this.h.waiting.get(callId);
    if (!w || w.ringing || w.connecting) return;
    const p = this.h.config.prompts;
    const media = [p.position, `number:${Math.max(0, position - 1)}`, p.callersAhead];
    if (ewtMs !== null && ewtMs > 0) media.push(p.waitAbout, `number:${Math.max(1, Math.ceil(ewtMs / 60_000))}`, p.minutes);
    const offer = w.request?.callback ? this.h.hooks.callbackOffer?.(w.queue, callId, ewtMs, w.callbackOffered === true) : undefined;
    if (offer) {
      media.push(...offer);
      w.callbackOffered = true;
    }
    // the call id in the playback id routes its PlaybackFinished straight to this caller (ids never hold "~")
    const playbackId = `sbq-${callId}~${randomUUID()}`;
    w.announcement = playbackId;
    w.music = false;
    try {
      await this.media(w, () => this.h.ari(w.serverId).play(w.channelId, media, { playbackId }));
    } catch (err) {
      if (w.announcement === playbackId) w.announcement = undefined;
      this.h.log.debug({ err, callId }, "announcement not played");
      if (this.h.waiting.get(callId) === w && !w.connecting) this.startMusic(w);
    }
  }

  /**
   * The caller pressed the call-back key after hearing the offer: its place is held (dispatch passes it
   * over) while the tree books the call back, and the IVR takes the caller on (`onCallback`).
   */
  private callbackKey(channelId: string, digit: string): boolean {
    const w = [...this.h.waiting.values()].find((x) => x.channelId === channelId);
    if (!w?.callbackOffered || w.held || w.ringing || w.connecting || digit !== this.h.hooks.callbackKey?.()) return false;
    w.held = true;
    clearTimeout(w.announceTimer);
    if (w.announcement) this.h.ari(w.serverId).stopPlayback(w.announcement).catch(ignore);
    w.music = false;
    void this.media(w, () => this.h.ari(w.serverId).stopMoh(w.channelId)).catch(ignore);
    this.h.log.info({ callId: w.callId, queue: w.queue }, "caller asked to be called back; place held while they book");
    this.h.hooks.result(w.callId, w.serverId, "callback");
    return true;
  }
}
