import http from "node:http";
import https from "node:https";
import type { RawData } from "ws";
import { z } from "zod";
import type { Logger } from "../../lib/logger.js";
import { backoffDelay } from "../backoff.js";
import { SafeEmitter, type Listener } from "../emitter.js";
import { Heartbeat } from "../heartbeat.js";
import { withDeadline } from "../timing.js";
import {
  AriAuthError,
  AriConfigError,
  AriError,
  AriTimeoutError,
  AriUnavailableError,
  AriUnsupportedError,
  fromLibraryRejection,
} from "./errors.js";
import { AriEventSocket } from "./event-socket.js";
import { parseAriFrame, type AriEvent, type AriEventOf, type AriEventType } from "./events.js";
import { ariGet, type AriHttpTarget } from "./http.js";
import { connectLibrary, releaseLibrarySockets, type AriLibraryClient } from "./library.js";
import { AriOperations, unexpectedReply, type AriCallOptions } from "./operations.js";
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

export type AriGatewayState = "idle" | "connecting" | "connected" | "reconnecting" | "replaced" | "stopped";

interface Session {
  client: AriLibraryClient;
  socket?: AriEventSocket;
  heartbeat?: Heartbeat;
  agent: http.Agent;
  /** Frames that arrived before the session was installed (delivered right after `connected`). */
  pending: Array<{ data: RawData; isBinary: boolean }> | undefined;
  live: boolean;
  /** Rejecters of REST calls in flight on this session, failed when the session is torn down. */
  inflight: Set<(err: Error) => void>;
}

/**
 * ari-client keeps its credentials in module-global state (swagger-client's `authorizations`), so one
 * process can hold one ARI client. A second gateway is refused at construction with AriConfigError:
 * run one Switchboard process per Asterisk server (or give all servers the same ARI credentials and
 * lift this after checking). The claim is released by stop() or a failed start().
 */
let claimedBy: string | undefined;

/**
 * The ARI adapter for one Asterisk server: connects (credential check, API load, event WebSocket),
 * keeps the connection alive (heartbeat, supervisor with capped exponential backoff and jitter, forever
 * until stop()), emits typed events, and offers typed REST operations (operations.ts).
 */
export class AriGateway extends AriOperations {
  readonly serverId: string;
  readonly app: string;
  private readonly origin: URL;
  private readonly log: Logger;
  private readonly emitter: SafeEmitter<AriGatewayEvents>;
  private _state: AriGatewayState = "idle";
  private session: Session | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private attemptController: AbortController | undefined;
  private attemptDone: Promise<void> | undefined;
  private downSince = 0;
  private stopped: Promise<void> | undefined;
  private claimed = false;

  constructor(private readonly opts: AriGatewayOptions) {
    super();
    this.serverId = opts.serverId;
    this.app = opts.app;
    this.origin = ariOrigin(opts.url, opts.serverId);
    this.log = opts.logger.child({ component: "ari", serverId: opts.serverId });
    this.emitter = new SafeEmitter((event, err) => this.log.error({ err, event }, "ARI event listener failed"));
    if (claimedBy !== undefined) {
      throw new AriConfigError(
        `ARI server "${claimedBy}" already uses this process's ari-client, whose credentials are process-wide; ` +
          `run one Switchboard process per ARI server (refusing "${opts.serverId}")`,
        opts.serverId,
      );
    }
    claimedBy = opts.serverId;
    this.claimed = true;
  }

  get state(): AriGatewayState {
    return this._state;
  }

  get isConnected(): boolean {
    return this._state === "connected";
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
   * error) and then leaves nothing running. After it resolves, losses are repaired until stop().
   */
  async start(): Promise<void> {
    if (this._state !== "idle") throw new AriError("ARI_CONFIG", `start() was already called (state ${this._state})`, this.serverId);
    this._state = "connecting";
    let session: Session;
    try {
      session = await this.runAttempt();
    } catch (err) {
      if (this._state === "connecting") {
        this._state = "stopped";
        this.release();
      }
      throw err;
    }
    this.install(session);
    this._state = "connected";
    this.log.info({ app: this.app }, "ARI connected");
    this.emitter.emit("connected", { serverId: this.serverId });
    this.flush(session);
    this.checkStillOpen(session);
  }

