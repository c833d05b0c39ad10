import { WebSocket, type RawData } from "ws";
import type { Logger } from "../../lib/logger.js";
import { basicAuth } from "./http.js";
import { AriAuthError, AriUnavailableError } from "./errors.js";

/**
 * The ARI event WebSocket (`/ari/events?app=...`), opened by Switchboard itself with ws 8 instead of
 * ari-client's `start()`. The library's socket path cannot be made safe from outside: it parses and
 * dispatches inside its 'message' handler (a garbage frame or an event type missing from the loaded
 * declarations throws there: uncaught exception), it runs its own reconnect that `stop()` cannot cancel
 * during backoff, it gives up for good after 10 attempts, and it has no heartbeat. Owning the socket
 * puts parsing, reconnects and liveness under the gateway's control; ari-client is still used for REST.
 *
 * Credentials go in an `Authorization: Basic` header (Asterisk accepts it on the upgrade, as recorded),
 * so the password never appears in a URL.
 */
export interface EventSocketOptions {
  origin: URL;
  app: string;
  username: string;
  password: string;
  timeoutMs: number;
  serverId: string;
  log: Logger;
  signal?: AbortSignal;
  onFrame: (data: RawData, isBinary: boolean) => void;
  onClose: (code: number, reason: string) => void;
}

export function eventsUrl(origin: URL, app: string): URL {
  const url = new URL("/ari/events", origin);
  url.protocol = origin.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("app", app);
  return url;
}

export class AriEventSocket {
  private readonly pongWaiters = new Set<() => void>();
  private readonly closed: Promise<void>;

  private constructor(
    private readonly ws: WebSocket,
    opts: EventSocketOptions,
  ) {
    this.closed = new Promise<void>((resolve) => {
      ws.once("close", (code: number, reason: Buffer) => {
        this.pongWaiters.clear();
        resolve();
        opts.onClose(code, reason.toString("utf8"));
      });
    });
    ws.on("message", (data, isBinary) => opts.onFrame(data, isBinary));
    ws.on("pong", () => {
      const waiters = [...this.pongWaiters];
      this.pongWaiters.clear();
      for (const w of waiters) w();
    });
    // after open, errors are always followed by 'close', which is where the loss is handled
    ws.on("error", (err) => opts.log.debug({ err, serverId: opts.serverId }, "ARI WebSocket error"));
  }

  /** Opens the socket; rejects with AriAuthError (401 on upgrade) or AriUnavailableError. */
  static open(opts: EventSocketOptions): Promise<AriEventSocket> {
    return new Promise<AriEventSocket>((resolve, reject) => {
      const url = eventsUrl(opts.origin, opts.app);
      const where = `${url.origin}${url.pathname}?app=${opts.app}`;
      if (opts.signal?.aborted) {
        reject(opts.signal.reason);
        return;
      }
      const ws = new WebSocket(url, {
        headers: { authorization: basicAuth(opts.username, opts.password) },
        handshakeTimeout: opts.timeoutMs,
        perMessageDeflate: false,
        followRedirects: false,
      });
      let failure: Error | undefined;
      const onAbort = (): void => {
        failure = opts.signal?.reason instanceof Error ? opts.signal.reason : new AriUnavailableError("connect aborted", opts.serverId);
        ws.terminate();
      };
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      const cleanup = (): void => {
        opts.signal?.removeEventListener("abort", onAbort);
        ws.removeAllListeners("open");
        ws.removeAllListeners("unexpected-response");
        ws.removeAllListeners("error");
        ws.removeAllListeners("close");
      };
      ws.on("unexpected-response", (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        failure =
          status === 401
            ? new AriAuthError(`ARI refused the credentials for the event WebSocket ${where}`, opts.serverId)
            : new AriUnavailableError(`ARI event WebSocket ${where} answered HTTP ${status} instead of upgrading`, opts.serverId);
        ws.terminate();
      });
      ws.on("error", (err) => {
        failure ??= new AriUnavailableError(`ARI event WebSocket ${where} failed: ${err.message}`, opts.serverId, { cause: err });
      });
      ws.on("close", () => {
        cleanup();
        reject(failure ?? new AriUnavailableError(`ARI event WebSocket ${where} closed during the handshake`, opts.serverId));
      });
      ws.on("open", () => {
        cleanup();
        resolve(new AriEventSocket(ws, opts));
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a WebSocket ping; resolves on the next pong. Pending pings are dropped when the socket closes. */
  ping(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.isOpen) {
        reject(new Error("event WebSocket is not open"));
        return;
      }
      const waiter = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.pongWaiters.delete(waiter);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pongWaiters.add(waiter);
      this.ws.ping();
    });
  }

  /**
   * Closes the socket. `graceful` sends a close frame and waits up to `graceMs` for the peer's answer
   * before cutting the connection; otherwise (a dead or stuck peer) the connection is cut at once.
   */
  close(graceful = false, graceMs = 1000): Promise<void> {
    if (graceful && this.isOpen) {
      this.ws.close(1000, "switchboard stopping");
      const timer = setTimeout(() => this.ws.terminate(), graceMs);
      return this.closed.finally(() => clearTimeout(timer));
    }
    this.ws.terminate();
    return this.closed;
  }
}
