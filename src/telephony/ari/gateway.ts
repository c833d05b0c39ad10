import http from "node:http";
import https from "node:https";
import type { RawData } from "ws";
import { z } from "zod";
import type { Logger } from "../../lib/logger.js";
import { SafeEmitter, type Listener } from "../emitter.js";
import { Heartbeat } from "../heartbeat.js";
import { ConnectionLoop, type LinkState } from "../connection-loop.js";
import { withDeadline } from "../timing.js";
import {
  AriAuthError,
  AriConfigError,
  AriError,
  AriTimeoutError,
  AriUnavailableError,
  AriUnsupportedError,
  classifyAriFailure,
  errorForFailure,
  fromLibraryRejection,
} from "./errors.js";
import { AriEventSocket } from "./event-socket.js";
import { parseAriFrame, type AriEvent, type AriEventOf, type AriEventType } from "./events.js";
import { ariGet, ariOpen, readText, type AriHttpTarget } from "./http.js";
import { connectLibrary, forgetCredentials, releaseLibrarySockets, type AriLibraryClient } from "./library.js";
import { AriOperations, unexpectedReply, type AriCallOptions, type AriFile } from "./operations.js";
import { ariOrigin, type AriGatewayOptions } from "./options.js";
import { ariAsteriskInfoSchema } from "./resources.js";

/** Every event carries the id of the configured Asterisk server it came from. */
export type WithServer<T> = T & { serverId: string };

export interface AriConnectionEvents {
  /** The first session is up (app registered, events flowing): run startup recovery. */
  connected: { serverId: string };
  /** A later session is up after a loss: run restart recovery (events during the gap were lost). */
  reconnected: { serverId: string; downtimeMs: number };
  /** The session was lost. `willReconnect` is false after stop() or when another client took the app. */
  disconnected: { serverId: string; reason: string; willReconnect: boolean };
}

export type AriGatewayEvents = { [K in AriEventType]: WithServer<AriEventOf<K>> } & AriConnectionEvents & {
  /** Every typed ARI event, for one handler that routes by `type`. */
  event: WithServer<AriEvent>;
};

export type AriGatewayState = LinkState;

interface Session {
  client: AriLibraryClient;
  socket: AriEventSocket;
  heartbeat?: Heartbeat;
  agent: http.Agent;
  /** Frames that arrived before the session was activated (delivered right after `connected`). */
  pending: Array<{ data: RawData; isBinary: boolean }> | undefined;
  live: boolean;
  /** Rejecters of REST calls in flight on this session, failed when the session is torn down. */
  inflight: Set<(err: Error) => void>;
}

/**
 * The ARI adapter for one Asterisk server: connects (credential check, API load, event WebSocket),
 * keeps the connection alive (heartbeat; a connection loop with capped exponential backoff and jitter, forever
 * until stop()), emits typed events, and offers typed REST operations (operations.ts).
 */
export class AriGateway extends AriOperations {
  readonly serverId: string;
  readonly app: string;
  private readonly origin: URL;
  private readonly log: Logger;
  private readonly emitter: SafeEmitter<AriGatewayEvents>;
  private readonly link: ConnectionLoop<Session>;

  constructor(private readonly opts: AriGatewayOptions) {
    super();
    this.serverId = opts.serverId;
    this.app = opts.app;
    this.origin = ariOrigin(opts.url, opts.serverId);
    this.log = opts.logger.child({ component: "ari", serverId: opts.serverId });
    this.emitter = new SafeEmitter((event, err) => this.log.error({ err, event }, "ARI event listener failed"));
    const serverId = this.serverId;
    this.link = new ConnectionLoop<Session>(
      {
        open: (signal) => this.openSession(signal),
        install: (session) => this.install(session),
        activate: (session) => this.activate(session),
        isAlive: (session) => session.socket.isOpen,
        teardown: (session, graceful, reason) => this.teardown(session, graceful, reason),
      },
      {
        connected: () => {
          this.log.info({ app: this.app }, "ARI connected");
          this.emitter.emit("connected", { serverId });
        },
        reconnected: (downtimeMs) => {
          this.log.info({ downtimeMs }, "ARI reconnected");
          this.emitter.emit("reconnected", { serverId, downtimeMs });
        },
        disconnected: (reason, willReconnect) => this.emitter.emit("disconnected", { serverId, reason, willReconnect }),
      },
      {
        policy: opts.reconnect,
        log: this.log,
        random: opts.random,
        stoppedError: () => new AriUnavailableError("the ARI gateway was stopped", serverId),
      },
    );
  }

  get state(): AriGatewayState {
    return this.link.state;
  }

  get isConnected(): boolean {
    return this.link.state === "connected";
  }

  on<K extends keyof AriGatewayEvents>(event: K, listener: Listener<AriGatewayEvents[K]>): () => void {
    return this.emitter.on(event, listener);
  }

