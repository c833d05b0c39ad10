/**
 * What happened on one call the PBX placed to a customer: when it was dialed, rang, was answered and
 * ended, the outcome, what the customer heard and the keys it pressed, and who hung up. Folded from
 * the PBX events about the customer's channel (pure); the customer's own decisions (reject, hang up)
 * are noted by `CustomerCall`.
 */
import type { CallerId, PbxEvent } from "../pbx.js";
import type { CustomerAnswer } from "./customer-spec.js";
import { closeHeard, foldHeard, type HeardMedia } from "./heard-media.js";

/** `answered`; `busy` (the customer rejected); `unavailable` (the carrier's 480); `no-answer` (the PBX gave up while it rang). */
export type CustomerOutcome = "answered" | "busy" | "unavailable" | "no-answer";
export type CustomerCallState = "dialing" | "ringing" | "up" | "ended";

export interface CustomerCallRecord {
  channelId: string;
  /** `PJSIP/<trunk>-0000000n`. */
  channelName: string;
  /** The number dialed (the Request-URI user; "" when the trunk was dialed without one). */
  number: string;
  /** The caller id the PBX presented (the originate's `callerId`). */
  callerId: CallerId;
  /** What the customer's line was set to do on this call. */
  behaviour: CustomerAnswer;
  state: CustomerCallState;
  /** Set once known: at the answer, the reject, or the end. */
  outcome?: CustomerOutcome;
  dialedAt: string;
  ringingAt?: string;
  answeredAt?: string;
  endedAt?: string;
  /** The Stasis app the answered channel went to, with its arguments. */
  stasis?: { app: string; args: string[]; startedAt: string; endedAt?: string };
  /** Media played to the customer's channel, in order (`moh:<class>` for music on hold). */
  heard: HeardMedia[];
  /** Keys the customer pressed. */
  dtmf: Array<{ digit: string; at: string }>;
  /**
   * How it ended: who hung up (`customer`: its talk time ran out or it rejected the call; `network`: the
   * carrier's 480; `pbx`: the daemon or the originate's timeout), the cause and the tech cause (SIP status).
   */
  hangup?: { by: "customer" | "network" | "pbx"; reason?: "talk-time" | "busy" | "unavailable"; cause: number; causeTxt: string; techCause?: number };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function newCustomerRecord(init: { channelId: string; channelName: string; number: string; callerId: CallerId; behaviour: CustomerAnswer }): CustomerCallRecord {
  return { ...init, callerId: { ...init.callerId }, state: "dialing", dialedAt: iso(Date.now()), heard: [], dtmf: [] };
}

/** The customer's side decided how the call ends (before the PBX reports the end). */
export function noteCustomerEnd(r: CustomerCallRecord, by: "customer" | "network", reason: "talk-time" | "busy" | "unavailable"): void {
  if (r.state === "ended" || r.hangup) return;
  r.hangup = { by, reason, cause: 0, causeTxt: "" };
  if (reason !== "talk-time") r.outcome = reason;
}

/** Folds one event about the customer's channel into its record. */
export function applyCustomerEvent(r: CustomerCallRecord, e: PbxEvent): void {
  const at = iso(e.at);
  if (foldHeard(r.heard, e, at)) return;
  switch (e.type) {
    case "ChannelStateChange":
      if (e.channel.id !== r.channelId) return;
      if (e.channel.state === "Ringing" && r.state === "dialing") {
        r.state = "ringing";
        r.ringingAt = at;
      } else if (e.channel.state === "Up" && !r.answeredAt) {
        r.state = "up";
        r.answeredAt = at;
        r.outcome = "answered";
      }
      return;
    case "StasisStart":
      r.stasis = { app: e.app, args: [...e.args], startedAt: at };
      return;
    case "StasisEnd":
      if (r.stasis) r.stasis.endedAt = at;
      return;
    case "DtmfEnd":
      if (e.channel.id === r.channelId && e.direction === "Received") r.dtmf.push({ digit: e.digit, at });
      return;
    case "ChannelDestroyed":
      if (e.channel.id !== r.channelId) return;
      closeHeard(r.heard, at, "hangup", () => true);
      r.state = "ended";
      r.endedAt = at;
      r.outcome ??= "no-answer";
      r.hangup = { ...(r.hangup ?? { by: "pbx" }), cause: e.cause, causeTxt: e.causeTxt, ...(e.techCause ? { techCause: e.techCause } : {}) };
      return;
    default:
      return;
  }
}
