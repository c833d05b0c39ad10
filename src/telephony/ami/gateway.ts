import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { AsteriskServerConfig } from "../config.js";
import type { Logger } from "../../lib/logger.js";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "../backoff.js";
import { SafeEmitter, type Listener } from "../emitter.js";
import { Heartbeat } from "../heartbeat.js";
import { ConnectionLoop, type LinkState } from "../connection-loop.js";
import { AmiActionError, AmiConfigError, AmiError, AmiUnavailableError } from "./errors.js";
import { AmiConnection, type AmiListResult } from "./connection.js";
import {
  coreShowChannelSchema,
  deviceStateRowSchema,
  originateResponseSchema,
  parseAmiEvent,
  type AmiChannelRow,
  type AmiCdr,
  type AmiDeviceStateChange,
  type AmiDeviceStateRow,
  type AmiFullyBooted,
  type AmiHangup,
  type AmiNewchannel,
  type AmiOriginateResult,
} from "./events.js";
import { field, type AmiFields, type AmiMessage } from "./wire.js";

export interface AmiGatewayOptions {
  serverId: string;
  host: string;
  port: number;
  username: string;
  secret: string;
  /** Bound on TCP connect + Login. */
  connectTimeoutMs: number;
  /** Default bound on each action (a list: until its Complete event). */
  actionTimeoutMs: number;
  /** Time between `Ping` actions; 0 turns the heartbeat off. */
  heartbeatIntervalMs: number;
  heartbeatMisses: number;
  reconnect: BackoffPolicy;
  logger: Logger;
  random?: () => number;
}

type WithServer<T> = T & { serverId: string };

export interface AmiGatewayEvents {
  connected: { serverId: string };
  reconnected: { serverId: string; downtimeMs: number };
  disconnected: { serverId: string; reason: string; willReconnect: boolean };
  DeviceStateChange: WithServer<AmiDeviceStateChange>;
  Newchannel: WithServer<AmiNewchannel>;
  Hangup: WithServer<AmiHangup>;
  Cdr: WithServer<AmiCdr>;
  /** After every (re)login: the PBX is ready. `uptime` tells a restarted Asterisk from a reconnect. */
  FullyBooted: WithServer<AmiFullyBooted>;
  /** Every unsolicited event, typed or not, with lower-cased keys as asterisk-manager delivers them. */
  event: { serverId: string; name: string; message: AmiMessage };
}

export type AmiGatewayState = LinkState;

export interface AmiOriginateOptions {
  /** Dial string, e.g. `PJSIP/agent7` or `Local/s@dtmf-driver`. */
  channel: string;
  /** Where the answered channel goes: a dialplan place, or an application. */
  target: { context: string; exten: string; priority?: number } | { application: string; data?: string };
  callerId?: string;
  /** How long to ring, in ms (Asterisk's default is 30000). */
  ringTimeoutMs?: number;
  variables?: Record<string, string>;
  account?: string;
  channelId?: string;
  otherChannelId?: string;
}

export interface AmiCallOptions {
  timeoutMs?: number;
}

/**
 * The AMI adapter for one Asterisk server over asterisk-manager: connection with login and a reconnect
 * loop it owns (capped exponential backoff with jitter), a Ping heartbeat, actions with own ActionIDs
 * and timeouts, event-list collection, typed helpers and typed events. Actions sent while disconnected
 * fail at once with AmiUnavailableError; actions pending when the connection drops fail with
 * AmiDisconnectedError.
 */
export class AmiGateway {
  readonly serverId: string;
  private readonly log: Logger;
  private readonly emitter: SafeEmitter<AmiGatewayEvents>;
  private readonly link: ConnectionLoop<AmiSession>;
  /** Unique per gateway instance, so two daemons on one AMI user never share ActionIDs. */
  private readonly actionIdPrefix: string;
  private counter = 0;

  constructor(private readonly opts: AmiGatewayOptions) {
    this.serverId = opts.serverId;
    this.log = opts.logger.child({ component: "ami", serverId: opts.serverId });
    this.emitter = new SafeEmitter((event, err) => this.log.error({ err, event }, "AMI event listener failed"));
    this.actionIdPrefix = `sb-${randomBytes(4).toString("hex")}-`;
    const serverId = this.serverId;
    this.link = new ConnectionLoop<AmiSession>(
      {
        open: (signal) => this.openSession(signal),
        install: (s) => this.install(s),
        activate: (s) => s.conn.activate(),
        isAlive: (s) => s.conn.isOpen,
        teardown: async (s) => {
          s.heartbeat?.stop();
          await s.conn.close();
        },
      },
      {
        connected: () => {
          this.log.info("AMI connected");
          this.emitter.emit("connected", { serverId });
        },
        reconnected: (downtimeMs) => {
          this.log.info({ downtimeMs }, "AMI reconnected");
          this.emitter.emit("reconnected", { serverId, downtimeMs });
        },
        disconnected: (reason, willReconnect) => this.emitter.emit("disconnected", { serverId, reason, willReconnect }),
      },
      { policy: opts.reconnect, log: this.log, random: opts.random, stoppedError: () => new AmiUnavailableError("the AMI gateway was stopped", serverId) },
    );
  }

