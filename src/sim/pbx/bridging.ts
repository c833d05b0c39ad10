/**
 * Bridges: the mixing and holding bridges ARI creates, and the basic bridge Queue() joins a caller
 * and an agent in. Entering and leaving keep `BRIDGEPEER` and the Stasis subscriptions up to date.
 */
import { randomUUID } from "node:crypto";
import { Bridge, BRIDGE_TYPE_FLAGS } from "../model/bridge.js";
import type { Channel } from "../model/channel.js";
import type { BridgeSnapshot } from "../model/types.js";
import type { PbxContext } from "./context.js";
import { PbxError } from "./errors.js";
import { notifyMedia } from "./media.js";
import type { StasisApps } from "./stasis-apps.js";
import type { ChannelVariables } from "./variables.js";

export class Bridging {
  constructor(
    private readonly ctx: PbxContext,
    private readonly vars: ChannelVariables,
    private readonly apps: StasisApps,
  ) {}

  /**
   * ARI POST /bridges. `types` is the comma-separated type list (`mixing`, `holding`,
   * `dtmf_events`, ...). Throws `conflict` on a duplicate id and `bridge-create-failed` on a bad type.
   */
  create(opts: { bridgeId?: string; types?: string[]; name?: string } = {}): BridgeSnapshot {
    const types = (opts.types ?? []).map((t) => t.trim()).filter((t) => t !== "");
    if (opts.bridgeId !== undefined && this.ctx.bridges.has(opts.bridgeId))
      throw new PbxError("conflict", `Bridge with id '${opts.bridgeId}' already exists`);
    if (types.some((t) => !BRIDGE_TYPE_FLAGS.has(t)))
      throw new PbxError("bridge-create-failed", `Unable to create bridge. Possible duplicate bridge id '${opts.bridgeId ?? "(null)"}'`);
    const kind = types.includes("holding") && !types.includes("mixing") ? "holding" : "mixing";
    const b = this.open(new Bridge(opts.bridgeId ?? randomUUID(), kind, opts.name ?? ""));
    return b.snapshot();
  }

  /** The basic bridge the dialplan makes to connect two channels (Queue()). */
  createBasic(): Bridge {
    return this.open(new Bridge(randomUUID(), "basic", "", "", "basic"));
  }

  get(id: string): BridgeSnapshot | undefined {
    return this.ctx.bridges.get(id)?.snapshot();
  }

  list(): BridgeSnapshot[] {
    return [...this.ctx.bridges.values()].map((b) => b.snapshot());
  }

  /**
   * ARI addChannel. Throws `not-found` (bridge), `bad-request` "Channel not found" (unknown
   * channel), `not-in-stasis` (a channel that is not in a Stasis app).
   */
  addChannels(bridgeId: string, channelIds: string[], role?: string): void {
    const b = this.mustFind(bridgeId);
    const chans = this.channelsNamed(channelIds);
    for (const c of chans) if (!c.stasis) throw new PbxError("not-in-stasis", "Channel not in Stasis application");
    for (const c of chans) {
      if (c.bridgeId === b.id) continue;
      if (c.bridgeId) this.leave(c);
      if (role) b.roles.set(c.id, role);
      this.enter(b, c);
    }
  }

  /** ARI removeChannel. Throws `not-found`, `bad-request` (unknown channel), `not-in-bridge`. */
  removeChannels(bridgeId: string, channelIds: string[]): void {
    const b = this.mustFind(bridgeId);
    const chans = this.channelsNamed(channelIds);
    for (const c of chans) if (c.bridgeId !== b.id) throw new PbxError("not-in-bridge", "Channel not in this bridge");
    for (const c of chans) this.leave(c);
  }

  enter(b: Bridge, c: Channel): void {
    b.channels.push(c.id);
    b.settle();
    c.bridgeId = b.id;
    if (c.stasis) this.apps.subscribeBridge(c.stasis.app, b.id);
    this.shareOldestLinkedId(b);
    this.ctx.emit({ type: "ChannelEnteredBridge", bridge: b.snapshot(), channel: c.snapshot() });
    if (b.parties() >= 2) this.refreshPeers(b);
    if (b.parties() === 2) this.exchangeConnectedLines(b);
    notifyMedia(c, "bridge");
  }

  /**
   * Each member's BRIDGEPEER: the other parties, the recorder first (ws-18: `Recorder/ARI-<n>;2,PJSIP/...`).
   * `force`: published also where unchanged, as a bridge's reconfiguration does (a snoop attaching to or
   * detaching from a member, ws-17).
   */
  refreshPeers(b: Bridge, force = false): void {
    for (const id of b.channels) {
      const member = this.ctx.channels.get(id);
      if (!member) continue;
      const others = b.channels.filter((x) => x !== id).map((x) => this.ctx.channels.get(x)?.name ?? "");
      const peers = [...(b.recorder ? [b.recorder.name] : []), ...others].join(",");
      if (force || member.vars.get("BRIDGEPEER") !== peers) this.vars.set(member, "BRIDGEPEER", peers);
    }
  }

  /** The recorder joins (`record`) or leaves (the recording ended) a bridge: the parties' BRIDGEPEER follow. */
  setRecorder(b: Bridge, recorder: { id: string; name: string } | undefined): void {
    b.recorder = recorder ? { ...recorder, shown: false } : undefined;
    b.settle();
    if (b.parties() >= 2) this.refreshPeers(b);
    if (b.parties() === 2) this.exchangeConnectedLines(b);
  }

