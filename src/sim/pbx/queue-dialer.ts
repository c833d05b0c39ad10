/**
 * How Queue() calls its members: the channel(s) that ring a member (a Local pair or the member's
 * phone), ringing them, and ending the calls that were not answered.
 */
import type { Channel } from "../model/channel.js";
import { parseLocal, type ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import type { Devices } from "./devices.js";
import type { DialplanRunner } from "./dialplan-runner.js";
import type { Phones } from "./phones.js";
import type { ChannelVariables } from "./variables.js";

export interface MemberDialerParts {
  channels: ChannelCore;
  vars: ChannelVariables;
  devices: Devices;
  phones: Phones;
  runner: DialplanRunner;
}

export class MemberDialer {
  constructor(
    private readonly ctx: PbxContext,
    private readonly p: MemberDialerParts,
  ) {}

  /** Creates the channel(s) that ring a queue member; returns the dialed channel (Local `;1`). */
  create(caller: Channel, iface: string): Channel | undefined {
    const slash = iface.indexOf("/");
    if (slash <= 0) return undefined;
    const tech = iface.slice(0, slash);
    const resource = iface.slice(slash + 1);
    if (tech.toLowerCase() === "local") return this.createLocal(caller, resource);
    if (!this.p.devices.endpoint(iface)) return undefined;
    const { channels, vars } = this.p;
    const c = channels.endpointChannel(tech, resource, "Down", caller.context, caller.exten);
    c.linkedId = caller.linkedId;
    c.caller = { ...caller.caller };
    c.connected = { ...caller.caller };
    channels.add(c);
    channels.markOutgoing(c, "AppQueue");
    vars.set(c, "DIALEDPEERNUMBER", resource);
    c.runningApp = true;
    return c;
  }

  /** Starts ringing a member channel created by `create`. */
  ring(caller: Channel, c: Channel, dialString: string, onAnswer: () => void, onFail: (cause: number) => void): void {
    c.dial = { dialString, progress: 0, answered: false, cancelTimeout: () => {}, onAnswer, onFail, caller };
    this.ctx.emit({ type: "Dial", phase: "begin", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "", forward: "" });
    // a Local member's ;1 shows the caller as connected line from then on (DialBegin still showed none)
    if (c.localPeer && c.connected.number === "" && c.connected.name === "") c.connected = { ...caller.caller };
    const peer = c.localPeer;
    if (peer) void this.p.runner.run(peer, peer.context, peer.exten, 1);
    else this.p.phones.ringEndpoint(c);
  }

  /** Ends a member call that was not answered (ring timeout, answered elsewhere, caller gone). */
  cancel(caller: Channel, c: Channel, status: "NOANSWER" | "CANCEL", cause: number): void {
    if (c.destroyed) return;
    const d = c.dial;
    const dialString = d?.dialString ?? "";
    c.dial = undefined;
    if (status === "NOANSWER")
      this.ctx.emit({ type: "Dial", phase: "end", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "NOANSWER", forward: "" });
    this.ctx.emit({ type: "Dial", phase: "end", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "CANCEL", forward: "" });
    c.runningApp = false;
    c.hangupCause = cause;
    c.causeSet = true;
    this.p.channels.destroy(c);
  }

  private createLocal(caller: Channel, resource: string): Channel | undefined {
    const local = parseLocal(resource);
    if (!this.ctx.dialplan.exists(local.context, local.exten, 1)) return undefined;
    const { channels, vars } = this.p;
    // created without caller id; app_queue then gives the ;1 the caller's id and the Local
    // channel passes it (and the connected line) to the ;2 (AMI recordings ami-10, ami-11)
    const { one, two } = channels.localPair(local, { linkedId: caller.linkedId });
    one.caller = { ...caller.caller };
    channels.markOutgoing(one, "AppQueue");
    vars.emitCallerId(one);
    vars.set(one, "DIALEDPEERNUMBER", local.base);
    vars.set(two, "DIALEDPEERNUMBER", local.base);
    two.caller = { ...caller.caller };
    two.connected = { ...caller.caller };
    vars.emitCallerId(two);
    this.ctx.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
    this.ctx.emit({ type: "LocalBridge", one: one.snapshot(), two: two.snapshot(), context: local.context, exten: local.exten, localOptimization: true });
    one.runningApp = true;
    return one;
  }
}
