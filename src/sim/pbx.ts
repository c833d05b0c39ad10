/**
 * SimPbx: the core of the Asterisk simulator.
 *
 * It models what the daemon can observe of an Asterisk 22 server over ARI and AMI: channels
 * (Local pairs and endpoint channels such as `PJSIP/1001-00000001`), a small dialplan engine,
 * Stasis applications and their subscriptions, mixing bridges, playbacks, music on hold, DTMF,
 * hangup causes, device states, CDRs and originate results. It speaks no protocol itself: the ARI
 * server (`src/sim/ari/`) and the AMI server (`src/sim/ami/`) subscribe to its typed event stream
 * (`onEvent`) and call its methods.
 *
 * ## Event contract
 * See `PbxEvent` in `./model/events.ts` (re-exported here). Events are emitted synchronously, in the
 * order a real server publishes them for the recorded scenarios (shared/asterisk-fixtures).
 * Device-state changes and `Dial` RINGING are emitted a moment later (Asterisk computes them on
 * other threads). Listeners must not throw; an exception in a listener is caught and dropped.
 *
 * ## Time
 * All durations (Wait(), playbacks, answer delays, originate timeouts) are simulated ms run on real
 * timers multiplied by `timeScale`; `stop()` cancels every timer and wakes every waiter.
 */
import { Channel, type ChannelRemote, type DialInfo } from "./model/channel.js";
import { Dialplan, expandTemplate, recordedDialplan, type DialplanSpec, type PriorityStep } from "./model/dialplan.js";
import type { PbxEventListener } from "./model/events.js";
import type { MediaOptions } from "./model/media.js";
import type { EndpointConfig, SimCall } from "./model/phone.js";
import { Scheduler } from "./model/scheduler.js";
import {
  MEMBER_STATUS,
  recordedQueues,
  type QueueConfig,
  type QueueMemberConfig,
  type QueueMemberSnapshot,
  type QueueSnapshot,
} from "./model/queue.js";
import {
  CAUSE,
  causeText,
  ORIGINATE_REASON,
  type BridgeSnapshot,
  type CallerId,
  type ChannelSnapshot,
  type ChannelState,
  type DeviceState,
  type PlaybackSnapshot,
  SOFTHANGUP,
} from "./model/types.js";
import { Bridging } from "./pbx/bridging.js";
import { cdrFor } from "./pbx/cdr.js";
import { PbxContext } from "./pbx/context.js";
import { Devices, type EndpointListing } from "./pbx/devices.js";
import { PbxError } from "./pbx/errors.js";
import { Media, notifyMedia } from "./pbx/media.js";
import { StasisApps, type StasisAppInfo } from "./pbx/stasis-apps.js";
import { ChannelVariables, parseCallerId, variableEntries, type VariableList } from "./pbx/variables.js";

export * from "./model/types.js";
export type * from "./model/events.js";
export type { DialplanSpec, PriorityStep, ContextSpec, AppDataSpec, VarGetter } from "./model/dialplan.js";
export { recordedDialplan } from "./model/dialplan.js";
export type { MediaOptions } from "./model/media.js";
export type { QueueConfig, QueueMemberConfig, QueueMemberSnapshot, QueueSnapshot, QueueEntrySnapshot } from "./model/queue.js";
export { MEMBER_STATUS, recordedQueues } from "./model/queue.js";
export type { EndpointConfig, SimCall } from "./model/phone.js";
export { PbxError, type PbxErrorCode } from "./pbx/errors.js";
export type { StasisAppInfo } from "./pbx/stasis-apps.js";
export type { VariableList } from "./pbx/variables.js";

export const ASTERISK_VERSION = "22.10.1";

export interface SimPbxOptions {
  /** Multiplies every simulated duration (1 = real time). */
  timeScale?: number;
  /** Extra dialplan contexts (added to, or replacing, the recorded ones). */
  dialplan?: DialplanSpec;
  /** Load the contexts of the recorded server (default true). */
  recordedContexts?: boolean;
  /** Stasis app name used by the recorded `inbound-stasis` context (default "cti"). */
  recordedStasisApp?: string;
  /** Media durations and which sounds exist. */
  media?: MediaOptions;
  /** Music-on-hold classes that exist (default ["default"]). */
  mohClasses?: string[];
  /** `asterisk_id` / `entity_id` (default a locally administered MAC). */
  entityId?: string;
  /** asterisk.conf `systemname`: prefixes every unique id (`<name>-<epoch>.<n>`), shown in /asterisk/info. */
  systemName?: string;
  /** Simulated ms that Answer() waits for media from the peer (Asterisk: 500). */
  answerMediaWaitMs?: number;
  /** Queues for the Queue() application (default: the recorded `support` queue). */
  queues?: QueueConfig[];
}

export interface OriginateRequest {
  /** `Tech/resource`, e.g. `Local/s@dtmf-driver`, `PJSIP/1001`. */
  endpoint: string;
  /** Stasis application to put the answered channel into (ARI `app`). */
  app?: string;
  appArgs?: string[];
  /** Plain dialplan application to run once answered (AMI `Application`/`Data`). */
  application?: string;
  data?: string;
  /** Dialplan location to run once answered. */
  context?: string;
  exten?: string;
  priority?: number;
  /** Simulated ms to wait for an answer (default 30000). */
  timeoutMs?: number;
  callerId?: CallerId | string;
  /** Set on the dialed channel in this order, then on a Local `;2` in reverse order (as Asterisk does). */
  variables?: VariableList;
  /**
   * Set the caller id on the dialed channel before its variables: ARI originates do (AMI recording
   * ami-14a shows NewCallerid before VarSet), AMI originates set the variables first (ami-03).
   */
  callerIdFirst?: boolean;
  channelId?: string;
  otherChannelId?: string;
  accountcode?: string;
  /** Correlates the `OriginateResult` event (AMI ActionID, ...). */
  originateId?: string;
}

export interface OriginateOutcome {
  success: boolean;
  /** AMI Reason code (ORIGINATE_REASON). */
  reason: number;
  cause: number;
  channel: ChannelSnapshot | null;
}

export interface OriginateHandle {
  channel: ChannelSnapshot;
  /** The `;2` half of a Local channel. */
  other?: ChannelSnapshot;
  /** Settles when the call is answered or has failed. Never rejects. */
  result: Promise<OriginateOutcome>;
}

export interface PlaceCallRequest {
  /** `Tech/resource` of the calling phone, e.g. `PJSIP/1001`; need not be a registered endpoint. */
  from: string;
  context: string;
  exten: string;
  priority?: number;
  callerId?: CallerId | string;
  variables?: VariableList;
  channelId?: string;
}

/** A dialplan application: returns what the pbx loop does next. */
export type DialplanAppResult = { next: true } | { hangup: true } | { goto: { context?: string; exten?: string; priority: number } };
export type DialplanApplication = (ctx: DialplanAppContext) => Promise<DialplanAppResult>;
export interface DialplanAppContext {
  pbx: SimPbx;
  /** Live snapshot getter of the channel running the app. */
  channel(): ChannelSnapshot;
  channelId: string;
  data: string;
  /** Aborted when the channel is hung up. */
  signal: AbortSignal;
  sleep(ms: number): Promise<boolean>;
}

interface MemberState {
  queue: string;
  interface: string;
  name: string;
  stateInterface: string;
  membership: "static" | "dynamic";
  penalty: number;
  callsTaken: number;
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: boolean;
  paused: boolean;
  pausedReason: string;
  /** Being rung by a caller right now. */
  ringing: boolean;
  /** Last status reported in QueueMemberStatus (app_queue reports changes only). */
  reportedStatus?: number;
}

interface CallerEntry {
  channel: Channel;
  joinedAt: number;
  originalPosition: number;
}

interface QueueState {
  cfg: QueueConfig;
  members: MemberState[];
  callers: CallerEntry[];
  completed: number;
  abandoned: number;
  holdtimeTotal: number;
  talktimeTotal: number;
}

const NEXT: DialplanAppResult = { next: true };
const HANGUP: DialplanAppResult = { hangup: true };

export class SimPbx {
  readonly entityId: string;
  readonly systemName: string;
  readonly startupTime = Date.now();
  lastReloadTime = Date.now();
  readonly dialplan: Dialplan;
  readonly scheduler: Scheduler;
  private readonly answerMediaWaitMs: number;

  private readonly ctx: PbxContext;
  private readonly apps = new StasisApps();
  private readonly devices: Devices;
  private readonly vars: ChannelVariables;
  private readonly media: Media;
  private readonly bridging: Bridging;
  private readonly dialplanApps = new Map<string, DialplanApplication>();
  private readonly queues = new Map<string, QueueState>();
  private readonly nameCounters = new Map<string, number>();
  private uniqueCounter = 0;

