import http from "node:http";
import type { Duplex } from "node:stream";
import type { Redis } from "ioredis";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import { z } from "zod";
import type { Logger } from "../lib/logger.js";
import type { AgentChange } from "../queue/types.js";
import type { AgentAccount, AgentsConfig } from "./config.js";
import { originAllowed } from "./origin.js";
import { screenPopSchema, type ScreenPop } from "./pop.js";
import {
  agentStatusSchema,
  clientMessageSchema,
  CLOSE_AUTH,
  CTI_SUBPROTOCOL,
  WS_PATH,
  type AgentStatus,
  type ClientMessage,
  type Disposition,
  type OfferOutcome,
  type ServerMessage,
} from "./protocol.js";
import { verifySession, type SessionClaims } from "./session.js";
import { busMessageSchema, CtiStore } from "./store.js";

/**
 * The agent WebSocket hub on the daemon's HTTP server. Agents authenticate with a session token (in the
 * first message or as a second Sec-WebSocket-Protocol value, never in the URL); pops and status changes go
 * through Redis (stored, then published), so whichever daemon holds an agent's sockets delivers them, and
 * an agent reconnecting anywhere gets the pops of calls still on their desk.
 */

export interface CtiHubOptions {
  server: http.Server;
  /** Used for commands; the hub duplicates it for its subscription and never closes this one. */
  redis: Redis;
  keyPrefix: string;
  agents: AgentsConfig;
  sessionSecret: string;
  /** Origins besides the daemon's own whose pages may connect (as in the cti config). */
  allowedOrigins: readonly string[];
  popTtlSeconds: number;
  logger: Logger;
  /** The agent asked for a state change; a rejection is shown to the agent (QueueError messages as they are). */
  onAgentState(agentId: string, change: AgentChange): Promise<void>;
  onOfferOutcome(agentId: string, o: OfferOutcome): Promise<void>;
  /** After it resolves the hub removes the call's pop from the agent's desk. */
  onDisposition(agentId: string, d: Disposition): Promise<void>;
  /** The agent's page confirmed it shows the pop (for pop latency figures). */
  onPopAck?(agentId: string, callId: string): void;
  /** Keep-alive ping period; a socket that missed the previous pong is dropped. Default 25 s. */
  pingIntervalMs?: number;
  /** A socket that has not authenticated by then is closed. Default 10 s. */
  authTimeoutMs?: number;
}

export interface CtiHub {
  /** Resolves once this hub receives messages published by any hub (its Redis subscription is up). */
  ready(): Promise<void>;
  /** Puts the pop on the agent's desk: every tab of the agent, on any daemon, now and after a reconnect. */
  pushPop(agentId: string, pop: ScreenPop): Promise<void>;
  /** Takes a call off the agent's desk (the page drops the card). */
  clearPop(agentId: string, callId: string): Promise<void>;
  /** A queue-side state change (ringing, on call, wrap-up, auto-pause after a missed call) for the page. */
  sendState(agentId: string, state: AgentStatus): Promise<void>;
  /** Agents with at least one authenticated socket on this hub. */
  connected(): string[];
  close(): Promise<void>;
}

interface Client {
  ws: WebSocket;
  agent: AgentAccount | null;
  alive: boolean;
  /** Messages of one socket are handled in order. */
  chain: Promise<void>;
  timer?: NodeJS.Timeout;
}

type Auth = { ok: true; agent: AgentAccount; claims: SessionClaims } | { ok: false; reason: string };

const MAX_PAYLOAD = 64 * 1024;
/** setTimeout's limit; longer sessions are re-armed. */
const MAX_TIMER_MS = 2_147_483_647;

/** Errors meant for people (the queue's refusals) carry a code; anything else is logged, not shown. */
const userFacing = (err: unknown): err is Error & { code: string } => {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === "string" && code.startsWith("SBQ_");
};

