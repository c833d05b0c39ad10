/**
 * Channel actions: CoreShowChannels, Status, Hangup, Getvar, Setvar, Redirect. Replies as
 * recorded (ami-05, ami-05b, ami-08c, ami-09); texts that were not recorded follow Asterisk 22.
 */
import type { ChannelSnapshot } from "../../pbx.js";
import { channelFields, hms, orUnknown, type FieldList } from "../fields.js";
import { actionIdField, error, header, listComplete, listStart, responseHead, serialize, success, isTrue } from "../wire.js";
import type { ActionSpec, AmiServerContext } from "./types.js";

/** Asterisk lists channels from a hash container; the simulator lists them oldest first. */
function channels(server: AmiServerContext): ChannelSnapshot[] {
  return server.pbx.listChannels().sort((a, b) => a.creationTime - b.creationTime || (a.name < b.name ? -1 : 1));
}

function secondsUp(c: ChannelSnapshot, now: number): number {
  return Math.floor((now - c.creationTime) / 1000);
}

export const coreShowChannels: ActionSpec = {
  name: "CoreShowChannels",
  synopsis: "List currently active channels.",
  privileges: ["system", "reporting"],
  run({ m, session, server }) {
    const now = Date.now();
    const list = channels(server);
    let out = listStart(m, "Channels will follow");
    for (const c of list) {
      out += serialize([
        ["Event", "CoreShowChannel"],
        ...actionIdField(m),
        ...channelFields(c),
        ["Application", c.dialplan.appName],
        ["ApplicationData", c.dialplan.appData],
        ["Duration", hms(secondsUp(c, now))],
        ["BridgeId", server.pbx.bridgeOf(c.id) ?? ""],
      ]);
    }
    out += listComplete(m, "CoreShowChannelsComplete", list.length);
    session.write(out);
  },
};

function statusItem(server: AmiServerContext, c: ChannelSnapshot, m: Parameters<typeof actionIdField>[0], now: number): string {
  const fields: FieldList = [
    ["Event", "Status"],
    ["Privilege", "Call"],
    ...channelFields(c),
    ["Type", c.tech],
    ["DNID", ""],
    ["EffectiveConnectedLineNum", orUnknown(c.connected.number)],
    ["EffectiveConnectedLineName", orUnknown(c.connected.name)],
    ["TimeToHangup", 0],
    ["BridgeID", server.pbx.bridgeOf(c.id) ?? ""],
    ["Application", c.dialplan.appName],
    ["Data", c.dialplan.appData],
    // the simulator moves no media: report Asterisk's internal format
    ["Nativeformats", "(slin)"],
    ["Readformat", "slin"],
    ["Readtrans", ""],
    ["Writeformat", "slin"],
    ["Writetrans", ""],
    ["Callgroup", 0],
    ["Pickupgroup", 0],
    ["Seconds", secondsUp(c, now)],
  ];
  const wanted = header(m, "Variables")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  for (const name of wanted) fields.push(["Variable", `${name}=${server.pbx.getVar(c.id, name) ?? ""}`]);
  if (isTrue(header(m, "AllVariables"))) {
    for (const [k, v] of Object.entries(server.pbx.channelVariables(c.id))) fields.push(["Variable", `${k}=${v}`]);
  }
  fields.push(...actionIdField(m));
  return serialize(fields);
}

export const status: ActionSpec = {
  name: "Status",
  synopsis: "List channel status.",
  privileges: ["system", "call", "reporting"],
  run({ m, session, server }) {
    const name = header(m, "Channel");
    let list: ChannelSnapshot[];
    if (name === "") list = channels(server);
    else {
      const c = server.pbx.getChannel(name);
      if (!c) {
        session.write(error(m, "No such channel"));
        return;
      }
      list = [c];
    }
    const now = Date.now();
    let out = listStart(m, "Channel status will follow");
    for (const c of list) out += statusItem(server, c, m, now);
    out += listComplete(m, "StatusComplete", list.length, [["Items", list.length]]);
    session.write(out);
  },
};

