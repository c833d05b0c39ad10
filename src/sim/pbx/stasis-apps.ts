/**
 * The Stasis applications the WebSockets registered, what each is subscribed to, and so which apps
 * an event is delivered to over ARI.
 */
import type { PbxEventInput } from "../model/events.js";
import type { ChannelSnapshot } from "../model/types.js";

export interface StasisAppInfo {
  name: string;
  active: boolean;
  subscribeAll: boolean;
  channelIds: string[];
  bridgeIds: string[];
  /** Endpoints (`PJSIP/1001`) or technologies (`PJSIP`) the app subscribed to. */
  endpointIds: string[];
  deviceNames: string[];
}

interface StasisApp {
  name: string;
  active: boolean;
  subscribeAll: boolean;
  channels: Set<string>;
  bridges: Set<string>;
  endpoints: Set<string>;
  devices: Set<string>;
}

/** What `POST /applications/{app}/subscription` can subscribe to (`channel:`, `bridge:`, `endpoint:`, `deviceState:`). */
export type EventSourceKind = "channel" | "bridge" | "endpoint" | "deviceState";

/** Events no Stasis app receives whatever it subscribed to (AMI-only or not published over ARI). */
const NEVER_OVER_ARI = new Set<PbxEventInput["type"]>([
  "LocalBridge",
  "DtmfBegin",
  "MohStart",
  "MohStop",
  "Cdr",
  "OriginateResult",
  "Shutdown",
  "Reload",
  "SipSecurity",
  "QueueCallerJoin",
  "QueueCallerLeave",
  "QueueCallerAbandon",
  "AgentCalled",
  "AgentRingNoAnswer",
  "AgentConnect",
  "AgentComplete",
  "QueueMemberStatus",
  "QueueMemberAdded",
  "QueueMemberRemoved",
  "QueueMemberPause",
  "ChanSpyStart",
  "ChanSpyStop",
]);

/** The channels (with the endpoints they are on) and the bridge an event is about. */
function subjects(e: PbxEventInput): { channelIds: string[]; endpointIds: string[]; bridgeId: string | undefined } {
  const channels: ChannelSnapshot[] = [];
  const channelIds: string[] = [];
  let bridgeId: string | undefined;
  if ("channel" in e && e.channel && typeof e.channel === "object" && "id" in e.channel) channels.push(e.channel);
  if (e.type === "Dial") {
    channels.push(e.peer);
    if (e.caller) channels.push(e.caller);
  }
  if ("bridge" in e && e.bridge) bridgeId = e.bridge.id;
  // a recording's messages go to its bridge's topic (resource_bridges.c forwards the recorder's topic there)
  const target = "playback" in e && e.playback ? e.playback.targetUri : "recording" in e && e.recording ? e.recording.targetUri : undefined;
  if (target?.startsWith("channel:")) channelIds.push(target.slice(8));
  else if (target?.startsWith("bridge:")) bridgeId = target.slice(7);
  channelIds.push(...channels.map((c) => c.id));
  // `PJSIP/1001-0000000a` is on endpoint `PJSIP/1001` (Local channels are on none)
  const endpointIds = channels.filter((c) => c.tech !== "Local").map((c) => c.name.replace(/-[0-9a-f]+$/, ""));
  return { channelIds, endpointIds, bridgeId };
}

export class StasisApps {
  private readonly apps = new Map<string, StasisApp>();

  /**
   * A WebSocket registered `name` (or re-registered it). Asterisk keeps the app while it has
   * channels even without a WebSocket; it is only active while one is connected.
   */
  register(name: string, opts: { subscribeAll?: boolean } = {}): void {
    const app = this.apps.get(name) ?? { name, active: false, subscribeAll: false, channels: new Set(), bridges: new Set(), endpoints: new Set(), devices: new Set() };
    app.active = true;
    app.subscribeAll = !!opts.subscribeAll;
    this.apps.set(name, app);
  }

  /** The app's WebSocket went away. */
  deactivate(name: string): void {
    const app = this.apps.get(name);
    if (!app) return;
    app.active = false;
    this.forgetIfIdle(app);
  }

  isActive(name: string): boolean {
    return this.apps.get(name)?.active === true;
  }

  info(name: string): StasisAppInfo | undefined {
    const a = this.apps.get(name);
    if (!a) return undefined;
    return {
      name: a.name,
      active: a.active,
      subscribeAll: a.subscribeAll,
      channelIds: [...a.channels].sort(),
      bridgeIds: [...a.bridges].sort(),
      endpointIds: [...a.endpoints],
      deviceNames: [...a.devices],
    };
  }

