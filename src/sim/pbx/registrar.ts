/**
 * The registrar side of res_pjsip: phones registering and unregistering their contact on a
 * configured endpoint, and what Asterisk 22 publishes for it (recorded in ari-ws/ws-12 and
 * ami/ami-15): the security events of the challenged REGISTER, the contact's status, the endpoint's
 * state and the peer status, in the recorded order.
 */
import { randomBytes } from "node:crypto";
import type { ContactSnapshot } from "../model/phone.js";
import type { PbxContext } from "./context.js";
import type { Devices } from "./devices.js";
import { PbxError } from "./errors.js";

export interface RegisterOptions {
  /** The contact the phone registers, e.g. `sip:1002-0x5638df3192d0@127.0.0.1:5081`. */
  contact?: string;
  /** Round trip of the qualify (OPTIONS) that follows the registration, in microseconds. */
  roundtripUsec?: number;
}

/** Where Asterisk listens for SIP (pjsip.conf transport), as the security events print it. */
const LOCAL_ADDRESS = "IPV4/UDP/127.0.0.1/5060";

interface Registration {
  contact: string;
  /** The REGISTER dialog's id (AMI `SessionID` of the security events). */
  sessionId: string;
}

/** `IPV4/UDP/<host>/<port>` of a contact URI's host part. */
function remoteAddress(contact: string): string {
  const m = /@\[?([^\]:;>]+)\]?(?::(\d+))?/.exec(contact);
  return `IPV4/UDP/${m?.[1] ?? "127.0.0.1"}/${m?.[2] ?? "5060"}`;
}

export class Registrar {
  private readonly registrations = new Map<string, Registration>();

  constructor(
    private readonly ctx: PbxContext,
    private readonly devices: Devices,
  ) {}

  /**
   * The phone behind `Tech/resource` registers. A first registration publishes the contact
   * (NonQualified), the endpoint online, the peer Reachable, then the qualified contact; a
   * registration while registered is a refresh (only the challenge and the authentication).
   * Throws `not-found` for an endpoint that is not configured.
   */
  register(tech: string, resource: string, opts: RegisterOptions = {}): void {
    const device = `${tech}/${resource}`;
    const ep = this.devices.endpoint(device);
    if (!ep) throw new PbxError("not-found", "Endpoint not found");
    if (ep.staticContact) return;
    const known = this.registrations.get(device);
    const reg: Registration = {
      contact: opts.contact ?? known?.contact ?? `sip:${resource}@127.0.0.1:5060`,
      sessionId: known?.sessionId ?? randomBytes(8).toString("hex"),
    };
    this.registrations.set(device, reg);
    this.challenge(resource, reg);
    if (ep.online !== false) return;
    this.contactStatus(device, { uri: reg.contact, status: "NonQualified", aor: resource, roundtripUsec: 0 });
    this.devices.setEndpointOnline(tech, resource, true);
    this.ctx.emit({ type: "EndpointStateChange", endpoint: this.devices.endpointSnapshot(device)! });
    this.ctx.emit({ type: "PeerStatusChange", endpoint: this.devices.endpointSnapshot(device)!, peerStatus: "Reachable" });
    // the qualify's answer comes after the device state was published
    const roundtripUsec = opts.roundtripUsec ?? 1000;
    this.ctx.scheduler.defer(() => {
      if (this.devices.endpoint(device)?.online === false) return;
      this.contactStatus(device, { uri: reg.contact, status: "Reachable", aor: resource, roundtripUsec });
    });
  }

  /** The phone unregisters (REGISTER with Expires 0): the endpoint goes offline, the contact is removed. */
  unregister(tech: string, resource: string): void {
    const device = `${tech}/${resource}`;
    const ep = this.devices.endpoint(device);
    if (!ep) throw new PbxError("not-found", "Endpoint not found");
    if (ep.staticContact || ep.online === false) return;
    const reg = this.registrations.get(device) ?? { contact: `sip:${resource}@127.0.0.1:5060`, sessionId: randomBytes(8).toString("hex") };
    this.challenge(resource, reg);
    this.devices.setEndpointOnline(tech, resource, false);
    this.ctx.emit({ type: "EndpointStateChange", endpoint: this.devices.endpointSnapshot(device)! });
    this.ctx.emit({ type: "PeerStatusChange", endpoint: this.devices.endpointSnapshot(device)!, peerStatus: "Unreachable" });
    this.contactStatus(device, { uri: reg.contact, status: "Removed", aor: resource, roundtripUsec: 0 });
  }

  /**
   * The contact Asterisk would send a request to for `Tech/resource`: the registered one, the static
   * one, or (an endpoint configured online without a registration) `sip:<resource>@127.0.0.1:5060`;
   * undefined for an endpoint that is not configured or not registered.
   */
  contactOf(device: string): string | undefined {
    const ep = this.devices.endpoint(device);
    if (!ep || ep.online === false) return undefined;
    return this.registrations.get(device)?.contact ?? ep.staticContact ?? `sip:${ep.resource}@127.0.0.1:5060`;
  }

  /** Every REGISTER is challenged (401) and then authenticated. */
  private challenge(accountId: string, reg: Registration): void {
    const fields = { accountId, sessionId: reg.sessionId, localAddress: LOCAL_ADDRESS, remoteAddress: remoteAddress(reg.contact) };
    this.ctx.emit({ type: "SipSecurity", name: "ChallengeSent", ...fields });
    this.ctx.emit({ type: "SipSecurity", name: "SuccessfulAuth", ...fields });
  }

  private contactStatus(device: string, contact: ContactSnapshot): void {
    this.ctx.emit({ type: "ContactStatusChange", endpoint: this.devices.endpointSnapshot(device)!, contact });
  }
}
