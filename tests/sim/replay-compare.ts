/**
 * The comparisons of the ARI fidelity tests as functions returning their problems, for the
 * second-batch recordings: a replayed `ari-ws` timeline (frames per connection, REST replies) and
 * one `ari-rest` exchange. Not a test file itself.
 */
import type { HttpResult, ReplayOutcome } from "./ari-replay.js";
import { compareSequences, compareStructure, DEFAULT_IGNORED_VALUES, formatDifferences, IdMap, normalizeChannelName, type Difference } from "./fidelity.js";

const types = (frames: Array<Record<string, unknown>>): string[] => frames.map((f) => String(f.type));
const notDevice = (f: Record<string, unknown>): boolean => f.type !== "DeviceStateChanged";
/** A play reply shows "queued" or, when the playback won the race, already "playing". */
const raceState = (path: string) => (s: string, key: string): string => (key === "state" && /\/play/.test(path) && s === "playing" ? "queued" : s);

/**
 * Recorded frames against the simulator's, one by one in order: fields and values, channel names
 * normalised and the simulator's ids mapped to the recorded ones. Paths read `<label>[i]<type>`.
 */
export function frameDifferences(recorded: Array<Record<string, unknown>>, actual: Array<Record<string, unknown>>, idMap: IdMap, label: string): Difference[] {
  return recorded.flatMap((r, i) =>
    compareStructure(r, actual[i], {
      values: true,
      normalizeExpected: (s) => normalizeChannelName(s),
      normalizeActual: (s) => normalizeChannelName(idMap.rewriteToRecorded(s)),
    }, `${label}[${i}]<${String(r.type)}>`),
  );
}

/**
 * A recording's length in whole seconds, as Asterisk reports it, lies within one second of the recorded
 * one: the simulator's clock runs faster than the wall clock in a replay, so a loaded machine's delay of
 * a few hundred milliseconds is a second more of simulated time.
 */
export const durationWithinASecond = (d: Difference): boolean => d.problem === "value" && /<Recording\w+>.*\.duration$/.test(d.path) && Math.abs(Number(d.expected) - Number(d.actual)) <= 1;

/** Frames per connection (event order, fields, values after id mapping) and the REST replies; `tolerate` passes over differences it accepts. */
export function wsProblems(out: ReplayOutcome, tolerate: (d: Difference) => boolean = () => false): string[] {
  const problems: string[] = [];
  if (out.missedAnchors.length) problems.push(`anchors the simulator never produced: ${out.missedAnchors.join(", ")}`);
  for (const [conn, recorded] of out.recordedFrames) {
    const actual = out.simFrames.get(conn) ?? [];
    const rec = recorded.filter(notDevice);
    const act = actual.filter(notDevice);
    const seq = compareSequences(types(rec), types(act));
    if (!seq.equal) problems.push(`event order on connection ${conn}:\n${seq.report}`);
    // device states are computed asynchronously in Asterisk: their own sequence
    const dev = (fs: Array<Record<string, unknown>>): string => fs.filter((f) => !notDevice(f)).map((f) => JSON.stringify(f.device_state)).join(" ");
    if (dev(recorded) !== dev(actual)) problems.push(`device states on ${conn}: ${dev(actual)}, recorded ${dev(recorded)}`);
    const diffs = frameDifferences(rec, act, out.idMap, conn).filter((d) => !tolerate(d));
    if (diffs.length) problems.push(`frames on ${conn}:\n${formatDifferences(diffs)}`);
  }
  for (const r of out.responses) {
    if (r.sim?.status !== r.recorded.status) problems.push(`${r.method} ${r.path}: status ${r.sim?.status}, recorded ${r.recorded.status}`);
    const recBody = (r.recorded as unknown as { body?: unknown }).body;
    if (recBody === undefined) continue;
    const race = raceState(r.path);
    const diffs = compareStructure(recBody, r.sim?.json, {
      values: true,
      normalizeExpected: (s, key) => race(normalizeChannelName(s), key),
      normalizeActual: (s, key) => race(normalizeChannelName(out.idMap.rewriteToRecorded(s)), key),
    });
    if (diffs.length) problems.push(`reply to ${r.method} ${r.path}:\n${formatDifferences(diffs)}`);
  }
  return problems;
}

export interface RestRecord {
  comment?: string;
  method: string;
  path: string;
  auth: string | null;
  request_body?: unknown;
  status: number;
  reason: string;
  content_type: string | null;
  response_headers: Array<[string, string]>;
  response_body?: unknown;
  response_body_text?: string;
}

/** One recorded exchange against the simulator's reply: status, reason, header names, content type, body. */
export function restProblems(rec: RestRecord, res: HttpResult, idMap: IdMap = new IdMap()): string[] {
  const where = `${rec.method} ${rec.path} (${rec.comment ?? ""})`;
  if (res.status !== rec.status) return [`${where}: status ${res.status}, recorded ${rec.status} (${res.text})`];
  const problems: string[] = [];
  if (res.reason !== rec.reason) problems.push(`${where}: reason "${res.reason}", recorded "${rec.reason}"`);
  const names = (h: Array<[string, string]>): string => h.map(([k]) => k).join(",");
  if (names(res.headers) !== names(rec.response_headers)) problems.push(`${where}: headers ${names(res.headers)}, recorded ${names(rec.response_headers)}`);
  const ct = res.headers.find(([k]) => k === "Content-type")?.[1] ?? null;
  if (ct !== rec.content_type) problems.push(`${where}: content type ${ct}, recorded ${rec.content_type}`);
  if (rec.response_body_text !== undefined) {
    if (res.text !== rec.response_body_text) problems.push(`${where}: body ${JSON.stringify(res.text)}, recorded ${JSON.stringify(rec.response_body_text)}`);
    return problems;
  }
  // the exact bytes: compact JSON in the recorded key order
  if (rec.response_body !== undefined && idMap.rewriteToRecorded(res.text) !== JSON.stringify(rec.response_body)) {
    const diffs = compareStructure(rec.response_body, res.json, {
      values: true,
      ignoreValues: DEFAULT_IGNORED_VALUES,
      normalizeActual: (s) => idMap.rewriteToRecorded(s),
    });
    if (diffs.length) problems.push(`${where}:\n${formatDifferences(diffs)}`);
  }
  return problems;
}
