import http from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../lib/logger.js";
import type { AgentAuth, AgentLogin } from "./agent-auth.js";
import { originAllowed } from "./origin.js";
import { CTI_SUBPROTOCOL, WS_PATH } from "./protocol.js";

const MAX_PAYLOAD = 64 * 1024;

export interface HandshakeDeps {
  server: http.Server;
  /** Origins besides the daemon's own whose pages may connect. */
  allowedOrigins: readonly string[];
  authenticate(token: string): AgentAuth;
  /** Once the hub is closed, a late handshake is refused. */
  closed(): boolean;
  /** The upgraded socket, logged in already when the handshake carried a good token. */
  accept(ws: WebSocket, login: AgentLogin | null): void;
  log: Logger;
}

export interface AgentUpgrades {
  /** The server's `upgrade` listener. */
  onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

/**
 * The agent socket's handshake on the daemon's HTTP server: path, origin, subprotocol and, when it rides
 * in Sec-WebSocket-Protocol, the session token are checked before the upgrade, so a refused page gets a
 * plain HTTP status rather than a socket.
 */
export function agentUpgrades(deps: HandshakeDeps): AgentUpgrades {
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has(CTI_SUBPROTOCOL) ? CTI_SUBPROTOCOL : false),
  });
  return {
    onUpgrade(req, socket, head) {
      if (pathOf(req) !== WS_PATH) {
        // nobody else listens for upgrades: answer rather than leave the socket hanging
        if (deps.server.listenerCount("upgrade") === 1) refuse(socket, 404, "not found");
        return;
      }
      socket.on("error", () => socket.destroy());
      if (deps.closed()) return refuse(socket, 503, "shutting down");
      const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
      if (!originAllowed(req.headers.origin, req.headers.host, deps.allowedOrigins, scheme)) {
        deps.log.warn({ origin: req.headers.origin, host: req.headers.host }, "agent websocket refused: origin not allowed");
        return refuse(socket, 403, "origin not allowed");
      }
      const token = headerToken(req.headers["sec-websocket-protocol"], deps);
      if ("status" in token) return refuse(socket, token.status, token.message);
      wss.handleUpgrade(req, socket, head, (ws) => deps.accept(ws, token.login));
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

function pathOf(req: http.IncomingMessage): string {
  try {
    return new URL(req.url ?? "/", "http://switchboard.invalid").pathname;
  } catch {
    return ""; // an unparsable target is simply not ours
  }
}

/** The token offered beside the subprotocol, if any: its login (null without one), or why the handshake is refused. */
function headerToken(header: string | undefined, deps: Pick<HandshakeDeps, "authenticate" | "log">): { login: AgentLogin | null } | { status: number; message: string } {
  const protocols = (header ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const tokens = protocols.filter((p) => p !== CTI_SUBPROTOCOL);
  if (tokens.length === 0) return { login: null };
  if (tokens.length > 1 || !protocols.includes(CTI_SUBPROTOCOL)) {
    return { status: 400, message: `offer the subprotocols "${CTI_SUBPROTOCOL}" and the session token, nothing else` };
  }
  const checked = deps.authenticate(tokens[0]!);
  if (!checked.ok) {
    deps.log.warn({ reason: checked.reason }, "agent websocket refused");
    return { status: 401, message: checked.reason };
  }
  return { login: checked };
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
