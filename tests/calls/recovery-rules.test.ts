/** The pure rules of restart recovery: what becomes of a session, and which busy agents a session explains. */
import { describe, expect, test } from "vitest";
import { busyAgents, explained } from "../../src/calls/agent-watch.js";
import { planRecovery } from "../../src/calls/recovery-plan.js";
import type { CallSession } from "../../src/calls/session-store.js";
import type { CallState } from "../../src/ivr/engine/index.js";
import type { AgentSnapshot } from "../../src/queue/index.js";

const engine = (fields: Partial<CallState>): CallState =>
  ({ callId: "c1", version: "v1", tree: "main", node: "main#main-menu", status: "waiting", waiting: null, attempt: 0, digits: "", seq: 4, call: { callId: "c1", callerNumber: "5551003" }, customer: null, vars: {}, path: [], ...fields }) as CallState;
const session = (fields: Partial<CallSession> = {}, state: Partial<CallState> = {}): CallSession => ({ callId: "c1", serverId: "pbx", channelId: "c1", startedAt: 1000, engine: engine(state), ...fields });
const agentLeg = "sba-c1~leg";

describe("planRecovery", () => {
  test("a caller in a menu resumes after the prompt the old daemon left playing is stopped", () => {
    expect(planRecovery(session({}, { waiting: { kind: "input", playbackId: "pb-4", timerId: "t-3" } }), new Set(["c1"]))).toEqual({ kind: "ivr", stopPlayback: "pb-4" });
    expect(planRecovery(session({}, { waiting: { kind: "playback", playbackId: "pb-2" } }), new Set(["c1"]))).toEqual({ kind: "ivr", stopPlayback: "pb-2" });
    // waiting on a lookup: nothing of ours is playing
    expect(planRecovery(session({}, { waiting: { kind: "lookup", lookupId: "lk-1", timerId: "t-2" } }), new Set(["c1"]))).toEqual({ kind: "ivr" });
  });

  test("a queued caller keeps its place; a caller who left while nobody held the call is gone", () => {
    const queued = session({ queue: { queue: "support", lane: "standard", joinedAt: 2000 } }, { status: "queued", waiting: { kind: "queue", queue: "support" } });
    expect(planRecovery(queued, new Set(["c1"]))).toEqual({ kind: "queued" });
    expect(planRecovery(queued, new Set())).toEqual({ kind: "gone" });
  });

  test("a conversation is taken up with which of its legs are still there", () => {
    const talking = session({ agent: { agentId: "1001", channelId: agentLeg, bridgeId: "b1", answeredAt: 3000 } }, { status: "ended" });
    const agent = { agentId: "1001", channelId: agentLeg, bridgeId: "b1", answeredAt: 3000 };
    expect(planRecovery(talking, new Set(["c1", agentLeg]))).toEqual({ kind: "conversation", agent, callerUp: true, agentUp: true });
    expect(planRecovery(talking, new Set([agentLeg]))).toEqual({ kind: "conversation", agent, callerUp: false, agentUp: true });
    expect(planRecovery(talking, new Set(["c1"]))).toEqual({ kind: "conversation", agent, callerUp: true, agentUp: false });
    expect(planRecovery(talking, new Set())).toEqual({ kind: "conversation", agent, callerUp: false, agentUp: false });
  });
});

describe("the agent watch's rules", () => {
  const snapshot = (agentId: string, state: AgentSnapshot["state"], callId?: string): AgentSnapshot => ({ agentId, endpoint: `PJSIP/${agentId}`, state, forMs: 0, device: "registered", skills: {}, queues: ["support"], ...(callId ? { callId } : {}) });

  test("only agents ringing or on a call are looked at", () => {
    const agents = [snapshot("1", "available"), snapshot("2", "ringing", "c2"), snapshot("3", "oncall", "c3"), snapshot("4", "wrapup", "c4"), snapshot("5", "paused")];
    expect(busyAgents(agents)).toEqual([
      { agentId: "2", state: "ringing", callId: "c2" },
      { agentId: "3", state: "oncall", callId: "c3" },
    ]);
  });

  test("a ring is explained by the caller's session, a call only by a session with this agent on it", () => {
    const queued = session({ callId: "c2" }, { status: "queued" });
    expect(explained({ agentId: "2", state: "ringing", callId: "c2" }, [queued])).toBe(true);
    expect(explained({ agentId: "2", state: "ringing", callId: "c2" }, [])).toBe(false);
    const withAgent = session({ callId: "c3", agent: { agentId: "3", channelId: "sba-c3~x" } }, { status: "ended" });
    expect(explained({ agentId: "3", state: "oncall", callId: "c3" }, [withAgent])).toBe(true);
    // answered, but the daemon died before the session said so
    expect(explained({ agentId: "3", state: "oncall", callId: "c3" }, [session({ callId: "c3" }, { status: "queued" })])).toBe(false);
    expect(explained({ agentId: "9", state: "oncall", callId: "c3" }, [withAgent])).toBe(false);
  });
});
