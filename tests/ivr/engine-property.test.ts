import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { startCall, step, type CallState, type EngineEvent } from "../../src/ivr/engine/index.js";
import { loadTreeSources } from "../../src/ivr/load.js";

/**
 * Random valid trees driven by random event sequences: the engine never throws, every step leaves the call
 * waiting on something it asked for (or ended), and the state it was given is never modified.
 */

const N = 6;
const ids = Array.from({ length: N }, (_, i) => `n${i}`);
const target = fc.constantFrom(...ids);
const digit = fc.constantFrom("0", "1", "2", "9", "*", "#");
const retry = fc.option(fc.oneof(fc.record({ prompt: fc.constant("sound:retry") }), fc.record({ goto: target })), { nil: undefined });
const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const node = fc.oneof(
  fc.record({ type: fc.constant("play"), prompt: fc.constant("sound:p"), bargeIn: fc.boolean(), next: target }),
  fc.record({
    type: fc.constant("menu"),
    prompt: fc.constant(["sound:m", "digits:12"]),
    options: fc.dictionary(digit, target, { minKeys: 1, maxKeys: 3 }),
    timeout: fc.constant(1),
    retries: fc.integer({ min: 0, max: 2 }),
    noInput: retry,
    invalid: retry,
    onFail: target,
  }).map(strip),
  fc.record({
    type: fc.constant("gather"),
    prompt: fc.constant("sound:g"),
    variable: fc.constant("v"),
    minDigits: fc.integer({ min: 1, max: 2 }),
    maxDigits: fc.integer({ min: 2, max: 4 }),
    terminator: fc.constantFrom("#", ""),
    validate: fc.option(fc.constantFrom('value.startsWith("1")', "int(value) > 5", "vars.n > 0"), { nil: undefined }),
    retries: fc.integer({ min: 0, max: 2 }),
    next: target,
    onFail: target,
  }).map(strip),
  fc.record({
    type: fc.constant("branch"),
    cases: fc.array(fc.record({ when: fc.constantFrom("vars.n > 1", 'customer.tier == "gold"', "vars.v == \"12\""), goto: target }), { minLength: 1, maxLength: 2 }),
    default: target,
  }),
  fc.record({ type: fc.constant("set"), expr: fc.constant({ n: "vars.n + 1" }), next: target }),
  fc.record({ type: fc.constant("lookup"), timeout: fc.constant(1), next: target, onNotFound: fc.option(target, { nil: undefined }), onError: target }).map(strip),
  fc.record({
    type: fc.constant("queue"),
    queue: fc.constant("support"),
    lane: fc.option(fc.constantFrom("express", "standard"), { nil: undefined }),
    onTimeout: target,
    onEmpty: target,
    onFull: fc.option(target, { nil: undefined }),
    afterAgent: fc.option(target, { nil: undefined }),
  }).map(strip),
  fc.record({ type: fc.constant("survey"), score: fc.constantFrom("vars.n", "int(vars.v)", '"4"', "7"), scale: fc.constant(5), next: target }),
  fc.record({ type: fc.constant("transfer"), endpoint: fc.constant("PJSIP/100") }),
  fc.record({ type: fc.constant("hangup"), prompt: fc.option(fc.constant("sound:bye"), { nil: undefined }) }).map(strip),
  fc.record({ type: fc.constant("goto"), target }),
);

const tree = fc.array(node, { minLength: N, maxLength: N }).map((nodes) => ({ vars: { n: 0 }, nodes: Object.fromEntries(nodes.map((n, i) => [ids[i], n])) }));

/** Event picks: mostly the event the call waits for, sometimes noise (stale ids, stray keys). */
const pick = fc.record({ kind: fc.integer({ min: 0, max: 9 }), digit, found: fc.boolean(), outcome: fc.constantFrom("answered", "timeout", "empty", "full") });
type Pick = typeof pick extends fc.Arbitrary<infer T> ? T : never;

function eventFor(state: CallState, p: Pick): EngineEvent {
  const w = state.waiting;
  switch (p.kind) {
    case 0:
      return { type: "hangup" };
    case 1:
      return { type: "timer", id: "t-999" };
    case 2:
      return { type: "playbackFinished", id: "pb-999" };
    case 3:
    case 4:
      return { type: "dtmf", digit: p.digit };
    default:
      if (!w) return { type: "dtmf", digit: p.digit };
      if (w.kind === "queue") return { type: "queueResult", outcome: p.outcome as "answered" };
      if (w.kind === "agent") return p.found ? { type: "agentEnded" } : { type: "hangup" };
      if (w.kind === "lookup") {
        return p.kind === 9 ? { type: "timer", id: w.timerId } : { type: "lookupResult", id: w.lookupId, ok: true, found: p.found, data: { tier: "gold" } };
      }
      if (w.kind === "playback" || w.playbackId) return { type: "playbackFinished", id: (w as { playbackId: string }).playbackId };
      return w.timerId ? { type: "timer", id: w.timerId } : { type: "dtmf", digit: p.digit };
  }
}

function checkSettled(state: CallState): void {
  expect(state.status).not.toBe("running");
  if (state.status === "ended") expect(state.outcome).toBeDefined();
  else expect(state.waiting).not.toBeNull();
}

describe("engine properties", () => {
  test("random valid trees x random events: no throw, always settled, input state untouched", () => {
    let ran = 0;
    fc.assert(
      fc.property(tree, fc.array(pick, { maxLength: 60 }), (t, picks) => {
        const { set } = loadTreeSources([{ file: "main.yaml", text: JSON.stringify(t) }]);
        fc.pre(set !== undefined);
        ran++;
        let r = startCall(set!, "main", { callId: "p", callerNumber: "5551001" });
        checkSettled(r.state);
        for (const p of picks) {
          const before = JSON.stringify(r.state);
          const next = step(set!, r.state, eventFor(r.state, p));
          expect(JSON.stringify(r.state)).toBe(before);
          checkSettled(next.state);
          // ids only grow, so an event for an old prompt or timer can never match a new wait
          expect(next.state.seq).toBeGreaterThanOrEqual(r.state.seq);
          r = next;
        }
      }),
      { numRuns: 400, seed: 20261122 },
    );
    expect(ran).toBeGreaterThan(50);
  });
});
