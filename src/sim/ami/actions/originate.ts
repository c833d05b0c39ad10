/**
 * Originate, as recorded in ami-03, ami-04 and ami-12:
 * - Async: `Originate successfully queued` at once; the outcome follows as an `OriginateResponse`
 *   event (Reason 4 answered, 3 rang out, 0 failed) sent to every session reading `call` events.
 * - Synchronous: the session waits for the outcome; `Originate successfully queued` when answered,
 *   `Originate failed` otherwise (no OriginateResponse event).
 * - `Channel not specified`, `Invalid channel`, `Invalid priority`, `Invalid timeout` for bad input.
 */
import type { CallerId, OriginateRequest } from "../../pbx.js";
import type { PendingOriginate } from "../events.js";
import { error, header, isTrue, success, variables } from "../wire.js";
import type { ActionSpec } from "./types.js";

/** ast_callerid_parse: `Name <number>`, `"Name" <number>`, a bare number, or a bare name. */
export function parseCallerId(text: string): CallerId {
  const t = text.trim();
  const angle = /^(.*?)\s*<([^>]*)>\s*$/.exec(t);
  if (angle) {
    let name = angle[1]!.trim();
    if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1);
    return { name, number: angle[2]!.trim() };
  }
  if (/^[0-9+*#()\-. ]+$/.test(t) && /[0-9]/.test(t)) return { name: "", number: t.replace(/[()\-. ]/g, "") };
  return { name: t.replace(/^"(.*)"$/, "$1"), number: "" };
}

/** `%30d` as sscanf reads it: optional blanks and sign, then digits; undefined when none. */
function scanInt(text: string): number | undefined {
  const mt = /^\s*([+-]?[0-9]+)/.exec(text);
  return mt ? Number.parseInt(mt[1]!, 10) : undefined;
}

export const originate: ActionSpec = {
  name: "Originate",
  synopsis: "Originate a call.",
  privileges: ["originate"],
  async run({ m, session, server }) {
    const dialString = header(m, "Channel");
    if (dialString === "") return session.write(error(m, "Channel not specified"));
    const priorityText = header(m, "Priority");
    let priority = 1;
    if (priorityText !== "") {
      const p = scanInt(priorityText);
      // Asterisk would look the text up as a priority label; the simulator's dialplan has none
      if (p === undefined) return session.write(error(m, "Invalid priority"));
      priority = p;
    }
    const timeoutText = header(m, "Timeout");
    let timeoutMs: number | undefined;
    if (timeoutText !== "") {
      const t = scanInt(timeoutText);
      if (t === undefined) return session.write(error(m, "Invalid timeout"));
      timeoutMs = t;
    }
    if (!dialString.includes("/")) return session.write(error(m, "Invalid channel"));

    const application = header(m, "Application");
    const data = header(m, "Data");
    const context = header(m, "Context");
    const exten = header(m, "Exten");
    const cidText = header(m, "CallerID");
    const callerId = cidText === "" ? undefined : parseCallerId(cidText);
    // Asterisk sets the variables on the dialed channel last-given first (and on a Local ;2 in
    // the given order): the core applies the list in order to the first and reversed to the second
    const vars = variables(m).reverse();
    const req: OriginateRequest = {
      endpoint: dialString,
      ...(application !== ""
        ? { application, data }
        : { context: context || "default", exten: exten || "s", priority }),
      ...(timeoutMs !== undefined && timeoutMs > 0 ? { timeoutMs } : {}),
      ...(callerId ? { callerId } : {}),
      variables: vars,
      ...(header(m, "Account") !== "" ? { accountcode: header(m, "Account") } : {}),
      ...(header(m, "ChannelId") !== "" ? { channelId: header(m, "ChannelId") } : {}),
      ...(header(m, "OtherChannelId") !== "" ? { otherChannelId: header(m, "OtherChannelId") } : {}),
    };

    if (isTrue(header(m, "Async"))) {
      const pending: PendingOriginate = {
        actionId: header(m, "ActionID"),
        dialString,
        ...(application !== "" ? { application: { name: application, data } } : {}),
        context,
        exten,
        callerIdNum: callerId?.number ?? "",
        callerIdName: callerId?.name ?? "",
      };
      const originateId = server.trackOriginate(pending);
      session.write(success(m, "Originate successfully queued"));
      try {
        server.pbx.originate({ ...req, originateId });
      } catch {
        // no channel could be made (unknown technology or endpoint, duplicate id): Reason 0
        server.failOriginate(originateId);
      }
      return;
    }

    let outcome;
    try {
      outcome = await server.pbx.originate(req).result;
    } catch {
      return session.write(error(m, "Originate failed"));
    }
    if (outcome.success) session.write(success(m, "Originate successfully queued"));
    else session.write(error(m, "Originate failed"));
  },
};
