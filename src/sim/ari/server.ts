/**
 * The simulator's ARI server: REST over HTTP/1.1 and the event WebSocket, on one port, as
 * Asterisk's built-in HTTP server serves them. REST requests are answered in rest.ts, upgrades
 * in events-upgrade.ts; the event hub (events-ws.ts) fans the PBX's events out to the sockets.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { SimPbx } from "../pbx.js";
import { corsHeaders, requestAuthoriser, type OriginPolicy } from "./access.js";
import { eventsUpgrade, type EventsUpgrade } from "./events-upgrade.js";
import { EventHub } from "./events-ws.js";
import { writeReply, type Credentials } from "./http.js";
import { restHandler, type RequestLogEntry, type RestHandler } from "./rest.js";

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
  allowedOrigins?: OriginPolicy;
  /** Largest accepted request body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Called after each HTTP reply (observability for tests and logs). */
  onRequest?: (entry: RequestLogEntry) => void;
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

/** The HTTP server: REST requests, upgrades, and a bare 400 for what is not HTTP at all. */
function httpServer(rest: RestHandler, upgrade: EventsUpgrade): http.Server {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    rest(req, res).catch(() => {
      try {
        writeReply(req, res, { status: 500, json: { message: "Internal Server Error" } });
      } catch {
        res.destroy();
      }
    });
  });
  server.on("upgrade", (req, socket, head) => upgrade.handle(req, socket, head));
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

/** Listens on `host:port` and resolves with the port bound. */
function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The running server's handle: where it is, and its two ways of stopping. */
function serverHandle(server: http.Server, hub: EventHub, upgrade: EventsUpgrade, host: string, port: number): AriServer {
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
      upgrade.close();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export async function startAriServer(pbx: SimPbx, opts: AriServerOptions): Promise<AriServer> {
  const host = opts.host ?? "127.0.0.1";
  const authorised = requestAuthoriser(opts.users);
  const hub = new EventHub(pbx);
  const upgrade = eventsUpgrade(hub, authorised);
  const rest = restHandler(pbx, {
    authorised,
    cors: (origin) => corsHeaders(opts.allowedOrigins, origin),
    maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024,
    onRequest: (entry) => opts.onRequest?.(entry),
    localHost: () => `${host}:${port}`,
  });
  const server = httpServer(rest, upgrade);
  const port = await listen(server, host, opts.port ?? 0);
  return serverHandle(server, hub, upgrade, host, port);
}
