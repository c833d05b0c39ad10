import { createHmac } from "node:crypto";
import { sameSecret } from "../lib/same-secret.js";
import type { WebLeadsConfig } from "./web-config.js";

/**
 * The web shop's signature on `POST /api/web/leads` (docs/outbound-web-leads.md), Stripe's scheme:
 *
 *   X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">
 *
 * The timestamp is inside the signed text, so a captured request cannot be given a fresh `t`: once it is
 * older than the tolerance it is refused, and inside the window the eventId (kept far longer, in the lead
 * store) makes a copy create nothing. Pure: the caller passes the clock and the secrets.
 */

export const SIGNATURE_HEADER = "x-switchboard-signature";

/** At most this many v1 values are looked at (the shop may send one per secret while rotating). */
const MAX_SIGNATURES = 4;
const HEX64 = /^[0-9a-f]{64}$/;

/** The header value for `rawBody` signed at `t` (unix seconds): for tests and for the docs' example. */
export function signWebLead(rawBody: string | Uint8Array, secret: string, t: number): string {
  return `t=${t},v1=${hmac(rawBody, secret, t)}`;
}

function hmac(rawBody: string | Uint8Array, secret: string, t: number): string {
  return createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest("hex");
}

export interface SignatureHeader {
  t: number;
  v1: string[];
}

/** `t=...,v1=...[,v1=...]`; other schemes (v0, future ones) are ignored, as Stripe's receivers do. */
export function parseSignatureHeader(header: string | undefined): SignatureHeader | undefined {
  if (typeof header !== "string" || header.length > 1_000) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      t = Number(value);
    } else if (key === "v1" && v1.length < MAX_SIGNATURES) {
      v1.push(value.toLowerCase());
    }
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

export type SignatureCheck =
  | { ok: true; t: number }
  /** missing: no header; malformed: not t=...,v1=...; mismatch: no v1 matches; stale: right signature, `t` outside the window. */
  | { ok: false; reason: "missing" | "malformed" | "mismatch" | "stale"; message: string };

/**
 * Whether `header` signs `rawBody` (the bytes as received, before any JSON parsing) under one of
 * `secrets`, at a `t` within `toleranceSeconds` of `nowSeconds`. The signature is checked before the time,
 * so "stale" is only ever said of a request the shop really signed (a clock to fix), never to a forger.
 */
export function checkSignature(rawBody: Uint8Array, header: string | undefined, secrets: readonly string[], nowSeconds: number, toleranceSeconds: number): SignatureCheck {
  if (header === undefined || header === "") return { ok: false, reason: "missing", message: "missing X-Switchboard-Signature header" };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: "malformed", message: "X-Switchboard-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256>" };
  let match = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = hmac(rawBody, secret, parsed.t);
    // every pair is compared, in constant time each: how far a guess got shows in no response time
    for (const given of parsed.v1) if (HEX64.test(given) && sameSecret(given, expected)) match = true;
  }
  if (!match) return { ok: false, reason: "mismatch", message: "signature does not match" };
  if (Math.abs(nowSeconds - parsed.t) > toleranceSeconds) {
    return { ok: false, reason: "stale", message: `timestamp t is more than ${toleranceSeconds} s from our clock: sign each request (and each retry) when it is sent, and keep the clock synchronised` };
  }
  return { ok: true, t: parsed.t };
}

/** The secrets named by the config, read from the environment now (so a restart picks up a rotation); empty ones are left out. */
export function webLeadSecrets(cfg: Pick<WebLeadsConfig, "secretEnv" | "previousSecretEnv">, env: NodeJS.ProcessEnv = process.env): string[] {
  return [cfg.secretEnv, cfg.previousSecretEnv].flatMap((name) => (name && env[name] ? [env[name]!] : []));
}
