import type { AriEvent } from "../telephony/index.js";

/**
 * Talk time, measured where the conversation happens: from the agent leg's ChannelEnteredBridge to the
 * first ChannelLeftBridge of that bridge or hangup of either party, on Asterisk's own event timestamps.
 *
 * Asterisk's CDRs cannot give it. The CDR engine closes the agent leg's record when the leg joins a bridge
 * with the older caller channel (BillableSeconds 0), and the caller's record, whose DestinationChannel is
 * the agent leg, bills from the caller's answer: the IVR and the queue are in it. So the caller's CDR is
 * only a cross-check: its Duration counts from the caller channel's creation to the end of the pairing,
 * which against the creation time ARI shows gives the conversation's length to within a second.
 *
 * The moments go to the call's desk record in Redis as they happen (the first of each counts), so a
 * daemon restarted in the middle of a conversation keeps its start and the next one sees its end.
 */

/** What the clock saw of one conversation; each field is reported once, when it is known. */
export interface TalkMoment {
  /** The agent leg entered the bridge (ms since the epoch, Asterisk's clock). */
  from?: number;
  /** The first of the parties left the bridge or hung up. */
  to?: number;
  /** The agent leg's channel name: the DestinationChannel of the caller's CDR. */
  agentLeg?: string;
  /** The caller channel's creation time (ms): what the caller's CDR counts its Duration from. */
  callerCreated?: number;
}

/** The caller's CDR paired with the agent leg (AMI `Cdr`, DestinationChannel = the leg). */
export interface CallerCdr {
  destinationChannel: string;
  /** Seconds, truncated, from the record's start (the caller channel's creation) to the pairing's end. */
  duration: number;
  billableSeconds: number;
}

/** A conversation as the desk record keeps it. */
export interface TalkRecord extends TalkMoment {
  cdr?: CallerCdr;
}

/** Seconds by which the bridge and the caller's CDR may differ before it is worth a warning. */
export const CDR_TOLERANCE_SECONDS = 3;

/** `2026-11-22T11:06:12.632+0000` (ARI's `timestamp` and `creationtime`) as ms, or undefined. */
export function ariTime(text: string | undefined): number | undefined {
  const m = text === undefined ? null : /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d):?(\d\d)$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[2]}:${m[3]}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The conversation's length in whole seconds (rounded), once both ends are known. */
export function talkSeconds(t: TalkRecord): number | undefined {
  if (t.from === undefined || t.to === undefined) return undefined;
  return Math.max(0, Math.round((t.to - t.from) / 1000));
}

/**
 * The conversation's length by the caller's CDR: its end (the creation plus Duration, truncated: the
 * middle of that second) less the bridge entry. Undefined without the CDR, the creation or the start.
 */
export function cdrTalkSeconds(t: TalkRecord): number | undefined {
  if (!t.cdr || t.callerCreated === undefined || t.from === undefined) return undefined;
  return Math.max(0, (t.callerCreated + t.cdr.duration * 1000 + 500 - t.from) / 1000);
}

/** The bridge's figure and the CDR's, when both are known and differ by more than the tolerance. */
export function cdrDisagreement(t: TalkRecord): { talkSeconds: number; cdrTalkSeconds: number } | undefined {
  const bridge = t.from === undefined || t.to === undefined ? undefined : (t.to - t.from) / 1000;
  const cdr = cdrTalkSeconds(t);
  if (bridge === undefined || cdr === undefined || Math.abs(bridge - cdr) <= CDR_TOLERANCE_SECONDS) return undefined;
  return { talkSeconds: Math.round(bridge), cdrTalkSeconds: Math.round(cdr) };
}

interface Talk {
  callId: string;
  callerChannelId: string;
  bridgeId?: string;
  callerCreated?: number;
  /** The agent leg is (or was, before a restart) in the bridge. */
  started: boolean;
}

/** Conversations whose end was reported, remembered (oldest forgotten first) so later events add nothing. */
const ENDED_KEPT = 10_000;

/**
 * Follows the ARI events of the hand-off's conversations and reports their moments. An agent leg's id
 * names its call (`legOf`), so its bridge entry and its hangup are recognised without being told (after
 * a restart the leg's hangup may come before the conversation is taken up again); the caller's channel
 * is one of the parties once `follow` names it.
 */
export class TalkClock {
  private readonly calls = new Map<string, Talk>();
  private readonly byCaller = new Map<string, string>();
  private readonly byBridge = new Map<string, string>();
  private readonly ended = new Set<string>();
  /** Conversations whose agent is consulting another one: their legs' bridge moves are not their end. */
  private readonly suspended = new Set<string>();
  /** Legs that took a conversation over (a consulted agent's), by channel id; and legs that handed one on. */
  private readonly taken = new Map<string, string>();
  private readonly handedOn = new Map<string, string>();

  constructor(
    private readonly legOf: (channelId: string) => string | undefined,
    private readonly report: (callId: string, m: TalkMoment) => void,
  ) {}

