/**
 * SIP status codes against Asterisk hangup causes, as chan_pjsip maps them: the status a PJSIP channel
 * ends its INVITE with for a cause (a CANCEL for the originate timeout is reported as 480, ws-20 C), and the
 * status a phone's rejection carries (486 for busy, ws-20 B). ARI `tech_cause` / AMI `TechCause` show it
 * for calls that did not end normally.
 */

/** Cause -> SIP final response (chan_pjsip's table); 0 when none applies (a normal end). */
const SIP_STATUS_OF_CAUSE: Readonly<Record<number, number>> = {
  1: 404, // unallocated
  2: 404, // no route to transit network
  3: 404, // no route to destination
  17: 486, // user busy
  18: 408, // no user responding
  19: 480, // no answer
  20: 480, // subscriber absent (unregistered)
  21: 403, // call rejected
  22: 410, // number changed
  27: 502, // destination out of order
  28: 484, // invalid number format
  29: 501, // facility rejected
  31: 480, // normal, unspecified
  34: 503, // congestion
  38: 500, // network out of order
  42: 503, // switch congestion
  58: 488, // bearer capability not available
  66: 503, // channel not implemented
  127: 500, // interworking
};

export function sipStatusOfCause(cause: number): number {
  return SIP_STATUS_OF_CAUSE[cause] ?? 0;
}
