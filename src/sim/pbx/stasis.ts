/**
 * A channel's stay in a Stasis application (`res_stasis`): StasisStart, the wait until ARI
 * continues it or it hangs up, StasisEnd, and where it goes on in the dialplan.
 */
import type { Channel } from "../model/channel.js";
import type { Bridging } from "./bridging.js";
import type { PbxContext } from "./context.js";
import { PbxError } from "./errors.js";
import type { Media } from "./media.js";
import type { StasisApps } from "./stasis-apps.js";
import type { ChannelTransfers } from "./transfer.js";
import type { ChannelVariables } from "./variables.js";

export interface StasisOutcome {
  kind: "failed" | "hangup" | "continue";
  /** Where `continue` asked the channel to go (undefined: on from where it is). */
  to?: { context: string; exten: string; priority: number };
}

export class Stasis {
  constructor(
    private readonly ctx: PbxContext,
    private readonly apps: StasisApps,
    private readonly vars: ChannelVariables,
    private readonly media: Media,
    private readonly bridging: Bridging,
    private readonly transfers: ChannelTransfers,
  ) {}

  /**
   * Stasis(): hands the channel to a Stasis app until it is hung up or continued.
   * Fails (STASISSTATUS=FAILED) when no WebSocket has registered the app.
   */
  async run(c: Channel, appName: string, args: string[], fromDialplan: boolean): Promise<StasisOutcome> {
    if (!this.apps.isActive(appName)) {
      this.vars.set(c, "STASISSTATUS", "FAILED");
      return { kind: "failed" };
    }
    this.vars.set(c, "STASISSTATUS", "");
    if (c.hangupPending) {
      this.vars.set(c, "STASISSTATUS", "SUCCESS");
      return { kind: "hangup" };
    }
    this.apps.subscribe(appName, c.id);
    let leave!: () => void;
    const left = new Promise<void>((r) => (leave = r));
    c.stasis = { app: appName, args, fromDialplan, leave };
    this.ctx.emit({ type: "StasisStart", app: appName, args, channel: c.snapshot() });
    await left;
    if (this.ctx.stopped) return { kind: "hangup" };
    const info = c.stasis;
    this.media.dropPlaybacks(c, true);
    if (c.bridgeId) this.bridging.leave(c);
    this.ctx.emit({ type: "StasisEnd", app: appName, channel: c.snapshot() });
    // the music an app started ends with its stay in the app (ws-14: MusicOnHoldStop after StasisEnd)
    this.media.stopMoh(c);
    c.stasis = undefined;
    if (fromDialplan) this.apps.unsubscribe(appName, c.id);
    this.vars.set(c, "STASISSTATUS", "SUCCESS");
    if (c.hangupPending) return { kind: "hangup" };
    return info?.continueTo ? { kind: "continue", to: info.continueTo } : { kind: "continue" };
  }

  /**
   * ARI continue: leave Stasis and go on in the dialplan. Without a location the channel goes on
   * at the next priority; a partial location fills in the channel's current context/exten and
   * priority 1.
   */
  continueInDialplan(c: Channel, to: { context?: string; exten?: string; priority?: number }): void {
    if (!c.stasis) throw new PbxError("not-in-stasis", "Channel not in Stasis application");
    const given = to.context !== undefined || to.exten !== undefined || to.priority !== undefined;
    c.stasis.continueTo = given
      ? { context: to.context || c.context, exten: to.exten || c.exten, priority: to.priority ?? 1 }
      : c.stasis.fromDialplan
        ? { context: c.context, exten: c.exten, priority: c.priority + 1 }
        : undefined;
    c.stasis.leave();
  }

  /**
   * ARI redirect (`ast_ari_channels_redirect`, then `app_control_redirect` on the channel's thread): the
   * endpoint must be `Tech/resource` of the channel's own technology (Asterisk compares the endpoint's
   * technology with the start of the channel's, ignoring case); then the technology's own transfer,
   * which for a Local channel does nothing and for a PJSIP channel refers the phone to the target
   * (`transfer.ts`). The channel stays in Stasis either way.
   */
  redirect(c: Channel, endpoint: string): void {
    if (!c.stasis) throw new PbxError("not-in-stasis", "Channel not in Stasis application");
    const slash = endpoint.indexOf("/");
    if (slash <= 0) throw new PbxError("unprocessable", `Endpoint parameter '${endpoint}' does not contain tech/resource`);
    const tech = endpoint.slice(0, slash);
    const resource = endpoint.slice(slash + 1);
    if (resource === "") throw new PbxError("unprocessable", `No resource provided in endpoint parameter '${endpoint}'`);
    if (c.tech.length < tech.length || c.tech.slice(0, tech.length).toLowerCase() !== tech.toLowerCase()) {
      throw new PbxError("unprocessable", `Endpoint technology '${tech}' does not match channel technology '${c.tech}'`);
    }
    this.transfers.transfer(c, resource);
  }
}
