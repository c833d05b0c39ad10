/** The CDR Asterisk posts when a channel is destroyed (AMI `Event: Cdr`). */
import type { Channel } from "../model/channel.js";
import { CAUSE, type CdrRecord } from "../model/types.js";

function disposition(c: Channel): CdrRecord["disposition"] {
  const cause = c.hangupCause;
  if (c.answeredAt) return "ANSWERED";
  if (cause === CAUSE.BUSY) return "BUSY";
  if (cause === CAUSE.CONGESTION) return "CONGESTION";
  if (cause === CAUSE.NO_ANSWER || cause === CAUSE.NO_USER_RESPONSE || cause === CAUSE.NORMAL) return "NO ANSWER";
  return "FAILED";
}

/** The channel's CDR, ending now. */
export function cdrFor(c: Channel): CdrRecord {
  const end = Date.now();
  const cid = c.caller.name ? `"${c.caller.name}" <${c.caller.number}>` : c.caller.number ? `"" <${c.caller.number}>` : "";
  return {
    accountCode: c.accountcode,
    source: c.caller.number,
    destination: c.exten,
    destinationContext: c.context,
    callerId: cid,
    channel: c.name,
    // the other half of a Local pair is not the CDR's party B (ami-03, ami-12, ami-14a show "")
    destinationChannel: "",
    lastApplication: c.lastApp,
    lastData: c.lastData,
    startTime: c.creationTime,
    answerTime: c.answeredAt,
    endTime: end,
    duration: Math.round((end - c.creationTime) / 1000),
    billableSeconds: c.answeredAt ? Math.round((end - c.answeredAt) / 1000) : 0,
    disposition: disposition(c),
    amaFlags: "DOCUMENTATION",
    uniqueId: c.id,
    userField: "",
  };
}
