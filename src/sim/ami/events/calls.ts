/** How channels meet in AMI: dialing, a Local channel's two halves, bridges and who is in them, snoops. */
import type { DialEvent } from "../../pbx.js";
import { bridgeFields, channelFields, type FieldList } from "../fields.js";
import type { AmiEvent, TranslatorTable } from "./types.js";

/** `DialBegin` with the dial string; `DialState` (progress) and `DialEnd` with the status. */
function dial(e: DialEvent): AmiEvent {
  const fields: FieldList = [...(e.caller ? channelFields(e.caller) : []), ...channelFields(e.peer, "Dest")];
  if (e.phase === "begin") return { name: "DialBegin", category: "call", fields: [...fields, ["DialString", e.dialstring]] };
  fields.push(["DialStatus", e.dialstatus]);
  if (e.forward !== "") fields.push(["Forward", e.forward]);
  return { name: e.phase === "end" ? "DialEnd" : "DialState", category: "call", fields };
}

export const callEvents: TranslatorTable = {
  Dial: dial,
  LocalBridge: (e) => ({
    name: "LocalBridge",
    category: "call",
    fields: [
      ...channelFields(e.one, "LocalOne"),
      ...channelFields(e.two, "LocalTwo"),
      ["Context", e.context],
      ["Exten", e.exten],
      ["LocalOptimization", e.localOptimization ? "Yes" : "No"],
    ],
  }),
  BridgeCreated: (e) => ({ name: "BridgeCreate", category: "call", fields: bridgeFields(e.bridge) }),
  BridgeDestroyed: (e) => ({ name: "BridgeDestroy", category: "call", fields: bridgeFields(e.bridge) }),
  ChannelEnteredBridge: (e) => ({ name: "BridgeEnter", category: "call", fields: [...bridgeFields(e.bridge), ...channelFields(e.channel)] }),
  ChannelLeftBridge: (e) => ({ name: "BridgeLeave", category: "call", fields: [...bridgeFields(e.bridge), ...channelFields(e.channel)] }),
  // ami-24: the snoop channel as `Spyer*`, the channel it listens to as `Spyee*` (left out once gone)
  ChanSpyStart: (e) => ({ name: "ChanSpyStart", category: "call", fields: [...channelFields(e.spyer, "Spyer"), ...(e.spyee ? channelFields(e.spyee, "Spyee") : [])] }),
  ChanSpyStop: (e) => ({ name: "ChanSpyStop", category: "call", fields: [...channelFields(e.spyer, "Spyer"), ...(e.spyee ? channelFields(e.spyee, "Spyee") : [])] }),
};
