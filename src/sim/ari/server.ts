/**
 * The simulator's ARI server: REST over HTTP/1.1 and the event WebSocket, on one port, as
 * Asterisk's built-in HTTP server serves them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { SimPbx } from "../pbx.js";
import { EventHub } from "./events-ws.js";
import {
  credentialCheck,
  htmlPage,
  rawResponse,
  requestCredentials,
  UNAUTHORIZED,
  writeRaw,
  writeReply,
  type Credentials,
  type Reply,
} from "./http.js";
import { matchRoute, type RequestContext } from "./routes.js";

export interface AriServerOptions {
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** ARI users: `{ user: password }` or a list. */
  users: Credentials;
  /**
   * Origins whose CORS requests get `Access-Control-Allow-*` headers (http.conf/ari.conf
   * `allowed_origins`). Default: any http origin on localhost / 127.0.0.1.
   */
  allowedOrigins?: string[] | ((origin: string) => boolean);
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Called after each HTTP reply (observability for tests and logs). */
  onRequest?: (entry: { method: string; path: string; status: number; authenticated: boolean }) => void;
}

export interface AriServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` (ari-client's base URL). */
  readonly url: string;
  readonly hub: EventHub;
  /** Drops every open connection without a close frame (server crash / restart). */
  dropConnections(): void;
  close(): Promise<void>;
}

const NOT_FOUND_HTML: Reply = { status: 404, html: htmlPage(404, "Not Found", "The requested URL was not found on this server.") };

function originAllowed(opts: AriServerOptions, origin: string): boolean {
  const a = opts.allowedOrigins;
  if (typeof a === "function") return a(origin);
  if (Array.isArray(a)) return a.includes(origin);
  return /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(origin);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (v: Buffer | "too-large" | "aborted"): void => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        settle("too-large");
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => settle(Buffer.concat(chunks)));
    req.on("aborted", () => settle("aborted"));
    req.on("error", () => settle("aborted"));
    req.on("close", () => settle(req.complete ? Buffer.concat(chunks) : "aborted"));
  });
}

function isJsonContentType(req: http.IncomingMessage): boolean {
  return /^application\/json\b/i.test(String(req.headers["content-type"] ?? ""));
}

export async function startAriServer(pbx: SimPbx, opts: AriServerOptions): Promise<AriServer> {
  const host = opts.host ?? "127.0.0.1";
  const checkUser = credentialCheck(opts.users);
  const limit = opts.maxBodyBytes ?? 1024 * 1024;
  const hub = new EventHub(pbx);
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has("ari") ? "ari" : false),
  });

  const authorised = (req: http.IncomingMessage, query: URLSearchParams): boolean => {
    const c = requestCredentials(req, query);
    return !!c && checkUser(c.user, c.password);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator");
    } catch {
      writeReply(req, res, NOT_FOUND_HTML);
      return;
    }
    const pathname = url.pathname;
    if (pathname !== "/ari" && !pathname.startsWith("/ari/")) {
      writeReply(req, res, NOT_FOUND_HTML);
      return;
    }
    const origin = req.headers.origin;
    const cors: Array<[string, string]> =
      typeof origin === "string" && originAllowed(opts, origin)
        ? [
            ["Access-Control-Allow-Origin", origin],
            ["Access-Control-Allow-Credentials", "true"],
          ]
        : [];
    const authenticated = authorised(req, url.searchParams);
    const reply = (r: Reply): void => {
      writeReply(req, res, r, cors);
      try {
        opts.onRequest?.({ method: req.method ?? "", path: pathname, status: r.status, authenticated });
      } catch {
        // observers must not break the server
      }
    };
    if (!authenticated) return reply(UNAUTHORIZED);
    if (pathname === "/ari") return reply({ status: 405, json: { message: "Invalid method" }, headers: [["Allow", "OPTIONS"]] });
    const rel = pathname.slice(5);
    if (rel === "" || rel.endsWith("/")) {
      const trimmed = `/ari/${rel.replace(/\/+$/, "")}`.replace(/\/$/, "");
      return reply({ status: 404, json: { message: `ARI URLs do not end with a slash. Try ${trimmed}` } });
    }
    if (rel === "events") {
      return reply({ status: 426, html: htmlPage(426, "Upgrade Required", "") });
    }
    const method = (req.method ?? "GET").toUpperCase();
    const match = matchRoute(method, rel);
    if (match.kind === "not-found") return reply({ status: 404, json: { message: "Resource not found" } });
    if (match.kind === "method-not-allowed")
      return reply({ status: 405, json: { message: "Invalid method" }, headers: [["Allow", match.allow]] });
    if (match.kind === "options") return reply({ status: 204, headers: [["Allow", match.allow]] });

    const raw = await readBody(req, limit);
    if (raw === "aborted") {
      res.destroy();
      return;
    }
    if (raw === "too-large") return reply({ status: 413, reason: "Request Entity Too Large", json: { message: "Request body too large" } });
    let body: Record<string, unknown> | undefined;
    if (raw.length > 0 && isJsonContentType(req)) {
      const text = raw.toString("utf8");
      if (text.trim() !== "") {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return reply({ status: 400, json: { message: "Error parsing request body" } });
        }
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      }
    }
    const params = new Map<string, string>();
    for (const key of new Set(url.searchParams.keys())) {
      if (key === "api_key") continue;
      params.set(key, url.searchParams.getAll(key).join(","));
    }
    if (body) {
      for (const [k, v] of Object.entries(body)) {
        if (v === null || v === undefined) continue;
        if (Array.isArray(v)) params.set(k, v.map(String).join(","));
        else if (typeof v !== "object") params.set(k, String(v));
      }
    }
    const hostHeader = req.headers.host ?? `${host}:${port}`;
    const ctx: RequestContext = { method, path: match.path, params, body, basePath: `http://${hostHeader}/ari` };
    let r: Reply;
    try {
      r = match.handler(pbx, ctx);
    } catch {
      r = { status: 500, json: { message: "Internal Server Error" } };
    }
    reply(r);
  }

  function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://simulator");
    } catch {
      writeRaw(socket, rawResponse(404, "Not Found", [["Content-type", "text/html"], ["Content-Length", String(Buffer.byteLength(NOT_FOUND_HTML.html!))]], NOT_FOUND_HTML.html));
      return;
    }
    if (url.pathname !== "/ari/events") {
      const page = NOT_FOUND_HTML.html!;
      writeRaw(socket, rawResponse(404, "Not Found", [["Content-type", "text/html"], ["Content-Length", String(Buffer.byteLength(page))]], page));
      return;
    }
    if (!authorised(req, url.searchParams)) {
      const b = JSON.stringify(UNAUTHORIZED.json);
      writeRaw(
        socket,
        rawResponse(401, "Unauthorized", [...UNAUTHORIZED.headers!, ["Content-type", "application/json"], ["Content-Length", String(Buffer.byteLength(b))]], b),
      );
      return;
    }
    const apps = url.searchParams
      .getAll("app")
      .flatMap((a) => a.split(","))
      .map((a) => a.trim())
      .filter((a) => a !== "");
    if (apps.length === 0) {
      const page = htmlPage(400, "Bad Request", "HTTP request is missing param: [app]");
      writeRaw(
        socket,
        rawResponse(400, "Bad Request", [["Content-type", "text/html"], ["Content-Length", String(Buffer.byteLength(page))]], page) +
          rawResponse(400, "Bad Request", [["Sec-WebSocket-Version", "7, 8, 13"], ["Content-Length", "0"]]),
      );
      return;
    }
    const subscribeAll = /^(true|yes|1)$/i.test(url.searchParams.get("subscribeAll") ?? "");
    try {
      wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, [...new Set(apps)], subscribeAll));
    } catch {
      socket.destroy();
    }
  }

  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch(() => {
      try {
        writeReply(req, res, { status: 500, json: { message: "Internal Server Error" } });
      } catch {
        res.destroy();
      }
    });
  });
  server.on("upgrade", onUpgrade);
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  const port: number = await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    hub,
    dropConnections(): void {
      hub.dropAll();
      server.closeAllConnections();
    },
    close(): Promise<void> {
      hub.close();
      wss.close();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
