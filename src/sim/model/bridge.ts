import type { BridgeSnapshot } from "./types.js";

export const BRIDGE_TYPE_FLAGS = new Set(["mixing", "holding", "dtmf_events", "proxy_media", "video_sfu", "video_single", "sdp_label"]);

/**
 * The recording channel ARI's `POST /bridges/{id}/record` pushes into a bridge (`Recorder/ARI-<n>;2`): an
 * internal channel, so no app sees it enter or leave and bridge snapshots leave it out (ARI's sanitizer
 * hides internal channels), yet it is a party: the others' BRIDGEPEER names it and it makes a two-party
 * bridge mix (softmix). `shown`: its snapshot is gone (it was left alone in the bridge and is going), so
 * the sanitizer no longer recognises it and its id shows in the bridge's channels (ws-18's last leave).
 */
export interface BridgeRecorder {
  id: string;
  name: string;
  shown: boolean;
}

export class Bridge {
  readonly channels: string[] = [];
  readonly creationTime = Date.now();
  /** Stasis apps subscribed to this bridge (a Stasis channel of theirs entered it). */
  readonly apps = new Set<string>();
  destroyed = false;
  readonly roles = new Map<string, string>();
  recorder: BridgeRecorder | undefined;
  /** The technology as last settled: Asterisk re-evaluates it after a leave is published, not before (ws-18). */
  private tech = "simple_bridge";

  constructor(
    readonly id: string,
    readonly bridgeType: "mixing" | "holding" | "basic",
    readonly name: string,
    readonly creator = "Stasis",
    readonly bridgeClass = "stasis",
  ) {}

  /** Channels in the bridge, the recorder included. */
  parties(): number {
    return this.channels.length + (this.recorder ? 1 : 0);
  }

  technology(): string {
    if (this.bridgeType === "holding") return "holding_bridge";
    return this.tech;
  }

  /** The smart bridge picks its technology again: more than two parties need the mixing one. */
  settle(): void {
    this.tech = this.parties() > 2 ? "softmix" : "simple_bridge";
  }

  snapshot(): BridgeSnapshot {
    return {
      id: this.id,
      technology: this.technology(),
      bridgeType: this.bridgeType,
      bridgeClass: this.bridgeClass,
      creator: this.creator,
      name: this.name,
      // ARI lists a bridge's channels from a sorted string container (every recording shows them sorted)
      channels: (this.recorder?.shown ? [...this.channels, this.recorder.id] : [...this.channels]).sort(),
      numChannels: this.parties(),
      creationTime: this.creationTime,
      videoMode: this.bridgeType === "mixing" ? "talker" : "none",
    };
  }
}
