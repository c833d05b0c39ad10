import { agentStateSchema, type AgentState } from "../queue/agent-states.js";
import { deskMoves } from "./protocol.js";

/**
 * Agent states in the words the desktop uses (the page has the same table in state.js), and the queue's
 * refusal of a move ("agent 1001 cannot go from oncall to available (allowed: wrapup)...", written for
 * admins) retold for the agent.
 */

export const STATE_WORDS: Readonly<Record<AgentState, string>> = {
  offline: "Offline",
  available: "Available",
  ringing: "Ringing",
  oncall: "On a call",
  wrapup: "Wrap-up",
  paused: "Paused",
};

const WHILE: Readonly<Record<AgentState, string>> = {
  offline: "you are offline",
  available: "you are available",
  ringing: "your phone is ringing",
  oncall: "you are on a call",
  wrapup: "you are in wrap-up",
  paused: "you are paused",
};

/** The refusal in the agent's words, or null when `message` is not a refused move. */
export function refusedMove(message: string): string | null {
  const m = /cannot go from (\w+) to (\w+)/.exec(message);
  const from = agentStateSchema.safeParse(m?.[1]);
  const to = agentStateSchema.safeParse(m?.[2]);
  if (!from.success || !to.success) return null;
  const moves = deskMoves(from.data).map((s) => STATE_WORDS[s]);
  const after = from.data === "oncall" ? " The call has to end first." : from.data === "ringing" ? " Answer the call, or let it ring out." : "";
  const options = moves.length ? ` You can choose: ${moves.join(", ")}.` : "";
  return `${STATE_WORDS[to.data]} is not possible while ${WHILE[from.data]}.${after}${options}`;
}
