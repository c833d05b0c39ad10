/**
 * AMI PJSIPNotify (res_pjsip_notify.c): a SIP NOTIFY to an endpoint's contacts with the headers given as
 * `Variable: Name=value` lines (or a pjsip_notify.conf `Option`, which the simulator has none of). Desk phones
 * that allow it answer their ringing call on `Event: talk`; the simulated phones do as their `onNotify` says.
 * Not recorded: the replies and their texts follow Asterisk 22's source.
 */
import { error, header, headers, success } from "../wire.js";
import type { ActionSpec } from "./types.js";

export const pjsipNotify: ActionSpec = {
  name: "PJSIPNotify",
  synopsis: "Send a NOTIFY to either an endpoint, an arbitrary URI, or inside a SIP dialog.",
  privileges: ["system"],
  run({ m, session, server }) {
    const endpoint = header(m, "Endpoint");
    const uri = header(m, "URI");
    const option = header(m, "Option");
    const variables = headers(m, "Variable");
    const reply = (text: string, ok = false) => session.write(ok ? success(m, text) : error(m, text));
    if (option && variables.length) return reply("PJSIPNotify action can not handle a request specifying 'Option' and 'Variable' at the same time");
    if (endpoint && uri) return reply("PJSIPNotify action can not handle a request specifying 'Endpoint' and 'URI' at the same time");
    if (option) return reply(`Unable to find notify type '${option}'`);
    if (!variables.length) return reply("PJSIPNotify requires either an 'Option' or 'Variable' parameter");
    if (!endpoint) return reply(uri ? "Unable to send NOTIFY to URI (no dialog to send it in)" : "PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.");
    const fields = new Map<string, string>();
    for (const v of variables) {
      const eq = v.indexOf("=");
      if (eq > 0) fields.set(v.slice(0, eq).trim().toLowerCase(), v.slice(eq + 1).trim());
    }
    const name = endpoint.replace(/^(pjsip|sip)\//i, "");
    if (!server.pbx.notifyEndpoint("PJSIP", name, fields)) return reply(`Unable to retrieve endpoint ${name}`);
    reply("NOTIFY sent", true);
  },
};