  get state(): AmiGatewayState {
    return this.link.state;
  }

  get isConnected(): boolean {
    return this.link.state === "connected";
  }

  on<K extends keyof AmiGatewayEvents>(event: K, listener: Listener<AmiGatewayEvents[K]>): () => void {
    return this.emitter.on(event, listener);
  }

  once<K extends keyof AmiGatewayEvents>(event: K, listener: Listener<AmiGatewayEvents[K]>): () => void {
    return this.emitter.once(event, listener);
  }

  off<K extends keyof AmiGatewayEvents>(event: K, listener: Listener<AmiGatewayEvents[K]>): void {
    this.emitter.off(event, listener);
  }

  /**
   * Connects and logs in once; rejects with AmiAuthError or AmiUnavailableError, leaving nothing open.
   * With `keepTrying` it still rejects, but goes on trying in the background (backoff as for a lost
   * connection) and emits `reconnected` once it gets through: for a daemon that can work without AMI.
   */
  async start(opts: { keepTrying?: boolean } = {}): Promise<void> {
    if (this.link.state !== "idle") throw new AmiError("AMI_CONFIG", `start() was already called (state ${this.link.state})`, this.serverId);
    await this.link.start(opts);
  }

  /** Stops for good: no reconnect, socket destroyed, pending actions failed, no timer left. */
  async stop(): Promise<void> {
    await this.link.stop();
  }

  /** Pending actions and leftover library listeners on the current connection (both 0 when idle). */
  diagnostics(): { pendingActions: number; libraryListeners: number } {
    return this.link.session?.conn.diagnostics() ?? { pendingActions: 0, libraryListeners: 0 };
  }

  /** Sends an action and resolves with its response. `Response: Error` rejects with AmiActionError. */
  action(action: string, fields: AmiFields = {}, opts?: AmiCallOptions): Promise<AmiMessage> {
    return this.connection(action).send(action, fields, { kind: "response" }, opts?.timeoutMs ?? this.opts.actionTimeoutMs);
  }

  /** Sends an event-list action and resolves once its `...Complete` event arrived, with every item. */
  actionList(action: string, fields: AmiFields = {}, opts?: AmiCallOptions): Promise<AmiListResult> {
    return this.connection(action).send(action, fields, { kind: "list" }, opts?.timeoutMs ?? this.opts.actionTimeoutMs);
  }

  /** `Ping`; resolves with the round trip in ms. */
  async ping(opts?: AmiCallOptions): Promise<{ roundTripMs: number; timestamp: string | undefined }> {
    const started = performance.now();
    const res = await this.action("Ping", {}, opts);
    return { roundTripMs: performance.now() - started, timestamp: field(res, "timestamp") };
  }

  /** `DeviceStateList`: the state of every device Asterisk tracks. */
  async deviceStates(opts?: AmiCallOptions): Promise<AmiDeviceStateRow[]> {
    const list = await this.actionList("DeviceStateList", {}, opts);
    return this.rows("DeviceStateList", list.items, deviceStateRowSchema);
  }

  /** `CoreShowChannels`: every channel up right now. */
  async coreShowChannels(opts?: AmiCallOptions): Promise<AmiChannelRow[]> {
    const list = await this.actionList("CoreShowChannels", {}, opts);
    return this.rows("CoreShowChannels", list.items, coreShowChannelSchema);
  }

  /**
   * Async `Originate`: resolves with the OriginateResponse (success, reason 4 answered / 3 no answer /
   * 0 failed...), which comes when the call is answered or has failed. A synchronous refusal (e.g.
   * `Channel not specified`) rejects with AmiActionError. Waits up to the ring time plus the action timeout.
   */
  async originate(o: AmiOriginateOptions, opts?: AmiCallOptions): Promise<AmiOriginateResult> {
    const fields: Record<string, AmiFields[string]> = { Channel: o.channel, Async: "true" };
    if ("application" in o.target) {
      fields.Application = o.target.application;
      fields.Data = o.target.data;
    } else {
      fields.Context = o.target.context;
      fields.Exten = o.target.exten;
      fields.Priority = o.target.priority ?? 1;
    }
    const ring = o.ringTimeoutMs ?? 30_000;
    fields.Timeout = ring;
    fields.CallerID = o.callerId;
    fields.Variable = o.variables && Object.keys(o.variables).length > 0 ? o.variables : undefined;
    fields.Account = o.account;
    fields.ChannelId = o.channelId;
    fields.OtherChannelId = o.otherChannelId;
    const timeoutMs = opts?.timeoutMs ?? ring + this.opts.actionTimeoutMs;
    const { event } = await this.connection("Originate").send("Originate", fields, { kind: "event", event: "OriginateResponse" }, timeoutMs);
    const parsed = originateResponseSchema.safeParse(event);
    if (!parsed.success) throw new AmiActionError("Originate", `unreadable OriginateResponse: ${z.prettifyError(parsed.error)}`, event, this.serverId);
    return parsed.data;
  }

