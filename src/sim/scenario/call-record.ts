/**
 * What happened to one synthetic caller's channel, built from the PBX events about it: what it
 * heard (media in order, with start/finish and how each ended), DTMF it sent, whom it was bridged
 * with, and how it ended. Pure: `applyEvent` folds one event into the record.
 */
import type { ChannelSnapshot, ChannelState, PbxEvent } from "../pbx.js";
import { closeHeard, foldHeard, type HeardMedia } from "./heard-media.js";

export type { HeardMedia, HeardOutcome } from "./heard-media.js";

export interface BridgeStay {
  bridgeId: string;
  bridgeType: string;
  enteredAt: string;
  leftAt?: string;
  /** Other channels met in this bridge. */
  with: Array<{ id: string; name: string; caller: { name: string; number: string } }>;
}

export type CallPhase = "dialing" | "in-app" | "on-hold" | "bridged" | "ended";
export type HangupReason = "hangup-after" | "patience-total" | "patience-on-hold" | "talk-time";

export interface CallRecord {
  channelId: string;
  channelName: string;
  caller: { number: string; name: string };
  did: string;
  express: boolean;
  state: ChannelState | "Destroyed";
  phase: CallPhase;
  createdAt: string;
  answeredAt?: string;
  /** Who answered: the Stasis app (the daemon) or the dialplan (e.g. the fallback when the app is away). */
  answeredBy?: "app" | "dialplan";
  endedAt?: string;
  stasis?: { app: string; args: string[]; startedAt: string; endedAt?: string };
  heard: HeardMedia[];
  dtmf: Array<{ digit: string; at: string }>;
  bridges: BridgeStay[];
  hangup?: { cause: number; causeTxt: string; by: "caller" | "pbx"; reason?: HangupReason };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function newCallRecord(init: { channelId: string; channelName: string; caller: { number: string; name: string }; did: string; express: boolean }): CallRecord {
  return { ...init, state: "Ring", phase: "dialing", createdAt: iso(Date.now()), heard: [], dtmf: [], bridges: [] };
}

/**
 * Folds one event about the record's channel into it. `lookup` names the channels that were already
 * in a bridge the caller enters.
 */
export function applyEvent(r: CallRecord, e: PbxEvent, lookup: (id: string) => ChannelSnapshot | undefined = () => undefined): void {
  const at = iso(e.at);
  if (foldHeard(r.heard, e, at)) {
    if (e.type === "MohStart" && r.phase !== "bridged") r.phase = "on-hold";
    return;
  }
  switch (e.type) {
    case "ChannelStateChange":
      if (e.channel.id !== r.channelId) return;
      r.state = e.channel.state;
      if (e.channel.state === "Up" && !r.answeredAt) {
        r.answeredAt = at;
        r.answeredBy = r.stasis && !r.stasis.endedAt ? "app" : "dialplan";
      }
      return;
    case "StasisStart":
      r.stasis = { app: e.app, args: e.args, startedAt: at };
      if (r.phase === "dialing") r.phase = "in-app";
      return;
    case "StasisEnd":
      if (r.stasis) r.stasis.endedAt = at;
      return;
    case "QueueCallerJoin":
      if (r.phase !== "bridged") r.phase = "on-hold";
      return;
    case "DtmfEnd":
      if (e.channel.id === r.channelId && e.direction === "Received") r.dtmf.push({ digit: e.digit, at });
      return;
    case "ChannelEnteredBridge": {
      const others = e.bridge.channels.filter((id) => id !== r.channelId);
      if (e.channel.id === r.channelId) {
        r.bridges.push({ bridgeId: e.bridge.id, bridgeType: e.bridge.bridgeType, enteredAt: at, with: [] });
        if (e.bridge.bridgeType === "holding" && r.phase !== "bridged") r.phase = "on-hold";
      } else {
        const stay = r.bridges.findLast((b) => b.bridgeId === e.bridge.id && !b.leftAt);
        if (stay && !stay.with.some((w) => w.id === e.channel.id)) stay.with.push({ id: e.channel.id, name: e.channel.name, caller: { ...e.channel.caller } });
      }
      if (e.channel.id === r.channelId && others.length > 0) {
        // joined a bridge that already had people in it
        const stay = r.bridges[r.bridges.length - 1]!;
        for (const id of others) {
          if (stay.with.some((w) => w.id === id)) continue;
          const snap = lookup(id);
          stay.with.push({ id, name: snap?.name ?? "", caller: snap ? { ...snap.caller } : { name: "", number: "" } });
        }
      }
      if (e.bridge.bridgeType !== "holding" && e.bridge.channels.length >= 2) r.phase = "bridged";
      return;
    }
    case "ChannelLeftBridge":
      if (e.channel.id !== r.channelId) return;
      for (const b of r.bridges) if (b.bridgeId === e.bridge.id && !b.leftAt) b.leftAt = at;
      if (r.phase === "bridged") r.phase = "in-app";
      return;
    case "ChannelDestroyed":
      if (e.channel.id !== r.channelId) return;
      closeHeard(r.heard, at, "hangup", () => true);
      for (const b of r.bridges) if (!b.leftAt) b.leftAt = at;
      r.state = "Destroyed";
      r.phase = "ended";
      r.endedAt = at;
      r.hangup = { ...(r.hangup ?? { by: "pbx" }), cause: e.cause, causeTxt: e.causeTxt };
      return;
    default:
      return;
  }
}
