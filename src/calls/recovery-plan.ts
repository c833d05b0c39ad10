import type { WaitingFor } from "../ivr/engine/index.js";

/** What restart recovery reads from a session a previous daemon left in Redis. Pure. */

/** The engine playback a waiting call may still hear: every prompt is waited on, so this is the only one. */
export function playbackOf(waiting: WaitingFor | null): string | undefined {
  return waiting && (waiting.kind === "playback" || waiting.kind === "input") ? waiting.playbackId : undefined;
}
