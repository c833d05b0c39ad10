import type { BridgeSnapshot } from "./types.js";

export const BRIDGE_TYPE_FLAGS = new Set(["mixing", "holding", "dtmf_events", "proxy_media", "video_sfu", "video_single", "sdp_label"]);

export class Bridge {
  readonly channels: string[] = [];
  readonly creationTime = Date.now();
  /** Stasis apps subscribed to this bridge (a Stasis channel of theirs entered it). */
  readonly apps = new Set<string>();
  destroyed = false;
  readonly roles = new Map<string, string>();

  constructor(
    readonly id: string,
    readonly bridgeType: "mixing" | "holding" | "basic",
    readonly name: string,
    readonly creator = "Stasis",
    readonly bridgeClass = "stasis",
  ) {}

  technology(): string {
    if (this.bridgeType === "holding") return "holding_bridge";
    return this.channels.length > 2 ? "softmix" : "simple_bridge";
  }

  snapshot(): BridgeSnapshot {
    return {
      id: this.id,
      technology: this.technology(),
      bridgeType: this.bridgeType,
      bridgeClass: this.bridgeClass,
      creator: this.creator,
      name: this.name,
      channels: [...this.channels],
      creationTime: this.creationTime,
      videoMode: this.bridgeType === "mixing" ? "talker" : "none",
    };
  }
}
