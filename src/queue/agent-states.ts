import { z } from "zod";

/**
 * The agent state machine. This table is the single definition: the Lua scripts receive it as generated
 * code (see scripts.ts), so Redis enforces exactly what is written here.
 *
 *   offline --login--> available <--> paused(reason)
 *   available --dispatch--> ringing --answered--> oncall --call ended (to wrapup)--> wrapup(timed) --> available
 *   ringing --requeue (no answer) / abandon--> available | paused | offline
 */
export const agentStateSchema = z.enum(["offline", "available", "ringing", "oncall", "wrapup", "paused"]);
export type AgentState = z.infer<typeof agentStateSchema>;

/** What the phone reports (AMI device state, mapped by the telephony layer). */
export const deviceStateSchema = z.enum(["unknown", "registered", "in_use", "unavailable"]);
export type DeviceState = z.infer<typeof deviceStateSchema>;

/**
 * Who may make a move: the agent (desktop, supervisor, call end) or only a queue operation. `consult`: an
 * agent asked for advice by another one on a call (consult.lua) rings, talks, and is let go again.
 */
type Via = "agentState" | "dispatch" | "answered" | "requeue" | "abandon" | "wrapupExpiry" | "zeroWrapUp" | "consult";

export const TRANSITIONS: Readonly<Record<AgentState, Partial<Record<AgentState, readonly Via[]>>>> = {
  offline: { available: ["agentState"], paused: ["agentState"] },
  available: { paused: ["agentState"], offline: ["agentState"], ringing: ["dispatch", "consult"] },
  ringing: { oncall: ["answered", "consult"], available: ["requeue", "abandon", "consult"], paused: ["requeue", "consult"], offline: ["requeue"] },
  // only an explicit call end (to wrapup) leaves a call, so a stray "available" click cannot end one;
  // with zero wrap-up seconds it goes straight on to available; a consultation cancelled lets its agent go
  oncall: { wrapup: ["agentState"], available: ["zeroWrapUp", "consult"] },
  wrapup: { available: ["agentState", "wrapupExpiry"], paused: ["agentState"], offline: ["agentState"] },
  paused: { available: ["agentState"], paused: ["agentState"], offline: ["agentState"] },
};

/** Why a move the table refuses is refused, in words an admin or desktop developer can act on. */
const HINTS: Partial<Record<AgentState, string>> = {
  ringing: "the agent is being offered a call: it ends with answered(), requeue() or abandon()",
  oncall: "the agent is on a call: end it with wrapup (0 seconds goes straight to available)",
};

export function allowedMoves(from: AgentState, via: Via): AgentState[] {
  return (Object.entries(TRANSITIONS[from]) as [AgentState, readonly Via[]][])
    .filter(([, vias]) => vias.includes(via))
    .map(([to]) => to);
}

/** Null when the move is allowed, else the error message (same wording the Lua scripts use). */
export function transitionError(agentId: string, from: AgentState, to: AgentState, via: Via = "agentState"): string | null {
  if (TRANSITIONS[from][to]?.includes(via)) return null;
  const allowed = allowedMoves(from, via);
  const hint = HINTS[from];
  return (
    `agent ${agentId} cannot go from ${from} to ${to}` +
    (allowed.length ? ` (allowed: ${allowed.join(", ")})` : "") +
    (hint ? `: ${hint}` : "")
  );
}

/** Counts as working the queue: for "empty" at enqueue, the reserved share and expected waits. */
export function isStaffed(state: AgentState, device: DeviceState): boolean {
  return state !== "offline" && state !== "paused" && device !== "unavailable";
}

/**
 * May be offered a call now. An unknown device state does not block (no evidence either way, e.g. before
 * AMI has reported); a phone that is unregistered or busy with another call does.
 */
export function isDispatchable(state: AgentState, device: DeviceState): boolean {
  return state === "available" && (device === "registered" || device === "unknown");
}

/** The same table as Lua source, for the scripts' prelude (agentState() moves only). */
export function luaAgentMoves(): string {
  const rows = agentStateSchema.options.map((from) => {
    const tos = allowedMoves(from, "agentState").map((to) => `${to}=true`);
    const hint = HINTS[from] ? `"${HINTS[from]}"` : "false";
    return `  ${from} = { moves = { ${tos.join(", ")} }, list = "${allowedMoves(from, "agentState").join(", ")}", hint = ${hint} },`;
  });
  return `local AGENT_MOVES = {\n${rows.join("\n")}\n}\n`;
}
