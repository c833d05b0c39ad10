/**
 * Channel variables and caller id: reading them (dialplan functions included), setting them with
 * the events Asterisk raises, and parsing the caller ids and variable lists requests carry.
 */
import type { Channel } from "../model/channel.js";
import type { CallerId } from "../model/types.js";
import type { PbxContext } from "./context.js";

/** Ordered variables: [name, value] pairs (order matters for the events), or a plain object. */
export type VariableList = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

/** `"Name" <number>`, `<number>`, a bare number or a bare name, as AMI and ARI accept them. */
export function parseCallerId(cid: CallerId | string | undefined): CallerId | undefined {
  if (cid === undefined) return undefined;
  if (typeof cid !== "string") return { name: cid.name ?? "", number: cid.number ?? "" };
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]*)>\s*$/.exec(cid);
  if (m) return { name: (m[1] ?? "").trim(), number: (m[2] ?? "").trim() };
  const t = cid.trim();
  return /^[0-9+*#]+$/.test(t) ? { name: "", number: t } : { name: t, number: "" };
}

export function variableEntries(v: VariableList | undefined): Array<[string, string]> {
  if (!v) return [];
  if (Array.isArray(v)) return v.map(([k, val]) => [String(k), String(val)]);
  return Object.entries(v as Record<string, unknown>).map(([k, val]) => [k, String(val)]);
}

/** `CHANNEL(<arg>)`; "" for an item the simulator does not model. */
function channelItem(c: Channel, arg: string): string {
  switch (arg) {
    case "name":
      return c.name;
    case "uniqueid":
      return c.id;
    case "linkedid":
      return c.linkedId;
    case "state":
      return c.state;
    case "language":
      return c.language;
    case "accountcode":
      return c.accountcode;
    case "context":
      return c.context;
    case "exten":
      return c.exten;
    case "channeltype":
      return c.tech;
    default:
      return "";
  }
}

/** A dialplan function call `F(arg)`; undefined for a function the simulator does not know. */
function readFunction(c: Channel, f: string, arg: string): string | undefined {
  if (f === "CALLERID" || f === "CONNECTEDLINE") {
    const id = f === "CALLERID" ? c.caller : c.connected;
    if (arg === "num" || arg === "number") return id.number;
    if (arg === "name") return id.name;
    if (arg === "all" || arg === "") return id.name ? `"${id.name}" <${id.number}>` : id.number;
    return "";
  }
  if (f === "CHANNEL") return channelItem(c, arg);
  return undefined;
}

export class ChannelVariables {
  constructor(private readonly ctx: PbxContext) {}

  /**
   * Reads a variable or a dialplan function (`CALLERID(num)`, `CALLERID(name)`, `CHANNEL`,
   * `CHANNEL(name)`, `UNIQUEID`, `EXTEN`, `CONTEXT`, `PRIORITY`, `LINKEDID`, ...).
   * undefined when unset.
   */
  read(c: Channel, rawName: string): string | undefined {
    const name = rawName.trim();
    const fn = /^([A-Z_]+)\((.*)\)$/i.exec(name);
    if (fn) return readFunction(c, fn[1]!.toUpperCase(), fn[2]!.trim().toLowerCase());
    switch (name) {
      case "CHANNEL":
        return c.name;
      case "UNIQUEID":
        return c.id;
      case "LINKEDID":
        return c.linkedId;
      case "EXTEN":
        return c.exten;
      case "CONTEXT":
        return c.context;
      case "PRIORITY":
        return String(c.priority);
      case "HANGUPCAUSE":
        return String(c.hangupCause);
      default:
        return c.vars.get(name);
    }
  }

  /** Sets a variable (or `CALLERID(num|name)`, `CONNECTEDLINE(...)`) with its event. */
  set(c: Channel, name: string, value: string): void {
    const fn = /^(CALLERID|CONNECTEDLINE)\((num|number|name)\)$/i.exec(name.trim());
    if (fn) {
      const which = fn[1]!.toUpperCase() === "CALLERID" ? c.caller : c.connected;
      if (fn[2]!.toLowerCase() === "name") which.name = value;
      else which.number = value;
      if (fn[1]!.toUpperCase() === "CALLERID") this.emitCallerId(c);
      else this.ctx.emit({ type: "ChannelConnectedLine", channel: c.snapshot() });
      return;
    }
    c.vars.set(name, value);
    this.ctx.emit({ type: "ChannelVarset", channel: c.snapshot(), variable: name, value });
  }

  emitCallerId(c: Channel): void {
    this.ctx.emit({
      type: "ChannelCallerId",
      channel: c.snapshot(),
      callerPresentation: 0,
      callerPresentationTxt: "Presentation Allowed, Not Screened",
    });
  }
}
