import type { AsteriskServerConfig } from "../config.js";
import type { Logger } from "../../lib/logger.js";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../backoff.js";
import { AriConfigError } from "./errors.js";

/** Everything an AriGateway needs, in milliseconds. Tests pass short timings directly. */
export interface AriGatewayOptions {
  serverId: string;
  /** `http(s)://host:port`; a trailing `/` or `/ari` is accepted, any other path is refused. */
  url: string;
  username: string;
  password: string;
  /** The Stasis application name (dialplan `Stasis(<app>,...)`). */
  app: string;
  /** Bound on each connect step: credential check, API load, WebSocket upgrade. */
  connectTimeoutMs: number;
  /** Default bound on each REST operation. */
  requestTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Consecutive failed heartbeats after which the connection is rebuilt. */
  heartbeatMisses: number;
  reconnect: BackoffPolicy;
  logger: Logger;
  /** Random source for backoff jitter (tests may pin it). */
  random?: () => number;
}

export const ARI_DEFAULTS = {
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 5_000,
  heartbeatIntervalMs: 5_000,
  heartbeatMisses: 3,
  reconnect: DEFAULT_BACKOFF,
} as const;

/**
 * The URL as an error message may show it: everything between the scheme and the last `@` (user and
 * password, or a token in the user part) is replaced by `***`, also when the URL does not parse.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf("@");
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? "";
  return `${scheme}***${url.slice(at)}`;
}

/**
 * The ARI origin. ari-client only ever uses scheme, host and port (it builds `/ari/...` itself), so a
 * URL with another path prefix (a reverse proxy mount) cannot work and is refused here, clearly.
 */
export function ariOrigin(url: string, serverId?: string): URL {
  // every message names the URL without its user part: a password there must not reach a log or a terminal
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AriConfigError(`ARI url "${shown}" is not a URL`, serverId);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new AriConfigError(`ARI url "${shown}" must start with http:// or https://`, serverId);
  }
  const path = parsed.pathname.replace(/\/+$/, "");
  if (path !== "" && path !== "/ari") {
    throw new AriConfigError(`ARI url "${shown}" has the path "${parsed.pathname}"; ari-client only supports ARI at /ari on the server root`, serverId);
  }
  if (parsed.username || parsed.password) {
    throw new AriConfigError(`ARI url "${shown}" must not carry credentials; use username and password`, serverId);
  }
  return new URL(parsed.origin);
}

/** Builds gateway options from one `asterisk[]` config entry; the password comes from the environment. */
export function ariGatewayOptions(server: AsteriskServerConfig, env: NodeJS.ProcessEnv, logger: Logger): AriGatewayOptions {
  const password = env[server.ari.password.env];
  if (password === undefined || password === "") {
    throw new AriConfigError(`environment variable ${server.ari.password.env} (ARI password of "${server.id}") is not set`, server.id);
  }
  ariOrigin(server.ari.url, server.id);
  return {
    serverId: server.id,
    url: server.ari.url,
    username: server.ari.username,
    password,
    app: server.ari.app,
    connectTimeoutMs: server.ari.connectTimeout * 1000,
    requestTimeoutMs: server.ari.requestTimeout * 1000,
    heartbeatIntervalMs: server.ari.heartbeatInterval * 1000,
    heartbeatMisses: server.ari.heartbeatMisses,
    reconnect: { ...DEFAULT_BACKOFF, maxDelayMs: server.ari.reconnectMaxDelay * 1000 },
    logger,
  };
}
