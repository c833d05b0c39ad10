import { describe, expect, test } from "vitest";
import { startCall, step } from "../../src/ivr/engine/index.js";
import { celEnvironment, compileCel, CelBudgetError } from "../../src/lib/cel.js";
import { formatDiagnostic } from "../../src/lib/yaml-source/diagnostics.js";
import { loadTreeSources } from "../../src/ivr/load.js";
import { regexProblem } from "../../src/lib/regex-shape.js";

/**
 * Attack: one caller (or one customer record) freezing the daemon through CEL. A catastrophic regular
 * expression took 6.8 s on 27 digits, nested comprehensions ran for seconds. What is seen now: the
 * validator refuses both with the place and the reason; patterns that arrive as data run on a linear-time
 * engine; a runaway expression stops at its step budget and the call takes the node's error path. A
 * regression here shows as a test that never finishes (40 digits take a backtracking engine hours), not
 * as a timing assertion.
 */

const load = (text: string) => loadTreeSources([{ file: "t.yaml", text }]);
const errors = (text: string) => load(text).diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);

const gatherTree = (validate: string) =>
  [
    "nodes:",
    "  account:",
    "    type: gather",
    "    prompt: sound:account",
    "    variable: account",
    "    maxDigits: 40",
    `    validate: '${validate}'`,
    "    next: bye",
    "    onFail: bye",
    "  bye:",
    "    type: hangup",
    "",
  ].join("\n");

const branchTree = (when: string) =>
  ["nodes:", "  check:", "    type: branch", `    cases: [{ when: '${when}', goto: yes }]`, "    default: no", "  yes: { type: hangup }", "  no: { type: hangup }", ""].join("\n");

describe("validation refuses what could run away", () => {
  test("a catastrophic regular expression, at the pattern, saying why", () => {
    expect(errors(gatherTree('value.matches("^(1+)+$")'))).toEqual([
      't.yaml:7:30: error: regular expression "^(1+)+$" repeats a part that itself repeats ("(1+)+"), which can take exponential time on a long text that does not match; write the repeat once',
    ]);
    expect(errors(gatherTree('value.matches("^(a|a)*$")'))[0]).toContain('repeats alternatives that can start with the same text ("(a|a)*")');
    expect(errors(gatherTree('value.matches("(.*a){12}")'))[0]).toContain('repeats a part that itself repeats ("(.*a){12}")');
    expect(errors(gatherTree('value.matches("^(\\\\d)\\\\1$")'))[0]).toContain("uses a backreference");
    expect(errors(gatherTree('value.matches("(?=1)1")'))[0]).toContain("uses a lookahead or lookbehind");
    expect(errors(gatherTree('value.matches("[0-9")'))[0]).toContain("is not valid RE2 syntax");
    expect(errors(gatherTree('value.matches("^[0-9]{8}$") && value.matches("^(\\\\d{3},)+$")'))).toEqual([]);
  });

  test("comprehensions nested three deep, and expressions past the size limits", () => {
    const three = "[1, 2].all(a, [1, 2].all(b, [1, 2].all(c, a + b + c > 0)))";
    expect(errors(branchTree(three))).toEqual(["t.yaml:4:50: error: comprehensions are nested 3 deep (all containing all containing all); at most 2, since every level multiplies the work"]);
    expect(errors(branchTree("[1, 2].all(a, [1, 2].exists(b, a < b))"))).toEqual([]);
    expect(errors(branchTree(Array(600).fill("true").join(" && ")))[0]).toMatch(/a "when" condition is 4,79\d characters long; an expression may have at most 2,000$/);
    expect(errors(branchTree(`${"(".repeat(80)}true${")".repeat(80)}`))[0]).toContain("Exceeded maxDepth (64)");
  });
});

