/**
 * Replays a recorded AMI session (shared/asterisk-fixtures/ami/*.sent.txt) against a server and
 * compares what came back with the recording (*.recv.txt). Not a test file itself.
 *
 * Replay: each recorded action is sent once the server has produced at least what the recording
 * client had received before that action's reply (per message kind), so actions that waited for
 * events (a hangup, a ring timeout) wait for the same events here. Channel names and unique ids in
 * actions are rewritten from the recording's to the simulator's.
 *
 * Comparison (structural; ids, timestamps and counters ignored or mapped):
 * - the banner, byte for byte;
 * - replies in order: response kind, key names in order, values;
 * - event-list items per action, sorted by their subject (Asterisk lists from hash containers);
 * - unsolicited events: the same multiset of event names; per subject (a channel, a device, an
 *   originate, a queue member) the same events in the same order with the same keys and values;
 *   between two replies, the same events (so events that Asterisk holds while an action runs
 *   come after its reply here too). Events Asterisk publishes from other threads (device states,
 *   CDRs, originate outcomes, queue member states) are exempt from that last check only.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { IdMap, normalizeChannelName } from "./fidelity.js";
import { get, parseStream, RawAmi, type Msg } from "./ami-test-client.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/asterisk/ami", import.meta.url));

export interface Recording {
  name: string;
  sent: string[];
  banner: string;
  recv: Msg[];
}

export function loadRecording(name: string): Recording {
  const sentText = fs.readFileSync(path.join(FIXTURES, `${name}.sent.txt`), "utf8");
  const recvText = fs.readFileSync(path.join(FIXTURES, `${name}.recv.txt`), "utf8");
  const nl = recvText.indexOf("\r\n");
  return {
    name,
    sent: sentText
      .split("\r\n\r\n")
      .filter((s) => s !== "")
      .map((s) => `${s}\r\n\r\n`),
    banner: recvText.slice(0, nl + 2),
    recv: parseStream(recvText.slice(nl + 2)),
  };
}

const isResponse = (m: Msg): boolean => m[0]?.[0] === "Response";
const eventName = (m: Msg): string => (m[0]?.[0] === "Event" ? m[0][1] : "");
const label = (m: Msg): string => (isResponse(m) ? `Response:${m[0]![1]}` : eventName(m));

/** Events Asterisk publishes from other threads: their position among the rest varies run to run. */
const ASYNC_EVENTS = new Set(["DeviceStateChange", "Cdr", "OriginateResponse", "QueueMemberStatus"]);

/** Items of event lists carry the ActionID of their action (an unsolicited OriginateResponse does too). */
function isListItem(m: Msg): boolean {
  return !isResponse(m) && get(m, "ActionID") !== undefined && eventName(m) !== "OriginateResponse";
}

/** Values that differ from run to run and are not compared. */
export const IGNORED_VALUES = new Set([
  "Timestamp",
  "EventTV",
  "SessionTV",
  "SessionID",
  "LocalAddress",
  "RemoteAddress",
  "Uptime",
  "LastReload",
  "StartTime",
  "AnswerTime",
  "EndTime",
  "Duration",
  "BillableSeconds",
  "Seconds",
  "LoginTime",
  "LastCall",
  "LastPause",
  "CallsTaken",
  "HoldTime",
  "Holdtime",
  "TalkTime",
  "RingTime",
  "Wait",
  "LongestHoldTime",
]);

const CHANNEL_KEYS = /(^|Dest|LocalOne|LocalTwo|Destination)Channel$/;

/** Channel names in order of first appearance. */
function channelNames(msgs: Msg[]): string[] {
  const seen: string[] = [];
  for (const m of msgs) for (const [k, v] of m) if (CHANNEL_KEYS.test(k) && /-[0-9a-f]{8}(;[12])?$/.test(v) && !seen.includes(v)) seen.push(v);
  return seen;
}