export const hangup: ActionSpec = {
  name: "Hangup",
  synopsis: "Hangup channel.",
  privileges: ["system", "call"],
  run({ m, session, server }) {
    const name = header(m, "Channel");
    if (name === "") {
      session.write(error(m, "No channel specified"));
      return;
    }
    // an out-of-range or malformed cause is ignored (the channel is still hung up)
    const causeText = header(m, "Cause");
    let cause = 0;
    if (/^[0-9]+$/.test(causeText) && Number(causeText) <= 127) cause = Number(causeText);
    const c = server.pbx.getChannel(name);
    if (!c) {
      session.write(error(m, "No such channel"));
      return;
    }
    // without a (valid) Cause Asterisk leaves the channel's cause unset: it ends with 0 (Unknown)
    server.pbx.hangup(c.id, cause, { via: "ami" });
    session.write(success(m, "Channel Hungup"));
  },
};

export const getvar: ActionSpec = {
  name: "Getvar",
  synopsis: "Gets a channel variable or function value.",
  privileges: ["call", "reporting"],
  run({ m, session, server }) {
    const name = header(m, "Channel");
    const variable = header(m, "Variable");
    if (variable === "") {
      session.write(error(m, "No variable specified"));
      return;
    }
    let value: string | undefined;
    if (name !== "") {
      const c = server.pbx.getChannel(name);
      if (!c) {
        session.write(error(m, "No such channel"));
        return;
      }
      value = server.pbx.getVar(c.id, variable);
    }
    // a function without a channel runs on a dummy channel (empty result); variables fall back to globals
    if (value === undefined && !variable.endsWith(")")) value = server.globals.get(variable);
    session.write(serialize([...responseHead(m, "Success"), ["Variable", variable], ["Value", value ?? ""]]));
  },
};

export const setvar: ActionSpec = {
  name: "Setvar",
  synopsis: "Sets a channel variable or function value.",
  privileges: ["call"],
  run({ m, session, server }) {
    const name = header(m, "Channel");
    const variable = header(m, "Variable");
    if (variable === "") {
      session.write(error(m, "No variable specified"));
      return;
    }
    const value = header(m, "Value");
    if (name !== "") {
      const c = server.pbx.getChannel(name);
      if (!c) {
        session.write(error(m, "No such channel"));
        return;
      }
      server.pbx.setVar(c.id, variable, value);
    } else {
      server.globals.set(variable, value);
    }
    session.write(success(m, "Variable Set"));
  },
};

function parsePriority(text: string): number | undefined {
  const n = Number.parseInt(text.trim(), 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export const redirect: ActionSpec = {
  name: "Redirect",
  synopsis: "Redirect (transfer) a call.",
  privileges: ["call"],
  run({ m, session, server }) {
    const name = header(m, "Channel");
    const context = header(m, "Context");
    const exten = header(m, "Exten");
    const priorityText = header(m, "Priority");
    if (name === "") return session.write(error(m, "Channel not specified"));
    if (context === "") return session.write(error(m, "Context not specified"));
    if (exten === "") return session.write(error(m, "Exten not specified"));
    if (priorityText === "") return session.write(error(m, "Priority not specified"));
    const priority = parsePriority(priorityText);
    if (priority === undefined) return session.write(error(m, "Priority is invalid"));
    const c = server.pbx.getChannel(name);
    if (!c) return session.write(error(m, `Channel does not exist: ${name}`));
    const extraName = header(m, "ExtraChannel");
    const extra = extraName === "" ? undefined : server.pbx.getChannel(extraName);
    if (extraName !== "" && !extra) return session.write(error(m, `ExtraChannel does not exist: ${extraName}`));
    server.pbx.redirect(c.id, { context, exten, priority });
    if (extra) {
      server.pbx.redirect(extra.id, {
        context: header(m, "ExtraContext") || context,
        exten: header(m, "ExtraExten") || exten,
        priority: parsePriority(header(m, "ExtraPriority")) ?? priority,
      });
      return session.write(success(m, "Dual Redirect successful"));
    }
    session.write(success(m, "Redirect successful"));
  },
};
