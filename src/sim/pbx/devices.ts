/**
 * Device state: the endpoints configured on the PBX (pjsip.conf) and the phones behind them, custom
 * devices (`Custom:foo`, `Queue:...`), and the state of any device as Asterisk aggregates it from the
 * channels on it.
 */
import type { EndpointConfig, EndpointSnapshot } from "../model/phone.js";
import type { DeviceState } from "../model/types.js";
import type { PbxContext } from "./context.js";

export class Devices {
  private readonly endpoints = new Map<string, EndpointConfig>();
  private readonly customStates = new Map<string, DeviceState>();
  private readonly known = new Set<string>();
  /** The state last published for each endpoint: Asterisk caches them and publishes changes only. */
  private readonly published = new Map<string, DeviceState>();
  private readonly publishHooks: Array<(device: string) => void> = [];

  constructor(private readonly ctx: PbxContext) {}

  /** Configures (or replaces) an endpoint such as `PJSIP/1001`, with the phone behind it. */
  addEndpoint(config: EndpointConfig): void {
    const key = `${config.tech}/${config.resource}`;
    this.endpoints.set(key, { ...config, ...(config.staticContact ? { online: true } : {}) });
    this.known.add(key);
    this.published.delete(key);
    this.schedule(key);
  }

  removeEndpoint(tech: string, resource: string): void {
    const key = `${tech}/${resource}`;
    this.endpoints.delete(key);
    this.published.delete(key);
    this.schedule(key);
  }

  /** Marks the endpoint registered or not (the registrar publishes what goes with it). */
  setEndpointOnline(tech: string, resource: string, online: boolean): void {
    const ep = this.endpoints.get(`${tech}/${resource}`);
    if (!ep) return;
    ep.online = online;
    this.schedule(`${tech}/${resource}`);
  }

  /** The endpoint `Tech/resource` (and the phone behind it), if configured. */
  endpoint(device: string): EndpointConfig | undefined {
    return this.endpoints.get(device);
  }

  /** The endpoint as ARI shows it, or undefined when `Tech/resource` is not configured. */
  endpointSnapshot(device: string): EndpointSnapshot | undefined {
    const ep = this.endpoints.get(device);
    if (!ep) return undefined;
    return {
      technology: ep.tech,
      resource: ep.resource,
      state: ep.online === false ? "offline" : "online",
      channelIds: [...this.ctx.channels.values()].filter((c) => c.device === device && !c.destroyed).map((c) => c.id),
    };
  }

  /** A channel was added to or removed from `device`: a configured endpoint publishes its new snapshot. */
  channelsChanged(device: string): void {
    const endpoint = this.endpointSnapshot(device);
    if (endpoint) this.ctx.emit({ type: "EndpointStateChange", endpoint });
  }

  /** Every configured endpoint (of one technology), by technology and resource. */
  endpointSnapshots(tech?: string): EndpointSnapshot[] {
    return [...this.endpoints.keys()]
      .sort()
      .map((d) => this.endpointSnapshot(d)!)
      .filter((e) => tech === undefined || e.technology === tech);
  }

  /** A channel appeared on `device`: it is known from now on (NOT_INUSE rather than UNKNOWN). */
  noteDevice(device: string): void {
    this.known.add(device);
  }

  /** Calls `hook` after each state `schedule` publishes (app_queue follows its members this way). */
  onPublished(hook: (device: string) => void): void {
    this.publishHooks.push(hook);
  }

  /**
   * Publishes the device's state a moment later (Asterisk computes it on another thread). An
   * endpoint's state is cached: only a change is published (Local devices are not cached and repeat).
   */
  schedule(device: string): void {
    this.known.add(device);
    this.ctx.scheduler.defer(() => {
      const state = this.state(device);
      if (this.endpoints.has(device)) {
        if (this.published.get(device) === state) return;
        this.published.set(device, state);
      }
      this.ctx.emit({ type: "DeviceStateChanged", device, state });
      for (const hook of this.publishHooks) hook(device);
    });
  }

  /** Sets the state of a custom/pseudo device (`Custom:foo`, `Queue:support_avail`, ...). */
  set(device: string, state: DeviceState): void {
    this.customStates.set(device, state);
    this.known.add(device);
    this.ctx.emit({ type: "DeviceStateChanged", device, state });
  }

  /** The state last set on a custom device. */
  customState(device: string): DeviceState | undefined {
    return this.customStates.get(device);
  }

  state(device: string): DeviceState {
    const custom = this.customStates.get(device);
    if (custom) return custom;
    if (device.startsWith("Local/")) return this.localState(device);
    // no device state provider for snoop channels: INVALID (ami-24)
    if (device.startsWith("Snoop/")) return "INVALID";
    const ep = this.endpoints.get(device);
    if (ep && ep.online === false) return "UNAVAILABLE";
    let inuse = false;
    let ringing = false;
    let busy = false;
    // chan_pjsip counts the channels that are up, ringing in (Ring) or busy against device_state_busy_at;
    // Asterisk 22.10.1 showed a phone it was calling (Ringing) BUSY too (ws-20 B and C, busy_at 1)
    let counted = 0;
    for (const c of this.ctx.channels.values()) {
      if (c.device !== device || c.destroyed) continue;
      if (c.state === "Up" || c.state === "Ring" || c.state === "Ringing" || c.state === "Busy") counted++;
      if (c.state === "Ringing" || c.state === "Pre-ring") ringing = true;
      else if (c.state === "Busy") busy = true;
      else if (c.state !== "Down") inuse = true;
      else if (c.dial) inuse = true;
    }
    if (ep?.deviceStateBusyAt && counted === ep.deviceStateBusyAt) return "BUSY";
    if (ringing && inuse) return "RINGINUSE";
    if (ringing) return "RINGING";
    if (inuse) return "INUSE";
    if (busy) return "BUSY";
    if (!ep) return this.known.has(device) ? "NOT_INUSE" : "UNKNOWN";
    return "NOT_INUSE";
  }

  /**
   * The device-state cache (AMI DeviceStateList): the configured endpoints and the custom and
   * pseudo devices. Local devices and channels on unconfigured endpoints are never cached.
   */
  list(): Array<{ device: string; state: DeviceState }> {
    const devices = new Set([...this.endpoints.keys(), ...this.customStates.keys()]);
    return [...devices].sort().map((device) => ({ device, state: this.state(device) }));
  }

  /** `Local/exten@context`: INVALID without that extension, INUSE while a `;1` half exists. */
  private localState(device: string): DeviceState {
    const m = /^Local\/([^@]*)@(.*)$/.exec(device);
    if (!m || !this.ctx.dialplan.exists(m[2]!, m[1]!, 1)) return "INVALID";
    for (const c of this.ctx.channels.values()) if (c.device === device && c.localHalf === 1 && !c.destroyed) return "INUSE";
    return "NOT_INUSE";
  }
}
