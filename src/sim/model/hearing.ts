/**
 * What a channel hears, as a timeline of spans in simulated ms (since the PBX started): a prompt, music
 * on hold, the other parties of a mixing bridge, or silence. Pure types and helpers; the PBX keeps the
 * timelines (`pbx/hearing.ts`).
 *
 * What a channel hears at a moment, first match wins: nothing while it is muted `out` (ARI mute drops
 * the voice frames written to it), the media playing to it (an ARI playback or the
 * dialplan's Playback()), its music on hold (Asterisk's hold music is the channel's generator: it wins
 * over the bridge's audio, so a bridged caller whose music was never stopped hears the music, not the
 * agent), what a snoop channel picks up of the channel it listens to, the other channels of its mixing or
 * basic bridge, else silence (also alone in a bridge, or in a holding bridge). A whisper comes on top.
 * A party muted `in` (its voice dropped as it is read) is heard by nobody: not in its bridge, not by a snoop.
 */

/** A channel as something heard: one party's voice. */
export interface Party {
  id: string;
  name: string;
}

/** What a snoop channel picks up of the channel it listens to (model/snoop.ts has the directions). */
export interface SnoopHeard {
  kind: "snoop";
  spiedId: string;
  spy: "in" | "out" | "both";
  /** spy `in`/`both`: the snooped channel's own party, what it says. */
  says?: Party;
  /** spy `out`/`both`: what the snooped channel hears (its prompt, music or bridge). */
  hears?: PlainHeard;
}

type PlainHeard =
  | { kind: "prompt"; media: string; playbackId?: string }
  | { kind: "moh"; mohClass: string }
  | { kind: "bridged"; bridgeId: string; parties: Party[] }
  | { kind: "silence" };

/**
 * `whispers`: supervisors whispering to this channel's party through a snoop (a whisper `out` on this
 * channel, or `in` on another channel of its bridge), heard on top of the rest.
 */
export type Heard = (PlainHeard | SnoopHeard) & { whispers?: Party[] };

export type HeardKind = Heard["kind"];

/** One stretch of the same sound: `from`, and `to` once it ended (simulated ms since the PBX started). */
export type HeardSpan = Heard & { from: number; to?: number };

export interface HearingTimeline {
  channelId: string;
  channelName: string;
  /** Simulated ms since the PBX started. */
  createdAt: number;
  endedAt?: number;
  spans: HeardSpan[];
}

const ids = (ps: readonly Party[] | undefined): string => (ps ?? []).map((p) => p.id).join();

export function sameHeard(a: Heard, b: Heard): boolean {
  if (ids(a.whispers) !== ids(b.whispers)) return false;
  switch (a.kind) {
    case "prompt":
      return b.kind === "prompt" && a.media === b.media && a.playbackId === b.playbackId;
    case "moh":
      return b.kind === "moh" && a.mohClass === b.mohClass;
    case "bridged":
      return b.kind === "bridged" && a.bridgeId === b.bridgeId && ids(a.parties) === ids(b.parties);
    case "snoop":
      return b.kind === "snoop" && a.spiedId === b.spiedId && a.spy === b.spy && a.says?.id === b.says?.id && (a.hears && b.hears ? sameHeard(a.hears, b.hears) : a.hears === b.hears);
    case "silence":
      return b.kind === "silence";
  }
}

/**
 * The spans of `kinds` (default silence) within [from, to] (simulated ms; an open span lasts until `now`),
 * clipped to the window, longest first.
 */
export function spansOf(
  timeline: HearingTimeline,
  window: { from?: number; to?: number; now: number },
  kinds: HeardKind[] = ["silence"],
): Array<{ from: number; to: number; ms: number }> {
  const lo = window.from ?? Number.NEGATIVE_INFINITY;
  const hi = window.to ?? Number.POSITIVE_INFINITY;
  const out: Array<{ from: number; to: number; ms: number }> = [];
  for (const s of timeline.spans) {
    if (!kinds.includes(s.kind)) continue;
    const from = Math.max(lo, s.from);
    const to = Math.min(hi, s.to ?? timeline.endedAt ?? window.now);
    if (to > from) out.push({ from, to, ms: to - from });
  }
  return out.sort((a, b) => b.ms - a.ms);
}
