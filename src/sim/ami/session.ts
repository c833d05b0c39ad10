/**
 * One AMI connection, run the way Asterisk runs a manager session: the banner on connect, then
 * one message at a time. While an action runs, events wait in the session and follow its reply
 * (so a synchronous Originate's reply comes before the events of the call it placed, as recorded);
 * otherwise events go out at once. Events are sent only after login and only for the classes the
 * session's mask allows.
 *
 * Protection against misbehaving clients: framing bounds (see `framer.ts`), reading pauses while
 * more than a few messages wait, an unauthenticated session is closed after `authTimeoutMs`, and a
 * client that stops reading is dropped once `maxWriteBufferBytes` are waiting for it.
 */
import { randomBytes } from "node:crypto";
import type net from "node:net";
import { EventFilter, type AmiAccount } from "./accounts.js";
import { AmiFramer, type Framed } from "./framer.js";
import { ALL_CLASSES } from "./privileges.js";
import { BANNER, error, type ClientMessage } from "./wire.js";

export interface SessionLimits {
  /** Close a connection that has not logged in after this many ms (Asterisk `authtimeout`: 30 s). */
  authTimeoutMs: number;
  /** Drop a client whose unread output exceeds this many bytes. */
  maxWriteBufferBytes: number;
  /** Stop reading while this many received messages wait to be processed. */
  maxQueuedMessages: number;
}

/** How long a closed session waits for the client to close its side before dropping the socket. */
const LINGER_MS = 2000;

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  authTimeoutMs: 30_000,
  maxWriteBufferBytes: 8 * 1024 * 1024,
  maxQueuedMessages: 32,
};

/** What the session needs from the server: run one action. Returns "close" to end the session. */
export type Dispatch = (session: AmiSession, m: ClientMessage) => Promise<void | "close">;

function describeAddress(address: string | undefined, port: number | undefined): string {
  const a = address ?? "0.0.0.0";
  const plain = a.startsWith("::ffff:") ? a.slice(7) : a;
  return `${plain.includes(":") ? "IPV6" : "IPV4"}/TCP/${plain}/${port ?? 0}`;
}

export class AmiSession {
  authenticated = false;
  username = "";
  /** Event classes this session asked for (Login `Events:`, the `Events` action). */
  eventMask = ALL_CLASSES;
  /** Event classes the user may read (manager.conf `read=`). */
  readMask = ALL_CLASSES;
  /** Classes of actions the user may run (manager.conf `write=`). */
  writeMask = ALL_CLASSES;
  /** The user's `eventfilter=` lines: applied to unsolicited events only. */
  filter = new EventFilter();
  /** Looks like Asterisk's session pointer, `0x7f00300038a0`. */
  readonly sessionId = `0x${randomBytes(6).toString("hex").replace(/^0+/, "")}`;
  readonly startedAt = Date.now();
  readonly localAddress: string;
  readonly remoteAddress: string;

  private readonly framer = new AmiFramer();
  private readonly queue: ClientMessage[] = [];
  private readonly heldEvents: string[] = [];
  private heldBytes = 0;
  private busy = false;
  private closed = false;
  private ending = false;
  private paused = false;
  private authTimer: NodeJS.Timeout | undefined;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly socket: net.Socket,
    private readonly dispatch: Dispatch,
    private readonly limits: SessionLimits,
  ) {
    this.localAddress = describeAddress(socket.localAddress, socket.localPort);
    this.remoteAddress = describeAddress(socket.remoteAddress, socket.remotePort);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => this.destroy());
    socket.on("close", () => this.destroy());
    socket.on("end", () => {
      // the client stopped sending: finish what is queued, then close (Asterisk reads EOF and ends)
      this.ending = true;
      if (!this.busy && this.queue.length === 0) this.close();
    });
    this.authTimer = setTimeout(() => {
      if (!this.authenticated) this.destroy();
    }, limits.authTimeoutMs);
    this.authTimer.unref?.();
    this.write(BANNER);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(fn: () => void): void {
    this.closeListeners.push(fn);
  }

  /** Marks the session logged in with the user's permissions and filter (stops the login timer). */
  loggedIn(username: string, account: AmiAccount): void {
    this.authenticated = true;
    this.username = username;
    this.readMask = account.readMask;
    this.writeMask = account.writeMask;
    this.filter = account.filter;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  /** Writes raw protocol text (a reply, list items). Dropped once the session is closed. */
  write(text: string): void {
    if (this.closed) return;
    this.socket.write(text);
    if (this.socket.writableLength > this.limits.maxWriteBufferBytes) this.destroy();
  }

  /** An unsolicited event for this session: `bit` is its class. Held while an action runs. */
  deliver(bit: number, text: string): void {
    if (this.closed || !this.authenticated) return;
    if ((this.eventMask & bit) === 0 || (this.readMask & bit) === 0) return;
    if (!this.filter.passes(text)) return;
    if (!this.busy) return this.write(text);
    // held events count against the same bound as unread output
    this.heldBytes += text.length;
    if (this.heldBytes > this.limits.maxWriteBufferBytes) return this.destroy();
    this.heldEvents.push(text);
  }

  /** Ends the session after what was written (Logoff, failed login). */
  close(): void {
    if (this.closed) return;
    this.finish();
    this.socket.end();
    // a client that never closes its side must not keep the socket forever
    const linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
    linger.unref?.();
    this.socket.once("close", () => clearTimeout(linger));
  }

  /** Drops the connection at once (server stop, restart, misbehaving client). */
  destroy(): void {
    if (this.closed) return;
    this.finish();
    this.socket.destroy();
  }

  private finish(): void {
    this.closed = true;
    this.queue.length = 0;
    this.heldEvents.length = 0;
    this.heldBytes = 0;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = undefined;
    for (const fn of this.closeListeners.splice(0)) {
      try {
        fn();
      } catch {
        // a listener must not break the close
      }
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let framed: Framed[];
    try {
      framed = this.framer.push(chunk);
    } catch {
      this.destroy();
      return;
    }
    for (const f of framed) {
      if (f.kind === "message") this.queue.push(f.message);
      else if (f.kind === "too-many-lines") this.write(error(f.message, "Too many lines in message or allocation failure"));
      // line-too-long: Asterisk drops the message and answers nothing
    }
    if (this.queue.length >= this.limits.maxQueuedMessages && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const m = this.queue.shift()!;
        let outcome: void | "close";
        try {
          outcome = await this.dispatch(this, m);
        } catch {
          outcome = undefined;
        }
        this.flushHeld();
        if (outcome === "close") {
          this.close();
          return;
        }
        if (this.paused && this.queue.length < this.limits.maxQueuedMessages / 2) {
          this.paused = false;
          this.socket.resume();
        }
      }
    } finally {
      this.busy = false;
      this.flushHeld();
    }
    if (this.ending && !this.closed) this.close();
  }

  private flushHeld(): void {
    if (this.heldEvents.length === 0) return;
    const held = this.heldEvents.splice(0);
    this.heldBytes = 0;
    for (const text of held) this.write(text);
  }
}