  private rows<T>(action: string, items: AmiMessage[], schema: z.ZodType<T, unknown>): T[] {
    const out: T[] = [];
    for (const item of items) {
      const r = schema.safeParse(item);
      if (r.success) out.push(r.data);
      else this.log.warn({ action, event: item.event, reason: z.prettifyError(r.error) }, "AMI list item dropped");
    }
    return out;
  }

  private connection(action: string): AmiConnection {
    const session = this.link.session;
    if (!session || !session.conn.isOpen) {
      throw new AmiUnavailableError(`AMI server "${this.serverId}" is not connected (state ${this.state}); ${action} not sent`, this.serverId);
    }
    return session.conn;
  }

  private async openSession(signal: AbortSignal): Promise<AmiSession> {
    const holder: { session?: AmiSession } = {};
    const conn = await AmiConnection.open({
      host: this.opts.host,
      port: this.opts.port,
      username: this.opts.username,
      secret: this.opts.secret,
      timeoutMs: this.opts.connectTimeoutMs,
      serverId: this.serverId,
      log: this.log,
      signal,
      actionIdPrefix: this.actionIdPrefix,
      nextActionId: () => `${this.actionIdPrefix}${++this.counter}`,
      onEvent: (msg) => this.onEvent(msg),
      onClose: (reason) => {
        if (holder.session) this.link.lost(holder.session, reason);
      },
    });
    holder.session = { conn };
    return holder.session;
  }

  private install(session: AmiSession): void {
    if (this.opts.heartbeatIntervalMs <= 0) return;
    session.heartbeat = new Heartbeat({
      intervalMs: this.opts.heartbeatIntervalMs,
      maxMisses: this.opts.heartbeatMisses,
      probe: async () => {
        await session.conn.send("Ping", {}, { kind: "response" }, this.opts.heartbeatIntervalMs);
      },
      onMiss: (misses, err) => this.log.warn({ misses, err: (err as Error)?.message }, "AMI heartbeat missed"),
      onDead: (err) => this.link.lost(session, `heartbeat failed ${this.opts.heartbeatMisses} times: ${(err as Error)?.message ?? String(err)}`),
    });
    session.heartbeat.start();
  }

  private onEvent(msg: AmiMessage): void {
    const parsed = parseAmiEvent(msg);
    if (parsed.kind === "typed") this.emitter.emit(parsed.event.type, { ...parsed.event, serverId: this.serverId } as never);
    else if (parsed.kind === "invalid") this.log.warn({ event: parsed.name, reason: parsed.reason }, "AMI event not understood");
    this.emitter.emit("event", { serverId: this.serverId, name: typeof msg.event === "string" ? msg.event : "", message: msg });
  }
}

interface AmiSession {
  conn: AmiConnection;
  heartbeat?: Heartbeat;
}

/** Builds gateway options from one `asterisk[]` config entry; the secret comes from the environment. */
export function amiGatewayOptions(server: AsteriskServerConfig, env: NodeJS.ProcessEnv, logger: Logger): AmiGatewayOptions {
  const ami = server.ami;
  if (!ami) throw new AmiConfigError(`server "${server.id}" has no ami section`, server.id);
  const secret = env[ami.secret.env];
  if (secret === undefined || secret === "") {
    throw new AmiConfigError(`environment variable ${ami.secret.env} (AMI secret of "${server.id}") is not set`, server.id);
  }
  return {
    serverId: server.id,
    host: ami.host,
    port: ami.port,
    username: ami.username,
    secret,
    connectTimeoutMs: ami.connectTimeout * 1000,
    actionTimeoutMs: ami.actionTimeout * 1000,
    heartbeatIntervalMs: ami.heartbeatInterval * 1000,
    heartbeatMisses: ami.heartbeatMisses,
    reconnect: { ...DEFAULT_BACKOFF, maxDelayMs: ami.reconnectMaxDelay * 1000 },
    logger,
  };
}
