/**
 * ARI hold and mute of a channel (`POST`/`DELETE /channels/{id}/hold`, `.../mute?direction=`), as recorded
 * (ws-19, ami-26):
 *
 * - Hold is `ast_indicate(HOLD)` towards the channel: its own music on hold starts (AMI MusicOnHoldStart,
 *   class `default`), no ChannelHold event; holding twice starts it once, unholding a channel not held
 *   does nothing.
 * - Mute suppresses voice frames in a direction (`in`: read from the channel, `out`: written to it) with
 *   one frame hook per channel: no event, nothing in the snapshot. Attaching that hook (the first
 *   direction muted) and detaching it (the last one unmuted) reconfigure the channel's bridge, which
 *   publishes every BRIDGEPEER again; changing directions while the hook stays publishes nothing.
 */
import type { Channel } from "../model/channel.js";
import type { Bridging } from "./bridging.js";
import type { PbxContext } from "./context.js";
import type { Hearing } from "./hearing.js";
import type { Media } from "./media.js";

export type MuteDirection = "in" | "out" | "both";

const sides = (d: MuteDirection): Array<"in" | "out"> => (d === "both" ? ["in", "out"] : [d]);
const hooked = (c: Channel): boolean => c.muted.in || c.muted.out;

export class HoldMute {
  constructor(
    private readonly ctx: PbxContext,
    private readonly parts: { media: Media; bridging: Bridging; hearing: Hearing },
  ) {}

  hold(c: Channel): void {
    if (c.held) return;
    c.held = true;
    this.parts.media.startMoh(c, "default");
  }

  unhold(c: Channel): void {
    if (!c.held) return;
    c.held = false;
    this.parts.media.stopMoh(c);
  }

  mute(c: Channel, direction: MuteDirection): void {
    this.change(c, direction, true);
  }

  unmute(c: Channel, direction: MuteDirection): void {
    this.change(c, direction, false);
  }

  private change(c: Channel, direction: MuteDirection, on: boolean): void {
    const before = hooked(c);
    for (const side of sides(direction)) c.muted[side] = on;
    if (hooked(c) !== before) {
      const b = c.bridgeId ? this.ctx.bridges.get(c.bridgeId) : undefined;
      if (b && b.parties() >= 2) this.parts.bridging.refreshPeers(b, true);
    }
    // what the channel and its bridge's parties hear may have changed; nothing is published for it
    const b = c.bridgeId ? this.ctx.bridges.get(c.bridgeId) : undefined;
    for (const id of new Set([c.id, ...(b?.channels ?? [])])) {
      const party = this.ctx.channels.get(id);
      if (party) this.parts.hearing.refresh(party);
    }
  }
}
