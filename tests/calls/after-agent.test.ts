/** The pure parts of a call that goes on after the agent (a post-call survey): the session, recovery, the survey event. */
import { describe, expect, test } from "vitest";
import { agentOfConversation, conversationOver, goesOnAfterAgent, recordSurvey, surveyEvent } from "../../src/calls/after-agent.js";
import { explained } from "../../src/calls/agent-watch.js";
import type { Connected } from "../../src/calls/handoff-types.js";
import { planRecovery } from "../../src/calls/recovery-plan.js";
import { sessionSchema, type CallSession } from "../../src/calls/session-store.js";
import type { EventLog } from "../../src/events/log.js";
import { lifecycleEventSchema } from "../../src/events/schema.js";
import { startCall, step, type CallState } from "../../src/ivr/engine/index.js";
import { createLogger } from "../../src/lib/logger.js";
import { trees } from "../ivr/engine-harness.js";

const c: Connected = { callId: "c1", serverId: "pbx", agentId: "1001", agentChannelId: "sba-c1~leg", bridgeId: "b1", queue: "support", lane: "express", waitMs: 5000 };
const base = (fields: Partial<CallSession> = {}): CallSession => ({ callId: "c1", serverId: "pbx", channelId: "c1", startedAt: 1000, engine: {} as CallState, ...fields });

const set = trees({
  "main.yaml": "nodes:\n  q:\n    type: queue\n    queue: support\n    onTimeout: bye\n    onEmpty: bye\n    afterAgent: survey.yaml#ask\n  bye:\n    type: hangup\n",
  "survey.yaml": "nodes:\n  ask:\n    type: hangup\n",
  "plain.yaml": "nodes:\n  q:\n    type: queue\n    queue: support\n    onTimeout: bye\n    onEmpty: bye\n  bye:\n    type: hangup\n",
});
const call = { callId: "c1", callerNumber: "5551001" };

describe("after the agent", () => {
  test("only a call at a queue node with afterAgent goes on; an ended call never does", () => {
    const queued = startCall(set, "main", call).state;
    expect(goesOnAfterAgent(set, queued)).toBe(true);
    const answered = step(set, queued, { type: "queueResult", outcome: "answered" }).state;
    expect(goesOnAfterAgent(set, answered)).toBe(true);
    const plain = step(set, startCall(set, "plain", call).state, { type: "queueResult", outcome: "answered" }).state;
    expect(plain.status).toBe("ended");
    expect(goesOnAfterAgent(set, plain)).toBe(false);
  });

  test("the session keeps whom the caller talked to; once the agent hung up the legs go, so recovery takes it for a caller in the IVR", () => {
    const talking = agentOfConversation(c, 2000);
    expect(talking).toEqual({ agentId: "1001", channelId: "sba-c1~leg", bridgeId: "b1", answeredAt: 2000, queue: "support", lane: "express" });
    const over = conversationOver(talking, c, 9000);
    expect(over).toEqual({ agentId: "1001", answeredAt: 2000, queue: "support", lane: "express", endedAt: 9000 });
    // a session written by this daemon reads back the same (a restart keeps it)
    expect(sessionSchema.parse(JSON.parse(JSON.stringify(base({ agent: over })))).agent).toEqual(over);
    const inSurvey = base({ agent: over, engine: { status: "waiting", waiting: { kind: "input", playbackId: "pb-9" } } as CallState });
    expect(planRecovery(inSurvey, new Set(["c1"]))).toEqual({ kind: "ivr", stopPlayback: "pb-9" });
    expect(planRecovery(inSurvey, new Set())).toEqual({ kind: "gone" });
    // an agent the queue has on another call is not explained by a survey's session
    expect(explained({ agentId: "1001", state: "oncall", callId: "c7" }, [inSurvey])).toBe(false);
    expect(explained({ agentId: "1001", state: "oncall", callId: "c1" }, [base({ agent: talking })])).toBe(true);
  });

  test("the survey event is credited to the conversation's agent, queue and lane, and is a valid lifecycle event", () => {
    const s = base({ agent: conversationOver(agentOfConversation(c, 2000), c, 9000), queue: { queue: "support", lane: "standard", joinedAt: 1500 } });
    const e = surveyEvent(s, { type: "survey", score: 4, scale: 5 }, 10_000);
    expect(e).toEqual({ type: "survey", at: 10_000, callId: "c1", score: 4, scale: 5, agentId: "1001", queue: "support", lane: "express" });
    // as the stream stores it: flat strings
    const flat = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
    expect(lifecycleEventSchema.parse(flat)).toEqual(e);
    // a survey tree dialled directly: no agent to credit
    expect(surveyEvent(base(), { type: "survey", score: 2, scale: 5 }, 1)).toMatchObject({ agentId: undefined, queue: undefined, lane: undefined });
  });

  test("without an event log the answer is logged only; with one it is appended", async () => {
    const appended: unknown[] = [];
    const log = { append: async (e: unknown) => void appended.push(e) } as unknown as EventLog;
    const e = surveyEvent(base(), { type: "survey", score: 5, scale: 5 }, 1);
    await recordSurvey(e, undefined, createLogger("silent"));
    expect(appended).toEqual([]);
    await recordSurvey(e, log, createLogger("silent"));
    expect(appended).toEqual([e]);
  });
});