  list(): StasisAppInfo[] {
    return [...this.apps.keys()].sort().map((n) => this.info(n)!);
  }

  subscribe(appName: string, channelId: string): void {
    // originating into an app that no WebSocket registered subscribes nothing (Stasis() then fails)
    this.apps.get(appName)?.channels.add(channelId);
  }

  /**
   * `POST /applications/{app}/subscription?eventSource=<kind>:<id>` (the source is known to exist).
   * False when no such app is registered.
   */
  subscribeSource(appName: string, kind: EventSourceKind, id: string): boolean {
    const app = this.apps.get(appName);
    if (!app) return false;
    this.sourceSet(app, kind).add(id);
    return true;
  }

  /**
   * `DELETE /applications/{app}/subscription`. An endpoint stays subscribed: Asterisk 22.10.1 still
   * lists it in the reply's `endpoint_ids` (ari-ws/ws-12), so the simulator keeps delivering its events.
   */
  unsubscribeSource(appName: string, kind: EventSourceKind, id: string): "ok" | "no-app" | "not-subscribed" {
    const app = this.apps.get(appName);
    if (!app) return "no-app";
    const set = this.sourceSet(app, kind);
    if (!set.has(id)) return "not-subscribed";
    if (kind !== "endpoint") set.delete(id);
    return "ok";
  }

  /** A channel that ran Stasis() from the dialplan left the app. */
  unsubscribe(appName: string, channelId: string): void {
    const app = this.apps.get(appName);
    if (!app) return;
    app.channels.delete(channelId);
    this.forgetIfIdle(app);
  }

  /** A Stasis channel of `appName` entered the bridge: the app follows the bridge from now on. */
  subscribeBridge(appName: string, bridgeId: string): void {
    this.apps.get(appName)?.bridges.add(bridgeId);
  }

  /** The channel is gone: no app follows it any more. */
  dropChannel(channelId: string): void {
    for (const app of this.apps.values()) {
      app.channels.delete(channelId);
      this.forgetIfIdle(app);
    }
  }

  /** The bridge is gone: no app follows it any more. */
  dropBridge(bridgeId: string): void {
    for (const app of this.apps.values()) {
      app.bridges.delete(bridgeId);
      this.forgetIfIdle(app);
    }
  }

  /** The apps Asterisk delivers `e` to: its own app, or those subscribed to one of its channels or its bridge. */
  recipients(e: PbxEventInput): string[] {
    if (NEVER_OVER_ARI.has(e.type)) return [];
    if (e.type === "StasisStart" || e.type === "StasisEnd") return this.apps.has(e.app) ? [e.app] : [];
    if (e.type === "DeviceStateChanged") return [...this.apps.values()].filter((a) => a.subscribeAll || a.devices.has(e.device)).map((a) => a.name);
    if (e.type === "EndpointStateChange" || e.type === "PeerStatusChange" || e.type === "ContactStatusChange") {
      const { technology, resource } = e.endpoint;
      const id = `${technology}/${resource}`;
      return [...this.apps.values()].filter((a) => a.subscribeAll || a.endpoints.has(id) || a.endpoints.has(technology)).map((a) => a.name);
    }
    if (e.type === "DtmfEnd" && e.direction !== "Received") return [];
    const { channelIds, endpointIds, bridgeId } = subjects(e);
    const out: string[] = [];
    for (const app of this.apps.values()) {
      if (
        app.subscribeAll ||
        channelIds.some((id) => app.channels.has(id)) ||
        (bridgeId !== undefined && app.bridges.has(bridgeId)) ||
        // an endpoint's topic carries its channels' messages too
        (app.endpoints.size > 0 && endpointIds.some((id) => app.endpoints.has(id) || app.endpoints.has(id.slice(0, id.indexOf("/")))))
      )
        out.push(app.name);
    }
    return out;
  }

  private sourceSet(app: StasisApp, kind: EventSourceKind): Set<string> {
    if (kind === "channel") return app.channels;
    if (kind === "bridge") return app.bridges;
    return kind === "endpoint" ? app.endpoints : app.devices;
  }

  /** An app with no socket is kept while it follows anything (Asterisk keeps it while it has forwards). */
  private forgetIfIdle(app: StasisApp): void {
    if (!app.active && app.channels.size === 0 && app.bridges.size === 0 && app.endpoints.size === 0 && app.devices.size === 0) this.apps.delete(app.name);
  }
}