/** Pairs recorded and simulator channel names: the n-th of each normalized name with the n-th. */
export function pairChannelNames(recorded: Msg[], actual: Msg[], ids: IdMap): void {
  const rec = channelNames(recorded);
  const act = channelNames(actual);
  const byNorm = (names: string[]): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const n of names) out.set(normalizeChannelName(n), [...(out.get(normalizeChannelName(n)) ?? []), n]);
    return out;
  };
  const a = byNorm(act);
  for (const [norm, names] of byNorm(rec)) names.forEach((n, i) => ids.learn(n, a.get(norm)?.[i]));
}

/** The subject of an event: what its order is defined relative to. */
function subject(m: Msg, ids: IdMap, side: "rec" | "sim"): string {
  const name = eventName(m);
  const mapped = (v: string): string => (side === "rec" ? (ids.sim(v) ?? `rec:${v}`) : v);
  if (name === "DeviceStateChange") return `device:${get(m, "Device")}`;
  if (name === "OriginateResponse") return `originate:${get(m, "ActionID")}`;
  if (name === "Cdr") return `cdr:${mapped(get(m, "Channel") ?? "")}`;
  if (name.startsWith("QueueMember")) return `member:${get(m, "Interface")}`;
  // dial and agent events concern the dialed channel: ordered with it, not across dialed channels
  const ch = get(m, "DestChannel") ?? get(m, "Channel") ?? get(m, "LocalOneChannel");
  if (ch !== undefined) return `channel:${mapped(ch)}`;
  return `global:${name}`;
}

export interface Comparison {
  problems: string[];
}

export interface CompareOptions {
  /** Messages left out on both sides (a part the simulator does not model, named in the scenario). */
  ignore?: (m: Msg) => boolean;
  /** Values not compared in this scenario, besides IGNORED_VALUES. */
  ignoreValue?: (m: Msg, key: string) => boolean;
}

/** `Output:` lines sorted (core show channels lists channels in Asterisk's hash order). */
function sortOutput(m: Msg): Msg {
  // channel name counters and the count of calls since the server started are not compared
  const outputs = m
    .filter(([k]) => k === "Output")
    .map(([, v]) => normalizeChannelName(v.replace(/^\d+ (calls? processed)$/, "<n> $1")))
    .sort();
  let i = 0;
  return m.map(([k, v]) => (k === "Output" ? ["Output", outputs[i++]!] : [k, v]));
}

function compareFields(where: string, rec: Msg, act: Msg | undefined, ids: IdMap, problems: string[], opts: CompareOptions = {}): void {
  if (act && rec.some(([k]) => k === "Output")) {
    rec = sortOutput(rec);
    act = sortOutput(act.map(([k, v]) => [k, ids.rewriteToRecorded(v)]));
  }
  if (!act) {
    problems.push(`${where}: missing (expected ${label(rec)})`);
    return;
  }
  const rk = rec.map(([k]) => k).join(",");
  const ak = act.map(([k]) => k).join(",");
  if (rk !== ak) {
    problems.push(`${where}: keys differ\n    recorded: ${rk}\n    simulator: ${ak}`);
    return;
  }
  rec.forEach(([k, rv], i) => {
    if (IGNORED_VALUES.has(k) || opts.ignoreValue?.(rec, k)) return;
    const av = ids.rewriteToRecorded(act[i]![1]);
    const ev = rv;
    if (ev !== av) problems.push(`${where}: ${k} is ${JSON.stringify(av)}, recorded ${JSON.stringify(ev)}`);
  });
}

function learnIds(rec: Msg, act: Msg | undefined, ids: IdMap): void {
  if (!act) return;
  for (const [k, v] of rec) if (/Uniqueid$|^UniqueID$|^BridgeId$|^BridgeID$/.test(k)) ids.learn(v, get(act, k));
}

/** Index pairs of a longest common subsequence of two label lists. */
export function align(a: string[], b: string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push([i++, j++]);
    else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return out;
}

function multiset(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([l, n]) => `${l}x${n}`)
    .join(" ");
}

