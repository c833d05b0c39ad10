import { z } from "zod";
import type { AmiMessage } from "./wire.js";

/**
 * Typed AMI messages. asterisk-manager lower-cases keys (`CallerIDNum` arrives as `calleridnum`) and
 * turns repeated keys into arrays; these schemas read those raw objects and produce camelCase objects.
 * Numbers arrive as text and are converted; `<unknown>` ids become undefined.
 */

const text = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string());
const optText = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().optional());
const int = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().regex(/^-?\d+$/).transform(Number));
const optInt = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().regex(/^-?\d+$/).transform(Number).optional());
const known = (v: string | undefined): string | undefined => (v === undefined || v === "<unknown>" || v === "" ? undefined : v);

export const DEVICE_STATES = ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"] as const;
export type AmiDeviceState = (typeof DEVICE_STATES)[number];
const deviceState = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.enum(DEVICE_STATES).catch("UNKNOWN"));

/** Channel fields shared by Newchannel, Hangup, CoreShowChannel... */
const channelFields = {
  channel: text,
  channelstate: optInt,
  channelstatedesc: optText,
  calleridnum: optText,
  calleridname: optText,
  connectedlinenum: optText,
  connectedlinename: optText,
  language: optText,
  accountcode: optText,
  context: optText,
  exten: optText,
  priority: optInt,
  uniqueid: text,
  linkedid: optText,
};

const channelObject = z.object(channelFields);
type ChannelRaw = z.output<typeof channelObject>;

function channelOf(r: ChannelRaw) {
  return {
    channel: r.channel,
    channelState: r.channelstate,
    channelStateDesc: r.channelstatedesc,
    callerIdNum: known(r.calleridnum),
    callerIdName: known(r.calleridname),
    connectedLineNum: known(r.connectedlinenum),
    connectedLineName: known(r.connectedlinename),
    language: r.language,
    accountCode: r.accountcode,
    context: r.context,
    exten: r.exten,
    priority: r.priority,
    uniqueId: r.uniqueid,
    linkedId: r.linkedid,
  };
}

export const deviceStateChangeSchema = z
  .object({ event: z.literal("DeviceStateChange"), device: text, state: deviceState })
  .transform((r) => ({ type: "DeviceStateChange" as const, device: r.device, state: r.state }));

export const newchannelSchema = z
  .object({ event: z.literal("Newchannel"), ...channelFields })
  .transform((r) => ({ type: "Newchannel" as const, ...channelOf(r) }));

export const hangupSchema = z
  .object({ event: z.literal("Hangup"), ...channelFields, cause: optInt, "cause-txt": optText })
  .transform((r) => ({ type: "Hangup" as const, ...channelOf(r), cause: r.cause, causeText: r["cause-txt"] }));

export const cdrSchema = z
  .object({
    event: z.literal("Cdr"),
    accountcode: optText,
    source: optText,
    destination: optText,
    destinationcontext: optText,
    callerid: optText,
    channel: optText,
    destinationchannel: optText,
    lastapplication: optText,
    lastdata: optText,
    starttime: optText,
    answertime: optText,
    endtime: optText,
    duration: optInt,
    billableseconds: optInt,
    disposition: optText,
    amaflags: optText,
    uniqueid: optText,
    userfield: optText,
  })
  .transform((r) => ({
    type: "Cdr" as const,
    accountCode: r.accountcode,
    source: r.source,
    destination: r.destination,
    destinationContext: r.destinationcontext,
    callerId: r.callerid,
    channel: r.channel,
    destinationChannel: known(r.destinationchannel),
    lastApplication: r.lastapplication,
    lastData: r.lastdata,
    startTime: known(r.starttime),
    answerTime: known(r.answertime),
    endTime: known(r.endtime),
    duration: r.duration,
    billableSeconds: r.billableseconds,
    disposition: r.disposition,
    amaFlags: r.amaflags,
    uniqueId: r.uniqueid,
    userField: r.userfield,
  }));

