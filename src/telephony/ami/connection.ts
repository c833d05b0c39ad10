import Manager from "asterisk-manager";
import type { Logger } from "../../lib/logger.js";
import { withDeadline } from "../timing.js";
import { AmiActionError, AmiAuthError, AmiDisconnectedError, AmiTimeoutError, AmiUnavailableError } from "./errors.js";
import { buildAction, field, is, type AmiFields, type AmiMessage } from "./wire.js";

/**
 * One AMI session over one asterisk-manager instance (a fresh one per connection, so no parser or
 * listener state survives a reconnect). What the library lacks is done here:
 * - connect with a deadline and a socket we can destroy (an AbortSignal passed through to
 *   `net.createConnection`), then Login ourselves: failure is AmiAuthError, not silence;
 * - our own unique ActionIDs; a timeout per action that rejects and removes the library listener;
 * - event-list actions (CoreShowChannels, DeviceStateList...) collected until their `...Complete`;
 * - actions whose result is an event (Async Originate -> OriginateResponse);
 * - every pending action failed with AmiDisconnectedError when the socket closes;
 * - validation of every key and value before the library writes anything (wire.ts).
 * asterisk-manager's keepConnected() (console.log, fixed delays) is never used; the gateway reconnects.
 */
export interface AmiConnectionOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** Bound on TCP connect + Login. */
  timeoutMs: number;
  serverId: string;
  log: Logger;
  signal?: AbortSignal;
  /** Unique ActionIDs; all start with `actionIdPrefix`, so late replies to our own actions are recognised. */
  nextActionId: () => string;
  actionIdPrefix: string;
  /** Unsolicited events (not replies to a pending action), in order, after `activate()`. */
  onEvent: (msg: AmiMessage) => void;
  onClose: (reason: string) => void;
}

export type AmiReplyMode =
  | { kind: "response" }
  /** An event list: items until an event with `EventList: Complete`. */
  | { kind: "list" }
  /** The response, then an event of this name carrying the ActionID (e.g. OriginateResponse). */
  | { kind: "event"; event: string };

export interface AmiListResult {
  response: AmiMessage;
  items: AmiMessage[];
  /** The `...Complete` event (ListItems...); undefined when the response did not start a list. */
  complete: AmiMessage | undefined;
}

interface Pending {
  action: string;
  mode: AmiReplyMode;
  timer: NodeJS.Timeout;
  callback: Manager.ActionCallback;
  reject: (err: Error) => void;
  /** For list/event modes: events carrying this ActionID. */
  onEvent?: (msg: AmiMessage) => void;
}

type Raw = Manager.RawMessage;

const RECENT_IDS = 256;

export class AmiConnection {
  private readonly pending = new Map<string, Pending>();
  private queued: AmiMessage[] | undefined = [];
  private closedReason: string | undefined;
  private lastError: Error | undefined;
  private readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private closeWatchers = new Set<(reason: string) => void>();
  /** The last ActionIDs sent, to count library listeners left behind (leak check). */
  private readonly recent: string[] = [];

  private constructor(
    private readonly manager: Manager.Manager,
    private readonly socketController: AbortController,
    private readonly opts: AmiConnectionOptions,
  ) {
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    // the library dispatches each parsed message from inside the socket's data handler; a message it
    // cannot dispatch (e.g. a UserEvent with a repeated UserEvent key) would throw there, uncaught
    for (const dispatch of manager.listeners("rawevent")) {
      manager.removeListener("rawevent", dispatch as (...args: never[]) => void);
      manager.on("rawevent", (msg: Raw) => {
        try {
          dispatch(msg);
        } catch (err) {
          opts.log.warn({ err: (err as Error)?.message }, "asterisk-manager could not dispatch an AMI message; dropped");
        }
      });
    }
    manager.on("managerevent", (msg) => this.handleEvent(msg));
    manager.on("error", (err) => (this.lastError = err));
    manager.on("close", () => this.handleClose(this.lastError ? `connection closed: ${this.lastError.message}` : "connection closed by the server"));
  }

  /** Connects and logs in. Rejects with AmiAuthError or AmiUnavailableError; leaves no socket behind. */
  static async open(opts: AmiConnectionOptions): Promise<AmiConnection> {
    const socketController = new AbortController();
    // with a port the constructor would connect and log in by itself, silently on failure: pass none
    const manager = Manager(undefined, opts.host, opts.username, opts.secret, true);
    const conn = new AmiConnection(manager, socketController, opts);
    const where = `${opts.host}:${opts.port}`;
    const loggedIn = new Promise<void>((resolve, reject) => {
      conn.closeWatchers.add((reason) => reject(new AmiUnavailableError(`AMI ${where}: ${reason} before login completed`, opts.serverId)));
      manager.connect({ port: opts.port, host: opts.host, signal: socketController.signal }, undefined, () => {
        manager.login((err) => {
          if (!err) return resolve();
          const message = typeof err.message === "string" ? err.message : "login refused";
          reject(new AmiAuthError(`AMI ${where} refused user "${opts.username}": ${message}`, opts.serverId));
        });
      });
    });
    try {
      await withDeadline(
        loggedIn,
        opts.timeoutMs,
        () => new AmiUnavailableError(`AMI ${where}: no login within ${opts.timeoutMs} ms`, opts.serverId),
        opts.signal,
      );
    } catch (err) {
      await conn.close();
      throw err;
    } finally {
      conn.closeWatchers.clear();
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.closedReason === undefined && this.manager.isConnected() === true;
  }

  /** Pending actions, and asterisk-manager listeners still registered for recent ActionIDs (should be 0 when idle). */
  diagnostics(): { pendingActions: number; libraryListeners: number } {
    const libraryListeners = this.recent.reduce((n, id) => n + this.manager.listeners(id).length, 0);
    return { pendingActions: this.pending.size, libraryListeners };
  }

  /** Starts delivering events: first those that arrived before (FullyBooted comes right after login). */
  activate(): void {
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const msg of queued) this.deliver(msg);
  }

