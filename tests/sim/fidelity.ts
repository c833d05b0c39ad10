/**
 * Structural comparison of recorded wire data with what the simulator produced.
 *
 * Reusable by the ARI and AMI fidelity tests:
 * - `jsonType` / `compareStructure`: same field names and JSON value types, recursively;
 *   optionally the same values after normalisation (ids mapped, counters and timestamps ignored).
 * - `compareSequences`: the same item kinds in the same order, with a readable diff.
 * - `IdMap`: learns which simulator id stands for which recorded id, and rewrites strings.
 * - the set-up of the replays of the third batch (snoop, bridge recording, outbound calls): the recorded
 *   server (`recordedServers`), what is not modelled (`notModelledFrame`, `notModelledAmi`), the SIP
 *   Call-IDs scrubbed (`scrubCallIds`).
 */
import { afterEach } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.js";
import type { EndpointConfig } from "../../src/sim/pbx.js";
import { get, type Msg } from "./ami-test-client.js";
import type { ReplayOutcome } from "./ari-replay.js";
import { SECOND_BATCH } from "./second-batch.js";

export type JsonType = "string" | "number" | "boolean" | "null" | "array" | "object" | "undefined";

export function jsonType(v: unknown): JsonType {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  const t = typeof v;
  if (t === "string" || t === "number" || t === "boolean" || t === "object") return t;
  return "undefined";
}

export interface Difference {
  path: string;
  problem: "missing-field" | "extra-field" | "type" | "value" | "length";
  expected: string;
  actual: string;
}

export interface CompareOptions {
  /**
   * Compare leaf values too (after `normalize`), except for keys in `ignoreValues`.
   * Default false: names and types only.
   */
  values?: boolean;
  /** Keys whose values are never compared (timestamps, server-chosen ids, ...). */
  ignoreValues?: ReadonlySet<string>;
  /** Rewrites a string before value comparison (both sides). */
  normalizeExpected?: (s: string, key: string) => string;
  normalizeActual?: (s: string, key: string) => string;
  /** Keys that may be absent on either side without a difference. */
  optionalFields?: ReadonlySet<string>;
}

export const DEFAULT_IGNORED_VALUES: ReadonlySet<string> = new Set([
  "timestamp",
  "creationtime",
  "asterisk_id",
  "entity_id",
  "startup_time",
  "last_reload_time",
  "date",
  "kernel",
  "Date",
]);

export function compareStructure(expected: unknown, actual: unknown, opts: CompareOptions = {}, path = "$", key = ""): Difference[] {
  const out: Difference[] = [];
  const te = jsonType(expected);
  const ta = jsonType(actual);
  if (te !== ta) {
    out.push({ path, problem: "type", expected: te, actual: ta });
    return out;
  }
  if (te === "object") {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!(k in a)) {
        if (!opts.optionalFields?.has(k)) out.push({ path: `${path}.${k}`, problem: "missing-field", expected: jsonType(e[k]), actual: "absent" });
        continue;
      }
      out.push(...compareStructure(e[k], a[k], opts, `${path}.${k}`, k));
    }
    for (const k of Object.keys(a)) {
      if (!(k in e) && !opts.optionalFields?.has(k)) out.push({ path: `${path}.${k}`, problem: "extra-field", expected: "absent", actual: jsonType(a[k]) });
    }
    return out;
  }
  if (te === "array") {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (opts.values && e.length !== a.length && !(opts.ignoreValues ?? DEFAULT_IGNORED_VALUES).has(key)) {
      out.push({ path, problem: "length", expected: String(e.length), actual: String(a.length) });
    }
    // element shapes: compare pairwise where both exist
    const n = Math.min(e.length, a.length);
    for (let i = 0; i < n; i++) out.push(...compareStructure(e[i], a[i], opts, `${path}[${i}]`, key));
    return out;
  }
  if (opts.values && !(opts.ignoreValues ?? DEFAULT_IGNORED_VALUES).has(key)) {
    let ev = expected;
    let av = actual;
    if (typeof ev === "string" && opts.normalizeExpected) ev = opts.normalizeExpected(ev, key);
    if (typeof av === "string" && opts.normalizeActual) av = opts.normalizeActual(av, key);
    if (ev !== av) out.push({ path, problem: "value", expected: JSON.stringify(ev), actual: JSON.stringify(av) });
  }
  return out;
}

export interface SequenceDiff {
  equal: boolean;
  /** Human-readable side-by-side listing with the first divergence marked. */
  report: string;
}

/** Compares two ordered lists of labels (event types, AMI event names, ...). */
export function compareSequences(expected: readonly string[], actual: readonly string[]): SequenceDiff {
  const equal = expected.length === actual.length && expected.every((x, i) => x === actual[i]);
  if (equal) return { equal, report: "" };
  let first = 0;
  while (first < expected.length && first < actual.length && expected[first] === actual[first]) first++;
  const lines: string[] = [`first difference at #${first}`];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i] ?? "-";
    const a = actual[i] ?? "-";
    lines.push(`${i === first ? ">" : " "} ${String(i).padStart(3)} ${e.padEnd(28)} ${a}${e === a ? "" : "   <>"}`);
  }
  return { equal, report: lines.join("\n") };
}

