import type { AgentAccount } from "./config.js";
import { sessionMs, verifySession, type SessionClaims } from "./session.js";

export type AgentAuth = { ok: true; agent: AgentAccount; claims: SessionClaims } | { ok: false; reason: string };
export type AgentLogin = Extract<AgentAuth, { ok: true }>;

/** Checks a session token from the socket's handshake or first message; none lasts longer than `sessionHours`. */
export function sessionAuthenticator(secret: string, agents: ReadonlyMap<string, AgentAccount>, sessionHours: number): (token: string) => AgentAuth {
  const maxLifetime = sessionMs(sessionHours);
  return (token) => {
    // "agent": a supervisor's token, signed with the same secret, is refused here (wrong role)
    const check = verifySession(secret, token, Date.now(), maxLifetime, "agent");
    if (!check.ok) return { ok: false, reason: `session token refused (${check.reason})` };
    const agent = agents.get(check.claims.sub);
    // an agent removed from the config, or whose password was withdrawn, loses their sessions too
    if (!agent?.passwordHash) return { ok: false, reason: "session token refused (unknown agent)" };
    return { ok: true, agent, claims: check.claims };
  };
}