  /**
   * A conversation about to be bridged: the caller's channel is one of its parties. `adopted`: one a
   * previous daemon bridged (its start is in its desk record already), in bridge `bridgeId` if known.
   */
  follow(callId: string, callerChannelId: string, adopted?: { bridgeId?: string }): void {
    const t = this.calls.get(callId) ?? { callId, callerChannelId, started: false };
    this.byCaller.delete(t.callerChannelId);
    t.callerChannelId = callerChannelId;
    this.calls.set(callId, t);
    this.byCaller.set(callerChannelId, callId);
    if (!adopted) return;
    t.started = true;
    if (adopted.bridgeId) this.inBridge(t, adopted.bridgeId);
  }

  /** A consultation (consult.ts) moves the agent's leg out of the bridge and maybe back: not the end, while `on`. */
  suspend(callId: string, on: boolean): void {
    if (on) this.suspended.add(callId);
    else this.suspended.delete(callId);
  }

  /**
   * The conversation goes on with another agent's leg, `legId` (a consultation completed): the first agent's
   * part ends now, and its leg is no party any more; the next part starts when `legId` enters the bridge.
   */
  pass(callId: string, fromLegId: string, legId: string): void {
    const t = this.calls.get(callId);
    if (t?.started) this.report(callId, { to: Date.now() });
    this.handedOn.set(fromLegId, callId);
    this.taken.delete(fromLegId);
    this.taken.set(legId, callId);
    if (!t) return;
    t.started = false;
    if (t.bridgeId) this.byBridge.delete(t.bridgeId);
    t.bridgeId = undefined;
  }

  private legOfAny(channelId: string): string | undefined {
    if (this.handedOn.has(channelId)) return undefined;
    return this.taken.get(channelId) ?? this.legOf(channelId);
  }

  /** The hand-off is done with the conversation, whether or not its end was seen. */
  forget(callId: string): void {
    const t = this.calls.get(callId);
    for (const legs of [this.taken, this.handedOn]) for (const [leg, id] of legs) if (id === callId) legs.delete(leg);
    this.suspended.delete(callId);
    if (!t) return;
    this.calls.delete(callId);
    this.byCaller.delete(t.callerChannelId);
    if (t.bridgeId) this.byBridge.delete(t.bridgeId);
  }

  observe(e: AriEvent): void {
    switch (e.type) {
      case "ChannelEnteredBridge":
        return this.entered(e.channel, e.bridge.id, ariTime(e.timestamp) ?? Date.now());
      case "ChannelLeftBridge": {
        const callId = this.byBridge.get(e.bridge.id);
        // a party of its own leaving ends it; a supervisor who barged in leaving does not, nor a consultation's move
        if (callId !== undefined && !this.suspended.has(callId) && (this.legOfAny(e.channel.id) === callId || this.byCaller.get(e.channel.id) === callId)) this.end(callId, e);
        return;
      }
      case "ChannelHangupRequest":
      case "StasisEnd":
      case "ChannelDestroyed": {
        // the first agent's leg of a conversation handed on (pass) ends nothing
        if (this.handedOn.has(e.channel.id)) return;
        const leg = this.legOfAny(e.channel.id);
        const callId = leg ?? this.byCaller.get(e.channel.id);
        if (callId === undefined || this.ended.has(callId)) return;
        const t = this.calls.get(callId);
        // an agent leg's hangup ends its conversation, if it was one (the desk record knows: it has the start)
        if (t ? t.started : leg !== undefined) this.end(callId, e);
        return;
      }
      default:
        return;
    }
  }

  private entered(channel: { id: string; name: string; creationtime?: string | undefined }, bridgeId: string, at: number): void {
    const legCall = this.legOfAny(channel.id);
    const callId = legCall ?? this.byCaller.get(channel.id);
    if (callId === undefined || this.suspended.has(callId)) return;
    // not followed (an agent leg bridged by other means): a call's id is its caller channel's
    if (!this.calls.has(callId)) this.follow(callId, callId);
    const t = this.calls.get(callId)!;
    if (legCall === undefined) {
      // the caller: usually in the bridge just before the agent leg; its creation goes with the start
      const created = ariTime(channel.creationtime);
      if (t.callerCreated === undefined && created !== undefined) {
        t.callerCreated = created;
        if (t.started) this.report(callId, { callerCreated: created });
      }
      return;
    }
    this.inBridge(t, bridgeId);
    // bridged again (a lost bridge made anew): the conversation started the first time
    if (t.started) return;
    t.started = true;
    this.ended.delete(callId);
    this.report(callId, { from: at, agentLeg: channel.name, ...(t.callerCreated === undefined ? {} : { callerCreated: t.callerCreated }) });
  }

  private inBridge(t: Talk, bridgeId: string): void {
    if (t.bridgeId) this.byBridge.delete(t.bridgeId);
    t.bridgeId = bridgeId;
    this.byBridge.set(bridgeId, t.callId);
  }

  private end(callId: string, e: { timestamp?: string | undefined }): void {
    this.report(callId, { to: ariTime(e.timestamp) ?? Date.now() });
    this.forget(callId);
    this.ended.add(callId);
    if (this.ended.size > ENDED_KEPT) this.ended.delete(this.ended.values().next().value!);
  }
}
