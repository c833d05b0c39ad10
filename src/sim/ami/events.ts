/**
 * Translation of the PBX core's event stream (`PbxEvent`) into AMI events with Asterisk 22's
 * names, classes and field order (as recorded in shared/asterisk-fixtures/ami). Pure: the server
 * translates each core event once and hands the text to every session whose mask wants it.
 */
import type { PbxEvent } from "../pbx.js";
import { orUnknown, type FieldList } from "./fields.js";
import { privilegeText } from "./privileges.js";
import { serialize } from "./wire.js";
import { callEvents } from "./events/calls.js";
import { channelEvents } from "./events/channels.js";
import { queueEvents } from "./events/queues.js";
import { systemEvents } from "./events/system.js";
import type { AmiEvent, TranslateOptions, Translator, TranslatorTable } from "./events/types.js";

export type { AmiEvent, TranslateOptions } from "./events/types.js";

/**
 * An unsolicited event as a manager session receives it. With asterisk.conf `systemname` set, a
 * `SystemName:` line follows `Privilege:` (ami-15, ami-19; list items and replies have none).
 */
export function eventText(e: AmiEvent, systemName = ""): string {
  const head: FieldList = [["Event", e.name], ["Privilege", privilegeText(e.category)]];
  if (systemName !== "") head.push(["SystemName", systemName]);
  return serialize([...head, ...e.fields]);
}

/** Every family's translators; a core event type in none of them has no AMI event. */
const TRANSLATORS: TranslatorTable = { ...channelEvents, ...callEvents, ...queueEvents, ...systemEvents };

/**
 * The AMI event for a core event, or undefined when AMI has none (Stasis and playback events
 * are ARI-only; `OriginateResult` becomes `OriginateResponse` only for AMI's own asynchronous
 * originates, which the server tracks, see `originateResponse`).
 */
export function translate(e: PbxEvent, opts: TranslateOptions): AmiEvent | undefined {
  // each table entry takes the event type it is keyed by
  const translator = TRANSLATORS[e.type] as Translator | undefined;
  return translator?.(e, opts);
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