function refuse(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function offeredProtocols(header: string | undefined): string[] {
  return (header ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

export function createCtiHub(opts: CtiHubOptions): CtiHub {
  const log = opts.logger.child({ module: "cti" });
  const agents = new Map(opts.agents.map((a) => [a.id, a]));
  const store = new CtiStore(opts.redis, opts.keyPrefix, opts.popTtlSeconds);
  const clients = new Set<Client>();
  const byAgent = new Map<string, Set<Client>>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has(CTI_SUBPROTOCOL) ? CTI_SUBPROTOCOL : false),
  });
  let closed = false;

  const sub = opts.redis.duplicate();
  sub.on("error", (err: Error) => log.warn({ err: err.message }, "cti subscription"));
  sub.on("message", (_channel: string, raw: string) => {
    let parsed;
    try {
      parsed = busMessageSchema.safeParse(JSON.parse(raw));
    } catch {
      return;
    }
    if (parsed.success) deliver(parsed.data.agentId, parsed.data.msg as ServerMessage);
  });
  const subscribed = sub.subscribe(store.channel).then(() => undefined);
  subscribed.catch((err: Error) => log.error({ err: err.message }, "cti subscription failed: pops from other daemons will not arrive"));

  function send(client: Client, msg: ServerMessage): void {
    if (client.ws.readyState === WebSocket.OPEN) client.ws.send(JSON.stringify(msg));
  }

  function deliver(agentId: string, msg: ServerMessage): void {
    for (const c of byAgent.get(agentId) ?? []) send(c, msg);
  }

  function authenticate(token: string): Auth {
    const check = verifySession(opts.sessionSecret, token);
    if (!check.ok) return { ok: false, reason: `session token refused (${check.reason})` };
    const agent = agents.get(check.claims.sub);
    // an agent removed from the config, or whose password was withdrawn, loses their sessions too
    if (!agent?.passwordHash) return { ok: false, reason: "session token refused (unknown agent)" };
    return { ok: true, agent, claims: check.claims };
  }

  function armExpiry(client: Client, exp: number): void {
    clearTimeout(client.timer);
    const left = exp - Date.now();
    client.timer = setTimeout(() => {
      if (Date.now() >= exp) client.ws.close(CLOSE_AUTH, "session expired");
      else armExpiry(client, exp);
    }, Math.min(Math.max(left, 0), MAX_TIMER_MS));
    client.timer.unref();
  }

  async function login(client: Client, auth: Extract<Auth, { ok: true }>): Promise<void> {
    const { agent, claims } = auth;
    client.agent = agent;
    armExpiry(client, claims.exp);
    // registered before the stored pops are read: a pop published meanwhile may arrive twice (the page
    // keys cards by call id) but is never missed
    let set = byAgent.get(agent.id);
    if (!set) byAgent.set(agent.id, (set = new Set()));
    set.add(client);
    const [status, pops] = await Promise.all([store.status(agent.id), store.pops(agent.id, Date.now())]);
    send(client, { type: "welcome", agent: { id: agent.id, name: agent.name }, status, sessionExpiresAt: claims.exp });
    for (const pop of pops) send(client, { type: "pop", pop });
    log.info({ agentId: agent.id, tabs: set.size, pops: pops.length }, "agent desktop connected");
  }

  function accept(ws: WebSocket, auth: Extract<Auth, { ok: true }> | null): void {
    const client: Client = { ws, agent: null, alive: true, chain: Promise.resolve() };
    clients.add(client);
    ws.on("pong", () => (client.alive = true));
    ws.on("error", (err) => log.debug({ err: err.message }, "agent socket error"));
    ws.on("close", () => {
      clearTimeout(client.timer);
      clients.delete(client);
      if (client.agent) {
        const set = byAgent.get(client.agent.id);
        set?.delete(client);
        if (set?.size === 0) byAgent.delete(client.agent.id);
        log.info({ agentId: client.agent.id, tabs: set?.size ?? 0 }, "agent desktop disconnected");
      }
    });
    ws.on("message", (data, isBinary) => {
      client.chain = client.chain.then(() => handle(client, data, isBinary)).catch((err: unknown) => {
        log.error({ err }, "agent message handling failed");
      });
    });
    if (auth) {
      client.chain = login(client, auth).catch((err: unknown) => {
        log.error({ err }, "agent login over websocket failed");
        ws.close(1011, "try again");
      });
    } else {
      client.timer = setTimeout(() => ws.close(CLOSE_AUTH, "authentication timed out"), opts.authTimeoutMs ?? 10_000);
      client.timer.unref();
    }
  }

  async function handle(client: Client, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return send(client, { type: "error", message: "send JSON text frames" });
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return send(client, { type: "error", message: "a message must be a JSON object" });
    }
    const rawId = (json as { id?: unknown } | null)?.id;
    const id = typeof rawId === "string" && rawId.length <= 64 ? { id: rawId } : {};
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      send(client, { type: "error", ...id, message: `invalid message: ${z.prettifyError(parsed.error).replace(/\n+/g, "; ")}` });
      if (!client.agent) client.ws.close(CLOSE_AUTH, "authenticate first");
      return;
    }
    const msg = parsed.data;
    if (!client.agent) {
      if (msg.type !== "auth") {
        send(client, { type: "error", ...id, message: "authenticate first: send {type: auth, token}" });
        return client.ws.close(CLOSE_AUTH, "authenticate first");
      }
      const auth = authenticate(msg.token);
      if (!auth.ok) {
        log.warn({ reason: auth.reason }, "agent websocket refused");
        send(client, { type: "error", ...id, message: auth.reason });
        return client.ws.close(CLOSE_AUTH, "session refused");
      }
      await login(client, auth);
      return send(client, { type: "ok", ...id, for: "auth" });
    }
    const agentId = client.agent.id;
    try {
      const refusal = await act(agentId, msg);
      send(client, refusal ? { type: "error", ...id, message: refusal } : { type: "ok", ...id, for: msg.type });
    } catch (err) {
      if (userFacing(err)) return send(client, { type: "error", ...id, message: err.message });
      log.error({ err, agentId, type: msg.type }, "agent action failed");
      send(client, { type: "error", ...id, message: `could not record ${msg.type}; try again` });
    }
  }

  /** Performs an authenticated agent's request; a string is a refusal for the agent to read. */
  async function act(agentId: string, msg: ClientMessage): Promise<string | null> {
    switch (msg.type) {
      case "auth":
        return "already authenticated";
      case "state": {
        const change: AgentChange = msg.state === "paused" ? { to: "paused", reason: msg.reason! } : { to: msg.state };
        await opts.onAgentState(agentId, change);
        await store.setStatus(agentId, msg.state === "paused" ? { state: "paused", reason: msg.reason! } : { state: msg.state });
        return null;
      }
      case "ack": {
        if (!(await store.pop(agentId, msg.callId, Date.now()))) return `call ${msg.callId} is not on your desk`;
        log.debug({ agentId, callId: msg.callId }, "pop acknowledged");
        opts.onPopAck?.(agentId, msg.callId);
        return null;
      }
      case "outcome": {
        const pop = await store.pop(agentId, msg.callId, Date.now());
        if (!pop) return `call ${msg.callId} is not on your desk`;
        if (!pop.offers.some((o) => o.id === msg.offerId)) return `offer ${msg.offerId} was not made on call ${msg.callId}`;
        await opts.onOfferOutcome(agentId, {
          callId: msg.callId,
          offerId: msg.offerId,
          outcome: msg.outcome,
          ...(msg.amount === undefined ? {} : { amount: msg.amount }),
        });
        return null;
      }
      case "disposition": {
        if (!(await store.pop(agentId, msg.callId, Date.now()))) return `call ${msg.callId} is not on your desk`;
        await opts.onDisposition(agentId, {
          callId: msg.callId,
          disposition: msg.disposition,
          ...(msg.notes === undefined ? {} : { notes: msg.notes }),
          ...(msg.wrapUpSeconds === undefined ? {} : { wrapUpSeconds: msg.wrapUpSeconds }),
        });
        await store.clearPop(agentId, msg.callId);
        return null;
      }
    }
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    let pathname = "";
    try {
      pathname = new URL(req.url ?? "/", "http://switchboard.invalid").pathname;
    } catch {
      // an unparsable target is simply not ours
    }
    if (pathname !== WS_PATH) {
      // nobody else listens for upgrades: answer rather than leave the socket hanging
      if (opts.server.listenerCount("upgrade") === 1) refuse(socket, 404, "not found");
      return;
    }
    socket.on("error", () => socket.destroy());
    if (closed) return refuse(socket, 503, "shutting down");
    if (!originAllowed(req.headers.origin, req.headers.host, opts.allowedOrigins)) {
      log.warn({ origin: req.headers.origin, host: req.headers.host }, "agent websocket refused: origin not allowed");
      return refuse(socket, 403, "origin not allowed");
    }
    const protocols = offeredProtocols(req.headers["sec-websocket-protocol"]);
    const tokens = protocols.filter((p) => p !== CTI_SUBPROTOCOL);
    let auth: Extract<Auth, { ok: true }> | null = null;
    if (tokens.length > 0) {
      if (tokens.length > 1 || !protocols.includes(CTI_SUBPROTOCOL)) {
        return refuse(socket, 400, `offer the subprotocols "${CTI_SUBPROTOCOL}" and the session token, nothing else`);
      }
      const checked = authenticate(tokens[0]!);
      if (!checked.ok) {
        log.warn({ reason: checked.reason }, "agent websocket refused");
        return refuse(socket, 401, checked.reason);
      }
      auth = checked;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, auth));
  };
  opts.server.on("upgrade", onUpgrade);

  const pinger = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, opts.pingIntervalMs ?? 25_000);
  pinger.unref();

  const knownAgent = (agentId: string) => {
    if (!agents.has(agentId)) throw new Error(`unknown agent "${agentId}"`);
  };

  return {
    ready: () => subscribed,
    async pushPop(agentId, pop) {
      knownAgent(agentId);
      const valid = screenPopSchema.parse(pop);
      await store.pushPop(agentId, valid, Date.now());
    },
    async clearPop(agentId, callId) {
      knownAgent(agentId);
      await store.clearPop(agentId, callId);
    },
    async sendState(agentId, state) {
      knownAgent(agentId);
      await store.setStatus(agentId, agentStatusSchema.parse(state));
    },
    connected: () => [...byAgent.keys()],
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pinger);
      opts.server.off("upgrade", onUpgrade);
      const gone = [...clients].map(
        (c) =>
          new Promise<void>((resolve) => {
            clearTimeout(c.timer);
            if (c.ws.readyState === WebSocket.CLOSED) return resolve();
            c.ws.once("close", () => resolve());
            c.ws.close(1001, "server shutting down");
            // a peer that never answers the close handshake does not hold up shutdown
            setTimeout(() => c.ws.terminate(), 1000).unref();
          }),
      );
      await Promise.all(gone);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
