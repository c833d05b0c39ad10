import type { Request } from "express";
import { sessionMs, verifySession, type SessionClaims } from "../cti/session.js";
import type { SupervisorAccount } from "./config.js";

/**
 * Who is asking for the wallboard's data: a supervisor's session token from the `Authorization: Bearer`
 * header (the page reads the stream with fetch, so the token never rides in a URL). Only tokens with the
 * supervisor role pass: an agent's, signed with the same secret, is refused.
 */

/** `agent`: a valid session, but an agent's (the supervision routes answer 403 to it, not 401). */
export type SupervisorAuth = { ok: true; supervisor: SupervisorAccount; claims: SessionClaims } | { ok: false; reason: string; agent?: true };

export function supervisorAuthenticator(secret: string, supervisors: ReadonlyMap<string, SupervisorAccount>, sessionHours: number): (req: Request) => SupervisorAuth {
  const maxLifetime = sessionMs(sessionHours);
  return (req) => {
    const header = req.headers.authorization;
    if (!header) return { ok: false, reason: "log in first: send the supervisor session token as Authorization: Bearer <token>" };
    const match = /^Bearer ([A-Za-z0-9_.-]{1,1024})$/i.exec(header);
    if (!match) return { ok: false, reason: "session token refused (malformed)" };
    const check = verifySession(secret, match[1], Date.now(), maxLifetime, "supervisor");
    if (!check.ok) return check.reason === "wrong role" ? { ok: false, reason: "session token refused (not a supervisor's session)", agent: true } : { ok: false, reason: `session token refused (${check.reason})` };
    const supervisor = supervisors.get(check.claims.sub);
    // removed from the config since: their sessions end with it
    if (!supervisor) return { ok: false, reason: "session token refused (unknown supervisor)" };
    return { ok: true, supervisor, claims: check.claims };
  };
}