  once<K extends keyof AriGatewayEvents>(event: K, listener: Listener<AriGatewayEvents[K]>): () => void {
    return this.emitter.once(event, listener);
  }

  off<K extends keyof AriGatewayEvents>(event: K, listener: Listener<AriGatewayEvents[K]>): void {
    this.emitter.off(event, listener);
  }

  /**
   * Connects once. Resolves when the app is registered and events flow (after `connected` was emitted);
   * rejects with AriAuthError (wrong credentials) or AriUnavailableError (unreachable, stalled, HTTP
   * error) and then leaves nothing running, unless `keepTrying` (it then goes on trying in the background
   * and emits `reconnected` once through). After it resolves, losses are repaired until stop().
   */
  async start(opts: { keepTrying?: boolean } = {}): Promise<void> {
    if (this.link.state !== "idle") throw new AriError("ARI_CONFIG", `start() was already called (state ${this.link.state})`, this.serverId);
    try {
      await this.link.start(opts);
    } catch (err) {
      if (!opts.keepTrying) forgetCredentials(this.origin, this.opts.username, this.opts.password);
      throw err;
    }
  }

  /**
   * Stops for good: cancels a pending reconnect or connect attempt, closes the WebSocket, ends the
   * heartbeat, fails REST calls in flight with AriUnavailableError and destroys the library's sockets.
   * Nothing of this gateway keeps the process alive afterwards.
   */
  async stop(): Promise<void> {
    await this.link.stop();
    releaseLibrarySockets(this.origin);
    forgetCredentials(this.origin, this.opts.username, this.opts.password);
    this.log.info("ARI gateway stopped");
  }

  private async openSession(signal: AbortSignal): Promise<Session> {
    const { connectTimeoutMs: timeoutMs, username, password } = this.opts;
    const agent = this.origin.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const target: AriHttpTarget = { origin: this.origin, username, password, agent };
    let socket: AriEventSocket | undefined;
    try {
      // 1. credentials, with a plain request: ari-client would crash the process on a 401
      let res;
      try {
        res = await ariGet(target, "/ari/asterisk/info", timeoutMs, signal);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        throw new AriUnavailableError(`ARI server ${this.origin.origin} is unavailable: ${(err as Error).message}`, this.serverId, { cause: err });
      }
      if (res.status === 401) throw new AriAuthError(`ARI refused user "${username}" at ${this.origin.origin} (HTTP 401)`, this.serverId);
      if (res.status !== 200) {
        throw new AriUnavailableError(`ARI server ${this.origin.origin} answered HTTP ${res.status} to GET /ari/asterisk/info`, this.serverId);
      }
      this.logInfo(res.body);
      // 2. API declarations, through ari-client (REST operations by name)
      const client = await connectLibrary({ origin: this.origin, username, password, timeoutMs, serverId: this.serverId, log: this.log, signal });
      // 3. our own event WebSocket; frames are buffered until the session is activated
      const pending: Session["pending"] = [];
      const holder: { session?: Session } = {};
      socket = await AriEventSocket.open({
        origin: this.origin,
        app: this.app,
        username,
        password,
        timeoutMs,
        serverId: this.serverId,
        log: this.log,
        signal,
        onFrame: (data, isBinary) => (holder.session ? this.onFrame(holder.session, data, isBinary) : pending.push({ data, isBinary })),
        onClose: (code, reason) => {
          if (holder.session) this.link.lost(holder.session, `event WebSocket closed (code ${code}${reason ? `, ${reason}` : ""})`);
        },
      });
      holder.session = { client, socket, agent, pending, live: false, inflight: new Set() };
      return holder.session;
    } catch (err) {
      await socket?.close().catch(() => undefined);
      agent.destroy();
      releaseLibrarySockets(this.origin);
      throw err;
    }
  }

  private logInfo(body: string): void {
    try {
      const info = ariAsteriskInfoSchema.safeParse(JSON.parse(body));
      if (info.success) this.log.info({ version: info.data.system?.version, entityId: info.data.system?.entity_id }, "ARI credentials accepted");
    } catch {
      this.log.debug("GET /ari/asterisk/info returned a body that is not JSON");
    }
  }

  private install(session: Session): void {
    session.live = true;
    const socket = session.socket;
    const target: AriHttpTarget = { origin: this.origin, username: this.opts.username, password: this.opts.password, agent: session.agent };
    session.heartbeat = new Heartbeat({
      intervalMs: this.opts.heartbeatIntervalMs,
      maxMisses: this.opts.heartbeatMisses,
      probe: async (signal) => {
        await Promise.all([
          socket.ping(signal),
          ariGet(target, "/ari/asterisk/ping", this.opts.heartbeatIntervalMs, signal).then((res) => {
            if (res.status !== 200) throw new Error(`GET /ari/asterisk/ping answered HTTP ${res.status}`);
          }),
        ]);
      },
      onMiss: (misses, err) => this.log.warn({ misses, err: (err as Error)?.message }, "ARI heartbeat missed"),
      onDead: (err) => this.link.lost(session, `heartbeat failed ${this.opts.heartbeatMisses} times: ${(err as Error)?.message ?? String(err)}`),
    });
    session.heartbeat.start();
  }

