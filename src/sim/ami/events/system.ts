/** The server's own events in AMI: device states, CDRs, shutdown and reload, SIP registrations. */
import type { SipSecurityEvent } from "../../pbx.js";
import { cdrFields, eventTv, type FieldList } from "../fields.js";
import type { AmiEvent, TranslatorTable } from "./types.js";

/** res_pjsip's security events of a REGISTER (ami-15): the challenge, then the authentication. */
function sipSecurity(e: SipSecurityEvent): AmiEvent {
  const fields: FieldList = [
    ["EventTV", eventTv(e.at)],
    ["Severity", "Informational"],
    ["Service", "PJSIP"],
    ["EventVersion", 1],
    ["AccountID", e.accountId],
    ["SessionID", e.sessionId],
    ["LocalAddress", e.localAddress],
    ["RemoteAddress", e.remoteAddress],
  ];
  fields.push(e.name === "ChallengeSent" ? ["Challenge", ""] : ["UsingPassword", 1]);
  return { name: e.name, category: "security", fields };
}

export const systemEvents: TranslatorTable = {
  DeviceStateChanged: (e) => ({ name: "DeviceStateChange", category: "call", fields: [["Device", e.device], ["State", e.state]] }),
  Cdr: (e, opts) => {
    if (e.cdr.answerTime === null && !opts.cdrUnanswered) return undefined;
    return { name: "Cdr", category: "cdr", fields: cdrFields(e.cdr) };
  },
  Shutdown: (e, opts) => ({
    name: "Shutdown",
    category: "system",
    fields: [
      ["Shutdown", opts.activeChannels() > 0 ? "Uncleanly" : "Cleanly"],
      ["Restart", e.restart ? "True" : "False"],
    ],
  }),
  Reload: (e) => ({ name: "Reload", category: "system", fields: [["Module", e.module], ["Status", 0]] }),
  PeerStatusChange: (e) => ({
    name: "PeerStatus",
    category: "system",
    fields: [
      ["ChannelType", e.endpoint.technology],
      ["Peer", `${e.endpoint.technology}/${e.endpoint.resource}`],
      ["PeerStatus", e.peerStatus],
    ],
  }),
  ContactStatusChange: (e) => ({
    name: "ContactStatus",
    category: "system",
    fields: [
      ["URI", e.contact.uri],
      ["ContactStatus", e.contact.status],
      ["AOR", e.contact.aor],
      ["EndpointName", e.endpoint.resource],
      ["RoundtripUsec", e.contact.roundtripUsec],
    ],
  }),
  SipSecurity: sipSecurity,
};