/** Normalises per-run counters in channel names: `Local/s@ctx-0000000a;1` -> `Local/s@ctx-<n>;1`. */
export function normalizeChannelName(s: string): string {
  return s.replace(/-[0-9a-f]{8}(;[12])?(?=$|[^0-9a-f])/g, "-<n>$1");
}

/** Two-way map between recorded ids and simulator ids. */
export class IdMap {
  private readonly toSim = new Map<string, string>();
  private readonly toRec = new Map<string, string>();

  learn(recorded: unknown, sim: unknown): void {
    if (typeof recorded !== "string" || typeof sim !== "string" || recorded === "" || sim === "") return;
    if (this.toSim.has(recorded)) return;
    this.toSim.set(recorded, sim);
    this.toRec.set(sim, recorded);
  }

  /** Learns ids from a recorded JSON value and the matching simulator value (same shape). */
  learnFrom(recorded: unknown, sim: unknown, key = ""): void {
    if (recorded && sim && typeof recorded === "object" && typeof sim === "object") {
      if (Array.isArray(recorded) && Array.isArray(sim)) {
        if (key === "channels" || key === "channel_ids" || key === "bridge_ids")
          recorded.forEach((r, i) => this.learn(r, sim[i]));
        else recorded.forEach((r, i) => this.learnFrom(r, sim[i], key));
        return;
      }
      const r = recorded as Record<string, unknown>;
      const s = sim as Record<string, unknown>;
      for (const k of Object.keys(r)) {
        if (k === "id") this.learn(r[k], s[k]);
        else this.learnFrom(r[k], s[k], k);
      }
    }
  }

  sim(recorded: string): string | undefined {
    return this.toSim.get(recorded);
  }

  /** Every learned pair, `[recorded, simulator]`, in the order they were learned. */
  pairs(): Array<[string, string]> {
    return [...this.toSim];
  }

  /** Replaces every known recorded id in `s` by its simulator id (longest ids first). */
  rewriteToSim(s: string): string {
    return rewrite(s, this.toSim);
  }

  /** Replaces every known simulator id in `s` by the recorded id. */
  rewriteToRecorded(s: string): string {
    return rewrite(s, this.toRec);
  }
}

function rewrite(s: string, map: Map<string, string>): string {
  const keys = [...map.keys()].sort((a, b) => b.length - a.length);
  if (keys.length === 0) return s;
  const re = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return s.replace(re, (m) => map.get(m) ?? m);
}

export function formatDifferences(diffs: readonly Difference[], limit = 40): string {
  return diffs
    .slice(0, limit)
    .map((d) => `${d.path}: ${d.problem} (expected ${d.expected}, got ${d.actual})`)
    .join("\n");
}

// The third batch's replays (ws-17/ami-24 snoop, ws-18/ami-25 bridge recording, ws-20/ami-27 outbound calls).

/** Their time scale: the recorded gaps at a quarter. */
export const REPLAY_TIME_SCALE = 0.25;

/**
 * The recorded server of a test file's replays: the returned function starts the simulator as the second
 * batch's server (user `rec`, SECOND_BATCH) with `endpoints` added; it is stopped after each test.
 */
export function recordedServers(): (endpoints: readonly EndpointConfig[]) => Promise<Simulator> {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });
  return async (endpoints) => {
    const started = await startSimulator({ users: { rec: "rec" }, ...SECOND_BATCH, timeScale: REPLAY_TIME_SCALE });
    sim = started;
    for (const e of endpoints) started.pbx.addEndpoint(e);
    return started;
  };
}

/** What a real PJSIP channel and its bridge have and the simulator does not model: the RTP statistics set at a channel's end, BRIDGEPVTCALLID. */
const notModelledVariable = (v: unknown): boolean => typeof v === "string" && /^(RTPAUDIOQOS|BRIDGEPVTCALLID$)/.test(v);
/** Left out of the recorded frames and the simulator's alike. */
export const notModelledFrame = (f: Record<string, unknown>): boolean => f.type === "ChannelVarset" && notModelledVariable(f.variable);
/** The same on AMI, and RTCP reports. */
export const notModelledAmi = (m: Msg): boolean => /^RTCP/.test(get(m, "Event") ?? "") || (get(m, "Event") === "VarSet" && notModelledVariable(get(m, "Variable")));
/** An event without its `Timestamp:` line (manager.conf `timestampevents`, on in this batch; the simulator has none). */
export const withoutTimestamp = (m: Msg): Msg => m.filter(([k]) => !(k === "Timestamp" && get(m, "Event") !== undefined));

/** A PJSIP channel's `protocol_id` is its SIP Call-ID: a UUID on both sides, never the same one. */
export function scrubCallIds(out: ReplayOutcome): void {
  const scrub = (v: unknown): void => {
    if (!v || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === "protocol_id" && typeof x === "string" && /^[0-9a-f-]{36}$/.test(x)) (v as Record<string, unknown>)[k] = "<call-id>";
      else scrub(x);
    }
  };
  for (const frames of [...out.recordedFrames.values(), ...out.simFrames.values()]) frames.forEach(scrub);
  for (const r of out.responses) {
    scrub((r.recorded as unknown as { body?: unknown }).body);
    scrub(r.sim?.json);
  }
}

/** Polls the simulator's own state (no wire in between) until `cond` holds. */
export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}