describe("at call time", () => {
  test("a catastrophic pattern that arrives as data runs in linear time on RE2", () => {
    const { set } = load(branchTree("customer.code.matches(customer.pattern)"));
    const customer = { code: `${"1".repeat(40)}x`, pattern: "^(1+)+$" };
    const r = startCall(set!, "t", { callId: "c", callerNumber: "1" }, { customer });
    expect(r.state.node).toBe("t#no");
    expect(r.trace.map((t) => t.message)).toContain("no case matched, default -> t#no");
    const again = startCall(set!, "t", { callId: "c", callerNumber: "1" }, { customer: { code: "1".repeat(40), pattern: "^(1+)+$" } });
    expect(again.state.node).toBe("t#yes");
  });

  test("a pattern RE2 cannot run (a backreference) is an error: the case counts as false", () => {
    const { set } = load(branchTree("customer.code.matches(customer.pattern)"));
    const r = startCall(set!, "t", { callId: "c", callerNumber: "1" }, { customer: { code: "11", pattern: "(1)\\1" } });
    expect(r.state.node).toBe("t#no");
    expect(r.trace.find((t) => t.message.startsWith("case 1"))!.message).toContain("invalid regular expression");
  });

  test("a runaway comprehension over a big record stops at its budget and takes the error path", () => {
    const { set } = load(branchTree("customer.list.exists(x, customer.list.exists(y, x == y - 1000000))"));
    const customer = { list: Array.from({ length: 5_000 }, (_, i) => i) };
    const r = startCall(set!, "t", { callId: "c", callerNumber: "1" }, { customer });
    expect(r.state.node).toBe("t#no");
    expect(r.trace.find((t) => t.message.startsWith("case 1"))!.message).toMatch(/failed: the expression needed more than its 50,000 evaluation steps and was stopped; treated as false$/);
  });

  test("a gather whose validation runs away counts the input as invalid; the call goes on", () => {
    const { set } = load(gatherTree("customer.list.exists(x, customer.list.exists(y, x == y - int(value)))"));
    let r = startCall(set!, "t", { callId: "c", callerNumber: "1" }, { customer: { list: Array.from({ length: 5_000 }, (_, i) => i) } });
    const play = r.actions.find((a) => a.type === "play")!;
    r = step(set!, r.state, { type: "playbackFinished", id: play.id });
    for (const d of "1".repeat(40)) r = step(set!, r.state, { type: "dtmf", digit: d });
    expect(r.trace.map((t) => t.message).join("\n")).toMatch(/validation failed: the expression needed more than its 50,000 evaluation steps/);
    expect(r.state.vars.account).toBeUndefined();
  });

  test("the budget counts what an expression builds, so doubling text stops too", () => {
    const env = celEnvironment({ value: "string" });
    const doubling = compileCel(env, "cel.bind(a, value + value, cel.bind(b, a + a, cel.bind(c, b + b, cel.bind(d, c + c, cel.bind(e, d + d, e + e + e + e))))).size() > 0");
    expect(() => doubling.evaluate({ value: "x".repeat(100_000) })).toThrow(CelBudgetError);
    expect(doubling.evaluate({ value: "x" })).toBe(true);
    expect(() => compileCel(env, "value.size() > 1", undefined, { budget: 2 }).evaluate({ value: "ab" })).toThrow(CelBudgetError);
  });
});

describe("the regular expression checker", () => {
  test.each([
    ["^(1+)+$", true],
    ["(a*)*", true],
    ["(a?)+b", true],
    ["^(\\w+\\s?)*$", true],
    ["(x|x)+", true],
    ["(.|a)*", true],
    ["(\\d+,)+", false],
    ["^[0-9]{8}$", false],
    ["^(\\d{3}-)?\\d{4}$", false],
    ["(ab|cd)*", false],
    ["(\\d|x)+", false],
    ["^\\+?[0-9 ]{6,20}$", false],
    ["(?i)^gold|silver$", false],
  ])("%s: super-linear %s", (pattern, bad) => {
    expect(regexProblem(pattern) !== undefined).toBe(bad);
  });
});
