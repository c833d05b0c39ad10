import { describe, expect, it } from "vitest";
import { TRANSITIONS, agentStateSchema, allowedMoves, isDispatchable, isStaffed, luaAgentMoves, transitionError } from "../../src/queue/agent-states.js";

describe("agent state machine", () => {
  it("lets the agent log in, pause with a reason, come back and log off", () => {
    expect(transitionError("a1", "offline", "available")).toBeNull();
    expect(transitionError("a1", "available", "paused")).toBeNull();
    expect(transitionError("a1", "paused", "available")).toBeNull();
    expect(transitionError("a1", "available", "offline")).toBeNull();
  });

  it("keeps ringing and on-call moves for the queue operations and says why", () => {
    expect(transitionError("a1", "available", "ringing")).toMatch(/cannot go from available to ringing \(allowed: paused, offline\)/);
    expect(transitionError("a1", "available", "ringing", "dispatch")).toBeNull();
    expect(transitionError("a1", "ringing", "paused")).toMatch(/answered\(\), requeue\(\) or abandon\(\)/);
    expect(transitionError("a1", "oncall", "paused")).toMatch(/on a call: end it with wrapup/);
    expect(transitionError("a1", "oncall", "available")).toMatch(/\(allowed: wrapup\)/);
    expect(transitionError("a1", "offline", "wrapup")).toMatch(/allowed: available, paused/);
  });

  it("reaches every state and leaves every state", () => {
    for (const s of agentStateSchema.options) {
      expect(Object.keys(TRANSITIONS[s]).length).toBeGreaterThan(0);
      expect(agentStateSchema.options.some((from) => s in TRANSITIONS[from])).toBe(true);
    }
    expect(allowedMoves("ringing", "agentState")).toEqual([]);
  });

  it("offers calls only to available agents whose phone is registered or not yet reported", () => {
    expect(isDispatchable("available", "registered")).toBe(true);
    expect(isDispatchable("available", "unknown")).toBe(true);
    expect(isDispatchable("available", "unavailable")).toBe(false);
    expect(isDispatchable("available", "in_use")).toBe(false);
    expect(isDispatchable("wrapup", "registered")).toBe(false);
    expect(isStaffed("oncall", "in_use")).toBe(true);
    expect(isStaffed("paused", "registered")).toBe(false);
    expect(isStaffed("available", "unavailable")).toBe(false);
  });

  it("generates the same table as Lua for the scripts", () => {
    const lua = luaAgentMoves();
    expect(lua).toContain("offline = { moves = { available=true, paused=true }");
    expect(lua).toContain('ringing = { moves = {  }, list = "", hint = "the agent is being offered a call');
  });
});
