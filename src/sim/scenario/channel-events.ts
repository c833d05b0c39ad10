/**
 * One PBX event listener that hands each event to the watchers of the channels it concerns, so a
 * few thousand synthetic callers cost one listener, not one each.
 */
import type { PbxEvent, SimPbx } from "../pbx.js";

export type ChannelEventHandler = (event: PbxEvent) => void;

/** Ids of the channels an event concerns (bridge events: every channel in the bridge). */
export function channelIdsOf(e: PbxEvent): string[] {
  switch (e.type) {
    case "ChannelEnteredBridge":
    case "ChannelLeftBridge":
      return e.bridge.channels.includes(e.channel.id) ? e.bridge.channels : [...e.bridge.channels, e.channel.id];
    case "PlaybackStarted":
    case "PlaybackContinuing":
    case "PlaybackFinished":
      return e.playback.targetUri.startsWith("channel:") ? [e.playback.targetUri.slice(8)] : [];
    case "Dial":
      return e.caller ? [e.peer.id, e.caller.id] : [e.peer.id];
    case "LocalBridge":
      return [e.one.id, e.two.id];
    default:
      return "channel" in e && e.channel ? [e.channel.id] : [];
  }
}

export class ChannelEventRouter {
  private readonly watchers = new Map<string, Set<ChannelEventHandler>>();
  private readonly off: () => void;

  constructor(pbx: SimPbx) {
    this.off = pbx.onEvent((e) => this.dispatch(e));
  }

  /** Calls `handler` for every event about `channelId` until the returned function is called. */
  watch(channelId: string, handler: ChannelEventHandler): () => void {
    let set = this.watchers.get(channelId);
    if (!set) this.watchers.set(channelId, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.watchers.get(channelId) === set) this.watchers.delete(channelId);
    };
  }

  private dispatch(e: PbxEvent): void {
    if (this.watchers.size === 0) return;
    for (const id of channelIdsOf(e)) {
      const set = this.watchers.get(id);
      if (!set) continue;
      for (const h of [...set]) {
        try {
          h(e);
        } catch {
          // a faulty watcher must not stop the others
        }
      }
    }
  }

  close(): void {
    this.off();
    this.watchers.clear();
  }
}
