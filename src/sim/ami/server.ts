/**
 * The simulator's AMI server: Asterisk's manager interface over TCP, backed by a `SimPbx`.
 *
 * ```ts
 * const ami = await startAmiServer(pbx, { host: "127.0.0.1", port: 0, users: { cti: "cti" } });
 * // connect to 127.0.0.1:ami.port with asterisk-manager, telnet, ...
 * await ami.close();
 * ```
 *
 * Each core event is translated once (`events.ts`) and handed to every logged-in session whose
 * event mask includes its class. Sessions run their actions one at a time (`session.ts`).
 */
import net from "node:net";
import type { PbxEvent, SimPbx } from "../pbx.js";
import { amiAccounts, type AmiUsers } from "./accounts.js";
import { ActionTable, BUILTIN_ACTIONS, type AmiServerContext, type CallCounters } from "./actions/index.js";
import { eventText, originateResponse, translate, type AmiEvent, type PendingOriginate } from "./events.js";
import { classBit } from "./privileges.js";
import { AmiSession, DEFAULT_SESSION_LIMITS, type SessionLimits } from "./session.js";

export interface AmiServerOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /**
   * manager.conf users: `{ user: secret }` or a list (`{ user, password }`, each may read and write
   * every class), or sections with `read`, `write` and `eventfilter`.
   */
  users: AmiUsers;
  /** Wait before answering a failed login, simulated ms (Asterisk: 1000; scaled by the PBX's timeScale). */
  authFailureDelayMs?: number;
  /** Post CDRs of unanswered calls (cdr.conf `unanswered`, default false as in Asterisk). */
  cdrUnanswered?: boolean;
  /** Session protection limits (login timeout, output buffer, queued messages). */
  limits?: Partial<SessionLimits>;
  /** Restarts the whole simulator: CLI `core restart now` over `Command` (given by `startSimulator`). */
  restart?: () => void;
}

export interface AmiServer {
  readonly host: string;
  readonly port: number;
  /** Sessions connected right now (logged in or not). */
  readonly sessionCount: number;
  /** Drops every connection without a goodbye (server crash / restart). */
  dropConnections(): void;
  /** Stops listening and closes every session. Idempotent. */
  close(): Promise<void>;
  /** Same as `close()`. */
  stop(): Promise<void>;
}

/** Counts calls as `core show channels` does: channels that started a dialplan or application. */
class CallCounter implements CallCounters {
  private readonly running = new Set<string>();
  private processed = 0;

  get activeCalls(): number {
    return this.running.size;
  }

  get processedCalls(): number {
    return this.processed;
  }

  observe(e: PbxEvent): void {
    if (e.type === "ChannelDialplan" && e.app !== "AppDial2" && !this.running.has(e.channel.id)) {
      this.running.add(e.channel.id);
      this.processed++;
    } else if (e.type === "ChannelDestroyed") {
      this.running.delete(e.channel.id);
    }
  }
}

export async function startAmiServer(pbx: SimPbx, opts: AmiServerOptions): Promise<AmiServer> {
  const host = opts.host ?? "127.0.0.1";
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...(opts.limits ?? {}) };
  const sessions = new Set<AmiSession>();
  /** Every open socket, also those of sessions that have ended but whose client has not closed yet. */
  const sockets = new Set<net.Socket>();
  const pending = new Map<string, PendingOriginate>();
  const counter = new CallCounter();
  const table = new ActionTable(BUILTIN_ACTIONS);
  const accounts = amiAccounts(opts.users);
  let originateSeq = 0;

  const broadcast = (event: AmiEvent): void => {
    if (sessions.size === 0) return;
    const text = eventText(event, pbx.systemName);
    const bit = classBit(event.category);
    for (const s of sessions) s.deliver(bit, text);
  };

  const context: AmiServerContext = {
    pbx,
    account: (user, secret) => {
      const a = user !== "" ? accounts.get(user) : undefined;
      return a && a.secret === secret ? a : undefined;
    },
    authFailureDelayMs: (opts.authFailureDelayMs ?? 1000) * pbx.scheduler.timeScale,
    broadcast,
    trackOriginate(p) {
      const id = `ami-originate-${++originateSeq}`;
      pending.set(id, p);
      return id;
    },
    failOriginate(id) {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      broadcast(originateResponse(p, { success: false, reason: 0, channel: null }));
    },
    restart: opts.restart,
    globals: new Map(),
    counters: counter,
    actions: () => table.list(),
  };

  const translateOptions = { activeChannels: () => pbx.listChannels().length, cdrUnanswered: opts.cdrUnanswered ?? false };
  const unsubscribe = pbx.onEvent((e) => {
    counter.observe(e);
    if (e.type === "OriginateResult") {
      const p = pending.get(e.originateId);
      if (!p) return; // ARI originates and synchronous AMI ones have no OriginateResponse
      pending.delete(e.originateId);
      broadcast(originateResponse(p, { success: e.success, reason: e.reason, channel: e.channel }));
      return;
    }
    const ev = translate(e, translateOptions);
    if (ev) broadcast(ev);
  });

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const session = new AmiSession(socket, (s, m) => table.dispatch(context, s, m), limits);
    sessions.add(session);
    session.onClose(() => sessions.delete(session));
  });
  // a failing socket is handled by its session; a server error after listen must not crash the process
  server.on("error", () => {});

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  let closing: Promise<void> | undefined;
  const dropConnections = (): void => {
    for (const s of [...sessions]) s.destroy();
  };
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      unsubscribe();
      pending.clear();
      server.close(() => resolve());
      dropConnections();
      for (const s of sockets) s.destroy();
    });
    return closing;
  };

  return {
    host,
    port,
    get sessionCount() {
      return sessions.size;
    },
    dropConnections,
    close,
    stop: close,
  };
}
