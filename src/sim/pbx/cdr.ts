/**
 * The CDR engine (Asterisk's cdr.c), as far as the recordings show it: each channel has a chain of CDR
 * records (party A = the channel), posted as AMI `Cdr` events when the channel is destroyed.
 *
 * Like Asterisk's, it follows the channels from the event stream (created, answered, entering and leaving
 * bridges). Bridges decide the records (ws-16/ami-20, ws-14/ami-17):
 * - A channel entering a bridge pairs with a channel already in it: of the two, party A is the one that
 *   was not dialed (originated and queue-dialed channels are "outgoing"), else the older one. If the newcomer
 *   is party A it takes the other as its party B (whose own record, if it had no party B, ends now). If it
 *   is not party A of anyone, its record ends at the bridge moment, and the older channel's record takes it
 *   as party B (its end cleared): so an agent leg originated, answered and bridged with a caller has a CDR
 *   of Duration/BillableSeconds 0 (or its ring time as Duration), and the conversation is on the caller's
 *   record (`DestinationChannel` = the agent leg), billed from the caller's answer.
 * - A channel alone in a bridge keeps its record open until it leaves.
 * - Leaving a bridge ends the channel's record and the record whose party B it is (the first of the two
 *   to leave ends the pairing). A channel that enters a bridge again starts a new record (start and answer
 *   at that moment); one that does nothing more gets none (Asterisk drops the pending record).
 * - A second party B for a record that has one gives that party A a new record.
 * Seconds are truncated (cdr.conf `initiatedseconds = no`, the sample's default).
 */
import type { Channel } from "../model/channel.js";
import type { PbxEvent } from "../model/events.js";
import { CAUSE, type CdrRecord } from "../model/types.js";
import type { PbxContext } from "./context.js";

/** One record of a channel's chain (cdr.c's `cdr_object`). */
interface CdrObject {
  start: number;
  answer: number | null;
  end: number | null;
  /** Party B's channel name and id ("" when none). */
  partyB: string;
  partyBId: string;
  /** The bridge the record is in (a record is paired only within its bridge). */
  bridge: string | undefined;
}

interface ChannelCdrs {
  chain: CdrObject[];
  /** Dialed (AST_FLAG_OUTGOING): never party A against a channel that was not. */
  outgoing: boolean;
  /** Left a bridge: the next bridge starts a new record. */
  pending: boolean;
}

function disposition(c: Channel, r: CdrObject): CdrRecord["disposition"] {
  const cause = c.hangupCause;
  if (r.answer !== null) return "ANSWERED";
  if (cause === CAUSE.BUSY) return "BUSY";
  if (cause === CAUSE.CONGESTION) return "CONGESTION";
  if (cause === CAUSE.NO_ANSWER || cause === CAUSE.NO_USER_RESPONSE || cause === CAUSE.NORMAL) return "NO ANSWER";
  return "FAILED";
}

const seconds = (from: number, to: number): number => Math.max(0, Math.floor((to - from) / 1000));

export class Cdrs {
  private readonly byChannel = new Map<string, ChannelCdrs>();
  /** The channels with records in each bridge (so a leave looks at the bridge's channels only). */
  private readonly inBridge = new Map<string, Set<string>>();

  constructor(private readonly ctx: PbxContext) {
    ctx.onEvent((e) => this.observe(e));
  }

  /** The channel is being dialed (originate, Queue()): see `ChannelCdrs.outgoing`. */
  markOutgoing(c: Channel): void {
    this.of(c).outgoing = true;
  }

  /** The channel's records, ending now, as AMI posts them (at its destruction); the channel is forgotten. */
  post(c: Channel): void {
    const cdrs = this.of(c);
    this.byChannel.delete(c.id);
    for (const r of cdrs.chain) if (r.bridge) this.inBridge.get(r.bridge)?.delete(c.id);
    const now = Date.now();
    for (const r of cdrs.chain) this.ctx.emit({ type: "Cdr", cdr: this.record(c, r, r.end ?? now) });
  }

  private record(c: Channel, r: CdrObject, end: number): CdrRecord {
    const cid = c.caller.name ? `"${c.caller.name}" <${c.caller.number}>` : c.caller.number ? `"" <${c.caller.number}>` : "";
    return {
      accountCode: c.accountcode,
      source: c.caller.number,
      destination: c.exten,
      destinationContext: c.context,
      callerId: cid,
      channel: c.name,
      // party B: the channel it was paired with in a bridge (ws-16); the other half of a Local pair is
      // not one (ami-03, ami-12, ami-14a show "")
      destinationChannel: r.partyB,
      lastApplication: c.lastApp,
      lastData: c.lastData,
      startTime: r.start,
      answerTime: r.answer,
      endTime: end,
      duration: seconds(r.start, end),
      billableSeconds: r.answer === null ? 0 : seconds(r.answer, end),
      disposition: disposition(c, r),
      amaFlags: "DOCUMENTATION",
      uniqueId: c.id,
      userField: "",
    };
  }

  private of(c: Channel): ChannelCdrs {
    let cdrs = this.byChannel.get(c.id);
    if (!cdrs) {
      cdrs = { chain: [{ start: c.creationTime, answer: c.answeredAt, end: null, partyB: "", partyBId: "", bridge: undefined }], outgoing: false, pending: false };
      this.byChannel.set(c.id, cdrs);
    }
    return cdrs;
  }