  /** Called when a leave leaves the recorder alone in its bridge (it is pushed in LONELY: it goes too). */
  onRecorderAlone: (b: Bridge) => void = () => {};

  /**
   * Every channel of a bridge takes the oldest linked id among them, before the entering channel's
   * BridgeEnter is published (ami-17: the younger caller's BridgeEnter already shows the older's).
   */
  private shareOldestLinkedId(b: Bridge): void {
    const members = b.channels.map((id) => this.ctx.channels.get(id)).filter((m): m is Channel => m !== undefined);
    const age = (m: Channel): number => this.ctx.channels.get(m.linkedId)?.creationTime ?? m.creationTime;
    const oldest = members.reduce<Channel | undefined>((o, m) => (o === undefined || age(m) < age(o) ? m : o), undefined);
    if (oldest) for (const m of members) m.linkedId = oldest.linkedId;
  }

  /**
   * Two parties in a bridge: each one's connected line becomes the other's caller id, published where it
   * changed (ws-14 part 3: ChannelConnectedLine for both, after their BRIDGEPEER). The recorder is a party
   * without a caller id (ws-18: the caller left with it shows an empty connected line).
   */
  private exchangeConnectedLines(b: Bridge): void {
    const members = b.channels.map((id) => this.ctx.channels.get(id)).filter((m): m is Channel => m !== undefined);
    const blank = { name: "", number: "" };
    const updates: Array<[Channel, { name: string; number: string }]> =
      members.length === 2 ? [[members[0]!, members[1]!.caller], [members[1]!, members[0]!.caller]] : members.length === 1 && b.recorder ? [[members[0]!, blank]] : [];
    const changed = updates.filter(([m, other]) => m.connected.number !== other.number || m.connected.name !== other.name);
    for (const [m, other] of changed) m.connected = { ...other };
    for (const [m] of changed) this.ctx.emit({ type: "ChannelConnectedLine", channel: m.snapshot() });
  }

  /**
   * `c` leaves its bridge. The snapshot published shows the technology from before (re-evaluated after);
   * the remaining parties' BRIDGEPEER follow at once when two or more are left, their connected lines a
   * moment later (ws-18: after the leaving channel's StasisEnd, before its ChannelDestroyed).
   */
  leave(c: Channel): void {
    const b = c.bridgeId ? this.ctx.bridges.get(c.bridgeId) : undefined;
    c.bridgeId = undefined;
    if (!b) return;
    if (c.vars.get("BRIDGEPEER")) this.vars.set(c, "BRIDGEPEER", "");
    const i = b.channels.indexOf(c.id);
    if (i >= 0) b.channels.splice(i, 1);
    b.roles.delete(c.id);
    const recorderAlone = b.recorder !== undefined && b.channels.length === 0;
    if (recorderAlone) b.recorder!.shown = true;
    this.ctx.emit({ type: "ChannelLeftBridge", bridge: b.snapshot(), channel: c.snapshot() });
    b.settle();
    if (b.parties() >= 2) {
      this.refreshPeers(b);
      if (b.parties() === 2) queueMicrotask(() => this.exchangeConnectedLines(b));
    }
    if (recorderAlone) this.onRecorderAlone(b);
  }

  /**
   * ARI DELETE /bridges/{id}: channels still in it leave (and stay in Stasis): every BRIDGEPEER is
   * cleared first, then they leave, the last to enter first. Their apps followed the bridge through
   * them and stop with their leaving, so they see no BridgeDestroyed (ws-14 part 3); an app whose
   * channels had already hung up in it does (ws-03).
   */
  destroy(bridgeId: string): void {
    const b = this.mustFind(bridgeId);
    const members = b.channels.map((id) => this.ctx.channels.get(id)).filter((m): m is Channel => m !== undefined);
    for (const m of members) if (m.vars.get("BRIDGEPEER")) this.vars.set(m, "BRIDGEPEER", "");
    for (const m of members.reverse()) this.leave(m);
    // a recorder in a bridge no channel is in any more is alone as well: its recording ends
    if (b.recorder && !b.recorder.shown) {
      b.recorder.shown = true;
      this.onRecorderAlone(b);
    }
    if (members.some((m) => m.stasis)) this.apps.dropBridge(b.id);
    this.close(b);
    this.apps.dropBridge(b.id);
  }

  /** Ends a bridge whose channels have left: BridgeDestroyed, and it is gone. */
  close(b: Bridge): void {
    b.destroyed = true;
    this.ctx.emit({ type: "BridgeDestroyed", bridge: b.snapshot() });
    this.ctx.bridges.delete(b.id);
  }

  private open(b: Bridge): Bridge {
    this.ctx.bridges.set(b.id, b);
    this.ctx.emit({ type: "BridgeCreated", bridge: b.snapshot() });
    return b;
  }

  private mustFind(bridgeId: string): Bridge {
    const b = this.ctx.bridges.get(bridgeId);
    if (!b) throw new PbxError("not-found", "Bridge not found");
    return b;
  }

  private channelsNamed(channelIds: string[]): Channel[] {
    return channelIds.map((id) => {
      const c = this.ctx.channels.get(id);
      if (!c) throw new PbxError("bad-request", "Channel not found");
      return c;
    });
  }
}
