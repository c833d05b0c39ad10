import { describe, expect, test } from "vitest";
import { resume } from "../../src/ivr/engine/index.js";
import { scriptedKeys, simulateCall } from "../../src/ivr/engine/simulate.js";
import { loadTreeSources, readTreeDir } from "../../src/ivr/load.js";
import { TestCall, trees } from "./engine-harness.js";

// A queue node that takes the caller on to a survey in another file when the agent hangs up first.
const MAIN = `
nodes:
  support:
    type: queue
    queue: support
    lane: standard
    onTimeout: bye
    onEmpty: bye
    afterAgent: survey.yaml#ask
  bye:
    type: hangup
`;

const SURVEY = `
nodes:
  ask:
    type: gather
    prompt: sound:switchboard/csat-question
    variable: csat
    maxDigits: 1
    terminator: ""
    next: record
    onFail: thanks
  record:
    type: survey
    score: int(vars.csat)
    scale: 5
    next: thanks
  thanks:
    type: hangup
    prompt: sound:switchboard/csat-thanks
`;

const answered = (files: Record<string, string> = { "main.yaml": MAIN, "survey.yaml": SURVEY }) => {
  const call = new TestCall(trees(files));
  call.send({ type: "queueResult", outcome: "answered" });
  return call;
};

/** A tree whose survey node scores with `score` (CEL) on a scale of 5, entered straight away. */
const scoring = (score: string, vars = "{}") =>
  new TestCall(trees({ "main.yaml": `vars: ${vars}\nnodes:\n  record:\n    type: survey\n    score: '${score}'\n    scale: 5\n    next: bye\n  bye:\n    type: hangup\n` }));

describe("afterAgent", () => {
  test("answered: the IVR waits for the conversation to end instead of ending", () => {
    const call = answered();
    expect(call.state.status).toBe("waiting");
    expect(call.state.waiting).toEqual({ kind: "agent", queue: "support", lane: "standard" });
    expect(call.state.outcome).toBeUndefined();
    expect(call.actions).toEqual([]);
  });

  test("the agent hangs up first: the caller goes on into the target, in another file", () => {
    const call = answered();
    call.send({ type: "agentEnded" });
    expect(call.state.node).toBe("survey#ask");
    expect(call.played()).toEqual([["sound:switchboard/csat-question"]]);
    expect(call.trace).toContain("the agent hung up first; the caller goes on -> survey#ask");
    // the caller's path keeps the conversation's lane and goes on into the survey
    expect(call.state.path.map((p) => p.node)).toEqual(["main#support", "survey#ask"]);
  });

  test("the caller hangs up first: the call ends answered, as without afterAgent, and nothing of the survey happens", () => {
    const call = answered();
    call.send({ type: "hangup" });
    expect(call.state.outcome).toEqual({ kind: "answered", queue: "support", lane: "standard" });
    expect(call.actions).toEqual([]);
    // a late agent hangup changes nothing
    call.send({ type: "agentEnded" });
    expect(call.state.outcome).toEqual({ kind: "answered", queue: "support", lane: "standard" });
    expect(call.actions).toEqual([]);
  });

  test("without afterAgent, answered ends the IVR and an agent hangup is ignored", () => {
    const call = answered({ "main.yaml": MAIN.replace("    afterAgent: survey.yaml#ask\n", "") });
    expect(call.state.status).toBe("ended");
    expect(call.state.outcome).toEqual({ kind: "answered", queue: "support", lane: "standard" });
    call.send({ type: "agentEnded" });
    expect(call.actions).toEqual([]);
    expect(call.state.status).toBe("ended");
  });

  test("an agent hangup while still queued is not for the queue node", () => {
    const call = new TestCall(trees({ "main.yaml": MAIN, "survey.yaml": SURVEY }));
    call.send({ type: "agentEnded" });
    expect(call.state.status).toBe("queued");
    expect(call.trace).toEqual(["agentEnded ignored at queue node"]);
  });

  test("resumed after a restart with no agent on the line: the caller goes on into the target", () => {
    const call = answered();
    const r = resume(call.set, call.state);
    expect(r.state.node).toBe("survey#ask");
    expect(r.actions).toEqual([{ type: "play", id: expect.any(String), media: ["sound:switchboard/csat-question"], bargeIn: true }]);
  });

  test("the whole way: the caller presses 4 after the agent hung up; the score is asked to be recorded, then thanks and hangup", () => {
    const call = answered();
    call.send({ type: "agentEnded" });
    call.finishPrompt();
    call.press("4");
    expect(call.actions).toContainEqual({ type: "survey", score: 4, scale: 5 });
    expect(call.state.node).toBe("survey#thanks");
    expect(call.state.path.at(-2)).toMatchObject({ node: "survey#record", choice: "4 of 5" });
    call.finishPrompt();
    expect(call.state.outcome).toEqual({ kind: "hangup", reason: "normal" });
  });
});