  private current(c: Channel): CdrObject {
    const chain = this.of(c).chain;
    return chain[chain.length - 1]!;
  }

  /** A record that starts now (single state's start), answered now if the channel is up. */
  private append(c: Channel, now: number, bridge: string): CdrObject {
    const r: CdrObject = { start: now, answer: c.state === "Up" ? now : null, end: null, partyB: "", partyBId: "", bridge };
    this.of(c).chain.push(r);
    return r;
  }

  private observe(e: PbxEvent): void {
    switch (e.type) {
      case "ChannelCreated": {
        const c = this.ctx.channels.get(e.channel.id);
        if (c) this.of(c);
        return;
      }
      case "ChannelStateChange": {
        const c = this.ctx.channels.get(e.channel.id);
        if (c && e.channel.state === "Up") {
          const r = this.current(c);
          if (r.answer === null) r.answer = c.answeredAt ?? e.at;
        }
        return;
      }
      case "ChannelEnteredBridge":
        return this.entered(e.channel.id, e.bridge.id, e.bridge.channels, e.at);
      case "ChannelLeftBridge":
        return this.left(e.channel.id, e.bridge.id, e.at);
      default:
        return;
    }
  }

  /** cdr.c's party A of two: the one not dialed, else the older (the entering one on a tie). */
  private partyA(x: Channel, y: Channel): Channel {
    const ox = this.of(x).outgoing;
    const oy = this.of(y).outgoing;
    // an ARI-originated channel is not "dialed" to cdr.c (AST_FLAG_ORIGINATED): against a snoop channel the
    // older one is party A (ami-24: the supervisor's phone, its record naming the snoop)
    const snoop = x.tech === "Snoop" || y.tech === "Snoop";
    if (ox !== oy && !snoop) return ox ? y : x;
    return x.creationTime > y.creationTime ? y : x;
  }

  private entered(channelId: string, bridgeId: string, members: readonly string[], now: number): void {
    const x = this.ctx.channels.get(channelId);
    if (!x) return;
    const mine = this.of(x);
    let r = this.current(x);
    if (mine.pending) {
      mine.pending = false;
      r = this.append(x, now, bridgeId);
    }
    r.bridge = bridgeId;
    const index = this.inBridge.get(bridgeId) ?? new Set<string>();
    this.inBridge.set(bridgeId, index.add(channelId));
    const others = members.filter((id) => id !== channelId).map((id) => this.ctx.channels.get(id)).filter((o): o is Channel => o !== undefined);
    // alone in the bridge: the record stays open
    if (others.length === 0) return;
    if (!this.findPartyB(x, r, others, now) && r.end === null) r.end = now;
    this.pair(x, r, bridgeId, others, now);
  }

  /** The newcomer's own party B among those in the bridge (cdr.c's single-state bridge enter). */
  private findPartyB(x: Channel, r: CdrObject, others: Channel[], now: number): boolean {
    for (const y of others) {
      const yr = this.current(y);
      if (this.partyA(x, y) === x) {
        this.setPartyB(r, y);
        // we just took them: their record ends (it is re-opened if someone becomes their party B)
        if (!yr.partyB && yr.end === null) yr.end = now;
        return true;
      }
      const z = yr.partyBId ? this.ctx.channels.get(yr.partyBId) : undefined;
      if (z && z !== x && this.partyA(x, z) === x) {
        this.setPartyB(r, z);
        return true;
      }
    }
    return false;
  }

  /** The pairings with everyone else in the bridge (cdr.c's bridge candidates). */
  private pair(x: Channel, r: CdrObject, bridgeId: string, others: Channel[], now: number): void {
    for (const y of others) {
      if (r.partyBId === y.id) continue;
      const yr = this.current(y);
      if (yr.bridge !== bridgeId) continue;
      if (this.partyA(x, y) === x) {
        if (!r.partyB) this.setPartyB(r, y);
        else this.setPartyB(this.append(x, now, bridgeId), y);
      } else if (yr.partyB && yr.partyBId !== x.id) {
        this.setPartyB(this.append(y, now, bridgeId), x);
      } else if (!yr.partyB) {
        this.setPartyB(yr, x);
        yr.end = null;
      }
    }
  }

  private setPartyB(r: CdrObject, b: Channel): void {
    r.partyB = b.name;
    r.partyBId = b.id;
  }

  /** The channel's records in the bridge end, and so do those whose party B it is. */
  private left(channelId: string, bridgeId: string, now: number): void {
    const x = this.ctx.channels.get(channelId);
    if (!x) return;
    const mine = this.of(x);
    for (const r of mine.chain) {
      if (r.bridge !== bridgeId) continue;
      if (r.end === null) r.end = now;
      r.bridge = undefined;
    }
    mine.pending = true;
    const members = this.inBridge.get(bridgeId);
    members?.delete(channelId);
    if (members?.size === 0) this.inBridge.delete(bridgeId);
    for (const id of members ?? []) {
      for (const r of this.byChannel.get(id)?.chain ?? []) if (r.partyBId === channelId && r.bridge === bridgeId && r.end === null) r.end = now;
    }
  }
}