/** Splits a stream into windows: the messages after reply i-1 up to and including reply i. */
function windows(msgs: Msg[]): Msg[][] {
  const out: Msg[][] = [[]];
  for (const m of msgs) {
    out[out.length - 1]!.push(m);
    if (isResponse(m)) out.push([]);
  }
  return out;
}

export function compareSessions(allRecorded: Msg[], allActual: Msg[], ids: IdMap, opts: CompareOptions = {}): Comparison {
  const problems: string[] = [];
  const recorded = opts.ignore ? allRecorded.filter((m) => !opts.ignore!(m)) : allRecorded;
  const actual = opts.ignore ? allActual.filter((m) => !opts.ignore!(m)) : allActual;
  pairChannelNames(recorded, actual, ids);

  // replies, in order
  const rr = recorded.filter(isResponse);
  const ar = actual.filter(isResponse);
  if (rr.length !== ar.length) problems.push(`replies: ${ar.length}, recorded ${rr.length}: ${ar.map(label).join(" ")} / ${rr.map(label).join(" ")}`);

  // list items per action, in a stable order
  const items = (msgs: Msg[]): Map<string, Msg[]> => {
    const out = new Map<string, Msg[]>();
    for (const m of msgs.filter(isListItem)) out.set(get(m, "ActionID")!, [...(out.get(get(m, "ActionID")!) ?? []), m]);
    return out;
  };
  const sortKey = (m: Msg, side: "rec" | "sim"): string => {
    const ch = get(m, "Channel");
    const v = ch === undefined ? "" : side === "rec" ? (ids.sim(ch) ?? ch) : ch;
    return `${eventName(m).endsWith("Complete") ? "~" : ""}${eventName(m)}|${get(m, "Queue") ?? ""}|${get(m, "Device") ?? ""}|${get(m, "Location") ?? ""}|${v}`;
  };
  const ri = items(recorded);
  const ai = items(actual);

  // unsolicited events
  const unsolicited = (msgs: Msg[]): Msg[] => msgs.filter((m) => !isResponse(m) && !isListItem(m));
  const ru = unsolicited(recorded);
  const au = unsolicited(actual);
  const rs = multiset(ru.map(eventName));
  const as = multiset(au.map(eventName));
  if (rs !== as) problems.push(`event names differ:\n    recorded:  ${rs}\n    simulator: ${as}`);

  const bySubject = (msgs: Msg[], side: "rec" | "sim"): Map<string, Msg[]> => {
    const out = new Map<string, Msg[]>();
    for (const m of msgs) {
      const s = subject(m, ids, side);
      out.set(s, [...(out.get(s) ?? []), m]);
    }
    return out;
  };
  const rsub = bySubject(ru, "rec");
  const asub = bySubject(au, "sim");
  // first learn ids from every pair, then compare values (a Linkedid names another channel)
  const pairs: Array<[string, Msg, Msg | undefined]> = [];
  for (const [s, list] of rsub) {
    const other = asub.get(s) ?? [];
    const rn = list.map(eventName).join(" ");
    const an = other.map(eventName).join(" ");
    if (rn !== an) problems.push(`order for ${s}:\n    recorded:  ${rn}\n    simulator: ${an}`);
    // pair the events of the longest common subsequence, so one missing event is one problem
    for (const [i, j] of align(list.map(eventName), other.map(eventName))) pairs.push([`${s} #${i} ${eventName(list[i]!)}`, list[i]!, other[j]]);
  }
  for (const s of asub.keys()) if (!rsub.has(s)) problems.push(`unexpected events for ${s}: ${asub.get(s)!.map(eventName).join(" ")}`);
  rr.forEach((m, i) => learnIds(m, ar[i], ids));
  for (const [, m, a] of pairs) learnIds(m, a, ids);
  for (const [id, list] of ri) {
    const rl = [...list].sort((a, b) => (sortKey(a, "rec") < sortKey(b, "rec") ? -1 : 1));
    const al = [...(ai.get(id) ?? [])].sort((a, b) => (sortKey(a, "sim") < sortKey(b, "sim") ? -1 : 1));
    if (rl.length !== al.length) problems.push(`list ${id}: ${al.length} items, recorded ${rl.length}: ${al.map(eventName).join(" ")}`);
    rl.forEach((m, i) => learnIds(m, al[i], ids));
    rl.forEach((m, i) => compareFields(`list ${id} item ${i} ${eventName(m)}`, m, al[i], ids, problems, opts));
  }
  rr.forEach((m, i) => compareFields(`reply #${i} (${get(m, "ActionID") ?? "no ActionID"})`, m, ar[i], ids, problems, opts));
  for (const [where, m, a] of pairs) compareFields(where, m, a, ids, problems, opts);

  // what happened between two replies
  const rw = windows(recorded);
  const aw = windows(actual);
  rw.forEach((w, i) => {
    const pick = (ms: Msg[]): string => multiset(ms.filter((m) => !isResponse(m) && !isListItem(m) && !ASYNC_EVENTS.has(eventName(m))).map(eventName));
    const a = aw[i] ?? [];
    if (pick(w) !== pick(a)) problems.push(`events before reply #${i}:\n    recorded:  ${pick(w)}\n    simulator: ${pick(a)}`);
  });
  return { problems };
}

