import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { agentIdSchema } from "../queue/types.js";

/**
 * Session tokens: `base64url(JSON claims).base64url(HMAC-SHA256(secret, first part))`. Stateless, so
 * any daemon sharing the secret accepts a token another one issued. Both parts use only characters that
 * are valid in a Sec-WebSocket-Protocol value. Agents (the desktop) and supervisors (the wallboard) share
 * the format and the secret; the role in the signed claims keeps one's token from opening the other's door.
 */

/** Whose session: an agent's opens the agent desktop, a supervisor's the wallboard; never the other. */
export type SessionRole = "agent" | "supervisor";

export const sessionClaimsSchema = z
  .object({
    v: z.literal(1),
    /** Agent or supervisor id (config ids are unique over both lists). */
    sub: agentIdSchema,
    /**
     * Absent in agents' tokens, the format they always had, so agents' sessions survive an upgrade; and a
     * daemon from before roles existed (strict claims) refuses a supervisor's token outright.
     */
    role: z.literal("supervisor").optional(),
    /** Issued and expiry, epoch milliseconds. */
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
  })
  .strict();
export type SessionClaims = z.infer<typeof sessionClaimsSchema>;

export type SessionCheck =
  | { ok: true; claims: SessionClaims }
  | { ok: false; reason: "malformed" | "bad signature" | "expired" | "not yet valid" | "longer than a session" | "wrong role" };

export const roleOf = (claims: SessionClaims): SessionRole => claims.role ?? "agent";

/** Tolerated clock difference between daemons when checking `iat`. */
const SKEW_MS = 60_000;
const MAX_TOKEN_CHARS = 1024;

const sign = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("base64url");

/** A session's length in milliseconds, as issueSession gives it and verifySession caps it. */
export const sessionMs = (hours: number): number => Math.round(hours * 3_600_000);

/** `role` defaults to an agent's session. */
export function issueSession(secret: string, subject: string, opts: { hours: number; now?: number; role?: SessionRole }): { token: string; claims: SessionClaims } {
  if (!secret) throw new Error("session secret is empty");
  const iat = opts.now ?? Date.now();
  const role = opts.role === "supervisor" ? { role: "supervisor" as const } : {};
  const claims = sessionClaimsSchema.parse({ v: 1, sub: subject, ...role, iat, exp: iat + sessionMs(opts.hours) });
  const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
  return { token: `${body}.${sign(secret, body)}`, claims };
}

/**
 * `maxLifetimeMs`: the configured session length. A token whose expiry lies further after its issue
 * time is refused even with a good signature (issued under a longer setting, or by a tool holding the
 * secret), so no token outlives what the config allows now. `role`: whose sessions the caller accepts;
 * an agent's unless it says otherwise, so a caller that forgets to ask never lets a supervisor in.
 */
export function verifySession(secret: string, token: unknown, now: number = Date.now(), maxLifetimeMs = Number.POSITIVE_INFINITY, role: SessionRole = "agent"): SessionCheck {
  if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: "malformed" };
  const [body, mac] = parts as [string, string];
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(mac);
  // the signature is checked before the claims are even parsed: unsigned input never reaches JSON.parse
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "bad signature" };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const claims = sessionClaimsSchema.safeParse(json);
  if (!claims.success || claims.data.exp <= claims.data.iat) return { ok: false, reason: "malformed" };
  if (roleOf(claims.data) !== role) return { ok: false, reason: "wrong role" };
  if (claims.data.exp - claims.data.iat > maxLifetimeMs) return { ok: false, reason: "longer than a session" };
  if (claims.data.iat > now + SKEW_MS) return { ok: false, reason: "not yet valid" };
  if (claims.data.exp <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims: claims.data };
}
