/**
 * The WebSocket upgrade of `/ari/events`: the refusals Asterisk writes straight on the socket
 * (wrong path, no credentials, no `app`), else the handshake (subprotocol `ari`) and the socket
 * handed to the event hub for its apps.
 */
import type http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { NOT_FOUND_HTML, requestUrl, type Authoriser } from "./access.js";
import type { EventHub } from "./events-ws.js";
import { htmlPage, rawResponse, UNAUTHORIZED, writeRaw } from "./http.js";

export interface EventsUpgrade {
  handle(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

interface Subscription {
  apps: string[];
  subscribeAll: boolean;
}

function htmlResponse(status: number, reason: string, page: string): string {
  return rawResponse(status, reason, [["Content-type", "text/html"], ["Content-Length", String(Buffer.byteLength(page))]], page);
}

const notFound = (): string => htmlResponse(404, "Not Found", NOT_FOUND_HTML.html!);

function unauthorized(): string {
  const b = JSON.stringify(UNAUTHORIZED.json);
  return rawResponse(401, "Unauthorized", [...UNAUTHORIZED.headers!, ["Content-type", "application/json"], ["Content-Length", String(Buffer.byteLength(b))]], b);
}

/** Asterisk answers a missing `app` twice: the error page, then a refused handshake. */
function missingApp(): string {
  return (
    htmlResponse(400, "Bad Request", htmlPage(400, "Bad Request", "HTTP request is missing param: [app]")) +
    rawResponse(400, "Bad Request", [["Sec-WebSocket-Version", "7, 8, 13"], ["Content-Length", "0"]])
  );
}

/** What the request subscribes to, or the raw response refusing it. */
function subscription(req: http.IncomingMessage, authorised: Authoriser): Subscription | string {
  const url = requestUrl(req);
  if (!url || url.pathname !== "/ari/events") return notFound();
  if (!authorised(req, url.searchParams)) return unauthorized();
  const apps = url.searchParams
    .getAll("app")
    .flatMap((a) => a.split(","))
    .map((a) => a.trim())
    .filter((a) => a !== "");
  if (apps.length === 0) return missingApp();
  return { apps: [...new Set(apps)], subscribeAll: /^(true|yes|1)$/i.test(url.searchParams.get("subscribeAll") ?? "") };
}

export function eventsUpgrade(hub: EventHub, authorised: Authoriser): EventsUpgrade {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has("ari") ? "ari" : false),
  });
  return {
    handle(req, socket, head): void {
      socket.on("error", () => socket.destroy());
      const sub = subscription(req, authorised);
      if (typeof sub === "string") return writeRaw(socket, sub);
      try {
        wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, sub.apps, sub.subscribeAll));
      } catch {
        socket.destroy();
      }
    },
    close: () => wss.close(),
  };
}
