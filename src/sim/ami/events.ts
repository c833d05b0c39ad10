/**
 * Translation of the PBX core's event stream (`PbxEvent`) into AMI events with Asterisk 22's
 * names, classes and field order (as recorded in shared/asterisk-fixtures/ami). Pure: the server
 * translates each core event once and hands the text to every session whose mask wants it.
 */
import type { PbxEvent } from "../pbx.js";
import { bridgeFields, cdrFields, channelFields, memberFields, orUnknown, type FieldList } from "./fields.js";
import { privilegeText, type EventClass } from "./privileges.js";
import { serialize } from "./wire.js";

/** One AMI event: name, class (which decides `Privilege:` and who receives it), fields after those two. */
export interface AmiEvent {
  name: string;
  category: EventClass;
  fields: FieldList;
}

export function eventText(e: AmiEvent): string {
  return serialize([["Event", e.name], ["Privilege", privilegeText(e.category)], ...e.fields]);
}

export interface TranslateOptions {
  /** Channels alive right now (`Shutdown: Cleanly` only when none). */
  activeChannels(): number;
  /**
   * Post CDRs of calls that were never answered (cdr.conf `unanswered`; Asterisk's default is
   * no, which is why the recordings show no `Cdr` for failed or unanswered originates).
   */
  cdrUnanswered: boolean;
}

/**
 * The AMI event for a core event, or undefined when AMI has none (Stasis and playback events
 * are ARI-only; `OriginateResult` becomes `OriginateResponse` only for AMI's own asynchronous
 * originates, which the server tracks, see `originateResponse`).
 */
export function translate(e: PbxEvent, opts: TranslateOptions): AmiEvent | undefined {
  switch (e.type) {
    case "ChannelCreated":
      return { name: "Newchannel", category: "call", fields: channelFields(e.channel) };
    case "ChannelStateChange":
      return { name: "Newstate", category: "call", fields: channelFields(e.channel) };
    case "ChannelDialplan":
      return {
        name: "Newexten",
        category: "dialplan",
        fields: [...channelFields(e.channel), ["Extension", e.channel.dialplan.exten], ["Application", e.app], ["AppData", e.appData]],
      };
    case "ChannelVarset":
      return { name: "VarSet", category: "dialplan", fields: [...channelFields(e.channel), ["Variable", e.variable], ["Value", e.value]] };
    case "ChannelCallerId":
      return {
        name: "NewCallerid",
        category: "call",
        fields: [...channelFields(e.channel), ["CID-CallingPres", `${e.callerPresentation} (${e.callerPresentationTxt})`]],
      };
    case "ChannelConnectedLine":
      return { name: "NewConnectedLine", category: "call", fields: channelFields(e.channel) };
    case "Dial": {
      const fields: FieldList = [...(e.caller ? channelFields(e.caller) : []), ...channelFields(e.peer, "Dest")];
      if (e.phase === "begin") return { name: "DialBegin", category: "call", fields: [...fields, ["DialString", e.dialstring]] };
      fields.push(["DialStatus", e.dialstatus]);
      if (e.forward !== "") fields.push(["Forward", e.forward]);
      return { name: e.phase === "end" ? "DialEnd" : "DialState", category: "call", fields };
    }
    case "LocalBridge":
      return {
        name: "LocalBridge",
        category: "call",
        fields: [
          ...channelFields(e.one, "LocalOne"),
          ...channelFields(e.two, "LocalTwo"),
          ["Context", e.context],
          ["Exten", e.exten],
          ["LocalOptimization", e.localOptimization ? "Yes" : "No"],
        ],
      };
    case "DtmfBegin":
      return { name: "DTMFBegin", category: "dtmf", fields: [...channelFields(e.channel), ["Digit", e.digit], ["Direction", e.direction]] };
    case "DtmfEnd":
      return {
        name: "DTMFEnd",
        category: "dtmf",
        fields: [...channelFields(e.channel), ["Digit", e.digit], ["DurationMs", e.durationMs], ["Direction", e.direction]],
      };
    case "ChannelHangupRequest":
      // a soft hangup reports its soft-hangup flag as the cause (16 = the pbx ended, 4 = shutdown)
      return { name: e.soft ? "SoftHangupRequest" : "HangupRequest", category: "call", fields: [...channelFields(e.channel), ["Cause", e.cause]] };
    case "ChannelDestroyed":
      return { name: "Hangup", category: "call", fields: [...channelFields(e.channel), ["Cause", e.cause], ["Cause-txt", e.causeTxt]] };
    case "BridgeCreated":
      return { name: "BridgeCreate", category: "call", fields: bridgeFields(e.bridge) };
    case "BridgeDestroyed":
      return { name: "BridgeDestroy", category: "call", fields: bridgeFields(e.bridge) };
    case "ChannelEnteredBridge":
      return { name: "BridgeEnter", category: "call", fields: [...bridgeFields(e.bridge), ...channelFields(e.channel)] };
    case "ChannelLeftBridge":
      return { name: "BridgeLeave", category: "call", fields: [...bridgeFields(e.bridge), ...channelFields(e.channel)] };
    case "MohStart":
      return { name: "MusicOnHoldStart", category: "call", fields: [...channelFields(e.channel), ["Class", e.mohClass]] };
    case "MohStop":
      return { name: "MusicOnHoldStop", category: "call", fields: channelFields(e.channel) };
    case "DeviceStateChanged":
      return { name: "DeviceStateChange", category: "call", fields: [["Device", e.device], ["State", e.state]] };
    case "Cdr":
      if (e.cdr.answerTime === null && !opts.cdrUnanswered) return undefined;
      return { name: "Cdr", category: "cdr", fields: cdrFields(e.cdr) };
    case "Shutdown":
      return {
        name: "Shutdown",
        category: "system",
        fields: [
          ["Shutdown", opts.activeChannels() > 0 ? "Uncleanly" : "Cleanly"],
          ["Restart", e.restart ? "True" : "False"],
        ],
      };
    case "Reload":
      return { name: "Reload", category: "system", fields: [["Module", e.module], ["Status", 0]] };
    case "QueueCallerJoin":
    case "QueueCallerLeave":
      return { name: e.type, category: "agent", fields: [...channelFields(e.channel), ["Queue", e.queue], ["Position", e.position], ["Count", e.count]] };
    case "QueueCallerAbandon":
      return {
        name: e.type,
        category: "agent",
        fields: [
          ...channelFields(e.channel),
          ["Queue", e.queue],
          ["Position", e.position],
          ["OriginalPosition", e.originalPosition],
          ["HoldTime", e.holdTime],
        ],
      };
    case "AgentCalled":
    case "AgentRingNoAnswer":
    case "AgentConnect":
    case "AgentComplete": {
      const fields: FieldList = [
        ...channelFields(e.channel),
        ...channelFields(e.destChannel, "Dest"),
        ["Queue", e.queue],
        ["Interface", e.member.interface],
        ["MemberName", e.member.name],
      ];
      if (e.type === "AgentRingNoAnswer") fields.push(["RingTime", e.ringTime ?? 0]);
      if (e.type === "AgentConnect") fields.push(["HoldTime", e.holdTime ?? 0], ["RingTime", e.ringTime ?? 0]);
      if (e.type === "AgentComplete") fields.push(["HoldTime", e.holdTime ?? 0], ["TalkTime", e.talkTime ?? 0], ["Reason", e.reason ?? "agent"]);
      return { name: e.type, category: "agent", fields };
    }
    case "QueueMemberStatus":
    case "QueueMemberAdded":
    case "QueueMemberRemoved":
    case "QueueMemberPause":
      return { name: e.type, category: "agent", fields: memberFields(e.member) };
    default:
      return undefined;
  }
}