describe("survey node", () => {
  test.each([
    ["an int", "int(vars.csat)", '{ csat: "4" }', 4],
    ["the gathered digits as they are", "vars.csat", '{ csat: "5" }', 5],
    ["a whole double", "double(vars.n)", "{ n: 1 }", 1],
  ])("records %s", (_what, score, vars, expected) => {
    const call = scoring(score, vars);
    expect(call.actions[0]).toEqual({ type: "survey", score: expected, scale: 5 });
    expect(call.state.path[0]).toMatchObject({ node: "main#record", choice: `${expected} of 5` });
    expect(call.state.node).toBe("main#bye");
  });

  test.each([
    ["0, below the scale", "vars.n", "{ n: 0 }", "score gave 0, not a whole number from 1 to 5; not recorded"],
    ["6, above the scale", "vars.n", "{ n: 6 }", "score gave 6, not a whole number from 1 to 5; not recorded"],
    ["digits above the scale", "vars.csat", '{ csat: "9" }', 'score gave "9", not a whole number from 1 to 5; not recorded'],
    ["a fraction", "double(vars.n) / 2.0", "{ n: 7 }", "score gave 3.5, not a whole number from 1 to 5; not recorded"],
    ["text that is no number", "vars.csat", '{ csat: "four" }', 'score gave "four", not a whole number from 1 to 5; not recorded'],
    ["an expression that fails", "int(vars.missing)", "{}", expect.stringMatching(/^score failed: .*; not recorded$/)],
  ])("does not record %s, says why, and goes on", (_what, score, vars, why) => {
    const call = scoring(score, vars);
    expect(call.actions.filter((a) => a.type === "survey")).toEqual([]);
    expect(call.trace.map((t) => t.replace(/ -> main#bye$/, ""))).toContainEqual(why);
    expect(call.state.path[0]).toMatchObject({ node: "main#record", choice: "not recorded" });
    expect(call.state.node).toBe("main#bye");
  });
});

describe("the shipped trees", () => {
  const set = () => loadTreeSources(readTreeDir("ivr-trees")).set!;

  test("support callers whose agent hangs up first are asked; pressing 4 records 4 of 5", async () => {
    const keys = scriptedKeys("2,12345678#,4");
    const { state, lines } = await simulateCall(set(), "main", { callId: "c", callerNumber: "5559999" }, keys, { lookup: { notFound: true }, hangsUpFirst: "agent" });
    expect(lines).toContainEqual({ kind: "action", action: { type: "survey", score: 4, scale: 5 } });
    expect(state.outcome).toEqual({ kind: "hangup", reason: "normal" });
    expect(state.path.map((p) => p.node)).toEqual(expect.arrayContaining(["main#support-queue", "survey#start", "survey#record", "survey#thanks"]));
  });

  test("a caller who presses nothing in the survey is thanked and the call ends; nothing is recorded", async () => {
    const { state, lines } = await simulateCall(set(), "survey", { callId: "c", callerNumber: "5559999" }, scriptedKeys(""));
    expect(lines.some((l) => l.kind === "action" && l.action.type === "survey")).toBe(false);
    expect(state.outcome).toEqual({ kind: "hangup", reason: "normal" });
    expect(lines).toContainEqual({ kind: "action", action: { type: "play", id: expect.any(String), media: ["sound:switchboard/goodbye"], bargeIn: false } });
  });

  test("a wrong key is asked once more; a second wrong key ends the call with thanks, unrecorded", async () => {
    const { state, lines } = await simulateCall(set(), "survey", { callId: "c", callerNumber: "5559999" }, scriptedKeys("7,3"));
    expect(lines.filter((l) => l.kind === "action" && l.action.type === "survey").map((l) => l.kind === "action" && l.action)).toEqual([{ type: "survey", score: 3, scale: 5 }]);
    expect(state.outcome).toEqual({ kind: "hangup", reason: "normal" });
    const twice = await simulateCall(set(), "survey", { callId: "c", callerNumber: "5559999" }, scriptedKeys("7,9"));
    expect(twice.lines.some((l) => l.kind === "action" && l.action.type === "survey")).toBe(false);
    expect(twice.state.outcome).toEqual({ kind: "hangup", reason: "normal" });
  });

  test("support callers who hang up first: the call ends answered, as before", async () => {
    const { state, lines } = await simulateCall(set(), "main", { callId: "c", callerNumber: "5559999" }, scriptedKeys("2,12345678#"), { lookup: { notFound: true } });
    expect(state.outcome).toEqual({ kind: "answered", queue: "support", lane: "standard" });
    expect(lines.some((l) => l.kind === "trace" && l.node.startsWith("survey#"))).toBe(false);
  });
});
