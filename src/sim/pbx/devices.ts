/**
 * Device state: the phones registered on the PBX, custom devices (`Custom:foo`, `Queue:...`), and
 * the state of any device as Asterisk aggregates it from the channels on it.
 */
import type { EndpointConfig } from "../model/phone.js";
import type { DeviceState } from "../model/types.js";
import type { PbxContext } from "./context.js";

export interface EndpointListing {
  tech: string;
  resource: string;
  state: DeviceState;
  channelIds: string[];
}

export class Devices {
  private readonly endpoints = new Map<string, EndpointConfig>();
  private readonly customStates = new Map<string, DeviceState>();
  private readonly known = new Set<string>();
  private readonly publishHooks: Array<(device: string) => void> = [];

  constructor(private readonly ctx: PbxContext) {}

  /** Registers (or replaces) a simulated phone such as `PJSIP/1001`. */
  addEndpoint(config: EndpointConfig): void {
    const key = `${config.tech}/${config.resource}`;
    this.endpoints.set(key, { ...config });
    this.known.add(key);
    this.schedule(key);
  }

  removeEndpoint(tech: string, resource: string): void {
    const key = `${tech}/${resource}`;
    this.endpoints.delete(key);
    this.schedule(key);
  }

  setEndpointOnline(tech: string, resource: string, online: boolean): void {
    const ep = this.endpoints.get(`${tech}/${resource}`);
    if (!ep) return;
    ep.online = online;
    this.schedule(`${tech}/${resource}`);
  }

  /** The registered phone behind `Tech/resource`, if any. */
  endpoint(device: string): EndpointConfig | undefined {
    return this.endpoints.get(device);
  }

  listEndpoints(): EndpointListing[] {
    return [...this.endpoints.values()].map((config) => {
      const dev = `${config.tech}/${config.resource}`;
      return {
        tech: config.tech,
        resource: config.resource,
        state: this.state(dev),
        channelIds: [...this.ctx.channels.values()].filter((c) => c.device === dev).map((c) => c.id),
      };
    });
  }

  /** A channel appeared on `device`: it is known from now on (NOT_INUSE rather than UNKNOWN). */
  noteDevice(device: string): void {
    this.known.add(device);
  }

  /** Calls `hook` after each state `schedule` publishes (app_queue follows its members this way). */
  onPublished(hook: (device: string) => void): void {
    this.publishHooks.push(hook);
  }

  /** Publishes the device's state a moment later (Asterisk computes it on another thread). */
  schedule(device: string): void {
    this.known.add(device);
    this.ctx.scheduler.defer(() => {
      this.ctx.emit({ type: "DeviceStateChanged", device, state: this.state(device) });
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
    const ep = this.endpoints.get(device);
    if (ep && ep.online === false) return "UNAVAILABLE";
    let inuse = false;
    let ringing = false;
    let busy = false;
    for (const c of this.ctx.channels.values()) {
      if (c.device !== device || c.destroyed) continue;
      if (c.state === "Ringing" || c.state === "Pre-ring") ringing = true;
      else if (c.state === "Busy") busy = true;
      else if (c.state !== "Down") inuse = true;
      else if (c.dial) inuse = true;
    }
    if (ringing && inuse) return "RINGINUSE";
    if (ringing) return "RINGING";
    if (inuse) return "INUSE";
    if (busy) return "BUSY";
    if (!ep) return this.known.has(device) ? "NOT_INUSE" : "UNKNOWN";
    return "NOT_INUSE";
  }

  /** Every device the PBX knows of, with its current state (AMI DeviceStateList). */
  list(): Array<{ device: string; state: DeviceState }> {
    const devices = new Set([...this.known, ...this.endpoints.keys(), ...this.customStates.keys()]);
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
