/**
 * The media a synthetic party's channel was played, in order (a caller's or a customer's record):
 * each prompt with its start, its end and how it ended; music on hold as `moh:<class>`. Pure.
 */
import type { PbxEvent } from "../pbx.js";

export type HeardOutcome = "playing" | "done" | "stopped" | "failed" | "hangup";

export interface HeardMedia {
  /** Media URI (`sound:...`), or `moh:<class>` for music on hold. */
  uri: string;
  playbackId?: string;
  startedAt: string;
  finishedAt?: string;
  outcome: HeardOutcome;
}

/** Ends the media still playing that `match` picks. */
export function closeHeard(heard: HeardMedia[], at: string, outcome: HeardOutcome, match: (h: HeardMedia) => boolean): void {
  for (const h of heard) {
    if (h.outcome === "playing" && match(h)) {
      h.outcome = outcome;
      h.finishedAt = at;
    }
  }
}

/**
 * Folds a playback or music-on-hold event about the channel into `heard`; false for any other event.
 * (The channel's own destruction ends what still plays: `closeHeard(..., "hangup", () => true)`.)
 */
export function foldHeard(heard: HeardMedia[], e: PbxEvent, at: string): boolean {
  switch (e.type) {
    case "PlaybackStarted":
      heard.push({ uri: e.playback.mediaUri, playbackId: e.playback.id, startedAt: at, outcome: "playing" });
      return true;
    case "PlaybackContinuing":
      closeHeard(heard, at, "done", (h) => h.playbackId === e.playback.id);
      return true;
    case "PlaybackFinished":
      closeHeard(heard, at, e.stopped ? "stopped" : e.playback.state === "failed" ? "failed" : "done", (h) => h.playbackId === e.playback.id);
      return true;
    case "MohStart":
      heard.push({ uri: `moh:${e.mohClass}`, startedAt: at, outcome: "playing" });
      return true;
    case "MohStop":
      closeHeard(heard, at, "stopped", (h) => h.uri.startsWith("moh:"));
      return true;
    default:
      return false;
  }
}