export const fullyBootedSchema = z
  .object({ event: z.literal("FullyBooted"), uptime: optInt, lastreload: optInt, status: optText })
  .transform((r) => ({ type: "FullyBooted" as const, uptime: r.uptime, lastReload: r.lastreload, status: r.status }));

export type AmiDeviceStateChange = z.output<typeof deviceStateChangeSchema>;
export type AmiNewchannel = z.output<typeof newchannelSchema>;
export type AmiHangup = z.output<typeof hangupSchema>;
export type AmiCdr = z.output<typeof cdrSchema>;
export type AmiFullyBooted = z.output<typeof fullyBootedSchema>;
export type AmiTypedEvent = AmiDeviceStateChange | AmiNewchannel | AmiHangup | AmiCdr | AmiFullyBooted;
export type AmiEventType = AmiTypedEvent["type"];

const TYPED: Record<AmiEventType, z.ZodType<AmiTypedEvent, unknown>> = {
  DeviceStateChange: deviceStateChangeSchema,
  Newchannel: newchannelSchema,
  Hangup: hangupSchema,
  Cdr: cdrSchema,
  FullyBooted: fullyBootedSchema,
};
export const AMI_EVENT_TYPES = Object.keys(TYPED) as AmiEventType[];

export type ParsedAmiEvent =
  | { kind: "typed"; event: AmiTypedEvent }
  | { kind: "other"; name: string }
  | { kind: "invalid"; name: string; reason: string };

/** Reads an unsolicited event. Never throws. */
export function parseAmiEvent(msg: AmiMessage): ParsedAmiEvent {
  const name = typeof msg.event === "string" ? msg.event : "";
  const schema = TYPED[name as AmiEventType];
  if (!schema) return { kind: "other", name };
  const result = schema.safeParse(msg);
  if (!result.success) return { kind: "invalid", name, reason: z.prettifyError(result.error) };
  return { kind: "typed", event: result.data };
}

/** One row of CoreShowChannels. */
export const coreShowChannelSchema = z
  .object({ ...channelFields, application: optText, applicationdata: optText, duration: optText, bridgeid: optText })
  .transform((r) => ({
    ...channelOf(r),
    application: r.application,
    applicationData: r.applicationdata,
    /** `HH:MM:SS` as Asterisk formats it. */
    duration: r.duration,
    bridgeId: known(r.bridgeid),
  }));
export type AmiChannelRow = z.output<typeof coreShowChannelSchema>;

/** One row of DeviceStateList. */
export const deviceStateRowSchema = z.object({ device: text, state: deviceState });
export type AmiDeviceStateRow = z.output<typeof deviceStateRowSchema>;

/**
 * The `OriginateResponse` event of an Async originate. `success` is `Response: Success`; `reason`
 * is Asterisk's outgoing-call result: 4 answered, 3 no answer, 5 busy, 8 congestion, 0 failed.
 */
export const originateResponseSchema = z
  .object({
    response: text,
    channel: optText,
    context: optText,
    exten: optText,
    application: optText,
    data: optText,
    reason: optInt,
    uniqueid: optText,
    calleridnum: optText,
    calleridname: optText,
  })
  .transform((r) => ({
    success: r.response.toLowerCase() === "success",
    reason: r.reason,
    reasonText: reasonText(r.reason),
    channel: r.channel,
    context: r.context,
    exten: r.exten,
    application: r.application,
    data: r.data,
    uniqueId: known(r.uniqueid),
    callerIdNum: known(r.calleridnum),
    callerIdName: known(r.calleridname),
  }));
export type AmiOriginateResult = z.output<typeof originateResponseSchema>;

const REASONS: Record<number, string> = { 0: "failed", 1: "hung up", 3: "no answer", 4: "answered", 5: "busy", 8: "congestion" };
function reasonText(reason: number | undefined): string {
  return reason === undefined ? "unknown" : (REASONS[reason] ?? `reason ${reason}`);
}
