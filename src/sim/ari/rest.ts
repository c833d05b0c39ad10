/**
 * The REST side of the ARI server: one HTTP request from its URL to its reply, as Asterisk's
 * `ari` module answers it (paths outside ARI, authentication, ARI's own path errors, routing,
 * the body, the resource's handler).
 */
import type http from "node:http";
import type { SimPbx } from "../pbx.js";
import { NOT_FOUND_HTML, requestUrl, type Authoriser } from "./access.js";
import { htmlPage, UNAUTHORIZED, writeReply, type Reply } from "./http.js";
import { requestInput } from "./request-input.js";
import { matchRoute, type RequestContext, type RouteMatch } from "./routes.js";

/** What each REST request reports once answered. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  authenticated: boolean;
}

export interface RestSettings {
  authorised: Authoriser;
  /** CORS headers for a request's `Origin`. */
  cors(origin: string | undefined): Array<[string, string]>;
  maxBodyBytes: number;
  /** Told of each reply; what it throws is dropped. */
  onRequest(entry: RequestLogEntry): void;
  /** `host:port` of the listening socket, for a request without a `Host` header. */
  localHost(): string;
}

export type RestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

/** ARI's answers about the path itself: `/ari`, a trailing slash, the event socket without upgrade. */
function pathReply(pathname: string): Reply | undefined {
  if (pathname === "/ari") return { status: 405, json: { message: "Invalid method" }, headers: [["Allow", "OPTIONS"]] };
  const rel = pathname.slice(5);
  if (rel === "" || rel.endsWith("/")) {
    const trimmed = `/ari/${rel.replace(/\/+$/, "")}`.replace(/\/$/, "");
    return { status: 404, json: { message: `ARI URLs do not end with a slash. Try ${trimmed}` } };
  }
  if (rel === "events") return { status: 426, html: htmlPage(426, "Upgrade Required", "") };
  return undefined;
}

/** The reply for a path no route takes, a method it does not take, or OPTIONS. */
function unmatchedReply(match: Exclude<RouteMatch, { kind: "ok" }>): Reply {
  if (match.kind === "not-found") return { status: 404, json: { message: "Resource not found" } };
  if (match.kind === "method-not-allowed") return { status: 405, json: { message: "Invalid method" }, headers: [["Allow", match.allow]] };
  return { status: 204, headers: [["Allow", match.allow]] };
}

function runHandler(pbx: SimPbx, match: Extract<RouteMatch, { kind: "ok" }>, ctx: RequestContext): Reply {
  try {
    return match.handler(pbx, ctx);
  } catch {
    return { status: 500, json: { message: "Internal Server Error" } };
  }
}

export function restHandler(pbx: SimPbx, settings: RestSettings): RestHandler {
  return async (req, res) => {
    const url = requestUrl(req);
    if (!url || (url.pathname !== "/ari" && !url.pathname.startsWith("/ari/"))) {
      writeReply(req, res, NOT_FOUND_HTML);
      return;
    }
    const pathname = url.pathname;
    const cors = settings.cors(req.headers.origin);
    const authenticated = settings.authorised(req, url.searchParams);
    const reply = (r: Reply): void => {
      writeReply(req, res, r, cors);
      try {
        settings.onRequest({ method: req.method ?? "", path: pathname, status: r.status, authenticated });
      } catch {
        // observers must not break the server
      }
    };
    if (!authenticated) return reply(UNAUTHORIZED);
    const early = pathReply(pathname);
    if (early) return reply(early);
    const method = (req.method ?? "GET").toUpperCase();
    const match = matchRoute(method, pathname.slice(5));
    if (match.kind !== "ok") return reply(unmatchedReply(match));
    const input = await requestInput(req, url.searchParams, settings.maxBodyBytes);
    if (input === "aborted") {
      res.destroy();
      return;
    }
    if ("status" in input) return reply(input);
    const basePath = `http://${req.headers.host ?? settings.localHost()}/ari`;
    reply(runHandler(pbx, match, { method, path: match.path, ...input, basePath }));
  };
}