  /**
   * Sends one action. Input is validated first (AmiInvalidInputError: nothing written). Resolves with
   * the response (mode `response`), the list (mode `list`) or `{ response, event }` (mode `event`).
   */
  send(action: string, fields: AmiFields, mode: { kind: "response" }, timeoutMs: number): Promise<AmiMessage>;
  send(action: string, fields: AmiFields, mode: { kind: "list" }, timeoutMs: number): Promise<AmiListResult>;
  send(action: string, fields: AmiFields, mode: { kind: "event"; event: string }, timeoutMs: number): Promise<{ response: AmiMessage; event: AmiMessage }>;
  send(action: string, fields: AmiFields, mode: AmiReplyMode, timeoutMs: number): Promise<unknown> {
    const actionId = this.opts.nextActionId();
    let built: ReturnType<typeof buildAction>;
    try {
      built = buildAction(action, fields, actionId);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.isOpen) return Promise.reject(new AmiUnavailableError(`AMI connection is closed; ${action} not sent`, this.opts.serverId));
    return new Promise<unknown>((resolve, reject) => {
      let response: AmiMessage | undefined;
      const items: AmiMessage[] = [];
      let complete: AmiMessage | undefined;
      let event: AmiMessage | undefined;
      const finish = (): void => {
        if (!response) return;
        if (mode.kind === "list") {
          const started = is(field(response, "eventlist"), "start");
          if (started && !complete) return;
          this.settle(actionId);
          resolve({ response, items, complete } satisfies AmiListResult);
        } else if (mode.kind === "event") {
          if (!event) return;
          this.settle(actionId);
          resolve({ response, event });
        }
      };
      const callback: Manager.ActionCallback = (err, res) => {
        if (!this.pending.has(actionId)) return;
        if (err) {
          this.settle(actionId);
          const message = typeof err.message === "string" ? err.message : "Response: Error";
          reject(new AmiActionError(action, message, err, this.opts.serverId));
          return;
        }
        response = (res ?? {}) as AmiMessage;
        if (mode.kind === "response") {
          this.settle(actionId);
          resolve(response);
          return;
        }
        finish();
      };
      const entry: Pending = {
        action,
        mode,
        callback,
        reject,
        timer: setTimeout(() => {
          if (!this.pending.has(actionId)) return;
          this.settle(actionId);
          const what = mode.kind === "list" ? "complete list" : mode.kind === "event" ? mode.event : "response";
          reject(new AmiTimeoutError(`${action} got no ${what} within ${timeoutMs} ms`, this.opts.serverId));
        }, timeoutMs),
      };
      if (mode.kind !== "response") {
        entry.onEvent = (msg) => {
          if (mode.kind === "list") {
            if (is(field(msg, "eventlist"), "complete")) complete = msg;
            else items.push(msg);
          } else if (msg.event === mode.event) {
            event = msg;
          }
          finish();
        };
      }
      this.pending.set(actionId, entry);
      this.recent.push(actionId);
      if (this.recent.length > RECENT_IDS) this.recent.shift();
      const used = this.manager.action(built, callback);
      if (used !== actionId) {
        // the library renames an id only when a listener for it exists: impossible for our unique ids
        this.settle(actionId);
        reject(new AmiUnavailableError(`asterisk-manager changed ActionID ${actionId} to ${used}`, this.opts.serverId));
      }
    });
  }

  /** Destroys the socket; pending actions fail with AmiDisconnectedError. */
  async close(): Promise<void> {
    this.socketController.abort();
    // a socket that never got far enough to emit 'close' must not hold stop() forever
    await withDeadline(this.closed, 2000, () => new Error("AMI socket did not close")).catch(() => this.handleClose("closed locally"));
  }

  private settle(actionId: string): void {
    const entry = this.pending.get(actionId);
    if (!entry) return;
    this.pending.delete(actionId);
    clearTimeout(entry.timer);
    this.manager.removeListener(actionId, entry.callback as (...args: never[]) => void);
  }

  private handleEvent(raw: Raw): void {
    const msg = raw as AmiMessage;
    const id = field(msg, "actionid");
    if (id !== undefined) {
      const entry = this.pending.get(id);
      if (entry?.onEvent) {
        entry.onEvent(msg);
        return;
      }
      if (id.startsWith(this.opts.actionIdPrefix)) {
        this.opts.log.debug({ event: msg.event, actionId: id }, "AMI event for an action no longer pending");
        return;
      }
    }
    if (this.queued) this.queued.push(msg);
    else this.deliver(msg);
  }

  private deliver(msg: AmiMessage): void {
    try {
      this.opts.onEvent(msg);
    } catch (err) {
      this.opts.log.error({ err }, "AMI event handler failed");
    }
  }

  private handleClose(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.queued = undefined;
    for (const [actionId, entry] of [...this.pending]) {
      this.settle(actionId);
      entry.reject(new AmiDisconnectedError(`${entry.action}: AMI ${reason} while the action was pending; its outcome is unknown`, this.opts.serverId));
    }
    this.resolveClosed();
    for (const watch of this.closeWatchers) watch(reason);
    this.opts.onClose(reason);
  }
}
