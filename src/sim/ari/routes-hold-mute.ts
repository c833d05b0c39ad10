/**
 * ARI `POST`/`DELETE /channels/{id}/hold` and `/channels/{id}/mute`, with the replies recorded from
 * Asterisk 22.10.1 (ari-ws/ws-19): 204 and no event; mute without `direction` is 400 "Direction is
 * required" (the API declaration's default `both` is not applied), a direction other than in/out/both
 * 400 "Invalid direction specified", an unknown channel 404. The channel is looked up first, as
 * resource_channels.c does (`find_control`: 404, or 409 for a channel in no Stasis application).
 */
import type { MuteDirection, SimPbx } from "../pbx.js";
import type { Reply } from "./http.js";

interface AudioRequest {
  path: Record<string, string>;
  params: Map<string, string>;
}
type AudioHandler = (pbx: SimPbx, ctx: AudioRequest) => Reply;

const message = (status: number, text: string): Reply => ({ status, json: { message: text } });
const NO_CONTENT: Reply = { status: 204 };

/** `find_control`: the channel by id, in a Stasis application. */
function control(pbx: SimPbx, id: string): Reply | undefined {
  const ch = pbx.getChannel(id);
  if (!ch || ch.id !== id) return message(404, "Channel not found");
  if (!pbx.stasisAppOf(id)) return message(409, "Channel not in Stasis application");
  return undefined;
}

function holdHandler(on: boolean): AudioHandler {
  return (pbx, ctx) => {
    const id = ctx.path.channelId!;
    const bad = control(pbx, id);
    if (bad) return bad;
    if (on) pbx.hold(id);
    else pbx.unhold(id);
    return NO_CONTENT;
  };
}

function muteHandler(on: boolean): AudioHandler {
  return (pbx, ctx) => {
    const id = ctx.path.channelId!;
    const bad = control(pbx, id);
    if (bad) return bad;
    const direction = ctx.params.get("direction") ?? "";
    if (direction === "") return message(400, "Direction is required");
    if (direction !== "in" && direction !== "out" && direction !== "both") return message(400, "Invalid direction specified");
    if (on) pbx.mute(id, direction as MuteDirection);
    else pbx.unmute(id, direction as MuteDirection);
    return NO_CONTENT;
  };
}

export const HOLD_MUTE_ROUTES: Array<[string, Array<[string, AudioHandler]>]> = [
  [
    "channels/{channelId}/hold",
    [
      ["POST", holdHandler(true)],
      ["DELETE", holdHandler(false)],
    ],
  ],
  [
    "channels/{channelId}/mute",
    [
      ["POST", muteHandler(true)],
      ["DELETE", muteHandler(false)],
    ],
  ],
];
