/** A channel's own life in AMI: creation, state, dialplan steps, caller id, DTMF, hold music, hangup. */
import { channelFields, type FieldList } from "../fields.js";
import type { TranslatorTable } from "./types.js";

const techCause = (cause: number | undefined): FieldList => (cause ? [["TechCause", cause]] : []);

export const channelEvents: TranslatorTable = {
  ChannelCreated: (e) => ({ name: "Newchannel", category: "call", fields: channelFields(e.channel) }),
  ChannelStateChange: (e) => ({ name: "Newstate", category: "call", fields: channelFields(e.channel) }),
  ChannelDialplan: (e) => ({
    name: "Newexten",
    category: "dialplan",
    fields: [...channelFields(e.channel), ["Extension", e.channel.dialplan.exten], ["Application", e.app], ["AppData", e.appData]],
  }),
  ChannelVarset: (e) => ({ name: "VarSet", category: "dialplan", fields: [...channelFields(e.channel), ["Variable", e.variable], ["Value", e.value]] }),
  ChannelCallerId: (e) => ({
    name: "NewCallerid",
    category: "call",
    fields: [...channelFields(e.channel), ["CID-CallingPres", `${e.callerPresentation} (${e.callerPresentationTxt})`]],
  }),
  ChannelConnectedLine: (e) => ({ name: "NewConnectedLine", category: "call", fields: channelFields(e.channel) }),
  DtmfBegin: (e) => ({ name: "DTMFBegin", category: "dtmf", fields: [...channelFields(e.channel), ["Digit", e.digit], ["Direction", e.direction]] }),
  DtmfEnd: (e) => ({
    name: "DTMFEnd",
    category: "dtmf",
    fields: [...channelFields(e.channel), ["Digit", e.digit], ["DurationMs", e.durationMs], ["Direction", e.direction]],
  }),
  MohStart: (e) => ({ name: "MusicOnHoldStart", category: "call", fields: [...channelFields(e.channel), ["Class", e.mohClass]] }),
  MohStop: (e) => ({ name: "MusicOnHoldStop", category: "call", fields: channelFields(e.channel) }),
  // a soft hangup reports its soft-hangup flag as the cause (16 = the pbx ended, 4 = shutdown)
  // TechCause (the SIP status) only for an off-nominal end (ami-27 B and C)
  ChannelHangupRequest: (e) => ({
    name: e.soft ? "SoftHangupRequest" : "HangupRequest",
    category: "call",
    fields: [...channelFields(e.channel), ["Cause", e.cause], ...techCause(e.techCause)],
  }),
  ChannelDestroyed: (e) => ({
    name: "Hangup",
    category: "call",
    fields: [...channelFields(e.channel), ["Cause", e.cause], ["Cause-txt", e.causeTxt], ...techCause(e.techCause)],
  }),
};
