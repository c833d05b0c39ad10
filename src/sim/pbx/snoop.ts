/**
 * Snoop channels (`res_stasis_snoop`): ARI `POST /channels/{id}/snoop[/{snoopId}]` makes `Snoop/<snooped
 * id>-<n>`, up at once, whose own thread runs `Stasis(<app>,<appArgs>)` (dialplan `default,s,1`), so it ends
 * as a dialplan channel does: ChannelHangupRequest and StasisEnd, never ChannelDestroyed (ws-17). Attaching
 * and detaching its hooks reconfigures the snooped channel's bridge (every BRIDGEPEER published again); AMI
 * has ChanSpyStart / ChanSpyStop. When the snooped channel goes, its snoops leave their bridges and end.
 */
import { Channel } from "../model/channel.js";
import type { SnoopDirection, SnoopLink, SnoopSnapshot } from "../model/snoop.js";
import { CAUSE, type ChannelSnapshot } from "../model/types.js";
import type { Bridging } from "./bridging.js";
import type { ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import { PbxError } from "./errors.js";
import type { Stasis } from "./stasis.js";

export interface SnoopRequest {
  spy: SnoopDirection;
  whisper: SnoopDirection;
  app: string;
  appArgs: string[];
  /** The client's id for the snoop channel (`/snoop/{snoopId}`). */
  snoopId?: string | undefined;
}

/** Ended snoops kept for `SimPbx.snoops()` (oldest dropped first). */
const KEEP_ENDED = 1000;

export class Snooping {
  private readonly history = new Map<string, SnoopSnapshot>();
  /** Snoops out of Stasis whose hangup waits for their whisper hook to detach (see `thread`). */
  private readonly lingering = new Map<string, () => void>();
  /** The last snapshot of a snooped channel that is going: ChanSpyStop still names it (ami-24). */
  private readonly departed = new Map<string, ChannelSnapshot>();

  constructor(
    private readonly ctx: PbxContext,
    private readonly parts: { channels: ChannelCore; stasis: Stasis; bridging: Bridging },
  ) {
    ctx.onEvent((e) => {
      if (e.type !== "ChannelHangupRequest" && e.type !== "ChannelDestroyed") return;
      const id = e.channel.id;
      if (![...ctx.snoops.values()].some((l) => l.spiedId === id)) return;
      this.departed.set(id, e.channel);
      // the snoop's thread notices its audiohook stopped on its next read, after the snooped channel's own events
      ctx.scheduler.defer(() => this.spiedGone(id));
    });
  }

  /** Every snoop channel so far, live ones first in creation order, then the ended ones. */
  list(): SnoopSnapshot[] {
    return [...this.history.values()].map((s) => structuredClone(s));
  }

  /**
   * Makes the snoop channel and starts its Stasis(). The counter of snoop names advances before the id is
   * checked, as `stasis_app_control_snoop` does. Throws `internal` for a snoop id already taken.
   */
  create(spied: Channel, req: SnoopRequest): Channel {
    const suffix = this.parts.channels.nextNameSuffix("Snoop");
    if (req.snoopId !== undefined && this.ctx.channels.has(req.snoopId)) throw new PbxError("internal", "Snoop channel could not be created");
    const c = new Channel(req.snoopId ?? this.parts.channels.newUniqueId(), `Snoop/${spied.id}-${suffix}`, "Snoop", "Up", "default", "s", `Snoop/${spied.id}`);
    c.answeredAt = Date.now();
    // its own thread runs it and hangs it up once Stasis() returns
    c.runsPbx = true;
    const link: SnoopLink = { spiedId: spied.id, spiedName: spied.name, spy: req.spy, whisper: req.whisper, app: req.app, args: [...req.appArgs] };
    this.ctx.snoops.set(c.id, link);
    this.history.set(c.id, { ...link, id: c.id, name: c.name, createdAt: this.ctx.scheduler.now() });
    this.parts.channels.add(c);
    this.reconfigure(spied);
    this.ctx.emit({ type: "ChanSpyStart", spyer: c.snapshot(), spyee: spied.snapshot() });
    c.appName = c.lastApp = "Stasis";
    c.appData = c.lastData = [req.app, ...req.appArgs].join(",");
    this.ctx.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: c.appName, appData: c.appData });
    void this.thread(c, link);
    return c;
  }

  /**
   * Stasis() until the app hangs the snoop up (or the snooped channel goes), then the hangup: at once for a
   * listening snoop, its detach reconfiguring the snooped channel's bridge; a whispering one waits until
   * its whisper hook detaches, which takes audio written to the snooped channel: as recorded (ws-17, a phone
   * sent nothing), the simulator lets it go with the snooped channel.
   */
  private async thread(c: Channel, link: SnoopLink): Promise<void> {
    await this.parts.stasis.run(c, link.app, link.args, true);
    if (this.ctx.stopped) return;
    const spied = this.ctx.channels.get(link.spiedId);
    if (link.whisper !== "none" && spied && !spied.hangupPending) await new Promise<void>((r) => this.lingering.set(c.id, r));
    else await new Promise<void>((r) => this.ctx.scheduler.defer(r));
    this.end(c, link);
  }

  private end(c: Channel, link: SnoopLink): void {
    if (c.destroyed || this.ctx.stopped) return;
    this.ctx.snoops.delete(c.id);
    const kept = this.history.get(c.id);
    if (kept) kept.endedAt = this.ctx.scheduler.now();
    this.forgetEnded();
    const spied = this.ctx.channels.get(link.spiedId);
    if (spied && !spied.hangupPending) this.reconfigure(spied);
    const spyee = spied?.snapshot() ?? this.departed.get(link.spiedId);
    if (![...this.ctx.snoops.values()].some((l) => l.spiedId === link.spiedId)) this.departed.delete(link.spiedId);
    this.ctx.emit({ type: "ChanSpyStop", spyer: c.snapshot(), ...(spyee ? { spyee } : {}) });
    if (!c.causeSet) {
      c.hangupCause = CAUSE.NORMAL;
      c.causeSet = true;
    }
    c.runsPbx = false;
    this.parts.channels.destroy(c);
  }

  /** The snooped channel is hanging up: its snoops read nothing more and end (no hangup request of their own). */
  private spiedGone(spiedId: string): void {
    for (const [id, link] of [...this.ctx.snoops]) {
      if (link.spiedId !== spiedId) continue;
      const wake = this.lingering.get(id);
      if (wake) {
        this.lingering.delete(id);
        wake();
        continue;
      }
      const s = this.ctx.channels.get(id);
      if (!s || s.hangupPending) continue;
      s.hangupCause = CAUSE.NORMAL;
      s.causeSet = true;
      this.parts.channels.requestHangup(s);
    }
  }

  /** A hook attached to or detached from a bridged channel: the bridge is reconfigured (ws-17). */
  private reconfigure(spied: Channel): void {
    const b = spied.bridgeId ? this.ctx.bridges.get(spied.bridgeId) : undefined;
    if (b && b.parties() >= 2) this.parts.bridging.refreshPeers(b, true);
  }

  private forgetEnded(): void {
    const ended = [...this.history.values()].filter((s) => s.endedAt !== undefined);
    for (const s of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) this.history.delete(s.id);
  }
}