  /** Delivers frames that arrived between the WebSocket opening and now, then goes live. */
  private activate(session: Session): void {
    const pending = session.pending;
    session.pending = undefined;
    for (const f of pending ?? []) this.onFrame(session, f.data, f.isBinary);
  }

  private onFrame(session: Session, data: RawData, isBinary: boolean): void {
    if (session.pending) {
      session.pending.push({ data, isBinary });
      return;
    }
    if (!session.live) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const result = parseAriFrame(bytes, isBinary);
    if (result.kind === "invalid") {
      this.log.warn({ reason: result.reason, type: result.type, bytes: bytes.length }, "dropped an ARI frame");
      return;
    }
    if (result.kind === "ignored") {
      this.log.trace({ type: result.type }, "ARI event type not used");
      return;
    }
    const payload = { ...result.event, serverId: this.serverId };
    this.emitter.emit(result.event.type, payload as never);
    this.emitter.emit("event", payload);
    if (result.event.type === "ApplicationReplaced") {
      // Asterisk now sends the app's events to the other client; this socket stays open but silent.
      // Reconnecting would steal the app back and both daemons would flap, dropping calls: two
      // daemons on one app is a deployment error, so stop here and say so loudly.
      this.log.error({ app: this.app }, "another ARI client registered the same application; no more events, not reconnecting");
      this.link.halt(session, "application replaced by another client");
    }
  }

  private async teardown(session: Session, graceful: boolean, reason: string): Promise<void> {
    session.live = false;
    session.pending = undefined;
    session.heartbeat?.stop();
    const err = new AriUnavailableError(`${reason}; the request's outcome is unknown`, this.serverId);
    for (const reject of [...session.inflight]) reject(err);
    session.inflight.clear();
    session.agent.destroy();
    releaseLibrarySockets(this.origin);
    await session.socket.close(graceful).catch(() => undefined);
  }

  protected async download(operation: string, path: string, opts?: AriCallOptions): Promise<AriFile> {
    const session = this.link.session;
    if (!session) throw new AriUnavailableError(`ARI server "${this.serverId}" is not connected (state ${this.state}); ${operation} not sent`, this.serverId);
    const target: AriHttpTarget = { origin: this.origin, username: this.opts.username, password: this.opts.password, agent: session.agent };
    let res;
    try {
      res = await ariOpen(target, path, opts?.timeoutMs ?? this.opts.requestTimeoutMs);
    } catch (err) {
      throw new AriUnavailableError(`${operation}: ${(err as Error).message}`, this.serverId, { cause: err });
    }
    const status = res.statusCode ?? 0;
    if (status === 200) {
      const length = Number(res.headers["content-length"]);
      return { contentType: String(res.headers["content-type"] ?? "application/octet-stream"), contentLength: Number.isFinite(length) ? length : undefined, body: res };
    }
    const text = await readText(res).catch(() => "");
    throw errorForFailure(operation, classifyAriFailure(operation, text || `HTTP ${status}`, status), this.serverId);
  }

  protected supports(resource: string, operation: string): boolean {
    return this.link.session?.client.has(resource, operation) ?? false;
  }

  protected async invoke<T>(resource: string, operation: string, params: Record<string, unknown>, schema: z.ZodType<T>, opts?: AriCallOptions): Promise<T> {
    const name = `${resource}.${operation}`;
    const session = this.link.session;
    if (!session) throw new AriUnavailableError(`ARI server "${this.serverId}" is not connected (state ${this.state}); ${name} not sent`, this.serverId);
    if (!session.client.has(resource, operation)) throw new AriUnsupportedError(`the ARI server's API declarations have no ${name}`, this.serverId);
    const timeoutMs = opts?.timeoutMs ?? this.opts.requestTimeoutMs;
    let rejectInflight: (err: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (rejectInflight = reject));
    session.inflight.add(rejectInflight);
    let raw: unknown;
    try {
      const call = new Promise<unknown>((resolve, reject) => {
        session.client.call(resource, operation, params).then(resolve, reject);
      });
      raw = await withDeadline(Promise.race([call, lost]), timeoutMs, () => new AriTimeoutError(`${name} got no answer within ${timeoutMs} ms`, this.serverId));
    } catch (err) {
      throw fromLibraryRejection(name, err, this.serverId);
    } finally {
      session.inflight.delete(rejectInflight);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw unexpectedReply(name, z.prettifyError(parsed.error), this.serverId);
    return parsed.data;
  }
}