  /**
   * Stops for good: cancels a pending reconnect or connect attempt, closes the WebSocket, ends the
   * heartbeat, fails REST calls in flight with AriUnavailableError and destroys the library's sockets.
   * Nothing of this gateway keeps the process alive afterwards.
   */
  stop(): Promise<void> {
    this.stopped ??= this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const wasConnected = this.session !== undefined;
    this._state = "stopped";
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attemptController?.abort(new AriUnavailableError("the ARI gateway was stopped", this.serverId));
    await this.attemptDone;
    const session = this.session;
    this.session = undefined;
    if (session) await this.teardown(session, true, "the ARI gateway was stopped");
    releaseLibrarySockets(this.origin);
    this.release();
    if (wasConnected) this.emitter.emit("disconnected", { serverId: this.serverId, reason: "stopped", willReconnect: false });
    this.log.info("ARI gateway stopped");
  }

  private release(): void {
    if (this.claimed && claimedBy === this.serverId) claimedBy = undefined;
    this.claimed = false;
  }

  /** One connect attempt, cancellable by stop(). */
  private runAttempt(): Promise<Session> {
    const controller = new AbortController();
    this.attemptController = controller;
    const attempt = this.openSession(controller.signal);
    this.attemptDone = attempt.then(
      () => undefined,
      () => undefined,
    );
    return attempt.finally(() => {
      if (this.attemptController === controller) this.attemptController = undefined;
    });
  }

  private async openSession(signal: AbortSignal): Promise<Session> {
    const { connectTimeoutMs: timeoutMs, username, password } = this.opts;
    const agent = this.origin.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const target: AriHttpTarget = { origin: this.origin, username, password, agent };
    const session: Session = { client: undefined as never, agent, pending: [], live: false, inflight: new Set() };
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
      session.client = await connectLibrary({ origin: this.origin, username, password, timeoutMs, serverId: this.serverId, log: this.log, signal });
      // 3. our own event WebSocket
      session.socket = await AriEventSocket.open({
        origin: this.origin,
        app: this.app,
        username,
        password,
        timeoutMs,
        serverId: this.serverId,
        log: this.log,
        signal,
        onFrame: (data, isBinary) => this.onFrame(session, data, isBinary),
        onClose: (code, reason) => this.lose(session, `event WebSocket closed (code ${code}${reason ? `, ${reason}` : ""})`),
      });
      return session;
    } catch (err) {
      session.socket?.close().catch(() => undefined);
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
    this.session = session;
    session.live = true;
    const socket = session.socket;
    const target: AriHttpTarget = { origin: this.origin, username: this.opts.username, password: this.opts.password, agent: session.agent };
    session.heartbeat = new Heartbeat({
      intervalMs: this.opts.heartbeatIntervalMs,
      maxMisses: this.opts.heartbeatMisses,
      probe: async (signal) => {
        if (!socket) throw new Error("no event WebSocket");
        await Promise.all([
          socket.ping(signal),
          ariGet(target, "/ari/asterisk/ping", this.opts.heartbeatIntervalMs, signal).then((res) => {
            if (res.status !== 200) throw new Error(`GET /ari/asterisk/ping answered HTTP ${res.status}`);
          }),
        ]);
      },
      onMiss: (misses, err) => this.log.warn({ misses, err: (err as Error)?.message }, "ARI heartbeat missed"),
      onDead: (err) => this.lose(session, `heartbeat failed ${this.opts.heartbeatMisses} times: ${(err as Error)?.message ?? String(err)}`),
    });
    session.heartbeat.start();
  }

