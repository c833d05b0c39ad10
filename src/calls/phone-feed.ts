import type { Logger } from "../lib/logger.js";
import type { CallerQueue, DeviceState } from "../queue/index.js";
import { phoneState } from "./device-states.js";

/** What ARI tells of an endpoint: registered or not, and whether it has channels. */
export type EndpointReport = "offline" | "idle" | "busy";

export interface PhoneFeedDeps {
  /** The agents' phones on this server (e.g. PJSIP/1001): only their states matter to the queue. */
  endpoints: ReadonlySet<string>;
  queue: CallerQueue;
  /** A phone became reachable or unreachable: the queue may dispatch again. */
  changed(): void;
  logger: Logger;
}

/**
 * One server's agent phones as the queue sees them, from two sources: AMI device states
 * (DeviceStateList, DeviceStateChange) and ARI endpoint states (GET /endpoints, EndpointStateChange).
 * ARI says whether the phone is registered and has channels; AMI says more (ringing, busy, on hold), so
 * while AMI has reported a phone its state wins, except that an endpoint ARI reports offline is
 * unavailable. Without AMI (not configured, or down) ARI alone decides: offline = unavailable, online
 * with channels = in use, online without = registered. A state is written to the queue only when it
 * changes.
 */
export class PhoneFeed {
  private readonly ami = new Map<string, DeviceState>();
  private readonly ari = new Map<string, EndpointReport>();
  private readonly written = new Map<string, DeviceState>();
  private readonly log: Logger;

  constructor(private readonly deps: PhoneFeedDeps) {
    this.log = deps.logger.child({ component: "phones" });
  }

  /** Whether `device` is one of the agents' phones. */
  has(device: string): boolean {
    return this.deps.endpoints.has(device);
  }

  get endpoints(): ReadonlySet<string> {
    return this.deps.endpoints;
  }

  /** An AMI device state (`NOT_INUSE`, `BUSY`, `UNAVAILABLE`...). */
  fromAmi(device: string, asteriskState: string): Promise<void> {
    if (!this.has(device)) return Promise.resolve();
    this.ami.set(device, phoneState(asteriskState));
    return this.update(device);
  }

  /** An ARI endpoint state (`online`/`offline`) with its channels. */
  fromAri(device: string, state: string, channelIds: readonly string[]): Promise<void> {
    if (!this.has(device)) return Promise.resolve();
    if (state === "offline") this.ari.set(device, "offline");
    else if (state === "online") this.ari.set(device, channelIds.length > 0 ? "busy" : "idle");
    else this.ari.delete(device);
    return this.update(device);
  }

  /** AMI went away: what it said may be stale, so ARI decides until it reports again. */
  amiLost(): void {
    this.ami.clear();
  }

  /** The state both sources agree on, or undefined when neither knows. */
  stateOf(device: string): DeviceState | undefined {
    const ari = this.ari.get(device);
    if (ari === "offline") return "unavailable";
    const ami = this.ami.get(device);
    if (ami !== undefined && ami !== "unknown") return ami;
    if (ari === "busy") return "in_use";
    if (ari === "idle") return "registered";
    return ami;
  }

  private async update(device: string): Promise<void> {
    const state = this.stateOf(device);
    if (state === undefined || this.written.get(device) === state) return;
    this.written.set(device, state);
    try {
      const change = await this.deps.queue.deviceState(device, state);
      // no agent has this phone (yet): nothing was recorded, so a later report must try again
      if (!change) this.written.delete(device);
      else if (change.from !== change.to) this.deps.changed();
    } catch (err) {
      this.written.delete(device);
      this.log.warn({ err, device }, "device state not recorded");
    }
  }
}
