/**
 * A channel technology's own transfer (`ast_transfer`), which is all ARI `redirect` asks for
 * (`app_control_redirect`), as Asterisk 22.10.1 does it (recorded in ari-ws/ws-13, ami/ami-16,
 * sip/redirect-pjsip-refer.txt):
 *
 * - Local channels have no transfer: nothing happens (Asterisk logs "Unsupported transfer requested").
 * - A PJSIP channel sends its phone a SIP REFER whose Refer-To is the target endpoint's contact; the
 *   phone carries it out on its own, calling the target directly (Asterisk sees no INVITE), and the
 *   PBX's channel stays up in Stasis until the app hangs it up. No ARI or AMI event either way.
 *
 * What the phones did is kept (`referrals`), since the PBX itself shows nothing of it.
 */
import type { Channel } from "../model/channel.js";
import type { ReferralSnapshot } from "../model/phone.js";
import type { PbxContext } from "./context.js";
import type { Registrar } from "./registrar.js";

/** Referrals kept (oldest dropped first). */
const KEEP = 10_000;

export class ChannelTransfers {
  private readonly done: ReferralSnapshot[] = [];

  constructor(
    private readonly ctx: PbxContext,
    private readonly registrar: Registrar,
  ) {}

  /** `ast_transfer(c, resource)`: `resource` is the redirect's endpoint without its technology. */
  transfer(c: Channel, resource: string): void {
    if (c.tech !== "PJSIP") return;
    // chan_pjsip: an endpoint's name stands for its contact; without one no REFER goes out. A SIP URI
    // is sent as it is (anything else: not recorded; taken as a target that cannot be referred to)
    const referTo = /^sips?:/.test(resource) ? resource : this.registrar.contactOf(`PJSIP/${resource}`);
    if (!referTo) return;
    // the REFER goes out from the PJSIP thread, after the 204; the phone answers it in its own time
    this.ctx.scheduler.defer(() => {
      if (c.destroyed) return;
      const accepted = c.remote?.onRefer?.(referTo) ?? false;
      this.done.push({ channelId: c.id, channelName: c.name, from: c.device, target: `PJSIP/${resource}`, referTo, accepted, at: this.ctx.scheduler.now() });
      if (this.done.length > KEEP) this.done.shift();
    });
  }

  /** The referrals so far (of one channel, if given), oldest first. */
  referrals(channelId?: string): ReferralSnapshot[] {
    return this.done.filter((r) => channelId === undefined || r.channelId === channelId).map((r) => ({ ...r }));
  }
}
