import type { PlaybackSnapshot, PlaybackState } from "./types.js";

/** How long a media URI plays: a duration in simulated ms, "fail" (missing), or "stall" (never ends). */
export type MediaPlan = number | "fail" | "stall";

export interface MediaOptions {
  /** Known sounds and their durations in ms. */
  sounds?: Record<string, number>;
  /** What an unknown `sound:` does: a duration in ms, or "fail" (Asterisk's behaviour). Default 1000. */
  unknownSound?: number | "fail";
  /** Per character of `digits:`, `number:`, `characters:` (default 500 ms). */
  digitMs?: number;
  /** Recordings that exist (`recording:NAME`), with durations. */
  recordings?: Record<string, number>;
}

export const DEFAULT_SOUNDS: Record<string, number> = {
  "demo-welcome": 1000,
  "demo-congrats": 1000,
  "demo-thanks": 1000,
  "demo-instruct": 1000,
  "hello-world": 1000,
  beep: 250,
  "vm-goodbye": 1000,
  goodbye: 1000,
  "queue-thankyou": 1000,
  "queue-youarenext": 1000,
  "queue-thereare": 1000,
  "queue-callswaiting": 1000,
  "queue-holdtime": 1000,
  "queue-minutes": 1000,
  "pls-hold-while-try": 1000,
  "please-try-again": 1000,
  "invalid": 1000,
  "silence/1": 1000,
  "silence/2": 2000,
};

export function planMedia(uri: string, opts: MediaOptions): MediaPlan {
  const colon = uri.indexOf(":");
  if (colon < 0) return "stall";
  const scheme = uri.slice(0, colon);
  const rest = uri.slice(colon + 1);
  const digitMs = opts.digitMs ?? 500;
  switch (scheme) {
    case "sound": {
      const known = opts.sounds ?? DEFAULT_SOUNDS;
      const d = Object.prototype.hasOwnProperty.call(known, rest) ? known[rest] : undefined;
      if (d !== undefined) return d;
      const unknown = opts.unknownSound ?? 1000;
      return unknown === "fail" ? "fail" : unknown;
    }
    case "recording": {
      const d = opts.recordings?.[rest];
      return d === undefined ? "fail" : d;
    }
    case "digits":
      return /^[0-9A-D*#wW]+$/.test(rest) ? rest.length * digitMs : "fail";
    case "characters":
      return rest.length > 0 ? rest.length * digitMs : "fail";
    case "number":
      return /^-?[0-9]+$/.test(rest) ? Math.max(1, rest.replace("-", "").length) * digitMs : "fail";
    case "tone":
      return Number.POSITIVE_INFINITY;
    default:
      return "stall";
  }
}

/** One ARI playback: a list of media played in order on a channel. */
export class Playback {
  state: PlaybackState = "queued";
  index = 0;
  /** Remaining ms of the current media (for pause). */
  remainingMs = 0;
  startedAt = 0;
  cancelTimer: (() => void) | undefined;
  /** Marks a playback whose media stalls (unknown scheme): never reports finished. */
  stalled = false;

  constructor(
    readonly id: string,
    readonly media: string[],
    readonly channelId: string,
    readonly language: string,
  ) {}

  get targetUri(): string {
    return `channel:${this.channelId}`;
  }

  snapshot(): PlaybackSnapshot {
    const s: PlaybackSnapshot = {
      id: this.id,
      mediaUri: this.media[this.index] ?? this.media[this.media.length - 1] ?? "",
      targetUri: this.targetUri,
      language: this.language,
      state: this.state,
    };
    const next = this.media[this.index + 1];
    if (next !== undefined) s.nextMediaUri = next;
    return s;
  }
}
