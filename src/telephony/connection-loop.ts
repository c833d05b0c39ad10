import type { Logger } from "../lib/logger.js";
import { backoffDelay, type BackoffPolicy } from "./backoff.js";

/**
 * The connection state machine both gateways share. It opens a session, and when the session is lost
 * (socket closed, heartbeat failed) tears it down and opens a new one after a capped exponential
 * backoff with jitter, forever, until stop(). stop() cancels a pending retry, aborts a connect attempt
 * in progress and tears the session down, so no timer or socket of the gateway survives it.
 *
 *   idle --start()--> connecting --ok--> connected --lost--> reconnecting --ok--> connected ...
 *                         |  fail: start() rejects, stopped (or reconnecting with keepTrying)
 *   any --stop()--> stopped          connected --halt()--> halted (no reconnect; stop() still needed)
 */
export type LinkState = "idle" | "connecting" | "connected" | "reconnecting" | "halted" | "stopped";

export interface SessionHooks<S> {
  /** One connect attempt; must honour `signal` (stop) and clean up after itself when it fails. */
  open(signal: AbortSignal): Promise<S>;
  /** Session accepted: start its heartbeat. Called before connected/reconnected is announced. */
  install(session: S): void;
  /** After the announcement: deliver what arrived meanwhile (buffered events). */
  activate(session: S): void;
  /** Still usable right after activation? (A socket that closed before install went unnoticed.) */
  isAlive(session: S): boolean;
  /** Release everything the session holds; fail its in-flight work with `reason`. */
  teardown(session: S, graceful: boolean, reason: string): Promise<void>;
}

export interface LinkAnnouncements {
  connected(): void;
  reconnected(downtimeMs: number): void;
  disconnected(reason: string, willReconnect: boolean): void;
}

export class ConnectionLoop<S> {
  private _state: LinkState = "idle";
  private current: S | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private attemptController: AbortController | undefined;
  private attemptDone: Promise<void> | undefined;
  private downSince = 0;
  private connectedAt = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly hooks: SessionHooks<S>,
    private readonly announce: LinkAnnouncements,
    private readonly opts: { policy: BackoffPolicy; log: Logger; stoppedError: () => Error; random?: () => number },
  ) {}

  get state(): LinkState {
    return this._state;
  }

  /** The live session, if any. */
  get session(): S | undefined {
    return this.current;
  }

  /**
   * First connect. Rejects with the attempt's error; the loop is stopped then, unless `keepTrying`
   * (an optional link): it then goes on trying with backoff and announces `reconnected` once through.
   */
  async start(opts: { keepTrying?: boolean } = {}): Promise<void> {
    if (this._state !== "idle") throw new Error(`start() was already called (state ${this._state})`);
    this._state = "connecting";
    let session: S;
    try {
      session = await this.runAttempt();
    } catch (err) {
      if (this._state === "connecting") {
        this._state = opts.keepTrying ? "reconnecting" : "stopped";
        this.downSince = Date.now();
        this.scheduleReconnect();
      }
      throw err;
    }
    if (this._state !== "connecting") {
      await this.hooks.teardown(session, true, "stopped while connecting");
      throw this.opts.stoppedError();
    }
    this.go(session, () => this.announce.connected());
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** The session died: tear it down and rebuild with backoff. Ignored for a session no longer current. */
  lost(session: S, reason: string): void {
    if (this.current !== session) return;
    this.current = undefined;
    this.release(session, false, reason);
    if (this._state !== "connected") return;
    this._state = "reconnecting";
    this.downSince = Date.now();
    // a session that lived at least as long as the longest backoff was healthy: start over from the
    // shortest delay; one that died young keeps growing the delay, so a flapping server is not hammered
    if (this.downSince - this.connectedAt >= this.opts.policy.maxDelayMs) this.attempt = 0;
    this.opts.log.warn({ reason }, "connection lost; reconnecting");
    this.announce.disconnected(reason, true);
    this.scheduleReconnect();
  }

  /** The session must end and must not be rebuilt (e.g. another client took over the ARI app). */
  halt(session: S, reason: string): void {
    if (this.current !== session) return;
    this.current = undefined;
    this._state = "halted";
    this.release(session, true, reason);
    this.announce.disconnected(reason, false);
  }

  private release(session: S, graceful: boolean, reason: string): void {
    this.hooks.teardown(session, graceful, reason).catch((err: unknown) => this.opts.log.error({ err }, "session teardown failed"));
  }

  private go(session: S, announce: () => void): void {
    this.current = session;
    this._state = "connected";
    this.connectedAt = Date.now();
    this.hooks.install(session);
    announce();
    if (this.current !== session) return;
    this.hooks.activate(session);
    if (this.current === session && !this.hooks.isAlive(session)) this.lost(session, "connection closed right after opening");
  }

  private async doStop(): Promise<void> {
    const wasConnected = this.current !== undefined;
    this._state = "stopped";
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attemptController?.abort(this.opts.stoppedError());
    await this.attemptDone;
    const session = this.current;
    this.current = undefined;
    if (session) await this.hooks.teardown(session, true, "stopped");
    if (wasConnected) this.announce.disconnected("stopped", false);
  }

  private runAttempt(): Promise<S> {
    const controller = new AbortController();
    this.attemptController = controller;
    const attempt = this.hooks.open(controller.signal);
    this.attemptDone = attempt.then(
      () => undefined,
      () => undefined,
    );
    return attempt.finally(() => {
      if (this.attemptController === controller) this.attemptController = undefined;
    });
  }

  private scheduleReconnect(): void {
    if (this._state !== "reconnecting") return;
    const delay = backoffDelay(this.attempt, this.opts.policy, this.opts.random);
    this.attempt += 1;
    this.opts.log.debug({ delay, attempt: this.attempt }, "reconnect scheduled");
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = undefined;
    if (this._state !== "reconnecting") return;
    let session: S;
    try {
      session = await this.runAttempt();
    } catch (err) {
      if (this._state !== "reconnecting") return;
      this.opts.log.warn({ err: (err as Error)?.message, errName: (err as Error)?.name, attempt: this.attempt }, "reconnect failed");
      this.scheduleReconnect();
      return;
    }
    if (this._state !== "reconnecting") {
      await this.hooks.teardown(session, true, "stopped");
      return;
    }
    const downtimeMs = Date.now() - this.downSince;
    this.go(session, () => this.announce.reconnected(downtimeMs));
  }
}