export interface ReplayOptions {
  /** Real ms to wait for the events an action waited for. */
  anchorTimeoutMs?: number;
  /** Runs just before action `i` is sent (e.g. what the recording's operator did on the CLI). */
  before?: Record<number, () => void | Promise<void>>;
  /** Recorded messages to leave out, with the reason in the scenario. */
  dropRecorded?: (m: Msg) => boolean;
  /** Messages the comparison leaves out on both sides: not waited for either. */
  ignore?: (m: Msg) => boolean;
}

export interface ReplayResult {
  recording: Recording;
  recorded: Msg[];
  actual: Msg[];
  client: RawAmi;
  ids: IdMap;
  /** Actions sent without the events they waited for having arrived. */
  missedAnchors: string[];
}

function countLabels(msgs: Msg[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of msgs) out.set(label(m), (out.get(label(m)) ?? 0) + 1);
  return out;
}

export async function replay(name: string, port: number, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const recording = loadRecording(name);
  const recorded = opts.dropRecorded ? recording.recv.filter((m) => !opts.dropRecorded!(m)) : recording.recv;
  const client = await RawAmi.connect(port);
  const ids = new IdMap();
  const missedAnchors: string[] = [];
  let replyAt = 0;
  for (let i = 0; i < recording.sent.length; i++) {
    const text = recording.sent[i]!;
    const actionId = /^ActionID: (.*)$/im.exec(text)?.[1];
    // the recorded reply to this action, and what the client had seen before it
    let idx = replyAt;
    while (idx < recorded.length && !(isResponse(recorded[idx]!) && get(recorded[idx]!, "ActionID") === actionId)) idx++;
    const before = countLabels(recorded.slice(0, Math.min(idx, recorded.length)).filter((m) => !opts.ignore?.(m)));
    const end = Date.now() + (opts.anchorTimeoutMs ?? 8000);
    if (opts.before?.[i]) {
      // what the operator did happened after the previous reply had arrived
      const replies = recorded.slice(0, idx).filter(isResponse).length;
      while (client.open && client.messages.filter(isResponse).length < replies && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      await opts.before[i]!();
    }
    for (;;) {
      const have = countLabels(client.messages);
      const missing = [...before].filter(([l, n]) => (have.get(l) ?? 0) < n);
      if (missing.length === 0) break;
      if (!client.open || Date.now() > end) {
        missedAnchors.push(`before action ${i} (${actionId ?? "no ActionID"}): ${missing.map(([l, n]) => `${l} ${have.get(l) ?? 0}/${n}`).join(", ")}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    if (!client.open) break;
    pairChannelNames(recorded, client.messages, ids);
    client.send(ids.rewriteToSim(text));
    replyAt = idx + 1;
  }
  await Promise.race([client.closed, new Promise((r) => setTimeout(r, opts.anchorTimeoutMs ?? 8000))]);
  return { recording, recorded, actual: client.messages, client, ids, missedAnchors };
}