  /** Delivers frames that arrived between the WebSocket opening and the session being installed. */
  private flush(session: Session): void {
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
    const text = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const result = parseAriFrame(text, isBinary);
    if (result.kind === "invalid") {
      this.log.warn({ reason: result.reason, type: result.type, bytes: text.length }, "dropped an ARI frame");
      return;
    }
    if (result.kind === "ignored") {
      this.log.trace({ type: result.type }, "ARI event type not used");
      return;
    }
    const payload = { ...result.event, serverId: this.serverId };
    this.emitter.emit(result.event.type, payload as never);
    this.emitter.emit("event", payload);
    if (result.event.type === "ApplicationReplaced") this.replaced(session);
  }

  /**
   * Another client registered the same app: Asterisk now sends it the events, this socket stays open
   * but silent. Reconnecting would steal the app back and both would flap, dropping calls; two daemons
   * on one app is a deployment error, so this gateway stops reconnecting and says so loudly.
   */
  private replaced(session: Session): void {
    if (this.session !== session) return;
    this.log.error({ app: this.app }, "another ARI client registered the same application; this gateway no longer receives events and will not reconnect");
    this.session = undefined;
    this._state = "replaced";
    void this.teardown(session, true, "another client registered the same ARI application");
    this.emitter.emit("disconnected", { serverId: this.serverId, reason: "application replaced by another client", willReconnect: false });
  }

  /** The session died (socket closed, heartbeat failed): tear it down and let the supervisor rebuild. */
  private lose(session: Session, reason: string): void {
    if (this.session !== session) return;
    this.session = undefined;
    void this.teardown(session, false, `connection to ARI lost (${reason})`);
    if (this._state !== "connected") return;
    this._state = "reconnecting";
    this.downSince = Date.now();
    this.log.warn({ reason }, "ARI connection lost; reconnecting");
    this.emitter.emit("disconnected", { serverId: this.serverId, reason, willReconnect: true });
    this.scheduleReconnect();
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
    await session.socket?.close(graceful).catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this._state !== "reconnecting") return;
    const delay = backoffDelay(this.attempt, this.opts.reconnect, this.opts.random);
    this.attempt += 1;
    this.log.debug({ delay, attempt: this.attempt }, "ARI reconnect scheduled");
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = undefined;
    if (this._state !== "reconnecting") return;
    let session: Session;
    try {
      session = await this.runAttempt();
    } catch (err) {
      if (this._state !== "reconnecting") return;
      const level = err instanceof AriAuthError ? "error" : "warn";
      this.log[level]({ err: (err as Error).message, attempt: this.attempt }, "ARI reconnect failed");
      this.scheduleReconnect();
      return;
    }
    if (this._state !== "reconnecting") {
      await this.teardown(session, true, "the ARI gateway was stopped");
      return;
    }
    this.install(session);
    this._state = "connected";
    this.attempt = 0;
    const downtimeMs = Date.now() - this.downSince;
    this.log.info({ downtimeMs }, "ARI reconnected");
    this.emitter.emit("reconnected", { serverId: this.serverId, downtimeMs });
    this.flush(session);
    this.checkStillOpen(session);
  }

  /** A socket that closed between opening and being installed had its close ignored: handle it now. */
  private checkStillOpen(session: Session): void {
    if (this.session === session && !session.socket?.isOpen) this.lose(session, "event WebSocket closed right after opening");
  }

  protected supports(resource: string, operation: string): boolean {
    return this.session?.client.has(resource, operation) ?? false;
  }

  protected async invoke<T>(resource: string, operation: string, params: Record<string, unknown>, schema: z.ZodType<T>, opts?: AriCallOptions): Promise<T> {
    const name = `${resource}.${operation}`;
    const session = this.session;
    if (!session) throw new AriUnavailableError(`ARI server "${this.serverId}" is not connected (state ${this._state}); ${name} not sent`, this.serverId);
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
