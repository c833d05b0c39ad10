/**
 * The Stasis applications the WebSockets registered, what each is subscribed to, and so which apps
 * an event is delivered to over ARI.
 */
import type { PbxEventInput } from "../model/events.js";

export interface StasisAppInfo {
  name: string;
  active: boolean;
  subscribeAll: boolean;
  channelIds: string[];
  bridgeIds: string[];
}

interface StasisApp {
  name: string;
  active: boolean;
  subscribeAll: boolean;
  channels: Set<string>;
  bridges: Set<string>;
}

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
]);

export class StasisApps {
  private readonly apps = new Map<string, StasisApp>();

  /**
   * A WebSocket registered `name` (or re-registered it). Asterisk keeps the app while it has
   * channels even without a WebSocket; it is only active while one is connected.
   */
  register(name: string, opts: { subscribeAll?: boolean } = {}): void {
    const app = this.apps.get(name) ?? { name, active: false, subscribeAll: false, channels: new Set(), bridges: new Set() };
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
    };
  }

  list(): StasisAppInfo[] {
    return [...this.apps.keys()].sort().map((n) => this.info(n)!);
  }

  subscribe(appName: string, channelId: string): void {
    // originating into an app that no WebSocket registered subscribes nothing (Stasis() then fails)
    this.apps.get(appName)?.channels.add(channelId);
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
    if (e.type === "DeviceStateChanged") return [...this.apps.values()].filter((a) => a.subscribeAll).map((a) => a.name);
    if (e.type === "DtmfEnd" && e.direction !== "Received") return [];
    const channelIds: string[] = [];
    let bridgeId: string | undefined;
    if ("channel" in e && e.channel && typeof e.channel === "object" && "id" in e.channel) channelIds.push(e.channel.id);
    if (e.type === "Dial") {
      channelIds.push(e.peer.id);
      if (e.caller) channelIds.push(e.caller.id);
    }
    if ("bridge" in e && e.bridge) bridgeId = e.bridge.id;
    if ("playback" in e && e.playback) {
      const t = e.playback.targetUri;
      if (t.startsWith("channel:")) channelIds.push(t.slice(8));
      else if (t.startsWith("bridge:")) bridgeId = t.slice(7);
    }
    const out: string[] = [];
    for (const app of this.apps.values()) {
      if (
        app.subscribeAll ||
        channelIds.some((id) => app.channels.has(id)) ||
        (bridgeId !== undefined && app.bridges.has(bridgeId))
      )
        out.push(app.name);
    }
    return out;
  }

  private forgetIfIdle(app: StasisApp): void {
    if (!app.active && app.channels.size === 0 && app.bridges.size === 0) this.apps.delete(app.name);
  }
}