/** What an asynchronous AMI `Originate` asked for, kept until its outcome is known. */
export interface PendingOriginate {
  /** The action's `ActionID` ("" when it had none). */
  actionId: string;
  /** `Channel:` as given (printed on failure). */
  dialString: string;
  /** Application mode (`Application`/`Data`) rather than dialplan mode (`Context`/`Exten`). */
  application?: { name: string; data: string };
  context: string;
  exten: string;
  callerIdNum: string;
  callerIdName: string;
}

/**
 * `OriginateResponse`: ActionID right after `Privilege`, `Response: Success|Failure`, the channel
 * (its name, or the dial string on failure), where it went, the reason code, its unique id
 * (`<unknown>` on failure) and the caller id the action gave.
 */
export function originateResponse(
  p: PendingOriginate,
  outcome: { success: boolean; reason: number; channel: { name: string; id: string } | null },
): AmiEvent {
  const fields: FieldList = [];
  if (p.actionId !== "") fields.push(["ActionID", p.actionId]);
  fields.push(["Response", outcome.success ? "Success" : "Failure"]);
  fields.push(["Channel", outcome.channel ? outcome.channel.name : p.dialString]);
  if (p.application) fields.push(["Application", p.application.name], ["Data", p.application.data]);
  else fields.push(["Context", p.context], ["Exten", p.exten]);
  fields.push(["Reason", outcome.reason]);
  fields.push(["Uniqueid", outcome.channel ? outcome.channel.id : "<unknown>"]);
  fields.push(["CallerIDNum", orUnknown(p.callerIdNum)], ["CallerIDName", orUnknown(p.callerIdName)]);
  return { name: "OriginateResponse", category: "call", fields };
}
