/**
 * What an AMI action handler sees: the message, its session and the server around it.
 */
import type { SimPbx } from "../../pbx.js";
import type { AmiAccount } from "../accounts.js";
import type { AmiEvent, PendingOriginate } from "../events.js";
import type { EventClass } from "../privileges.js";
import type { AmiSession } from "../session.js";
import type { ClientMessage } from "../wire.js";

/** Call counters as `core show channels` prints them. */
export interface CallCounters {
  /** Channels running a dialplan or an application right now. */
  readonly activeCalls: number;
  /** Channels that ever started one since the server started. */
  readonly processedCalls: number;
}

export interface AmiServerContext {
  readonly pbx: SimPbx;
  /** manager.conf: the account of this user with this secret, or undefined when refused. */
  account(user: string, secret: string): AmiAccount | undefined;
  /** Simulated ms Asterisk waits before answering a failed login (it sleeps 1 s). */
  readonly authFailureDelayMs: number;
  /** Sends an event to every logged-in session whose mask wants its class. */
  broadcast(event: AmiEvent): void;
  /** Remembers an asynchronous originate; returns the id the core reports its outcome under. */
  trackOriginate(p: PendingOriginate): string;
  /** Reports a tracked originate that failed before the core took it (bad technology, ...). */
  failOriginate(originateId: string): void;
  /** Global dialplan variables (Setvar/Getvar without a channel). */
  readonly globals: Map<string, string>;
  readonly counters: CallCounters;
  /** Restarts the whole simulator (CLI `core restart now`), when the simulator provides it. */
  readonly restart: (() => void) | undefined;
  /** Every action this server knows, for ListCommands. */
  actions(): readonly ActionSpec[];
}

export interface ActionContext {
  readonly m: ClientMessage;
  readonly session: AmiSession;
  readonly server: AmiServerContext;
}

/** "close" ends the session once the reply is out (Logoff, failed Login). */
export type ActionResult = void | "close";

export interface ActionSpec {
  /** As Asterisk spells it (lookup is case-insensitive). */
  readonly name: string;
  readonly synopsis: string;
  /** Write classes of which the user needs one (none: anyone logged in may run it). */
  readonly privileges: readonly EventClass[];
  run(ctx: ActionContext): ActionResult | Promise<ActionResult>;
}
