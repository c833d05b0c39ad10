/**
 * The field blocks and value formats AMI messages are built from: a channel snapshot as
 * `Channel:` ... `Linkedid:` (optionally prefixed, `DestChannel:` ...), a bridge snapshot, CDR
 * times, durations and timestamps, formatted as Asterisk 22 prints them. Pure functions.
 */
import { CHANNEL_STATES, type BridgeSnapshot, type CdrRecord, type ChannelSnapshot, type QueueMemberSnapshot } from "../pbx.js";

export type FieldList = Array<[string, string | number]>;

/** Asterisk prints `<unknown>` for an empty caller id or connected line part. */
export function orUnknown(s: string): string {
  return s === "" ? "<unknown>" : s;
}

/** Asterisk's channel block, in its order; `prefix` as in `DestChannel`, `LocalOneChannel`. */
export function channelFields(c: ChannelSnapshot, prefix = ""): FieldList {
  return [
    [`${prefix}Channel`, c.name],
    [`${prefix}ChannelState`, CHANNEL_STATES[c.state]],
    [`${prefix}ChannelStateDesc`, c.state],
    [`${prefix}CallerIDNum`, orUnknown(c.caller.number)],
    [`${prefix}CallerIDName`, orUnknown(c.caller.name)],
    [`${prefix}ConnectedLineNum`, orUnknown(c.connected.number)],
    [`${prefix}ConnectedLineName`, orUnknown(c.connected.name)],
    [`${prefix}Language`, c.language],
    [`${prefix}AccountCode`, c.accountcode],
    [`${prefix}Context`, c.dialplan.context],
    [`${prefix}Exten`, c.dialplan.exten],
    [`${prefix}Priority`, c.dialplan.priority],
    [`${prefix}Uniqueid`, c.id],
    [`${prefix}Linkedid`, c.linkedId],
  ];
}

/** Asterisk's bridge block (`BridgeUniqueid` ... `BridgeVideoSourceMode`). */
export function bridgeFields(b: BridgeSnapshot): FieldList {
  return [
    ["BridgeUniqueid", b.id],
    // the bridge subclass: `stasis` for ARI bridges, `basic` for dialplan (Queue, Dial) bridges
    ["BridgeType", b.bridgeClass],
    ["BridgeTechnology", b.technology],
    ["BridgeCreator", orUnknown(b.creator)],
    ["BridgeName", orUnknown(b.name)],
    // the recorder counts (ami-25), though ARI does not list it
    ["BridgeNumChannels", b.numChannels],
    ["BridgeVideoSourceMode", b.videoMode],
  ];
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");

/** Local date and time, `2026-11-22 11:08:51` (CDR times). */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Security-event time, `2026-11-22T11:08:47.758+0000` (local time with its UTC offset). */
export function eventTv(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const abs = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `.${pad(d.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

/** `HH:MM:SS` (CoreShowChannel `Duration`); hours may exceed two digits. */
export function hms(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Wall-clock seconds with microseconds, `1795345728.264681` (Ping `Timestamp`). */
export function microTimestamp(nowUs = Math.floor((performance.timeOrigin + performance.now()) * 1000)): string {
  return `${Math.floor(nowUs / 1_000_000)}.${pad(nowUs % 1_000_000, 6)}`;
}

/**
 * The `Cdr` event body. CDR caller ids are always `"name" <number>`, so an empty one reads
 * `"" <>` (the core leaves it empty).
 */
export function cdrFields(r: CdrRecord): FieldList {
  return [
    ["AccountCode", r.accountCode],
    ["Source", r.source],
    ["Destination", r.destination],
    ["DestinationContext", r.destinationContext],
    ["CallerID", r.callerId === "" ? '"" <>' : r.callerId],
    ["Channel", r.channel],
    ["DestinationChannel", r.destinationChannel],
    ["LastApplication", r.lastApplication],
    ["LastData", r.lastData],
    ["StartTime", localDateTime(r.startTime)],
    ["AnswerTime", r.answerTime === null ? "" : localDateTime(r.answerTime)],
    ["EndTime", localDateTime(r.endTime)],
    ["Duration", r.duration],
    ["BillableSeconds", r.billableSeconds],
    ["Disposition", r.disposition],
    ["AMAFlags", r.amaFlags],
    ["UniqueID", r.uniqueId],
    ["UserField", r.userField],
  ];
}

/** app_queue's member block (`QueueMemberStatus`, `QueueMemberAdded`, ...). */
export function memberFields(m: QueueMemberSnapshot): FieldList {
  return [
    ["Queue", m.queue],
    ["MemberName", m.name],
    ["Interface", m.interface],
    ["StateInterface", m.stateInterface],
    ["Membership", m.membership],
    ["Penalty", m.penalty],
    ["CallsTaken", m.callsTaken],
    ["LastCall", m.lastCall],
    ["LastPause", m.lastPause],
    ["LoginTime", m.loginTime],
    ["InCall", m.inCall ? 1 : 0],
    ["Status", m.status],
    ["Paused", m.paused ? 1 : 0],
    ["PausedReason", m.pausedReason],
    ["Ringinuse", m.ringinuse ? 1 : 0],
    ["Wrapuptime", m.wrapupTime],
  ];
}