  constructor(opts: SimPbxOptions = {}) {
    this.scheduler = new Scheduler(opts.timeScale ?? 1);
    this.entityId = opts.entityId ?? "02:fc:00:00:00:01";
    this.systemName = opts.systemName ?? "";
    this.dialplan = new Dialplan(opts.recordedContexts === false ? {} : recordedDialplan(opts.recordedStasisApp ?? "cti"));
    if (opts.dialplan) this.dialplan.load(opts.dialplan);
    // mohClasses: every class is accepted, known or not, as Asterisk's ARI does
    this.ctx = new PbxContext(this.scheduler, this.dialplan, (e) => this.apps.recipients(e));
    this.devices = new Devices(this.ctx);
    this.devices.onPublished((device) => this.memberDeviceChanged(device));
    this.vars = new ChannelVariables(this.ctx);
    this.media = new Media(this.ctx, opts.media ?? {});
    this.bridging = new Bridging(this.ctx, this.vars, this.apps);
    this.answerMediaWaitMs = opts.answerMediaWaitMs ?? 500;
    this.installBuiltinApps();
    for (const q of opts.queues ?? (opts.recordedContexts === false ? [] : recordedQueues())) this.addQueue(q);
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to every event; returns an unsubscribe function. */
  onEvent(listener: PbxEventListener): () => void {
    return this.ctx.onEvent(listener);
  }

  // ---------------------------------------------------------------- queries

  listChannels(): ChannelSnapshot[] {
    return [...this.ctx.channels.values()].map((c) => c.snapshot());
  }

  /** By unique id or by channel name. */
  getChannel(idOrName: string): ChannelSnapshot | undefined {
    return this.find(idOrName)?.snapshot();
  }

  private find(idOrName: string): Channel | undefined {
    const c = this.ctx.channels.get(idOrName);
    if (c) return c;
    for (const ch of this.ctx.channels.values()) if (ch.name === idOrName) return ch;
    return undefined;
  }

  private mustFind(idOrName: string): Channel {
    const c = this.find(idOrName);
    if (!c) throw new PbxError("not-found", "Channel not found");
    return c;
  }

  /** The Stasis app a channel is in, or undefined. */
  stasisAppOf(channelId: string): string | undefined {
    return this.ctx.channels.get(channelId)?.stasis?.app;
  }

  /** All channel variables (for AMI `Status` with `AllVariables`). */
  channelVariables(idOrName: string): Record<string, string> {
    return Object.fromEntries(this.find(idOrName)?.vars ?? []);
  }

  /** The id of a Local channel's other half. */
  localPeerOf(idOrName: string): string | undefined {
    return this.find(idOrName)?.localPeer?.id;
  }

  bridgeOf(channelId: string): string | undefined {
    return this.ctx.channels.get(channelId)?.bridgeId;
  }

  /** Seconds since the channel was created (AMI `Duration`) and since it was answered. */
  channelTimes(idOrName: string): { createdAt: number; answeredAt: number | null } | undefined {
    const c = this.find(idOrName);
    return c ? { createdAt: c.creationTime, answeredAt: c.answeredAt } : undefined;
  }

  /**
   * Reads a variable or a dialplan function (`CALLERID(num)`, `CALLERID(name)`, `CHANNEL`,
   * `CHANNEL(name)`, `UNIQUEID`, `EXTEN`, `CONTEXT`, `PRIORITY`, `LINKEDID`, ...).
   * undefined when unset.
   */
  getVar(idOrName: string, name: string): string | undefined {
    return this.vars.read(this.mustFind(idOrName), name);
  }

  // ---------------------------------------------------------------- variables

  /** Sets a variable (or `CALLERID(num|name)`); emits ChannelVarset. */
  setVar(idOrName: string, name: string, value: string): void {
    this.vars.set(this.mustFind(idOrName), name, value);
  }

  // ---------------------------------------------------------------- channel creation

  private newUniqueId(): string {
    const id = `${Math.floor(Date.now() / 1000)}.${this.uniqueCounter++}`;
    return this.systemName ? `${this.systemName}-${id}` : id;
  }

  private nextNameSuffix(tech: string): string {
    const n = this.nameCounters.get(tech) ?? 0;
    this.nameCounters.set(tech, n + 1);
    return n.toString(16).padStart(8, "0");
  }

  private idTaken(id: string | undefined): boolean {
    return id !== undefined && this.ctx.channels.has(id);
  }

  private register(c: Channel): void {
    this.ctx.channels.set(c.id, c);
    this.devices.noteDevice(c.device);
  }

  private setState(c: Channel, state: ChannelState): void {
    if (c.state === state || c.destroyed) return;
    const previousState = c.state;
    c.state = state;
    this.ctx.emit({ type: "ChannelStateChange", channel: c.snapshot(), previousState });
    this.devices.schedule(c.device);
  }

  // ---------------------------------------------------------------- originate

  /**
   * Places an outgoing call, as ARI `POST /channels` and AMI `Originate` do. Validation errors
   * throw `PbxError` synchronously (`bad-request`, `invalid-endpoint`, `allocation-failed`,
   * `conflict`); everything else (no such context, no answer, busy) is reported through
   * `result` and the `OriginateResult` event, with the channels created and destroyed as on a
   * real server.
   */
  originate(req: OriginateRequest): OriginateHandle {
    if (this.ctx.stopped) throw new PbxError("allocation-failed", "Allocation failed");
    if (!req.endpoint) throw new PbxError("bad-request", "Endpoint must be specified");
    const hasTarget = !!req.app || !!req.application || !!req.exten || !!req.context;
    if (!hasTarget) throw new PbxError("bad-request", "Application or extension must be specified");
    const slash = req.endpoint.indexOf("/");
    if (slash <= 0 || slash === req.endpoint.length - 1) throw new PbxError("invalid-endpoint", "Invalid endpoint specified");
    const tech = req.endpoint.slice(0, slash);
    const resource = req.endpoint.slice(slash + 1);
    if (this.idTaken(req.channelId) || this.idTaken(req.otherChannelId) || (req.channelId !== undefined && req.channelId === req.otherChannelId))
      throw new PbxError("conflict", "Channel with given unique ID already exists");
    const callerId = parseCallerId(req.callerId);
    const vars = variableEntries(req.variables);
    const timeoutMs = req.timeoutMs !== undefined && req.timeoutMs > 0 ? req.timeoutMs : 30_000; // Infinity: no timeout

    let resolveResult!: (o: OriginateOutcome) => void;
    const result = new Promise<OriginateOutcome>((r) => (resolveResult = r));

    if (tech.toLowerCase() === "local") {
      return this.originateLocal(req, resource, callerId, vars, timeoutMs, result, resolveResult);
    }
    const ep = this.devices.endpoint(`${tech}/${resource}`);
    if (!ep) throw new PbxError("allocation-failed", "Allocation failed");
    return this.originateEndpoint(req, ep, callerId, vars, timeoutMs, result, resolveResult);
  }

  private originateResultEvent(
    req: OriginateRequest,
    c: Channel | null,
    success: boolean,
    reason: number,
    callerId: CallerId | undefined,
  ): void {
    this.ctx.emit({
      type: "OriginateResult",
      originateId: req.originateId ?? "",
      success,
      reason,
      dialString: req.endpoint,
      channel: c ? c.snapshot() : null,
      ...(req.context !== undefined ? { context: req.context } : {}),
      ...(req.exten !== undefined ? { exten: req.exten } : {}),
      ...(req.application !== undefined ? { application: req.application } : {}),
      ...(req.data !== undefined ? { data: req.data } : {}),
      ...(req.app !== undefined ? { application: "Stasis", data: [req.app, ...(req.appArgs ?? [])].join(",") } : {}),
      callerId: callerId ?? { name: "", number: "" },
    });
  }

  private originateLocal(
    req: OriginateRequest,
    resource: string,
    callerId: CallerId | undefined,
    vars: Array<[string, string]>,
    timeoutMs: number,
    result: Promise<OriginateOutcome>,
    resolveResult: (o: OriginateOutcome) => void,
  ): OriginateHandle {
    const base = resource.split("/")[0]!;
    const at = base.indexOf("@");
    const exten = at >= 0 ? base.slice(0, at) : base;
    const context = at >= 0 ? base.slice(at + 1) : "default";
    const suffix = this.nextNameSuffix("Local");
    const device = `Local/${exten}@${context}`;
    const one = new Channel(req.channelId ?? this.newUniqueId(), `Local/${base}-${suffix};1`, "Local", "Down", context, exten, device);
    const two = new Channel(req.otherChannelId ?? this.newUniqueId(), `Local/${base}-${suffix};2`, "Local", "Ring", context, exten, device);
    two.linkedId = one.id;
    one.localPeer = two;
    two.localPeer = one;
    one.localHalf = 1;
    two.localHalf = 2;
    if (req.accountcode) one.accountcode = two.accountcode = req.accountcode;
    this.register(one);
    this.register(two);
    this.ctx.emit({ type: "ChannelCreated", channel: one.snapshot() });
    this.ctx.emit({ type: "ChannelCreated", channel: two.snapshot() });
    one.appName = "AppDial2";
    one.appData = "(Outgoing Line)";
    this.ctx.emit({ type: "ChannelDialplan", channel: one.snapshot(), app: one.appName, appData: one.appData });
    if (!req.callerIdFirst) for (const [k, v] of vars) this.vars.set(one, k, v);
    if (callerId) {
      one.caller = { ...callerId };
      this.vars.emitCallerId(one);
      one.connected = { ...callerId };
      this.ctx.emit({ type: "ChannelConnectedLine", channel: one.snapshot() });
    }
    if (req.callerIdFirst) for (const [k, v] of vars) this.vars.set(one, k, v);
    if (req.app) {
      this.apps.subscribe(req.app, one.id);
      this.apps.subscribe(req.app, two.id);
    }
    for (const [k, v] of [...vars].reverse()) this.vars.set(two, k, v);
    if (callerId) {
      // the ;2 half gets caller and connected line at once (its NewCallerid already shows both)
      two.caller = { ...callerId };
      two.connected = { ...callerId };
      this.vars.emitCallerId(two);
      this.ctx.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
    }
    const handle: OriginateHandle = { channel: one.snapshot(), other: two.snapshot(), result };

    // the dial itself runs on "another thread": after the caller got its reply
    this.scheduler.defer(() => {
      if (one.destroyed) {
        resolveResult({ success: false, reason: ORIGINATE_REASON.HANGUP, cause: one.hangupCause, channel: null });
        return;
      }
      if (!this.dialplan.exists(context, exten, 1)) {
        two.hangupCause = CAUSE.UNKNOWN;
        this.destroy(two, { propagate: false });
        this.originateResultEvent(req, null, false, ORIGINATE_REASON.FAILED, callerId);
        one.hangupCause = CAUSE.UNKNOWN;
        this.destroy(one, { propagate: false });
        resolveResult({ success: false, reason: ORIGINATE_REASON.FAILED, cause: 0, channel: null });
        return;
      }
      this.ctx.emit({
        type: "LocalBridge",
        one: one.snapshot(),
        two: two.snapshot(),
        context,
        exten,
        localOptimization: !resource.includes("/n"),
      });
      this.startDial(one, base, req, callerId, timeoutMs, resolveResult);
      void this.runPbx(two, context, exten, 1);
    });
    return handle;
  }

  private originateEndpoint(
    req: OriginateRequest,
    ep: EndpointConfig,
    callerId: CallerId | undefined,
    vars: Array<[string, string]>,
    timeoutMs: number,
    result: Promise<OriginateOutcome>,
    resolveResult: (o: OriginateOutcome) => void,
  ): OriginateHandle {
    const { tech, resource } = ep;
    const c = new Channel(
      req.channelId ?? this.newUniqueId(),
      `${tech}/${resource}-${this.nextNameSuffix(tech)}`,
      tech,
      "Down",
      req.context ?? "default",
      req.exten ?? "s",
      `${tech}/${resource}`,
    );
    if (req.accountcode) c.accountcode = req.accountcode;
    this.register(c);
    this.ctx.emit({ type: "ChannelCreated", channel: c.snapshot() });
    c.appName = "AppDial2";
    c.appData = "(Outgoing Line)";
    this.ctx.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: c.appName, appData: c.appData });
    for (const [k, v] of vars) this.vars.set(c, k, v);
    if (callerId) {
      c.caller = { ...callerId };
      this.vars.emitCallerId(c);
      c.connected = { ...callerId };
      this.ctx.emit({ type: "ChannelConnectedLine", channel: c.snapshot() });
    }
    if (req.app) this.apps.subscribe(req.app, c.id);
    const call = this.makeSimCall(c);
    this.scheduler.defer(() => {
      if (c.destroyed) {
        resolveResult({ success: false, reason: ORIGINATE_REASON.HANGUP, cause: c.hangupCause, channel: null });
        return;
      }
      this.startDial(c, resource, req, callerId, timeoutMs, resolveResult);
      this.driveEndpointCall(ep, c, call);
    });
    return { channel: c.snapshot(), result };
  }

  private startDial(
    c: Channel,
    dialString: string,
    req: OriginateRequest,
    callerId: CallerId | undefined,
    timeoutMs: number,
    resolveResult: (o: OriginateOutcome) => void,
  ): void {
    const cancelTimeout = this.scheduler.after(timeoutMs, () => {
      if (!c.dial || c.dial.answered || c.destroyed) return;
      this.failDial(c, CAUSE.NO_ANSWER);
    });
    c.dial = {
      dialString,
      progress: 0,
      answered: false,
      cancelTimeout,
      onAnswer: () => {
        c.dial = undefined;
        if (req.app) void this.runOutgoingStasis(c, req.app, req.appArgs ?? []);
        else if (req.application) void this.runOutgoingApplication(c, req.application, req.data ?? "");
        else void this.runPbx(c, req.context ?? c.context, req.exten ?? "s", req.priority ?? 1);
        this.originateResultEvent(req, c, true, ORIGINATE_REASON.ANSWERED, callerId);
        resolveResult({ success: true, reason: ORIGINATE_REASON.ANSWERED, cause: 0, channel: c.snapshot() });
      },
      onFail: (cause: number) => {
        const progress = c.dial?.progress ?? 0;
        c.dial = undefined;
        const reason =
          cause === CAUSE.BUSY
            ? ORIGINATE_REASON.BUSY
            : cause === CAUSE.CONGESTION
              ? ORIGINATE_REASON.CONGESTION
              : cause === CAUSE.NO_ANSWER
                ? progress || ORIGINATE_REASON.FAILED
                : progress === ORIGINATE_REASON.RINGING
                  ? ORIGINATE_REASON.HANGUP
                  : ORIGINATE_REASON.FAILED;
        this.originateResultEvent(req, null, false, reason, callerId);
        resolveResult({ success: false, reason, cause, channel: null });
      },
    };
    this.ctx.emit({ type: "Dial", phase: "begin", peer: c.snapshot(), dialstring: dialString, dialstatus: "", forward: "" });
  }

  private dialCaller(d: DialInfo): { caller?: ChannelSnapshot } {
    return d.caller && !d.caller.destroyed ? { caller: d.caller.snapshot() } : {};
  }

  /** The dialed channel did not get answered: tear it down with `cause` (no answer, busy, ...). */
  private failDial(c: Channel, cause: number): void {
    if (c.destroyed) return;
    c.hangupCause = cause;
    c.causeSet = true;
    const d = c.dial;
    if (d) {
      d.cancelTimeout();
      d.onFail(cause);
    }
    this.destroy(c);
  }

  /** The far end of `c` (a Local `;1` or an endpoint channel being dialed) is ringing. */
  private remoteRinging(c: Channel): void {
    if (c.destroyed) return;
    if (c.state !== "Up" && c.state !== "Ringing") this.setState(c, "Ringing");
    const d = c.dial;
    if (d && !d.answered && d.progress !== ORIGINATE_REASON.RINGING) {
      d.progress = ORIGINATE_REASON.RINGING;
      this.scheduler.defer(() => {
        if (c.destroyed || c.dial !== d || d.answered) return;
        this.ctx.emit({ type: "Dial", phase: "state", ...this.dialCaller(d), peer: c.snapshot(), dialstring: d.dialString, dialstatus: "RINGING", forward: "" });
      });
    }
  }

  /** The far end of `c` answered. */
  private remoteAnswered(c: Channel): void {
    if (c.destroyed) return;
    if (c.state !== "Up") {
      c.answeredAt = Date.now();
      this.setState(c, "Up");
    }
    const d = c.dial;
    if (d && !d.answered) {
      d.answered = true;
      d.cancelTimeout();
      this.ctx.emit({ type: "Dial", phase: "end", ...this.dialCaller(d), peer: c.snapshot(), dialstring: d.dialString, dialstatus: "ANSWER", forward: "" });
      d.onAnswer();
    }
  }

  /** Answers `c` (Answer(), ARI answer, AMI). Crosses a Local pair. */
  private answerChannel(c: Channel): void {
    if (c.destroyed || c.state === "Up") return;
    c.answeredAt = Date.now();
    this.setState(c, "Up");
    const peer = c.localPeer;
    if (peer && !peer.destroyed) this.remoteAnswered(peer);
    else c.remote?.onAnswered?.();
  }

  /** Sends ringing indication from `c` towards its caller. */
  private indicateRinging(c: Channel): void {
    const peer = c.localPeer;
    if (peer && !peer.destroyed) this.remoteRinging(peer);
  }

  // ---------------------------------------------------------------- endpoints (simulated phones)

  /** Registers (or replaces) a simulated phone such as `PJSIP/1001`. */
  addEndpoint(config: EndpointConfig): void {
    this.devices.addEndpoint(config);
  }

  removeEndpoint(tech: string, resource: string): void {
    this.devices.removeEndpoint(tech, resource);
  }

  setEndpointOnline(tech: string, resource: string, online: boolean): void {
    this.devices.setEndpointOnline(tech, resource, online);
  }

  listEndpoints(): EndpointListing[] {
    return this.devices.listEndpoints();
  }

  private driveEndpointCall(cfg: EndpointConfig, c: Channel, call: SimCall): void {
    if (cfg.online === false) {
      this.failDial(c, CAUSE.SUBSCRIBER_ABSENT);
      return;
    }
    if (cfg.onCall) {
      try {
        cfg.onCall(call);
      } catch {
        // a faulty behaviour must not break the PBX
      }
      return;
    }
    if (cfg.busy) {
      this.scheduler.after(cfg.ringAfterMs ?? 50, () => call.reject(CAUSE.BUSY));
      return;
    }
    this.scheduler.after(cfg.ringAfterMs ?? 50, () => call.ring());
    const answerAfter = cfg.answerAfterMs === undefined ? 1000 : cfg.answerAfterMs;
    if (answerAfter !== null) {
      this.scheduler.after(answerAfter, () => {
        call.answer();
        if (cfg.hangupAfterMs != null) this.scheduler.after(cfg.hangupAfterMs, () => call.hangup());
      });
    }
  }

  private makeSimCall(c: Channel): SimCall {
    const handlers = {
      dtmf: new Set<(d: string) => void>(),
      answered: new Set<() => void>(),
      media: new Set<(w: string) => void>(),
      hangup: new Set<(cause: number) => void>(),
    };
    let resolveDone!: (cause: number) => void;
    const done = new Promise<number>((r) => (resolveDone = r));
    const safe = <A extends unknown[]>(set: Set<(...a: A) => void>, ...args: A): void => {
      for (const h of [...set]) {
        try {
          h(...args);
        } catch {
          // ignore
        }
      }
    };
    const remote: ChannelRemote = {
      onDtmf: (d) => safe(handlers.dtmf, d),
      onAnswered: () => safe(handlers.answered),
      onMedia: (w) => safe(handlers.media, w),
      onHangup: (cause) => {
        safe(handlers.hangup, cause);
        resolveDone(cause);
      },
    };
    c.remote = remote;
    const pbx = this;
    const call: SimCall = {
      channelId: c.id,
      channelName: c.name,
      snapshot: () => (c.destroyed ? undefined : c.snapshot()),
      ring: () => pbx.remoteRinging(c),
      answer: () => pbx.remoteAnswered(c),
      reject: (cause = CAUSE.BUSY) => {
        if (c.destroyed) return;
        if (c.dial && !c.dial.answered) pbx.failDial(c, cause);
        else pbx.queueHangup(c, cause);
      },
      hangup: (cause = CAUSE.NORMAL) => {
        if (c.destroyed) return;
        if (c.dial && !c.dial.answered) pbx.failDial(c, cause);
        else pbx.queueHangup(c, cause);
      },
      sendDtmf: async (digits, opts) => {
        for (const digit of digits) {
          if (c.destroyed) return;
          const ok = await pbx.scheduler.sleep(opts?.gapMs ?? 100);
          if (!ok || c.destroyed) return;
          const duration = opts?.durationMs ?? 100;
          pbx.ctx.emit({ type: "DtmfBegin", channel: c.snapshot(), digit, direction: "Received" });
          if (!(await pbx.scheduler.sleep(duration)) || c.destroyed) return;
          pbx.ctx.emit({ type: "DtmfEnd", channel: c.snapshot(), digit, durationMs: duration, direction: "Received" });
        }
      },
      on: ((event: keyof typeof handlers, cb: (...a: never[]) => void) => {
        (handlers[event] as Set<unknown>).add(cb);
      }) as SimCall["on"],
      done,
    };
    return call;
  }

  /**
   * A simulated phone calls into the PBX: creates `Tech/resource-0000000n` in state Ring with the
   * caller id and runs the dialplan at context/exten. Returns the phone's side of the call.
   */
  placeCall(req: PlaceCallRequest): SimCall {
    if (this.ctx.stopped) throw new PbxError("allocation-failed", "Allocation failed");
    const slash = req.from.indexOf("/");
    if (slash <= 0) throw new PbxError("invalid-endpoint", "Invalid endpoint specified");
    if (this.idTaken(req.channelId)) throw new PbxError("conflict", "Channel with given unique ID already exists");
    const tech = req.from.slice(0, slash);
    const resource = req.from.slice(slash + 1);
    const c = new Channel(
      req.channelId ?? this.newUniqueId(),
      `${tech}/${resource}-${this.nextNameSuffix(tech)}`,
      tech,
      "Ring",
      req.context,
      req.exten,
      `${tech}/${resource}`,
    );
    const cid = parseCallerId(req.callerId);
    if (cid) {
      c.caller = { ...cid };
      c.connected = { ...cid };
    }
    this.register(c);
    this.ctx.emit({ type: "ChannelCreated", channel: c.snapshot() });
    for (const [k, v] of variableEntries(req.variables)) this.vars.set(c, k, v);
    const call = this.makeSimCall(c);
    this.devices.schedule(c.device);
    this.scheduler.defer(() => {
      if (c.destroyed) return;
      if (!this.dialplan.exists(req.context, req.exten, req.priority ?? 1)) {
        c.hangupCause = CAUSE.UNALLOCATED;
        this.destroy(c);
        return;
      }
      void this.runPbx(c, req.context, req.exten, req.priority ?? 1);
    });
    return call;
  }

  // ---------------------------------------------------------------- DTMF

  /**
   * `c` sends DTMF (SendDTMF(), ARI `POST /channels/{id}/dtmf`): the Local peer or the phone
   * receives it. Resolves false if the channel hung up meanwhile.
   */
  private async sendDtmfFrom(c: Channel, digits: string, betweenMs: number, durationMs: number, beforeMs = 100): Promise<boolean> {
    // ast_dtmf_stream: a short pause first, then per digit: tone, gap (also after the last digit)
    if (beforeMs > 0 && !(await this.scheduler.sleep(beforeMs, c.abort.signal))) return false;
    for (const digit of digits) {
      if (c.destroyed || c.hangupPending) return false;
      this.ctx.emit({ type: "DtmfBegin", channel: c.snapshot(), digit, direction: "Sent" });
      const peer = c.localPeer;
      if (peer && !peer.destroyed) this.ctx.emit({ type: "DtmfBegin", channel: peer.snapshot(), digit, direction: "Received" });
      if (!(await this.scheduler.sleep(durationMs, c.abort.signal))) return false;
      this.ctx.emit({ type: "DtmfEnd", channel: c.snapshot(), digit, durationMs, direction: "Sent" });
      if (peer && !peer.destroyed) this.ctx.emit({ type: "DtmfEnd", channel: peer.snapshot(), digit, durationMs, direction: "Received" });
      else if (!peer) c.remote?.onDtmf?.(digit);
      if (!(await this.scheduler.sleep(betweenMs, c.abort.signal))) return false;
    }
    return true;
  }

  /** ARI `POST /channels/{id}/dtmf`. */
  sendDtmf(idOrName: string, digits: string, opts: { betweenMs?: number; durationMs?: number; beforeMs?: number } = {}): void {
    const c = this.mustFind(idOrName);
    void this.sendDtmfFrom(c, digits, opts.betweenMs ?? 100, opts.durationMs ?? 100, opts.beforeMs ?? 0);
  }

  // ---------------------------------------------------------------- hangup

  /**
   * Hangs a channel up on request (ARI DELETE, AMI Hangup with `via: "ami"`): sets the hangup
   * cause and requests a soft hangup (over ARI: `ChannelHangupRequest` cause 32 soft, as Asterisk
   * reports it; over AMI no request event of its own).
   */
  hangup(idOrName: string, cause: number = CAUSE.NORMAL, opts: { via?: "ari" | "ami" } = {}): void {
    const c = this.mustFind(idOrName);
    if (c.destroyed) return;
    c.hangupCause = cause;
    c.causeSet = true;
    // AMI's Hangup action (ast_channel_softhangup_withcause_locked) publishes no request of its
    // own; ARI's DELETE publishes the explicit soft hangup (cause 32)
    if (opts.via === "ami") this.requestHangup(c);
    else this.softHangup(c, SOFTHANGUP.EXPLICIT);
  }

  private softHangup(c: Channel, flag: number): void {
    if (c.destroyed) return;
    this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: flag, soft: true });
    this.requestHangup(c);
  }

  /** `ast_queue_hangup_with_cause`: the peer/phone hung up. */
  private queueHangup(c: Channel, cause: number): void {
    if (c.destroyed) return;
    if (!c.causeSet) {
      c.hangupCause = cause;
      c.causeSet = true;
    }
    this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause, soft: false });
    this.requestHangup(c);
  }

  private requestHangup(c: Channel): void {
    c.hangupPending = true;
    c.abort.abort();
    if (c.stasis) c.stasis.leave();
    if (c.onHangupRequest) {
      const hook = c.onHangupRequest;
      c.onHangupRequest = undefined;
      hook();
    }
    // a channel being dialed fails its dial; one that runs nothing is torn down at once
    if (c.dial && !c.dial.answered) this.failDial(c, c.hangupCause || CAUSE.NORMAL);
    else if (!c.runsPbx && !c.stasis && !c.runningApp) this.destroy(c);
  }

  /** `ast_hangup`: the channel is destroyed. */
  private destroy(c: Channel, opts: { propagate?: boolean } = {}): void {
    if (c.destroyed) return;
    c.destroyed = true;
    c.hangupPending = true;
    c.abort.abort();
    if (c.dial && !c.dial.answered) {
      const d = c.dial;
      d.cancelTimeout();
      d.onFail(c.hangupCause || CAUSE.NORMAL);
    }
    this.media.dropPlaybacks(c, false);
    this.media.stopMoh(c);
    if (c.bridgeId) this.bridging.leave(c);
    const peer = c.localPeer;
    if (opts.propagate !== false && peer && !peer.destroyed && !peer.hangupPending) this.queueHangup(peer, c.hangupCause);
    this.ctx.emit({ type: "Cdr", cdr: cdrFor(c) });
    this.ctx.emit({ type: "ChannelDestroyed", channel: c.snapshot(), cause: c.hangupCause, causeTxt: causeText(c.hangupCause) });
    this.ctx.channels.delete(c.id);
    this.apps.dropChannel(c.id);
    for (const w of [...c.mediaWaiters]) w();
    this.devices.schedule(c.device);
    try {
      c.remote?.onHangup?.(c.hangupCause);
    } catch {
      // ignore
    }
  }

  // ---------------------------------------------------------------- dialplan execution

  /** Registers (or replaces) a dialplan application, e.g. `Queue` or `Dial`. */
  addDialplanApplication(name: string, app: DialplanApplication): void {
    this.dialplanApps.set(name.toLowerCase(), app);
  }

  private async runPbx(c: Channel, context: string, exten: string, priority: number): Promise<void> {
    if (c.destroyed) return;
    c.runsPbx = true;
    c.context = context;
    c.exten = exten;
    c.priority = priority;
    for (;;) {
      if (c.hangupPending || c.destroyed || this.ctx.stopped) break;
      const step = this.dialplan.step(c.context, c.exten, c.priority);
      if (!step) break;
      const data = this.resolveData(c, step);
      c.appName = step.app;
      c.appData = data;
      c.lastApp = step.app;
      c.lastData = data;
      this.ctx.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: step.app, appData: data });
      let res: DialplanAppResult;
      try {
        res = await this.execApp(c, step.app, data);
      } catch {
        res = HANGUP;
      }
      if (this.ctx.stopped) return;
      if (c.pendingGoto && !c.hangupPending) {
        const to = c.pendingGoto;
        c.pendingGoto = undefined;
        c.context = to.context;
        c.exten = to.exten;
        c.priority = to.priority;
        continue;
      }
      if ("hangup" in res) break;
      if ("goto" in res) {
        if (res.goto.context) c.context = res.goto.context;
        if (res.goto.exten) c.exten = res.goto.exten;
        c.priority = res.goto.priority;
        continue;
      }
      c.priority++;
    }
    if (c.destroyed || this.ctx.stopped) return;
    if (!c.causeSet && !c.hangupCause) c.hangupCause = CAUSE.NORMAL;
    // the pbx loop ends: ast_softhangup(AST_SOFTHANGUP_APPUNLOAD), then ast_hangup
    this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: SOFTHANGUP.APPUNLOAD, soft: true });
    c.hangupPending = true;
    c.appName = "";
    c.appData = "";
    this.destroy(c);
  }

  private resolveData(c: Channel, step: PriorityStep): string {
    const get = (name: string): string => this.vars.read(c, name) ?? "";
    if (step.data === undefined) return "";
    if (typeof step.data === "function") return step.data(get);
    return expandTemplate(step.data, get);
  }

  private async execApp(c: Channel, app: string, data: string): Promise<DialplanAppResult> {
    const impl = this.dialplanApps.get(app.toLowerCase());
    if (!impl) return HANGUP; // "No application 'X' for extension" -> hangup
    const ctx: DialplanAppContext = {
      pbx: this,
      channel: () => c.snapshot(),
      channelId: c.id,
      data,
      signal: c.abort.signal,
      sleep: (ms) => this.scheduler.sleep(ms, c.abort.signal),
    };
    return impl(ctx);
  }

  /** Runs one application on an originated channel, then hangs it up (AMI Application/Data). */
  private async runOutgoingApplication(c: Channel, app: string, data: string): Promise<void> {
    c.runningApp = true;
    c.appName = app;
    c.appData = data;
    c.lastApp = app;
    c.lastData = data;
    // Asterisk runs it outside the pbx loop: no Newexten, and the channel ends with cause 0
    // (AMI recording ami-12: Hangup and the ;2's HangupRequest show Cause 0)
    try {
      await this.execApp(c, app, data);
    } catch {
      // ignore
    }
    if (this.ctx.stopped) return;
    c.runningApp = false;
    this.destroy(c);
  }

  private async runOutgoingStasis(c: Channel, app: string, args: string[]): Promise<void> {
    c.runningApp = true;
    c.appName = "Stasis";
    c.appData = [app, ...args].join(",");
    c.lastApp = c.appName;
    c.lastData = c.appData;
    const res = await this.runStasis(c, app, args, false);
    if (this.ctx.stopped || c.destroyed) return;
    c.runningApp = false;
    c.appName = "AppDial2";
    c.appData = "(Outgoing Line)";
    if (res.kind === "continue" && !c.hangupPending) {
      const to = res.to ?? { context: c.context, exten: c.exten, priority: c.priority + 1 };
      void this.runPbx(c, to.context, to.exten, to.priority);
      return;
    }
    if (!c.causeSet && !c.hangupCause) c.hangupCause = CAUSE.NORMAL;
    this.destroy(c);
  }

  /**
   * Stasis(): hands the channel to a Stasis app until it is hung up or continued.
   * Fails (STASISSTATUS=FAILED) when no WebSocket has registered the app.
   */
  private async runStasis(
    c: Channel,
    appName: string,
    args: string[],
    fromDialplan: boolean,
  ): Promise<{ kind: "failed" | "hangup" | "continue"; to?: { context: string; exten: string; priority: number } }> {
    if (!this.apps.isActive(appName)) {
      this.vars.set(c, "STASISSTATUS", "FAILED");
      return { kind: "failed" };
    }
    this.vars.set(c, "STASISSTATUS", "");
    if (c.hangupPending) {
      this.vars.set(c, "STASISSTATUS", "SUCCESS");
      return { kind: "hangup" };
    }
    this.apps.subscribe(appName, c.id);
    let leave!: () => void;
    const left = new Promise<void>((r) => (leave = r));
    c.stasis = { app: appName, args, fromDialplan, leave };
    this.ctx.emit({ type: "StasisStart", app: appName, args, channel: c.snapshot() });
    await left;
    if (this.ctx.stopped) return { kind: "hangup" };
    const info = c.stasis;
    this.media.dropPlaybacks(c, true);
    if (c.bridgeId) this.bridging.leave(c);
    this.ctx.emit({ type: "StasisEnd", app: appName, channel: c.snapshot() });
    c.stasis = undefined;
    if (fromDialplan) this.apps.unsubscribe(appName, c.id);
    this.vars.set(c, "STASISSTATUS", "SUCCESS");
    if (c.hangupPending) return { kind: "hangup" };
    return info?.continueTo ? { kind: "continue", to: info.continueTo } : { kind: "continue" };
  }

  private installBuiltinApps(): void {
    const add = (name: string, fn: (c: Channel, data: string) => Promise<DialplanAppResult>): void => {
      this.dialplanApps.set(name.toLowerCase(), (ctx) => {
        const c = this.ctx.channels.get(ctx.channelId);
        if (!c) return Promise.resolve(HANGUP);
        return fn(c, ctx.data);
      });
    };
    add("NoOp", async () => NEXT);
    add("Verbose", async () => NEXT);
    add("Progress", async () => NEXT);
    add("Answer", async (c) => {
      if (c.state === "Up") return NEXT;
      this.answerChannel(c);
      if (!this.media.mediaFlowingTo(c)) await this.media.waitForMedia(c, this.answerMediaWaitMs);
      return c.hangupPending ? HANGUP : NEXT;
    });
    add("Ringing", async (c) => {
      this.indicateRinging(c);
      return NEXT;
    });
    add("Wait", async (c, data) => {
      const secs = Number.parseFloat(data);
      const ok = await this.scheduler.sleep(Number.isFinite(secs) && secs > 0 ? secs * 1000 : 0, c.abort.signal);
      return ok && !c.hangupPending ? NEXT : HANGUP;
    });
    add("SendDTMF", async (c, data) => {
      const [digits = "", between = "", duration = ""] = data.split(",");
      const ok = await this.sendDtmfFrom(c, digits, Number(between) || 100, Number(duration) || 100);
      return ok && !c.hangupPending ? NEXT : HANGUP;
    });
    add("Hangup", async (c, data) => {
      const cause = Number.parseInt(data, 10);
      if (!c.hangupCause) c.hangupCause = Number.isFinite(cause) && cause > 0 ? cause : CAUSE.NORMAL;
      return HANGUP;
    });
    add("Busy", async (c) => {
      if (!c.hangupCause) c.hangupCause = CAUSE.BUSY;
      return HANGUP;
    });
    add("Congestion", async (c) => {
      if (!c.hangupCause) c.hangupCause = CAUSE.CONGESTION;
      return HANGUP;
    });
    add("Set", async (c, data) => {
      const eq = data.indexOf("=");
      if (eq > 0) this.vars.set(c, data.slice(0, eq).trim(), data.slice(eq + 1));
      return NEXT;
    });
    add("Goto", async (c, data) => {
      const parts = data.split(",").map((s) => s.trim());
      const prio = (p: string | undefined): number => Number.parseInt(p ?? "1", 10) || 1;
      if (parts.length === 1) return { goto: { priority: prio(parts[0]) } };
      if (parts.length === 2) return { goto: { exten: parts[0]!, priority: prio(parts[1]) } };
      return { goto: { context: parts[0]!, exten: parts[1]!, priority: prio(parts[2]) } };
    });
    add("Playback", async (c, data) => {
      for (const file of data.split(",")[0]!.split("&")) {
        const plan = this.media.plan(`sound:${file}`);
        if (plan === "fail" || plan === "stall") continue;
        notifyMedia(c, "playback");
        if (!(await this.scheduler.sleep(plan, c.abort.signal))) return HANGUP;
      }
      return NEXT;
    });
    add("MusicOnHold", async (c, data) => {
      const [cls = "", dur = ""] = data.split(",");
      this.media.startMoh(c, cls || "default");
      const secs = Number.parseFloat(dur);
      await this.scheduler.sleep(Number.isFinite(secs) && secs > 0 ? secs * 1000 : Number.POSITIVE_INFINITY, c.abort.signal);
      if (!c.destroyed) this.media.stopMoh(c);
      return c.hangupPending ? HANGUP : NEXT;
    });
    add("Queue", (c, data) => this.queueApp(c, data));
    add("Stasis", async (c, data) => {
      const [appName = "", ...args] = data.split(",");
      const res = await this.runStasis(c, appName, args, true);
      if (res.kind === "hangup") return HANGUP;
      if (res.kind === "continue" && res.to) return { goto: res.to };
      return NEXT;
    });
  }

  // ---------------------------------------------------------------- media

  /** Queues a playback of `media` on a channel (ARI play). Returns the queued playback. */
  play(channelId: string, media: string[], opts: { playbackId?: string; lang?: string } = {}): PlaybackSnapshot {
    return this.media.play(this.mustFind(channelId), media, opts);
  }

  getPlayback(id: string): PlaybackSnapshot | undefined {
    return this.media.get(id);
  }

  /** ARI DELETE /playbacks/{id}. */
  stopPlayback(id: string): void {
    this.media.stop(id);
  }

  /**
   * ARI POST /playbacks/{id}/control. Throws `not-found`, `bad-request` (unknown operation) or
   * `conflict` ("Can only <op> while media is playing").
   */
  controlPlayback(id: string, operation: string): void {
    this.media.control(id, operation);
  }

  // ---------------------------------------------------------------- MOH

  /** Starts music on hold (unknown classes are accepted, as Asterisk's ARI does). */
  startMoh(idOrName: string, mohClass?: string): void {
    this.media.startMoh(this.mustFind(idOrName), mohClass || "default");
  }

  stopMoh(idOrName: string): void {
    this.media.stopMoh(this.mustFind(idOrName));
  }

  mohClassOf(idOrName: string): string | undefined {
    return this.find(idOrName)?.mohClass;
  }

  // ---------------------------------------------------------------- channel control

  /** ARI answer; a no-op on an answered channel. */
  answer(idOrName: string): void {
    this.answerChannel(this.mustFind(idOrName));
  }

  /** ARI ring: indicate ringing to the caller. */
  ring(idOrName: string): void {
    this.indicateRinging(this.mustFind(idOrName));
  }

  /** ARI ring stop. */
  ringStop(idOrName: string): void {
    this.mustFind(idOrName);
  }

  /**
   * ARI continue: leave Stasis and go on in the dialplan. Without a location the channel goes on
   * at the next priority; a partial location fills in the channel's current context/exten and
   * priority 1.
   */
  continueInDialplan(idOrName: string, to: { context?: string; exten?: string; priority?: number } = {}): void {
    const c = this.mustFind(idOrName);
    if (!c.stasis) throw new PbxError("not-in-stasis", "Channel not in Stasis application");
    const given = to.context !== undefined || to.exten !== undefined || to.priority !== undefined;
    c.stasis.continueTo = given
      ? { context: to.context || c.context, exten: to.exten || c.exten, priority: to.priority ?? 1 }
      : c.stasis.fromDialplan
        ? { context: c.context, exten: c.exten, priority: c.priority + 1 }
        : undefined;
    c.stasis.leave();
  }

  /** AMI Redirect / ARI redirect-like: moves a channel to a dialplan location. */
  redirect(idOrName: string, to: { context: string; exten: string; priority?: number }): void {
    const c = this.mustFind(idOrName);
    const loc = { context: to.context, exten: to.exten, priority: to.priority ?? 1 };
    if (c.stasis) {
      c.stasis.continueTo = loc;
      c.stasis.leave();
      return;
    }
    if (!c.runsPbx) {
      void this.runPbx(c, loc.context, loc.exten, loc.priority);
      return;
    }
    // interrupt the running application and jump (AST_SOFTHANGUP_ASYNCGOTO)
    c.pendingGoto = loc;
    const old = c.abort;
    c.abort = new AbortController();
    old.abort();
  }

  // ---------------------------------------------------------------- Stasis apps

  /**
   * A WebSocket registered `name` (or re-registered it). Asterisk keeps the app while it has
   * channels even without a WebSocket; it is only active while one is connected.
   */
  registerApp(name: string, opts: { subscribeAll?: boolean } = {}): void {
    this.apps.register(name, opts);
  }

  /** The app's WebSocket went away. */
  deactivateApp(name: string): void {
    this.apps.deactivate(name);
  }

  getApp(name: string): StasisAppInfo | undefined {
    return this.apps.info(name);
  }

  listApps(): StasisAppInfo[] {
    return this.apps.list();
  }

  // ---------------------------------------------------------------- bridges

  /**
   * ARI POST /bridges. `types` is the comma-separated type list (`mixing`, `holding`,
   * `dtmf_events`, ...). Throws `conflict` on a duplicate id and `bridge-create-failed` on a bad type.
   */
  createBridge(opts: { bridgeId?: string; types?: string[]; name?: string } = {}): BridgeSnapshot {
    return this.bridging.create(opts);
  }

  getBridge(id: string): BridgeSnapshot | undefined {
    return this.bridging.get(id);
  }

  listBridges(): BridgeSnapshot[] {
    return this.bridging.list();
  }

  /**
   * ARI addChannel. Throws `not-found` (bridge), `bad-request` "Channel not found" (unknown
   * channel), `not-in-stasis` (a channel that is not in a Stasis app).
   */
  addToBridge(bridgeId: string, channelIds: string[], role?: string): void {
    this.bridging.addChannels(bridgeId, channelIds, role);
  }

  /** ARI removeChannel. Throws `not-found`, `bad-request` (unknown channel), `not-in-bridge`. */
  removeFromBridge(bridgeId: string, channelIds: string[]): void {
    this.bridging.removeChannels(bridgeId, channelIds);
  }

  /** ARI DELETE /bridges/{id}: channels still in it leave (and stay in Stasis). */
  destroyBridge(bridgeId: string): void {
    this.bridging.destroy(bridgeId);
  }

  // ---------------------------------------------------------------- device states

  /** Sets the state of a custom/pseudo device (`Custom:foo`, `Queue:support_avail`, ...). */
  setDeviceState(device: string, state: DeviceState): void {
    this.devices.set(device, state);
  }

  computeDeviceState(device: string): DeviceState {
    return this.devices.state(device);
  }

  /** Every device the PBX knows of, with its current state (AMI DeviceStateList). */
  deviceStates(): Array<{ device: string; state: DeviceState }> {
    return this.devices.list();
  }

  // ---------------------------------------------------------------- queues (app_queue, ringall)

  private queueState(name: string): QueueState | undefined {
    return this.queues.get(name);
  }

  private addQueue(cfg: QueueConfig): void {
    const q: QueueState = {
      cfg,
      members: [],
      callers: [],
      completed: 0,
      abandoned: 0,
      holdtimeTotal: 0,
      talktimeTotal: 0,
    };
    const now = Math.floor(Date.now() / 1000);
    for (const m of cfg.members ?? []) q.members.push(this.newMember(cfg.name, m, "static", now));
    this.queues.set(cfg.name, q);
    this.devices.set(`Queue:${cfg.name}`, "NOT_INUSE");
  }

  private newMember(queue: string, m: QueueMemberConfig, membership: "static" | "dynamic", now: number): MemberState {
    return {
      queue,
      interface: m.interface,
      name: m.name ?? m.interface,
      stateInterface: m.stateInterface ?? m.interface,
      membership,
      penalty: m.penalty ?? 0,
      callsTaken: 0,
      lastCall: 0,
      lastPause: m.paused ? now : 0,
      loginTime: now,
      inCall: false,
      paused: !!m.paused,
      pausedReason: m.pausedReason ?? "",
      ringing: false,
      reportedStatus: MEMBER_STATUS[this.devices.state(m.stateInterface ?? m.interface)] ?? 0,
    };
  }

  private memberSnapshot(m: MemberState): QueueMemberSnapshot {
    const devState = this.devices.state(m.stateInterface);
    return {
      queue: m.queue,
      interface: m.interface,
      name: m.name,
      stateInterface: m.stateInterface,
      membership: m.membership,
      penalty: m.penalty,
      callsTaken: m.callsTaken,
      lastCall: m.lastCall,
      lastPause: m.lastPause,
      loginTime: m.loginTime,
      inCall: m.inCall,
      status: MEMBER_STATUS[devState] ?? 0,
      paused: m.paused,
      pausedReason: m.pausedReason,
      ringinuse: false,
      wrapupTime: 0,
    };
  }

  /** Every queue with its members and waiting callers (AMI QueueStatus / QueueSummary). */
  listQueues(): QueueSnapshot[] {
    return [...this.queues.values()].map((q) => {
      const now = Date.now();
      return {
        name: q.cfg.name,
        strategy: q.cfg.strategy ?? "ringall",
        max: q.cfg.maxlen ?? 0,
        calls: q.callers.length,
        holdtime: q.completed ? Math.round(q.holdtimeTotal / q.completed) : 0,
        talktime: q.completed ? Math.round(q.talktimeTotal / q.completed) : 0,
        completed: q.completed,
        abandoned: q.abandoned,
        serviceLevel: q.cfg.serviceLevel ?? 0,
        serviceLevelPerf: 0,
        weight: q.cfg.weight ?? 0,
        members: q.members.map((m) => this.memberSnapshot(m)),
        entries: q.callers.map((e, i) => ({
          queue: q.cfg.name,
          position: i + 1,
          channelId: e.channel.id,
          wait: Math.floor((now - e.joinedAt) / 1000 / this.scheduler.timeScale),
          priority: 0,
        })),
      };
    });
  }

  /** AMI QueueAdd. Throws `not-found` (no such queue) or `conflict` (already a member). */
  queueAddMember(queue: string, m: QueueMemberConfig): QueueMemberSnapshot {
    const q = this.queues.get(queue);
    if (!q) throw new PbxError("not-found", "Unable to add interface: No such queue");
    if (q.members.some((x) => x.interface === m.interface)) throw new PbxError("conflict", "Unable to add interface: Already there");
    const member = this.newMember(queue, m, "dynamic", Math.floor(Date.now() / 1000));
    q.members.push(member);
    this.devices.noteDevice(member.stateInterface);
    const snap = this.memberSnapshot(member);
    this.ctx.emit({ type: "QueueMemberAdded", member: snap });
    // app_queue publishes the new member's pause device and the queue's availability (ami-11)
    this.devices.set(`Queue:${queue}_pause_${member.interface}`, member.paused ? "INUSE" : "NOT_INUSE");
    this.updateQueueAvail(q);
    return snap;
  }

  /** AMI QueueRemove. Throws `not-found` (no such queue or member) or `conflict` (static member). */
  queueRemoveMember(queue: string, iface: string): void {
    const q = this.queues.get(queue);
    if (!q) throw new PbxError("not-found", "Unable to remove interface: No such queue");
    const i = q.members.findIndex((x) => x.interface === iface);
    if (i < 0) throw new PbxError("not-found", "Unable to remove interface: Not there");
    const m = q.members[i]!;
    if (m.membership === "static") throw new PbxError("conflict", "Unable to remove interface: Not dynamic");
    q.members.splice(i, 1);
    this.ctx.emit({ type: "QueueMemberRemoved", member: this.memberSnapshot(m) });
    // the queue's availability is published again without the member (ami-11)
    this.updateQueueAvail(q);
  }

  /**
   * AMI QueuePause: pauses/unpauses `iface` in `queue` (or in every queue when undefined).
   * Throws `not-found` when no member matched.
   */
  queuePauseMember(iface: string, paused: boolean, opts: { queue?: string; reason?: string } = {}): void {
    let found = false;
    for (const q of this.queues.values()) {
      if (opts.queue !== undefined && q.cfg.name !== opts.queue) continue;
      for (const m of q.members) {
        if (m.interface !== iface) continue;
        found = true;
        m.paused = paused;
        m.pausedReason = paused ? (opts.reason ?? "") : "";
        if (paused) m.lastPause = Math.floor(Date.now() / 1000);
        this.ctx.emit({ type: "QueueMemberPause", member: this.memberSnapshot(m) });
        this.devices.set(`Queue:${q.cfg.name}_pause_${m.interface}`, paused ? "INUSE" : "NOT_INUSE");
        this.updateQueueAvail(q);
      }
    }
    if (!found) throw new PbxError("not-found", "Interface not found");
  }

  private updateQueueAvail(q: QueueState): void {
    const avail = q.members.some((m) => !m.paused && !m.inCall && !m.ringing && this.devices.state(m.stateInterface) === "NOT_INUSE");
    const state = avail ? "NOT_INUSE" : "INUSE";
    // published only when it changes (ami-11, ami-12)
    if (this.devices.customState(`Queue:${q.cfg.name}_avail`) !== state) this.devices.set(`Queue:${q.cfg.name}_avail`, state);
  }

  /** Called (deferred) when a device state was published: queue members on it report their status. */
  private memberDeviceChanged(device: string): void {
    for (const q of this.queues.values()) {
      let hit = false;
      for (const m of q.members) {
        if (m.stateInterface !== device) continue;
        hit = true;
        const snap = this.memberSnapshot(m);
        // app_queue reports a member's status when it changes, not on every device publish (ami-10/11/12)
        if (snap.status === m.reportedStatus) continue;
        m.reportedStatus = snap.status;
        this.ctx.emit({ type: "QueueMemberStatus", member: snap });
      }
      if (hit) this.updateQueueAvail(q);
    }
  }

  /** Creates the channel(s) that ring a queue member; returns the dialed channel (Local `;1`). */
  private createMemberChannel(caller: Channel, iface: string): Channel | undefined {
    const slash = iface.indexOf("/");
    if (slash <= 0) return undefined;
    const tech = iface.slice(0, slash);
    const resource = iface.slice(slash + 1);
    if (tech.toLowerCase() === "local") {
      const base = resource.split("/")[0]!;
      const at = base.indexOf("@");
      const exten = at >= 0 ? base.slice(0, at) : base;
      const context = at >= 0 ? base.slice(at + 1) : "default";
      if (!this.dialplan.exists(context, exten, 1)) return undefined;
      const suffix = this.nextNameSuffix("Local");
      const device = `Local/${exten}@${context}`;
      const one = new Channel(this.newUniqueId(), `Local/${base}-${suffix};1`, "Local", "Down", context, exten, device);
      const two = new Channel(this.newUniqueId(), `Local/${base}-${suffix};2`, "Local", "Ring", context, exten, device);
      one.linkedId = two.linkedId = caller.linkedId;
      one.localPeer = two;
      two.localPeer = one;
      one.localHalf = 1;
      two.localHalf = 2;
      this.register(one);
      this.register(two);
      // created without caller id; app_queue then gives the ;1 the caller's id and the Local
      // channel passes it (and the connected line) to the ;2 (AMI recordings ami-10, ami-11)
      this.ctx.emit({ type: "ChannelCreated", channel: one.snapshot() });
      this.ctx.emit({ type: "ChannelCreated", channel: two.snapshot() });
      one.caller = { ...caller.caller };
      one.appName = "AppQueue";
      one.appData = "(Outgoing Line)";
      this.ctx.emit({ type: "ChannelDialplan", channel: one.snapshot(), app: one.appName, appData: one.appData });
      this.vars.emitCallerId(one);
      this.vars.set(one, "DIALEDPEERNUMBER", base);
      this.vars.set(two, "DIALEDPEERNUMBER", base);
      two.caller = { ...caller.caller };
      two.connected = { ...caller.caller };
      this.vars.emitCallerId(two);
      this.ctx.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
      this.ctx.emit({ type: "LocalBridge", one: one.snapshot(), two: two.snapshot(), context, exten, localOptimization: true });
      one.runningApp = true;
      return one;
    }
    const ep = this.devices.endpoint(iface);
    if (!ep) return undefined;
    const c = new Channel(this.newUniqueId(), `${tech}/${resource}-${this.nextNameSuffix(tech)}`, tech, "Down", caller.context, caller.exten, iface);
    c.linkedId = caller.linkedId;
    c.caller = { ...caller.caller };
    c.connected = { ...caller.caller };
    this.register(c);
    this.ctx.emit({ type: "ChannelCreated", channel: c.snapshot() });
    c.appName = "AppQueue";
    c.appData = "(Outgoing Line)";
    this.ctx.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: c.appName, appData: c.appData });
    this.vars.set(c, "DIALEDPEERNUMBER", resource);
    c.runningApp = true;
    return c;
  }

  /** Starts ringing a member channel created by `createMemberChannel`. */
  private ringMember(caller: Channel, c: Channel, dialString: string, onAnswer: () => void, onFail: (cause: number) => void): void {
    c.dial = { dialString, progress: 0, answered: false, cancelTimeout: () => {}, onAnswer, onFail, caller };
    this.ctx.emit({ type: "Dial", phase: "begin", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "", forward: "" });
    // a Local member's ;1 shows the caller as connected line from then on (DialBegin still showed none)
    if (c.localPeer && c.connected.number === "" && c.connected.name === "") c.connected = { ...caller.caller };
    const peer = c.localPeer;
    if (peer) void this.runPbx(peer, peer.context, peer.exten, 1);
    else {
      const ep = this.devices.endpoint(c.device);
      if (ep) this.driveEndpointCall(ep, c, this.makeSimCall(c));
    }
  }

  /** Ends a member call that was not answered (ring timeout, answered elsewhere, caller gone). */
  private cancelMember(caller: Channel, c: Channel, status: "NOANSWER" | "CANCEL", cause: number): void {
    if (c.destroyed) return;
    const d = c.dial;
    const dialString = d?.dialString ?? "";
    c.dial = undefined;
    if (status === "NOANSWER")
      this.ctx.emit({ type: "Dial", phase: "end", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "NOANSWER", forward: "" });
    this.ctx.emit({ type: "Dial", phase: "end", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "CANCEL", forward: "" });
    c.runningApp = false;
    c.hangupCause = cause;
    c.causeSet = true;
    this.destroy(c);
  }

  /** Queue(queuename[,options[,URL[,announceoverride[,timeout]]]]): ringall. */
  private async queueApp(c: Channel, data: string): Promise<DialplanAppResult> {
    const args = data.split(",");
    const q = this.queueState(args[0] ?? "");
    if (!q) {
      this.vars.set(c, "QUEUESTATUS", "UNKNOWN");
      return NEXT;
    }
    for (const v of ["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"]) this.vars.set(c, v, "");
    const startedAt = Date.now();
    const entry: CallerEntry = { channel: c, joinedAt: startedAt, originalPosition: q.callers.length + 1 };
    q.callers.push(entry);
    this.devices.set(`Queue:${q.cfg.name}`, "RINGING");
    this.ctx.emit({ type: "QueueCallerJoin", queue: q.cfg.name, position: q.callers.length, count: q.callers.length, channel: c.snapshot() });
    this.media.startMoh(c, q.cfg.mohClass ?? "default");
    const timeoutSecs = Number.parseFloat(args[4] ?? "");
    let queueTimedOut = false;
    const cancelQueueTimeout = Number.isFinite(timeoutSecs) && timeoutSecs > 0 ? this.scheduler.after(timeoutSecs * 1000, () => {
      queueTimedOut = true;
      wake();
    }) : () => {};
    let wake: () => void = () => {};
    const position = (): number => q.callers.indexOf(entry) + 1;
    const simSeconds = (ms: number): number => Math.round(ms / 1000 / this.scheduler.timeScale);
    const leave = (): void => {
      const pos = position();
      const i = q.callers.indexOf(entry);
      if (i >= 0) q.callers.splice(i, 1);
      if (q.callers.length === 0) this.devices.set(`Queue:${q.cfg.name}`, "NOT_INUSE");
      this.ctx.emit({ type: "QueueCallerLeave", queue: q.cfg.name, position: pos, count: q.callers.length, channel: c.snapshot() });
    };
    try {
      for (;;) {
        if (c.hangupPending || c.destroyed) break;
        if (queueTimedOut) {
          this.media.stopMoh(c);
          leave();
          this.vars.set(c, "QUEUESTATUS", "TIMEOUT");
          return NEXT;
        }
        const members = q.cfg.strategy && q.cfg.strategy !== "ringall" ? q.members : q.members;
        const free =
          q.callers[0] === entry
            ? members.filter((m) => !m.paused && !m.inCall && !m.ringing && ["NOT_INUSE", "UNKNOWN"].includes(this.devices.state(m.stateInterface)))
            : [];
        if (free.length === 0) {
          await new Promise<void>((resolve) => {
            const signal = c.abort.signal;
            const finish = (): void => {
              cancel();
              signal.removeEventListener("abort", finish);
              resolve();
            };
            const cancel = this.scheduler.after(q.cfg.retryMs ?? 2000, finish);
            wake = finish;
            signal.addEventListener("abort", finish, { once: true });
          });
          if (this.ctx.stopped) return HANGUP;
          continue;
        }
        // ring every free member at once
        const attempts: Array<{ m: MemberState; ch: Channel; calledAt: number }> = [];
        let answered: { m: MemberState; ch: Channel; calledAt: number } | undefined;
        let ringTimedOut = false;
        const signal = c.abort.signal;
        let onAbort = (): void => {};
        const done = new Promise<void>((resolve) => {
          wake = resolve;
          onAbort = () => resolve();
          signal.addEventListener("abort", onAbort, { once: true });
        });
        for (const m of free) {
          const ch = this.createMemberChannel(c, m.interface);
          if (!ch) continue;
          const attempt = { m, ch, calledAt: Date.now() };
          attempts.push(attempt);
          m.ringing = true;
          this.ctx.emit({ type: "AgentCalled", queue: q.cfg.name, member: this.memberSnapshot(m), channel: c.snapshot(), destChannel: ch.snapshot() });
          this.ringMember(
            c,
            ch,
            // app_queue's DialBegin shows the whole interface (ami-10: `Local/agent2@agents`)
            m.interface,
            () => {
              if (!answered) {
                answered = attempt;
                wake();
              }
            },
            () => wake(),
          );
        }
        const cancelRing = this.scheduler.after(q.cfg.memberTimeoutMs ?? 15_000, () => {
          ringTimedOut = true;
          wake();
        });
        await done;
        signal.removeEventListener("abort", onAbort);
        cancelRing();
        if (this.ctx.stopped) return HANGUP;
        const winner = answered as { m: MemberState; ch: Channel; calledAt: number } | undefined;
        for (const a of attempts) {
          a.m.ringing = false;
          if (a === winner || a.ch.destroyed) continue;
          if (winner) this.cancelMember(c, a.ch, "CANCEL", CAUSE.ANSWERED_ELSEWHERE);
          else if (ringTimedOut && !c.hangupPending && !queueTimedOut) {
            this.ctx.emit({
              type: "AgentRingNoAnswer",
              queue: q.cfg.name,
              member: this.memberSnapshot(a.m),
              channel: c.snapshot(),
              destChannel: a.ch.snapshot(),
              // a timer may fire a millisecond before Date.now() says it is due: scaled up, that would
              // report less than the member timeout that just expired
              ringTime: Math.max(q.cfg.memberTimeoutMs ?? 15_000, Math.round((Date.now() - a.calledAt) / this.scheduler.timeScale)),
            });
            this.cancelMember(c, a.ch, "NOANSWER", CAUSE.UNKNOWN);
          } else this.cancelMember(c, a.ch, "CANCEL", CAUSE.UNKNOWN);
        }
        if (winner && !c.hangupPending) return await this.queueConnect(q, c, entry, winner, leave, simSeconds);
        if (winner) this.cancelMember(c, winner.ch, "CANCEL", CAUSE.UNKNOWN);
        if (c.hangupPending || queueTimedOut) continue;
        // retry after the pause
        if (!(await this.scheduler.sleep(q.cfg.retryMs ?? 2000, c.abort.signal))) continue;
      }
      // the caller hung up while waiting
      this.media.stopMoh(c);
      const pos = position();
      q.abandoned++;
      // app_queue's variables for an abandoned call, before QueueCallerAbandon (ami-11)
      const waitedMs = Math.round((Date.now() - entry.joinedAt) / this.scheduler.timeScale);
      this.vars.set(c, "QUEUEWAIT", String(Math.floor(waitedMs / 1000)));
      this.vars.set(c, "QUEUEWAIT_MS", String(waitedMs));
      this.vars.set(c, "DIALEDTIME", String(Math.floor(waitedMs / 1000)));
      this.vars.set(c, "DIALEDTIME_MS", String(waitedMs));
      this.vars.set(c, "ANSWEREDTIME", "0");
      this.vars.set(c, "ANSWEREDTIME_MS", "0");
      this.vars.set(c, "ABANDONED", "TRUE");
      this.ctx.emit({
        type: "QueueCallerAbandon",
        queue: q.cfg.name,
        position: pos,
        originalPosition: entry.originalPosition,
        holdTime: simSeconds(Date.now() - entry.joinedAt),
        channel: c.snapshot(),
      });
      leave();
      this.vars.set(c, "QUEUEPOSITION", String(entry.originalPosition));
      return HANGUP;
    } finally {
      cancelQueueTimeout();
      const i = q.callers.indexOf(entry);
      if (i >= 0) q.callers.splice(i, 1);
    }
  }

  private async queueConnect(
    q: QueueState,
    c: Channel,
    entry: CallerEntry,
    winner: { m: MemberState; ch: Channel; calledAt: number },
    leave: () => void,
    simSeconds: (ms: number) => number,
  ): Promise<DialplanAppResult> {
    const { m, ch } = winner;
    const connectedAt = Date.now();
    this.media.stopMoh(c);
    leave();
    const waitMs = connectedAt - entry.joinedAt;
    this.vars.set(c, "QUEUEPOSITION", String(entry.originalPosition));
    this.vars.set(c, "QUEUEWAIT", String(simSeconds(waitMs)));
    this.vars.set(c, "QUEUEWAIT_MS", String(Math.round(waitMs / this.scheduler.timeScale)));
    m.inCall = true;
    const holdTime = simSeconds(waitMs);
    this.ctx.emit({
      type: "AgentConnect",
      queue: q.cfg.name,
      member: this.memberSnapshot(m),
      channel: c.snapshot(),
      destChannel: ch.snapshot(),
      holdTime,
      ringTime: simSeconds(connectedAt - winner.calledAt),
    });
    const b = this.bridging.createBasic();
    this.bridging.enter(b, ch);
    this.bridging.enter(b, c);
    // wait until one side hangs up
    let agentLeft = false;
    await new Promise<void>((resolve) => {
      if (ch.hangupPending || ch.destroyed) {
        agentLeft = true;
        return resolve();
      }
      ch.onHangupRequest = () => {
        agentLeft = true;
        resolve();
      };
      c.abort.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    if (this.ctx.stopped) return HANGUP;
    const talkMs = Date.now() - connectedAt;
    m.inCall = false;
    m.callsTaken++;
    m.lastCall = Math.floor(Date.now() / 1000);
    q.completed++;
    q.holdtimeTotal += holdTime;
    q.talktimeTotal += simSeconds(talkMs);
    this.ctx.emit({
      type: "AgentComplete",
      queue: q.cfg.name,
      member: this.memberSnapshot(m),
      channel: c.snapshot(),
      destChannel: ch.snapshot(),
      holdTime,
      talkTime: simSeconds(talkMs),
      reason: agentLeft ? "agent" : "caller",
    });
    if (ch.bridgeId) this.bridging.leave(ch);
    if (c.bridgeId) this.bridging.leave(c);
    const answeredMs = Math.round(talkMs / this.scheduler.timeScale);
    const dialedMs = Math.round((Date.now() - winner.calledAt) / this.scheduler.timeScale);
    this.vars.set(c, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
    this.vars.set(c, "ANSWEREDTIME_MS", String(answeredMs));
    this.vars.set(c, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
    this.vars.set(c, "DIALEDTIME_MS", String(dialedMs));
    this.bridging.close(b);
    ch.runningApp = false;
    ch.onHangupRequest = undefined;
    if (!ch.destroyed) {
      if (!ch.hangupCause) ch.hangupCause = c.hangupCause || CAUSE.NORMAL;
      this.destroy(ch);
    }
    this.updateQueueAvail(q);
    return HANGUP;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Simulates `core stop now` / `core restart now`: every channel gets ChannelHangupRequest
   * cause 4 (soft), then `Shutdown` is emitted and every channel hangs up (Stasis channels see
   * StasisEnd first). The servers around the PBX drop their connections.
   */
  shutdown(restart = false): void {
    if (this.ctx.stopped) return;
    // every channel is soft-hung-up (cause 4) before Shutdown is published (AMI recording ami-14a)
    const live = [...this.ctx.channels.values()].filter((c) => !c.destroyed);
    for (const c of live) this.ctx.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: SOFTHANGUP.SHUTDOWN, soft: true });
    this.ctx.emit({ type: "Shutdown", restart });
    // then the channels wind down without a cause of their own (they end with 0, as recorded): a
    // Stasis channel leaves its app at once (StasisEnd), the others notice a moment later unless
    // their Local peer's hangup reached them first (ami-14a: HangupRequest cause 0 on the ;1)
    for (const c of live) c.causeSet = true;
    for (const c of live) if (c.stasis) this.requestHangup(c);
    this.scheduler.defer(() => {
      for (const c of live) if (!c.destroyed && !c.hangupPending) this.requestHangup(c);
    });
  }

  /** `module reload` / AMI `Reload`: records the reload time and emits `Reload`. */
  reload(module = "All"): void {
    this.lastReloadTime = Date.now();
    this.ctx.emit({ type: "Reload", module });
  }

  get isStopped(): boolean {
    return this.ctx.stopped;
  }

  /** Cancels every timer and forgets all state. Idempotent. */
  stop(): void {
    if (this.ctx.stopped) return;
    this.ctx.stop();
    this.media.clear();
  }
}
