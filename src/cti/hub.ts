import type http from "node:http";
import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger.js";
import { sessionAuthenticator, type AgentLogin } from "./agent-auth.js";
import { BusSubscription } from "./bus.js";
import type { AgentsConfig } from "./config.js";
import { acceptSocket, joinDesk } from "./connection.js";
import { agentUpgrades } from "./handshake.js";
import { ClientMessages, type AgentRequests } from "./messages.js";
import { screenPopSchema, type ScreenPop } from "./pop.js";
import { agentStatusSchema, CLOSE_SLOW, type AgentStatus, type DeskMenu, type Line, type LinePatch, type Recorded } from "./protocol.js";
import { keepAlive } from "./socket-timers.js";
import { AgentSockets, type BufferLimit, type Client } from "./sockets.js";
import { CtiStore } from "./store.js";

/**
 * The agent WebSocket hub on the daemon's HTTP server. Agents authenticate with a session token (in the
 * first message or as a second Sec-WebSocket-Protocol value, never in the URL); pops and status changes go
 * through Redis (stored, then published), so whichever daemon holds an agent's sockets delivers them, and
 * an agent reconnecting anywhere gets the pops of calls still on their desk.
 *
 * The parts: the handshake (handshake.ts), each socket's life and its messages (connection.ts,
 * messages.ts), the sockets by agent (sockets.ts), their timers (socket-timers.ts), and the Redis channel
 * that brings other daemons' pops and states (bus.ts).
 */

export interface CtiHubOptions extends AgentRequests {
  server: http.Server;
  /** Used for commands; the hub duplicates it for its subscription and never closes this one. */
  redis: Redis;
  keyPrefix: string;
  agents: AgentsConfig;
  sessionSecret: string;
  /** The configured session length: a token lasting longer is refused, whatever its signature. */
  sessionHours: number;
  /** Origins besides the daemon's own whose pages may connect (as in the cti config). */
  allowedOrigins: readonly string[];
  popTtlSeconds: number;
  /** The wrap-up codes and transfer targets the page offers (the daemon's cti and queue config). */
  menu?: DeskMenu;
  logger: Logger;
  /** Keep-alive ping period; a socket that missed the previous pong is dropped. Default 25 s. */
  pingIntervalMs?: number;
  /** A socket that has not authenticated by then is closed. Default 10 s. */
  authTimeoutMs?: number;
  /** Unread bytes a socket may leave in the daemon's memory before it is closed with CLOSE_SLOW. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** After the close frame, how long a stalled peer keeps its buffer before the socket is cut. */
const SLOW_CLOSE_GRACE_MS = 1000;

export interface CtiHub {
  /** Resolves once this hub receives messages published by any hub (its Redis subscription is up). */
  ready(): Promise<void>;
  /**
   * Puts the pop on the agent's desk: every tab of the agent, on any daemon, now and after a reconnect.
   * `ringing`: the agent's phone rings for the call (shown, not yet to be acted on).
   */
  pushPop(agentId: string, pop: ScreenPop, opts?: { ringing?: boolean }): Promise<void>;
  /** Takes a call off the agent's desk (the page drops the card). */
  clearPop(agentId: string, callId: string): Promise<void>;
  /** A queue-side state change (ringing, on call, wrap-up, auto-pause after a missed call) for the page. */
  sendState(agentId: string, state: AgentStatus): Promise<void>;
  /** Changes a call's line on the agent's desk (ringing, talking, ended) for every tab; `create: false` leaves a line that is gone alone. */
  patchLine(agentId: string, callId: string, patch: LinePatch, create?: boolean): Promise<Line | null>;
  /** The lines of the calls on the agent's desk. */
  lines(agentId: string): Promise<Line[]>;
  /** Tells every tab of the agent what became of something on a call (a transfer, a consultation). */
  record(agentId: string, r: Recorded): Promise<void>;
  /** Agents with at least one authenticated socket on this hub. */
  connected(): string[];
  close(): Promise<void>;
}

export function createCtiHub(opts: CtiHubOptions): CtiHub {
  const log = opts.logger.child({ module: "cti" });
  const agents = new Map(opts.agents.map((a) => [a.id, a]));
  const store = new CtiStore(opts.redis, opts.keyPrefix, opts.popTtlSeconds);
  const sockets = new AgentSockets(bufferLimit(opts.maxBufferedBytes ?? 1024 * 1024, log));
  const bus = new BusSubscription(opts.redis, store.channel, (agentId, msg) => sockets.deliver(agentId, msg), log);
  const authenticate = sessionAuthenticator(opts.sessionSecret, agents, opts.sessionHours);
  const login = (client: Client, auth: AgentLogin) => joinDesk({ sockets, store, menu: opts.menu, log }, client, auth);
  const messages = new ClientMessages({ store, requests: opts, authenticate, login, menu: opts.menu, log });
  const accepting = { sockets, messages, login, authTimeoutMs: opts.authTimeoutMs ?? 10_000, log };
  let closed = false;
  const upgrades = agentUpgrades({
    server: opts.server,
    allowedOrigins: opts.allowedOrigins,
    authenticate,
    closed: () => closed,
    accept: (ws, auth) => acceptSocket(accepting, ws, auth),
    log,
  });
  opts.server.on("upgrade", upgrades.onUpgrade);
  const stopPings = keepAlive(sockets, opts.pingIntervalMs ?? 25_000);

  const knownAgent = (agentId: string) => {
    if (!agents.has(agentId)) throw new Error(`unknown agent "${agentId}"`);
  };

  return {
    ready: () => bus.ready,
    async pushPop(agentId, pop, opts) {
      knownAgent(agentId);
      const valid = screenPopSchema.parse(pop);
      await store.pushPop(agentId, valid, Date.now(), opts?.ringing === true);
    },
    async clearPop(agentId, callId) {
      knownAgent(agentId);
      await store.clearPop(agentId, callId);
    },
    async sendState(agentId, state) {
      knownAgent(agentId);
      await store.setStatus(agentId, agentStatusSchema.parse(state));
    },
    async patchLine(agentId, callId, patch, create) {
      knownAgent(agentId);
      return store.patchLine(agentId, callId, patch, create);
    },
    lines: (agentId) => store.lines(agentId),
    async record(agentId, r) {
      knownAgent(agentId);
      await store.publish(agentId, { type: "recorded", ...r });
    },
    connected: () => sockets.agents(),
    async close() {
      if (closed) return;
      closed = true;
      stopPings();
      opts.server.off("upgrade", upgrades.onUpgrade);
      await sockets.closeAll();
      await upgrades.close();
      await bus.close();
    },
  };
}

/**
 * A socket over the cap is closed with CLOSE_SLOW (sent behind what it has not read) and cut shortly
 * after if its peer still does not read: nothing more is queued for it either way.
 */
function bufferLimit(bytes: number, log: Logger): BufferLimit {
  return {
    bytes,
    exceeded(client, buffered) {
      log.warn({ agentId: client.agent?.id, bufferedBytes: buffered, limitBytes: bytes }, "agent socket closed: it left too many messages unread");
      client.ws.close(CLOSE_SLOW, "too many unread messages");
      setTimeout(() => client.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
    },
  };
}
