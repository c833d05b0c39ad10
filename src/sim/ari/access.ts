/**
 * What every request meets first, REST or WebSocket: its URL, the ARI users' credentials, the
 * CORS origins, and the page Asterisk's web server answers for a URL outside ARI.
 */
import type http from "node:http";
import { credentialCheck, htmlPage, requestCredentials, type Credentials, type Reply } from "./http.js";

export const NOT_FOUND_HTML: Reply = { status: 404, html: htmlPage(404, "Not Found", "The requested URL was not found on this server.") };

/** The request's URL, or undefined when it cannot be parsed. */
export function requestUrl(req: http.IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://simulator");
  } catch {
    return undefined;
  }
}

/** Whether a request carries the credentials of an ARI user (Basic or `api_key`). */
export type Authoriser = (req: http.IncomingMessage, query: URLSearchParams) => boolean;

export function requestAuthoriser(users: Credentials): Authoriser {
  const checkUser = credentialCheck(users);
  return (req, query) => {
    const c = requestCredentials(req, query);
    return !!c && checkUser(c.user, c.password);
  };
}

/** Origins allowed CORS: a list, a test, or (unset) any http origin on the loopback. */
export type OriginPolicy = string[] | ((origin: string) => boolean);

function originAllowed(policy: OriginPolicy | undefined, origin: string): boolean {
  if (typeof policy === "function") return policy(origin);
  if (Array.isArray(policy)) return policy.includes(origin);
  return /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(origin);
}

/** The `Access-Control-Allow-*` headers for a request's `Origin`, none when it is not allowed. */
export function corsHeaders(policy: OriginPolicy | undefined, origin: string | undefined): Array<[string, string]> {
  return typeof origin === "string" && originAllowed(policy, origin)
    ? [
        ["Access-Control-Allow-Origin", origin],
        ["Access-Control-Allow-Credentials", "true"],
      ]
    : [];
}
