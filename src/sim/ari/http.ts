/**
 * Low-level HTTP details of Asterisk's built-in web server as recorded: header spellings and
 * order, HTML error pages, Basic / api_key authentication.
 */
import type http from "node:http";
import type { Duplex } from "node:stream";
import { ASTERISK_VERSION } from "../pbx.js";

export const SERVER_HEADER = `Asterisk/${ASTERISK_VERSION}`;

export interface AriUser {
  user: string;
  password: string;
}

export type Credentials = Record<string, string> | AriUser[];

export function credentialCheck(users: Credentials): (user: string, password: string) => boolean {
  const map = new Map<string, string>();
  if (Array.isArray(users)) for (const u of users) map.set(u.user, u.password);
  else for (const [u, p] of Object.entries(users)) map.set(u, p);
  return (user, password) => map.has(user) && map.get(user) === password;
}

/** Credentials from `Authorization: Basic` or `?api_key=user:password`. */
export function requestCredentials(req: http.IncomingMessage, query: URLSearchParams): { user: string; password: string } | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
    if (m) {
      const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  const key = query.get("api_key");
  if (key !== null) {
    const colon = key.indexOf(":");
    if (colon >= 0) return { user: key.slice(0, colon), password: key.slice(colon + 1) };
  }
  return undefined;
}

export function httpDate(ms = Date.now()): string {
  return new Date(ms).toUTCString();
}

export function htmlPage(status: number, title: string, text: string): string {
  return (
    `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>${status} ${title}</title>\r\n</head><body>\r\n` +
    `<h1>${title}</h1>\r\n<p>${text}</p>\r\n<hr />\r\n<address>${SERVER_HEADER}</address>\r\n</body></html>\r\n`
  );
}

export interface Reply {
  status: number;
  reason?: string;
  /** JSON body (serialised compactly), or a raw HTML page, or nothing (204). */
  json?: unknown;
  html?: string;
  /** A file (a stored recording): served with `Content-Type` spelled so (ws-18), unlike the JSON replies' `Content-type`. */
  file?: { contentType: string; data: Buffer };
  /** Headers placed between Cache-Control and Content-type (Location, Allow, WWW-Authenticate). */
  headers?: Array<[string, string]>;
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  422: "Unprocessable Entity",
  426: "Upgrade Required",
  500: "Internal Server Error",
};

/** Writes a reply with Asterisk's header order and spellings. */
export function writeReply(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply, corsHeaders: Array<[string, string]> = []): void {
  if (res.headersSent || res.destroyed) return;
  res.sendDate = false;
  const close = /(^|,)\s*close\s*(,|$)/i.test(String(req.headers.connection ?? ""));
  const payload = reply.file
    ? reply.file.data
    : reply.html !== undefined
      ? Buffer.from(reply.html, "utf8")
      : reply.json !== undefined
        ? Buffer.from(JSON.stringify(reply.json), "utf8")
        : Buffer.alloc(0);
  res.setHeader("Server", SERVER_HEADER);
  res.setHeader("Date", httpDate());
  if (close) res.setHeader("Connection", "close");
  else res.removeHeader("Connection");
  res.setHeader("Cache-Control", "no-cache, no-store");
  for (const [k, v] of corsHeaders) res.setHeader(k, v);
  for (const [k, v] of reply.headers ?? []) res.setHeader(k, v);
  if (reply.file) res.setHeader("Content-Type", reply.file.contentType);
  else if (reply.html !== undefined) res.setHeader("Content-type", "text/html");
  else if (reply.json !== undefined) res.setHeader("Content-type", "application/json");
  res.setHeader("Content-Length", String(payload.length));
  res.writeHead(reply.status, reply.reason ?? REASONS[reply.status] ?? "Unknown");
  res.end(payload);
  if (close) res.once("finish", () => req.socket.end());
}

/** Writes a complete HTTP response straight on a socket (used on WebSocket upgrade requests). */
export function rawResponse(status: number, reason: string, headers: Array<[string, string]>, body = ""): string {
  const lines = [`HTTP/1.1 ${status} ${reason}`, `Server: ${SERVER_HEADER}`, `Date: ${httpDate()}`, "Cache-Control: no-cache, no-store"];
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  return lines.join("\r\n") + "\r\n\r\n" + body;
}

export function writeRaw(socket: Duplex, data: string): void {
  if (socket.destroyed) return;
  try {
    socket.end(data);
  } catch {
    socket.destroy();
  }
}

export const UNAUTHORIZED: Reply = {
  status: 401,
  json: { message: "Authentication required" },
  headers: [["WWW-Authenticate", 'Basic realm="Asterisk REST Interface"']],
};
