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
import { randomUUID } from "node:crypto";
import { Bridge, BRIDGE_TYPE_FLAGS } from "./model/bridge.js";
import { Channel, type ChannelRemote, type DialInfo } from "./model/channel.js";
import { Dialplan, expandTemplate, recordedDialplan, type DialplanSpec, type PriorityStep } from "./model/dialplan.js";
import type { PbxEvent, PbxEventInput, PbxEventListener } from "./model/events.js";
import { planMedia, Playback, type MediaOptions } from "./model/media.js";
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
  type CdrRecord,
  type ChannelSnapshot,
  type ChannelState,
  type DeviceState,
  type PlaybackSnapshot,
  SOFTHANGUP,
} from "./model/types.js";
import { PbxError } from "./pbx/errors.js";

export * from "./model/types.js";
export type * from "./model/events.js";
export type { DialplanSpec, PriorityStep, ContextSpec, AppDataSpec, VarGetter } from "./model/dialplan.js";
export { recordedDialplan } from "./model/dialplan.js";
export type { MediaOptions } from "./model/media.js";
export type { QueueConfig, QueueMemberConfig, QueueMemberSnapshot, QueueSnapshot, QueueEntrySnapshot } from "./model/queue.js";
export { MEMBER_STATUS, recordedQueues } from "./model/queue.js";
export type { EndpointConfig, SimCall } from "./model/phone.js";
export { PbxError, type PbxErrorCode } from "./pbx/errors.js";

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

/** Ordered variables: [name, value] pairs (order matters for the events), or a plain object. */
export type VariableList = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

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

export interface StasisAppInfo {
  name: string;
  active: boolean;
  subscribeAll: boolean;
  channelIds: string[];
  bridgeIds: string[];
}

interface StasisApp {
  name: string;
  active: boolean;
  subscribeAll: boolean;
  channels: Set<string>;
  bridges: Set<string>;
}

interface EndpointState {
  config: EndpointConfig;
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

function parseCallerId(cid: CallerId | string | undefined): CallerId | undefined {
  if (cid === undefined) return undefined;
  if (typeof cid !== "string") return { name: cid.name ?? "", number: cid.number ?? "" };
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]*)>\s*$/.exec(cid);
  if (m) return { name: (m[1] ?? "").trim(), number: (m[2] ?? "").trim() };
  const t = cid.trim();
  return /^[0-9+*#]+$/.test(t) ? { name: "", number: t } : { name: t, number: "" };
}

function variableEntries(v: VariableList | undefined): Array<[string, string]> {
  if (!v) return [];
  if (Array.isArray(v)) return v.map(([k, val]) => [String(k), String(val)]);
  return Object.entries(v as Record<string, unknown>).map(([k, val]) => [k, String(val)]);
}

export class SimPbx {
  readonly entityId: string;
  readonly systemName: string;
  readonly startupTime = Date.now();
  lastReloadTime = Date.now();
  readonly dialplan: Dialplan;
  readonly scheduler: Scheduler;
  private readonly media: MediaOptions;
  private readonly mohClasses: Set<string>;
  private readonly answerMediaWaitMs: number;

  private readonly listeners = new Set<PbxEventListener>();
  private readonly channelsById = new Map<string, Channel>();
  private readonly bridges = new Map<string, Bridge>();
  private readonly playbacks = new Map<string, Playback>();
  private readonly channelPlaybacks = new Map<string, Playback[]>();
  private readonly apps = new Map<string, StasisApp>();
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly customDeviceStates = new Map<string, DeviceState>();
  private readonly knownDevices = new Set<string>();
  private readonly dialplanApps = new Map<string, DialplanApplication>();
  private readonly queues = new Map<string, QueueState>();
  private readonly nameCounters = new Map<string, number>();
  private uniqueCounter = 0;
  private stopped = false;

  constructor(opts: SimPbxOptions = {}) {
    this.scheduler = new Scheduler(opts.timeScale ?? 1);
    this.entityId = opts.entityId ?? "02:fc:00:00:00:01";
    this.systemName = opts.systemName ?? "";
    this.dialplan = new Dialplan(opts.recordedContexts === false ? {} : recordedDialplan(opts.recordedStasisApp ?? "cti"));
    if (opts.dialplan) this.dialplan.load(opts.dialplan);
    this.media = opts.media ?? {};
    this.mohClasses = new Set(opts.mohClasses ?? ["default"]);
    this.answerMediaWaitMs = opts.answerMediaWaitMs ?? 500;
    this.installBuiltinApps();
    for (const q of opts.queues ?? (opts.recordedContexts === false ? [] : recordedQueues())) this.addQueue(q);
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to every event; returns an unsubscribe function. */
  onEvent(listener: PbxEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(input: PbxEventInput): void {
    if (this.stopped) return;
    const event = { ...input, at: Date.now(), apps: this.recipients(input) } as PbxEvent;
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // a listener must not break the PBX
      }
    }
  }

  private recipients(e: PbxEventInput): string[] {
    switch (e.type) {
      case "LocalBridge":
      case "DtmfBegin":
      case "MohStart":
      case "MohStop":
      case "Cdr":
      case "OriginateResult":
      case "Shutdown":
      case "Reload":
      case "QueueCallerJoin":
      case "QueueCallerLeave":
      case "QueueCallerAbandon":
      case "AgentCalled":
      case "AgentRingNoAnswer":
      case "AgentConnect":
      case "AgentComplete":
      case "QueueMemberStatus":
      case "QueueMemberAdded":
      case "QueueMemberRemoved":
      case "QueueMemberPause":
        return [];
      case "StasisStart":
      case "StasisEnd":
        return this.apps.has(e.app) ? [e.app] : [];
      case "DeviceStateChanged":
        return [...this.apps.values()].filter((a) => a.subscribeAll).map((a) => a.name);
      default:
        break;
    }
    if (e.type === "DtmfEnd" && e.direction !== "Received") return [];
    const channelIds: string[] = [];
    let bridgeId: string | undefined;
    if ("channel" in e && e.channel && typeof e.channel === "object" && "id" in e.channel) channelIds.push(e.channel.id);
    if (e.type === "Dial") {
      channelIds.push(e.peer.id);
      if (e.caller) channelIds.push(e.caller.id);
    }
    if ("bridge" in e && e.bridge) bridgeId = e.bridge.id;
    if ("playback" in e && e.playback) {
      const t = e.playback.targetUri;
      if (t.startsWith("channel:")) channelIds.push(t.slice(8));
      else if (t.startsWith("bridge:")) bridgeId = t.slice(7);
    }
    const out: string[] = [];
    for (const app of this.apps.values()) {
      if (
        app.subscribeAll ||
        channelIds.some((id) => app.channels.has(id)) ||
        (bridgeId !== undefined && app.bridges.has(bridgeId))
      )
        out.push(app.name);
    }
    return out;
  }

  // ---------------------------------------------------------------- queries

  listChannels(): ChannelSnapshot[] {
    return [...this.channelsById.values()].map((c) => c.snapshot());
  }

  /** By unique id or by channel name. */
  getChannel(idOrName: string): ChannelSnapshot | undefined {
    return this.find(idOrName)?.snapshot();
  }

  private find(idOrName: string): Channel | undefined {
    const c = this.channelsById.get(idOrName);
    if (c) return c;
    for (const ch of this.channelsById.values()) if (ch.name === idOrName) return ch;
    return undefined;
  }

  private mustFind(idOrName: string): Channel {
    const c = this.find(idOrName);
    if (!c) throw new PbxError("not-found", "Channel not found");
    return c;
  }

  /** The Stasis app a channel is in, or undefined. */
  stasisAppOf(channelId: string): string | undefined {
    return this.channelsById.get(channelId)?.stasis?.app;
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
    return this.channelsById.get(channelId)?.bridgeId;
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
    const c = this.find(idOrName);
    if (!c) throw new PbxError("not-found", "Channel not found");
    return this.readVar(c, name);
  }

  private readVar(c: Channel, rawName: string): string | undefined {
    const name = rawName.trim();
    const fn = /^([A-Z_]+)\((.*)\)$/i.exec(name);
    if (fn) {
      const f = fn[1]!.toUpperCase();
      const arg = fn[2]!.trim().toLowerCase();
      if (f === "CALLERID" || f === "CONNECTEDLINE") {
        const id = f === "CALLERID" ? c.caller : c.connected;
        if (arg === "num" || arg === "number") return id.number;
        if (arg === "name") return id.name;
        if (arg === "all" || arg === "") return id.name ? `"${id.name}" <${id.number}>` : id.number;
        return "";
      }
      if (f === "CHANNEL") {
        switch (arg) {
          case "name":
            return c.name;
          case "uniqueid":
            return c.id;
          case "linkedid":
            return c.linkedId;
          case "state":
            return c.state;
          case "language":
            return c.language;
          case "accountcode":
            return c.accountcode;
          case "context":
            return c.context;
          case "exten":
            return c.exten;
          case "channeltype":
            return c.tech;
          default:
            return "";
        }
      }
      return undefined;
    }
    switch (name) {
      case "CHANNEL":
        return c.name;
      case "UNIQUEID":
        return c.id;
      case "LINKEDID":
        return c.linkedId;
      case "EXTEN":
        return c.exten;
      case "CONTEXT":
        return c.context;
      case "PRIORITY":
        return String(c.priority);
      case "HANGUPCAUSE":
        return String(c.hangupCause);
      default:
        return c.vars.get(name);
    }
  }

  // ---------------------------------------------------------------- variables

  /** Sets a variable (or `CALLERID(num|name)`); emits ChannelVarset. */
  setVar(idOrName: string, name: string, value: string): void {
    this.setVarOn(this.mustFind(idOrName), name, value);
  }

  private setVarOn(c: Channel, name: string, value: string): void {
    const fn = /^(CALLERID|CONNECTEDLINE)\((num|number|name)\)$/i.exec(name.trim());
    if (fn) {
      const which = fn[1]!.toUpperCase() === "CALLERID" ? c.caller : c.connected;
      if (fn[2]!.toLowerCase() === "name") which.name = value;
      else which.number = value;
      if (fn[1]!.toUpperCase() === "CALLERID") this.emitCallerId(c);
      else this.emit({ type: "ChannelConnectedLine", channel: c.snapshot() });
      return;
    }
    c.vars.set(name, value);
    this.emit({ type: "ChannelVarset", channel: c.snapshot(), variable: name, value });
  }

  private emitCallerId(c: Channel): void {
    this.emit({
      type: "ChannelCallerId",
      channel: c.snapshot(),
      callerPresentation: 0,
      callerPresentationTxt: "Presentation Allowed, Not Screened",
    });
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
    return id !== undefined && this.channelsById.has(id);
  }

  private register(c: Channel): void {
    this.channelsById.set(c.id, c);
    this.knownDevices.add(c.device);
  }

  private setState(c: Channel, state: ChannelState): void {
    if (c.state === state || c.destroyed) return;
    const previousState = c.state;
    c.state = state;
    this.emit({ type: "ChannelStateChange", channel: c.snapshot(), previousState });
    this.scheduleDeviceState(c.device);
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
    if (this.stopped) throw new PbxError("allocation-failed", "Allocation failed");
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
    const ep = this.endpoints.get(`${tech}/${resource}`);
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
    this.emit({
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
    this.emit({ type: "ChannelCreated", channel: one.snapshot() });
    this.emit({ type: "ChannelCreated", channel: two.snapshot() });
    one.appName = "AppDial2";
    one.appData = "(Outgoing Line)";
    this.emit({ type: "ChannelDialplan", channel: one.snapshot(), app: one.appName, appData: one.appData });
    if (!req.callerIdFirst) for (const [k, v] of vars) this.setVarOn(one, k, v);
    if (callerId) {
      one.caller = { ...callerId };
      this.emitCallerId(one);
      one.connected = { ...callerId };
      this.emit({ type: "ChannelConnectedLine", channel: one.snapshot() });
    }
    if (req.callerIdFirst) for (const [k, v] of vars) this.setVarOn(one, k, v);
    if (req.app) {
      this.subscribe(req.app, one.id);
      this.subscribe(req.app, two.id);
    }
    for (const [k, v] of [...vars].reverse()) this.setVarOn(two, k, v);
    if (callerId) {
      // the ;2 half gets caller and connected line at once (its NewCallerid already shows both)
      two.caller = { ...callerId };
      two.connected = { ...callerId };
      this.emitCallerId(two);
      this.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
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
      this.emit({
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
    ep: EndpointState,
    callerId: CallerId | undefined,
    vars: Array<[string, string]>,
    timeoutMs: number,
    result: Promise<OriginateOutcome>,
    resolveResult: (o: OriginateOutcome) => void,
  ): OriginateHandle {
    const { tech, resource } = ep.config;
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
    this.emit({ type: "ChannelCreated", channel: c.snapshot() });
    c.appName = "AppDial2";
    c.appData = "(Outgoing Line)";
    this.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: c.appName, appData: c.appData });
    for (const [k, v] of vars) this.setVarOn(c, k, v);
    if (callerId) {
      c.caller = { ...callerId };
      this.emitCallerId(c);
      c.connected = { ...callerId };
      this.emit({ type: "ChannelConnectedLine", channel: c.snapshot() });
    }
    if (req.app) this.subscribe(req.app, c.id);
    const call = this.makeSimCall(c);
    this.scheduler.defer(() => {
      if (c.destroyed) {
        resolveResult({ success: false, reason: ORIGINATE_REASON.HANGUP, cause: c.hangupCause, channel: null });
        return;
      }
      this.startDial(c, resource, req, callerId, timeoutMs, resolveResult);
      this.driveEndpointCall(ep.config, c, call);
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
    this.emit({ type: "Dial", phase: "begin", peer: c.snapshot(), dialstring: dialString, dialstatus: "", forward: "" });
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
        this.emit({ type: "Dial", phase: "state", ...this.dialCaller(d), peer: c.snapshot(), dialstring: d.dialString, dialstatus: "RINGING", forward: "" });
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
      this.emit({ type: "Dial", phase: "end", ...this.dialCaller(d), peer: c.snapshot(), dialstring: d.dialString, dialstatus: "ANSWER", forward: "" });
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
    const key = `${config.tech}/${config.resource}`;
    this.endpoints.set(key, { config: { ...config } });
    this.knownDevices.add(key);
    this.scheduleDeviceState(key);
  }

  removeEndpoint(tech: string, resource: string): void {
    const key = `${tech}/${resource}`;
    this.endpoints.delete(key);
    this.scheduleDeviceState(key);
  }

  setEndpointOnline(tech: string, resource: string, online: boolean): void {
    const ep = this.endpoints.get(`${tech}/${resource}`);
    if (!ep) return;
    ep.config.online = online;
    this.scheduleDeviceState(`${tech}/${resource}`);
  }

  listEndpoints(): Array<{ tech: string; resource: string; state: DeviceState; channelIds: string[] }> {
    return [...this.endpoints.values()].map(({ config }) => {
      const dev = `${config.tech}/${config.resource}`;
      return {
        tech: config.tech,
        resource: config.resource,
        state: this.computeDeviceState(dev),
        channelIds: [...this.channelsById.values()].filter((c) => c.device === dev).map((c) => c.id),
      };
    });
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
          pbx.emit({ type: "DtmfBegin", channel: c.snapshot(), digit, direction: "Received" });
          if (!(await pbx.scheduler.sleep(duration)) || c.destroyed) return;
          pbx.emit({ type: "DtmfEnd", channel: c.snapshot(), digit, durationMs: duration, direction: "Received" });
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
    if (this.stopped) throw new PbxError("allocation-failed", "Allocation failed");
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
    this.emit({ type: "ChannelCreated", channel: c.snapshot() });
    for (const [k, v] of variableEntries(req.variables)) this.setVarOn(c, k, v);
    const call = this.makeSimCall(c);
    this.scheduleDeviceState(c.device);
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
      this.emit({ type: "DtmfBegin", channel: c.snapshot(), digit, direction: "Sent" });
      const peer = c.localPeer;
      if (peer && !peer.destroyed) this.emit({ type: "DtmfBegin", channel: peer.snapshot(), digit, direction: "Received" });
      if (!(await this.scheduler.sleep(durationMs, c.abort.signal))) return false;
      this.emit({ type: "DtmfEnd", channel: c.snapshot(), digit, durationMs, direction: "Sent" });
      if (peer && !peer.destroyed) this.emit({ type: "DtmfEnd", channel: peer.snapshot(), digit, durationMs, direction: "Received" });
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
    this.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: flag, soft: true });
    this.requestHangup(c);
  }

  /** `ast_queue_hangup_with_cause`: the peer/phone hung up. */
  private queueHangup(c: Channel, cause: number): void {
    if (c.destroyed) return;
    if (!c.causeSet) {
      c.hangupCause = cause;
      c.causeSet = true;
    }
    this.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause, soft: false });
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
    this.dropPlaybacks(c, false);
    if (c.mohClass !== undefined) {
      c.mohClass = undefined;
      this.emit({ type: "MohStop", channel: c.snapshot() });
    }
    if (c.bridgeId) this.leaveBridge(c);
    const peer = c.localPeer;
    if (opts.propagate !== false && peer && !peer.destroyed && !peer.hangupPending) this.queueHangup(peer, c.hangupCause);
    this.emit({ type: "Cdr", cdr: this.cdrFor(c) });
    this.emit({ type: "ChannelDestroyed", channel: c.snapshot(), cause: c.hangupCause, causeTxt: causeText(c.hangupCause) });
    this.channelsById.delete(c.id);
    for (const app of this.apps.values()) {
      app.channels.delete(c.id);
      this.maybeForgetApp(app);
    }
    for (const w of [...c.mediaWaiters]) w();
    this.scheduleDeviceState(c.device);
    try {
      c.remote?.onHangup?.(c.hangupCause);
    } catch {
      // ignore
    }
  }

  private cdrFor(c: Channel): CdrRecord {
    const end = Date.now();
    const cause = c.hangupCause;
    const disposition: CdrRecord["disposition"] = c.answeredAt
      ? "ANSWERED"
      : cause === CAUSE.BUSY
        ? "BUSY"
        : cause === CAUSE.CONGESTION
          ? "CONGESTION"
          : cause === CAUSE.NO_ANSWER || cause === CAUSE.NO_USER_RESPONSE || cause === CAUSE.NORMAL
            ? "NO ANSWER"
            : "FAILED";
    const cid = c.caller.name ? `"${c.caller.name}" <${c.caller.number}>` : c.caller.number ? `"" <${c.caller.number}>` : "";
    return {
      accountCode: c.accountcode,
      source: c.caller.number,
      destination: c.exten,
      destinationContext: c.context,
      callerId: cid,
      channel: c.name,
      // the other half of a Local pair is not the CDR's party B (ami-03, ami-12, ami-14a show "")
      destinationChannel: "",
      lastApplication: c.lastApp,
      lastData: c.lastData,
      startTime: c.creationTime,
      answerTime: c.answeredAt,
      endTime: end,
      duration: Math.round((end - c.creationTime) / 1000),
      billableSeconds: c.answeredAt ? Math.round((end - c.answeredAt) / 1000) : 0,
      disposition,
      amaFlags: "DOCUMENTATION",
      uniqueId: c.id,
      userField: "",
    };
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
      if (c.hangupPending || c.destroyed || this.stopped) break;
      const step = this.dialplan.step(c.context, c.exten, c.priority);
      if (!step) break;
      const data = this.resolveData(c, step);
      c.appName = step.app;
      c.appData = data;
      c.lastApp = step.app;
      c.lastData = data;
      this.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: step.app, appData: data });
      let res: DialplanAppResult;
      try {
        res = await this.execApp(c, step.app, data);
      } catch {
        res = HANGUP;
      }
      if (this.stopped) return;
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
    if (c.destroyed || this.stopped) return;
    if (!c.causeSet && !c.hangupCause) c.hangupCause = CAUSE.NORMAL;
    // the pbx loop ends: ast_softhangup(AST_SOFTHANGUP_APPUNLOAD), then ast_hangup
    this.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: SOFTHANGUP.APPUNLOAD, soft: true });
    c.hangupPending = true;
    c.appName = "";
    c.appData = "";
    this.destroy(c);
  }

  private resolveData(c: Channel, step: PriorityStep): string {
    const get = (name: string): string => this.readVar(c, name) ?? "";
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
    if (this.stopped) return;
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
    if (this.stopped || c.destroyed) return;
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
    const app = this.apps.get(appName);
    if (!app || !app.active) {
      this.setVarOn(c, "STASISSTATUS", "FAILED");
      return { kind: "failed" };
    }
    this.setVarOn(c, "STASISSTATUS", "");
    if (c.hangupPending) {
      this.setVarOn(c, "STASISSTATUS", "SUCCESS");
      return { kind: "hangup" };
    }
    this.subscribe(appName, c.id);
    let leave!: () => void;
    const left = new Promise<void>((r) => (leave = r));
    c.stasis = { app: appName, args, fromDialplan, leave };
    this.emit({ type: "StasisStart", app: appName, args, channel: c.snapshot() });
    await left;
    if (this.stopped) return { kind: "hangup" };
    const info = c.stasis;
    this.dropPlaybacks(c, true);
    if (c.bridgeId) this.leaveBridge(c);
    this.emit({ type: "StasisEnd", app: appName, channel: c.snapshot() });
    c.stasis = undefined;
    if (fromDialplan) {
      app.channels.delete(c.id);
      this.maybeForgetApp(app);
    }
    this.setVarOn(c, "STASISSTATUS", "SUCCESS");
    if (c.hangupPending) return { kind: "hangup" };
    return info?.continueTo ? { kind: "continue", to: info.continueTo } : { kind: "continue" };
  }

  private installBuiltinApps(): void {
    const add = (name: string, fn: (c: Channel, data: string) => Promise<DialplanAppResult>): void => {
      this.dialplanApps.set(name.toLowerCase(), (ctx) => {
        const c = this.channelsById.get(ctx.channelId);
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
      if (!this.mediaFlowingTo(c)) await this.waitForMedia(c, this.answerMediaWaitMs);
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
      if (eq > 0) this.setVarOn(c, data.slice(0, eq).trim(), data.slice(eq + 1));
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
        const plan = planMedia(`sound:${file}`, this.media);
        if (plan === "fail" || plan === "stall") continue;
        this.notifyMedia(c, "playback");
        if (!(await this.scheduler.sleep(plan, c.abort.signal))) return HANGUP;
      }
      return NEXT;
    });
    add("MusicOnHold", async (c, data) => {
      const [cls = "", dur = ""] = data.split(",");
      this.startMohOn(c, cls || "default");
      const secs = Number.parseFloat(dur);
      await this.scheduler.sleep(Number.isFinite(secs) && secs > 0 ? secs * 1000 : Number.POSITIVE_INFINITY, c.abort.signal);
      if (!c.destroyed) this.stopMohOn(c);
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

  private mediaFlowingTo(c: Channel): boolean {
    const peer = c.localPeer;
    if (!peer || peer.destroyed) return false;
    const pbs = this.channelPlaybacks.get(peer.id);
    return peer.mohClass !== undefined || (pbs !== undefined && pbs.some((p) => p.state === "playing"));
  }

  private waitForMedia(c: Channel, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel = (): void => {};
      const done = (): void => {
        cancel();
        c.mediaWaiters.delete(done);
        c.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      c.mediaWaiters.add(done);
      c.abort.signal.addEventListener("abort", done, { once: true });
      cancel = this.scheduler.after(ms, done);
      if (this.scheduler.isStopped) done();
    });
  }

  /** Media starts on `c`: whoever waits for media from it (its Local peer's Answer()) wakes. */
  private notifyMedia(c: Channel, what: string): void {
    const peer = c.localPeer;
    if (peer) for (const w of [...peer.mediaWaiters]) w();
    c.remote?.onMedia?.(what);
  }

  /** Queues a playback of `media` on a channel (ARI play). Returns the queued playback. */
  play(channelId: string, media: string[], opts: { playbackId?: string; lang?: string } = {}): PlaybackSnapshot {
    const c = this.mustFind(channelId);
    if (media.length === 0) throw new PbxError("playback-failed", "Failed to queue media for playback");
    const id = opts.playbackId ?? randomUUID();
    if (this.playbacks.has(id)) throw new PbxError("conflict", "Playback with given ID already exists");
    const pb = new Playback(id, media, c.id, opts.lang || c.language);
    this.playbacks.set(id, pb);
    const q = this.channelPlaybacks.get(c.id) ?? [];
    q.push(pb);
    this.channelPlaybacks.set(c.id, q);
    const snap = pb.snapshot();
    if (q.length === 1) this.scheduler.defer(() => this.startPlayback(pb));
    return snap;
  }

  getPlayback(id: string): PlaybackSnapshot | undefined {
    return this.playbacks.get(id)?.snapshot();
  }

  private startPlayback(pb: Playback): void {
    if (!this.playbacks.has(pb.id) || pb.state !== "queued") return;
    const c = this.channelsById.get(pb.channelId);
    if (!c || c.destroyed) return;
    this.startMedia(pb, c);
  }

  private startMedia(pb: Playback, c: Channel): void {
    pb.state = "playing";
    this.emit({ type: "PlaybackStarted", playback: pb.snapshot() });
    const plan = planMedia(pb.media[pb.index]!, this.media);
    if (plan === "fail") {
      this.finishPlayback(pb, "failed");
      return;
    }
    this.notifyMedia(c, "playback");
    if (plan === "stall") {
      pb.stalled = true;
      return;
    }
    this.runMediaTimer(pb, plan);
  }

  private runMediaTimer(pb: Playback, ms: number): void {
    pb.remainingMs = ms;
    pb.startedAt = Date.now();
    pb.cancelTimer?.();
    if (!Number.isFinite(ms)) {
      pb.cancelTimer = undefined;
      return;
    }
    pb.cancelTimer = this.scheduler.after(ms, () => this.mediaDone(pb));
  }

  private mediaDone(pb: Playback): void {
    if (!this.playbacks.has(pb.id)) return;
    pb.cancelTimer = undefined;
    const c = this.channelsById.get(pb.channelId);
    if (!c || c.destroyed) return;
    if (pb.index < pb.media.length - 1) {
      pb.state = "continuing";
      this.emit({ type: "PlaybackContinuing", playback: pb.snapshot() });
      pb.index++;
      this.startMedia(pb, c);
      return;
    }
    this.finishPlayback(pb, "done");
  }

  private finishPlayback(pb: Playback, state: "done" | "failed", startNext = true, stopped = false): void {
    pb.cancelTimer?.();
    pb.cancelTimer = undefined;
    pb.state = state;
    this.playbacks.delete(pb.id);
    const q = this.channelPlaybacks.get(pb.channelId);
    if (q) {
      const i = q.indexOf(pb);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) this.channelPlaybacks.delete(pb.channelId);
    }
    this.emit({ type: "PlaybackFinished", playback: pb.snapshot(), ...(stopped ? { stopped: true as const } : {}) });
    if (startNext && q && q.length > 0) {
      const next = q[0]!;
      this.scheduler.defer(() => this.startPlayback(next));
    }
  }

  /** Ends every playback of `c`: the active one reports failed (unless it stalls), queued ones vanish. */
  private dropPlaybacks(c: Channel, reportActive: boolean): void {
    const q = this.channelPlaybacks.get(c.id);
    if (!q) return;
    this.channelPlaybacks.delete(c.id);
    for (const pb of q) {
      pb.cancelTimer?.();
      pb.cancelTimer = undefined;
      this.playbacks.delete(pb.id);
      if (reportActive && !pb.stalled && (pb.state === "playing" || pb.state === "paused" || pb.state === "continuing")) {
        pb.state = "failed";
        this.emit({ type: "PlaybackFinished", playback: pb.snapshot() });
      }
    }
  }

  /** ARI DELETE /playbacks/{id}. */
  stopPlayback(id: string): void {
    const pb = this.playbacks.get(id);
    if (!pb) throw new PbxError("not-found", "Playback not found");
    if (pb.state === "queued") {
      this.playbacks.delete(id);
      const q = this.channelPlaybacks.get(pb.channelId);
      if (q) {
        const i = q.indexOf(pb);
        if (i >= 0) q.splice(i, 1);
        if (q.length === 0) this.channelPlaybacks.delete(pb.channelId);
      }
      return;
    }
    this.finishPlayback(pb, "done", true, true);
  }

  /**
   * ARI POST /playbacks/{id}/control. Throws `not-found`, `bad-request` (unknown operation) or
   * `conflict` ("Can only <op> while media is playing").
   */
  controlPlayback(id: string, operation: string): void {
    const pb = this.playbacks.get(id);
    if (!pb) throw new PbxError("not-found", "Playback not found");
    const ops = ["pause", "unpause", "restart", "reverse", "forward"];
    if (!ops.includes(operation)) throw new PbxError("bad-request", `Invalid operation ${operation}`);
    const conflict = (): never => {
      throw new PbxError("conflict", `Can only ${operation} while media is playing`);
    };
    const skipMs = 3000;
    switch (pb.state) {
      case "queued":
        if (operation === "restart") return;
        return conflict();
      case "paused":
        if (operation === "pause") return;
        if (operation === "unpause") {
          pb.state = "playing";
          this.runMediaTimer(pb, pb.remainingMs);
          return;
        }
        return conflict();
      case "playing": {
        if (pb.stalled) return;
        const elapsed = Date.now() - pb.startedAt;
        const remaining = Math.max(0, pb.remainingMs - elapsed / this.scheduler.timeScale);
        const total = planMedia(pb.media[pb.index]!, this.media);
        const totalMs = typeof total === "number" ? total : 0;
        if (operation === "unpause") return;
        if (operation === "pause") {
          pb.cancelTimer?.();
          pb.cancelTimer = undefined;
          pb.remainingMs = remaining;
          pb.state = "paused";
          return;
        }
        if (operation === "restart") return this.runMediaTimer(pb, totalMs);
        if (operation === "reverse") return this.runMediaTimer(pb, Math.min(totalMs, remaining + skipMs));
        // forward
        if (remaining - skipMs <= 0) {
          pb.cancelTimer?.();
          pb.cancelTimer = undefined;
          this.scheduler.defer(() => this.mediaDone(pb));
          return;
        }
        return this.runMediaTimer(pb, remaining - skipMs);
      }
      default:
        return conflict();
    }
  }

  // ---------------------------------------------------------------- MOH

  /** Starts music on hold (unknown classes are accepted, as Asterisk's ARI does). */
  startMoh(idOrName: string, mohClass?: string): void {
    this.startMohOn(this.mustFind(idOrName), mohClass || "default");
  }

  stopMoh(idOrName: string): void {
    this.stopMohOn(this.mustFind(idOrName));
  }

  private startMohOn(c: Channel, mohClass: string): void {
    if (c.mohClass !== undefined) this.emit({ type: "MohStop", channel: c.snapshot() });
    c.mohClass = this.mohClasses.has(mohClass) ? mohClass : mohClass;
    this.emit({ type: "MohStart", channel: c.snapshot(), mohClass });
    this.notifyMedia(c, "moh");
  }

  private stopMohOn(c: Channel): void {
    if (c.mohClass === undefined) return;
    c.mohClass = undefined;
    this.emit({ type: "MohStop", channel: c.snapshot() });
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
    const app = this.apps.get(name) ?? { name, active: false, subscribeAll: false, channels: new Set(), bridges: new Set() };
    app.active = true;
    app.subscribeAll = !!opts.subscribeAll;
    this.apps.set(name, app);
  }

  /** The app's WebSocket went away. */
  deactivateApp(name: string): void {
    const app = this.apps.get(name);
    if (!app) return;
    app.active = false;
    this.maybeForgetApp(app);
  }

  private maybeForgetApp(app: StasisApp): void {
    if (!app.active && app.channels.size === 0 && app.bridges.size === 0) this.apps.delete(app.name);
  }

  getApp(name: string): StasisAppInfo | undefined {
    const a = this.apps.get(name);
    if (!a) return undefined;
    return {
      name: a.name,
      active: a.active,
      subscribeAll: a.subscribeAll,
      channelIds: [...a.channels].sort(),
      bridgeIds: [...a.bridges].sort(),
    };
  }

  listApps(): StasisAppInfo[] {
    return [...this.apps.keys()].sort().map((n) => this.getApp(n)!);
  }

  private subscribe(appName: string, channelId: string): void {
    // originating into an app that no WebSocket registered subscribes nothing (Stasis() then fails)
    this.apps.get(appName)?.channels.add(channelId);
  }

  // ---------------------------------------------------------------- bridges

  /**
   * ARI POST /bridges. `types` is the comma-separated type list (`mixing`, `holding`,
   * `dtmf_events`, ...). Throws `conflict` on a duplicate id and `bridge-create-failed` on a bad type.
   */
  createBridge(opts: { bridgeId?: string; types?: string[]; name?: string } = {}): BridgeSnapshot {
    const types = (opts.types ?? []).map((t) => t.trim()).filter((t) => t !== "");
    if (opts.bridgeId !== undefined && this.bridges.has(opts.bridgeId))
      throw new PbxError("conflict", `Bridge with id '${opts.bridgeId}' already exists`);
    if (types.some((t) => !BRIDGE_TYPE_FLAGS.has(t)))
      throw new PbxError("bridge-create-failed", `Unable to create bridge. Possible duplicate bridge id '${opts.bridgeId ?? "(null)"}'`);
    const kind = types.includes("holding") && !types.includes("mixing") ? "holding" : "mixing";
    const b = new Bridge(opts.bridgeId ?? randomUUID(), kind, opts.name ?? "");
    this.bridges.set(b.id, b);
    this.emit({ type: "BridgeCreated", bridge: b.snapshot() });
    return b.snapshot();
  }

  getBridge(id: string): BridgeSnapshot | undefined {
    return this.bridges.get(id)?.snapshot();
  }

  listBridges(): BridgeSnapshot[] {
    return [...this.bridges.values()].map((b) => b.snapshot());
  }

  /**
   * ARI addChannel. Throws `not-found` (bridge), `bad-request` "Channel not found" (unknown
   * channel), `not-in-stasis` (a channel that is not in a Stasis app).
   */
  addToBridge(bridgeId: string, channelIds: string[], role?: string): void {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new PbxError("not-found", "Bridge not found");
    const chans = channelIds.map((id) => {
      const c = this.channelsById.get(id);
      if (!c) throw new PbxError("bad-request", "Channel not found");
      return c;
    });
    for (const c of chans) if (!c.stasis) throw new PbxError("not-in-stasis", "Channel not in Stasis application");
    for (const c of chans) {
      if (c.bridgeId === b.id) continue;
      if (c.bridgeId) this.leaveBridge(c);
      if (role) b.roles.set(c.id, role);
      this.enterBridge(b, c);
    }
  }

  private enterBridge(b: Bridge, c: Channel): void {
    b.channels.push(c.id);
    c.bridgeId = b.id;
    const app = c.stasis ? this.apps.get(c.stasis.app) : undefined;
    if (app) app.bridges.add(b.id);
    this.emit({ type: "ChannelEnteredBridge", bridge: b.snapshot(), channel: c.snapshot() });
    if (b.channels.length >= 2) {
      for (const id of b.channels) {
        const member = this.channelsById.get(id);
        if (!member) continue;
        const peers = b.channels
          .filter((x) => x !== id)
          .map((x) => this.channelsById.get(x)?.name ?? "")
          .join(",");
        if (member.vars.get("BRIDGEPEER") !== peers) this.setVarOn(member, "BRIDGEPEER", peers);
      }
    }
    this.notifyMedia(c, "bridge");
  }

  /** ARI removeChannel. Throws `not-found`, `bad-request` (unknown channel), `not-in-bridge`. */
  removeFromBridge(bridgeId: string, channelIds: string[]): void {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new PbxError("not-found", "Bridge not found");
    const chans = channelIds.map((id) => {
      const c = this.channelsById.get(id);
      if (!c) throw new PbxError("bad-request", "Channel not found");
      return c;
    });
    for (const c of chans) if (c.bridgeId !== b.id) throw new PbxError("not-in-bridge", "Channel not in this bridge");
    for (const c of chans) this.leaveBridge(c);
  }

  private leaveBridge(c: Channel): void {
    const b = c.bridgeId ? this.bridges.get(c.bridgeId) : undefined;
    c.bridgeId = undefined;
    if (!b) return;
    if (c.vars.get("BRIDGEPEER")) this.setVarOn(c, "BRIDGEPEER", "");
    const i = b.channels.indexOf(c.id);
    if (i >= 0) b.channels.splice(i, 1);
    b.roles.delete(c.id);
    this.emit({ type: "ChannelLeftBridge", bridge: b.snapshot(), channel: c.snapshot() });
  }

  /** ARI DELETE /bridges/{id}: channels still in it leave (and stay in Stasis). */
  destroyBridge(bridgeId: string): void {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new PbxError("not-found", "Bridge not found");
    for (const id of [...b.channels]) {
      const c = this.channelsById.get(id);
      if (c) this.leaveBridge(c);
    }
    b.destroyed = true;
    this.emit({ type: "BridgeDestroyed", bridge: b.snapshot() });
    this.bridges.delete(b.id);
    for (const app of this.apps.values()) {
      app.bridges.delete(b.id);
      this.maybeForgetApp(app);
    }
  }

  // ---------------------------------------------------------------- device states

  private scheduleDeviceState(device: string): void {
    this.knownDevices.add(device);
    this.scheduler.defer(() => {
      this.emit({ type: "DeviceStateChanged", device, state: this.computeDeviceState(device) });
      this.memberDeviceChanged(device);
    });
  }

  /** Sets the state of a custom/pseudo device (`Custom:foo`, `Queue:support_avail`, ...). */
  setDeviceState(device: string, state: DeviceState): void {
    this.customDeviceStates.set(device, state);
    this.knownDevices.add(device);
    this.emit({ type: "DeviceStateChanged", device, state });
  }

  computeDeviceState(device: string): DeviceState {
    const custom = this.customDeviceStates.get(device);
    if (custom) return custom;
    if (device.startsWith("Local/")) {
      const m = /^Local\/([^@]*)@(.*)$/.exec(device);
      if (!m || !this.dialplan.exists(m[2]!, m[1]!, 1)) return "INVALID";
      for (const c of this.channelsById.values())
        if (c.device === device && c.localHalf === 1 && !c.destroyed) return "INUSE";
      return "NOT_INUSE";
    }
    const ep = this.endpoints.get(device);
    if (ep && ep.config.online === false) return "UNAVAILABLE";
    let inuse = false;
    let ringing = false;
    let busy = false;
    for (const c of this.channelsById.values()) {
      if (c.device !== device || c.destroyed) continue;
      if (c.state === "Ringing" || c.state === "Pre-ring") ringing = true;
      else if (c.state === "Busy") busy = true;
      else if (c.state !== "Down") inuse = true;
      else if (c.dial) inuse = true;
    }
    if (ringing && inuse) return "RINGINUSE";
    if (ringing) return "RINGING";
    if (inuse) return "INUSE";
    if (busy) return "BUSY";
    if (!ep) return this.knownDevices.has(device) ? "NOT_INUSE" : "UNKNOWN";
    return "NOT_INUSE";
  }

  /** Every device the PBX knows of, with its current state (AMI DeviceStateList). */
  deviceStates(): Array<{ device: string; state: DeviceState }> {
    const devices = new Set([...this.knownDevices, ...this.endpoints.keys(), ...this.customDeviceStates.keys()]);
    return [...devices].sort().map((device) => ({ device, state: this.computeDeviceState(device) }));
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
    this.setDeviceState(`Queue:${cfg.name}`, "NOT_INUSE");
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
      reportedStatus: MEMBER_STATUS[this.computeDeviceState(m.stateInterface ?? m.interface)] ?? 0,
    };
  }

  private memberSnapshot(m: MemberState): QueueMemberSnapshot {
    const devState = this.computeDeviceState(m.stateInterface);
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
    this.knownDevices.add(member.stateInterface);
    const snap = this.memberSnapshot(member);
    this.emit({ type: "QueueMemberAdded", member: snap });
    // app_queue publishes the new member's pause device and the queue's availability (ami-11)
    this.setDeviceState(`Queue:${queue}_pause_${member.interface}`, member.paused ? "INUSE" : "NOT_INUSE");
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
    this.emit({ type: "QueueMemberRemoved", member: this.memberSnapshot(m) });
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
        this.emit({ type: "QueueMemberPause", member: this.memberSnapshot(m) });
        this.setDeviceState(`Queue:${q.cfg.name}_pause_${m.interface}`, paused ? "INUSE" : "NOT_INUSE");
        this.updateQueueAvail(q);
      }
    }
    if (!found) throw new PbxError("not-found", "Interface not found");
  }

  private updateQueueAvail(q: QueueState): void {
    const avail = q.members.some((m) => !m.paused && !m.inCall && !m.ringing && this.computeDeviceState(m.stateInterface) === "NOT_INUSE");
    const state = avail ? "NOT_INUSE" : "INUSE";
    // published only when it changes (ami-11, ami-12)
    if (this.customDeviceStates.get(`Queue:${q.cfg.name}_avail`) !== state) this.setDeviceState(`Queue:${q.cfg.name}_avail`, state);
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
        this.emit({ type: "QueueMemberStatus", member: snap });
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
      this.emit({ type: "ChannelCreated", channel: one.snapshot() });
      this.emit({ type: "ChannelCreated", channel: two.snapshot() });
      one.caller = { ...caller.caller };
      one.appName = "AppQueue";
      one.appData = "(Outgoing Line)";
      this.emit({ type: "ChannelDialplan", channel: one.snapshot(), app: one.appName, appData: one.appData });
      this.emitCallerId(one);
      this.setVarOn(one, "DIALEDPEERNUMBER", base);
      this.setVarOn(two, "DIALEDPEERNUMBER", base);
      two.caller = { ...caller.caller };
      two.connected = { ...caller.caller };
      this.emitCallerId(two);
      this.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
      this.emit({ type: "LocalBridge", one: one.snapshot(), two: two.snapshot(), context, exten, localOptimization: true });
      one.runningApp = true;
      return one;
    }
    const ep = this.endpoints.get(iface);
    if (!ep) return undefined;
    const c = new Channel(this.newUniqueId(), `${tech}/${resource}-${this.nextNameSuffix(tech)}`, tech, "Down", caller.context, caller.exten, iface);
    c.linkedId = caller.linkedId;
    c.caller = { ...caller.caller };
    c.connected = { ...caller.caller };
    this.register(c);
    this.emit({ type: "ChannelCreated", channel: c.snapshot() });
    c.appName = "AppQueue";
    c.appData = "(Outgoing Line)";
    this.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: c.appName, appData: c.appData });
    this.setVarOn(c, "DIALEDPEERNUMBER", resource);
    c.runningApp = true;
    return c;
  }

  /** Starts ringing a member channel created by `createMemberChannel`. */
  private ringMember(caller: Channel, c: Channel, dialString: string, onAnswer: () => void, onFail: (cause: number) => void): void {
    c.dial = { dialString, progress: 0, answered: false, cancelTimeout: () => {}, onAnswer, onFail, caller };
    this.emit({ type: "Dial", phase: "begin", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "", forward: "" });
    // a Local member's ;1 shows the caller as connected line from then on (DialBegin still showed none)
    if (c.localPeer && c.connected.number === "" && c.connected.name === "") c.connected = { ...caller.caller };
    const peer = c.localPeer;
    if (peer) void this.runPbx(peer, peer.context, peer.exten, 1);
    else {
      const ep = this.endpoints.get(c.device);
      if (ep) this.driveEndpointCall(ep.config, c, this.makeSimCall(c));
    }
  }

  /** Ends a member call that was not answered (ring timeout, answered elsewhere, caller gone). */
  private cancelMember(caller: Channel, c: Channel, status: "NOANSWER" | "CANCEL", cause: number): void {
    if (c.destroyed) return;
    const d = c.dial;
    const dialString = d?.dialString ?? "";
    c.dial = undefined;
    if (status === "NOANSWER")
      this.emit({ type: "Dial", phase: "end", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "NOANSWER", forward: "" });
    this.emit({ type: "Dial", phase: "end", caller: caller.snapshot(), peer: c.snapshot(), dialstring: dialString, dialstatus: "CANCEL", forward: "" });
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
      this.setVarOn(c, "QUEUESTATUS", "UNKNOWN");
      return NEXT;
    }
    for (const v of ["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"]) this.setVarOn(c, v, "");
    const startedAt = Date.now();
    const entry: CallerEntry = { channel: c, joinedAt: startedAt, originalPosition: q.callers.length + 1 };
    q.callers.push(entry);
    this.setDeviceState(`Queue:${q.cfg.name}`, "RINGING");
    this.emit({ type: "QueueCallerJoin", queue: q.cfg.name, position: q.callers.length, count: q.callers.length, channel: c.snapshot() });
    this.startMohOn(c, q.cfg.mohClass ?? "default");
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
      if (q.callers.length === 0) this.setDeviceState(`Queue:${q.cfg.name}`, "NOT_INUSE");
      this.emit({ type: "QueueCallerLeave", queue: q.cfg.name, position: pos, count: q.callers.length, channel: c.snapshot() });
    };
    try {
      for (;;) {
        if (c.hangupPending || c.destroyed) break;
        if (queueTimedOut) {
          this.stopMohOn(c);
          leave();
          this.setVarOn(c, "QUEUESTATUS", "TIMEOUT");
          return NEXT;
        }
        const members = q.cfg.strategy && q.cfg.strategy !== "ringall" ? q.members : q.members;
        const free =
          q.callers[0] === entry
            ? members.filter((m) => !m.paused && !m.inCall && !m.ringing && ["NOT_INUSE", "UNKNOWN"].includes(this.computeDeviceState(m.stateInterface)))
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
          if (this.stopped) return HANGUP;
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
          this.emit({ type: "AgentCalled", queue: q.cfg.name, member: this.memberSnapshot(m), channel: c.snapshot(), destChannel: ch.snapshot() });
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
        if (this.stopped) return HANGUP;
        const winner = answered as { m: MemberState; ch: Channel; calledAt: number } | undefined;
        for (const a of attempts) {
          a.m.ringing = false;
          if (a === winner || a.ch.destroyed) continue;
          if (winner) this.cancelMember(c, a.ch, "CANCEL", CAUSE.ANSWERED_ELSEWHERE);
          else if (ringTimedOut && !c.hangupPending && !queueTimedOut) {
            this.emit({
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
      this.stopMohOn(c);
      const pos = position();
      q.abandoned++;
      // app_queue's variables for an abandoned call, before QueueCallerAbandon (ami-11)
      const waitedMs = Math.round((Date.now() - entry.joinedAt) / this.scheduler.timeScale);
      this.setVarOn(c, "QUEUEWAIT", String(Math.floor(waitedMs / 1000)));
      this.setVarOn(c, "QUEUEWAIT_MS", String(waitedMs));
      this.setVarOn(c, "DIALEDTIME", String(Math.floor(waitedMs / 1000)));
      this.setVarOn(c, "DIALEDTIME_MS", String(waitedMs));
      this.setVarOn(c, "ANSWEREDTIME", "0");
      this.setVarOn(c, "ANSWEREDTIME_MS", "0");
      this.setVarOn(c, "ABANDONED", "TRUE");
      this.emit({
        type: "QueueCallerAbandon",
        queue: q.cfg.name,
        position: pos,
        originalPosition: entry.originalPosition,
        holdTime: simSeconds(Date.now() - entry.joinedAt),
        channel: c.snapshot(),
      });
      leave();
      this.setVarOn(c, "QUEUEPOSITION", String(entry.originalPosition));
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
    this.stopMohOn(c);
    leave();
    const waitMs = connectedAt - entry.joinedAt;
    this.setVarOn(c, "QUEUEPOSITION", String(entry.originalPosition));
    this.setVarOn(c, "QUEUEWAIT", String(simSeconds(waitMs)));
    this.setVarOn(c, "QUEUEWAIT_MS", String(Math.round(waitMs / this.scheduler.timeScale)));
    m.inCall = true;
    const holdTime = simSeconds(waitMs);
    this.emit({
      type: "AgentConnect",
      queue: q.cfg.name,
      member: this.memberSnapshot(m),
      channel: c.snapshot(),
      destChannel: ch.snapshot(),
      holdTime,
      ringTime: simSeconds(connectedAt - winner.calledAt),
    });
    const b = new Bridge(randomUUID(), "basic", "", "", "basic");
    this.bridges.set(b.id, b);
    this.emit({ type: "BridgeCreated", bridge: b.snapshot() });
    this.enterBridge(b, ch);
    this.enterBridge(b, c);
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
    if (this.stopped) return HANGUP;
    const talkMs = Date.now() - connectedAt;
    m.inCall = false;
    m.callsTaken++;
    m.lastCall = Math.floor(Date.now() / 1000);
    q.completed++;
    q.holdtimeTotal += holdTime;
    q.talktimeTotal += simSeconds(talkMs);
    this.emit({
      type: "AgentComplete",
      queue: q.cfg.name,
      member: this.memberSnapshot(m),
      channel: c.snapshot(),
      destChannel: ch.snapshot(),
      holdTime,
      talkTime: simSeconds(talkMs),
      reason: agentLeft ? "agent" : "caller",
    });
    if (ch.bridgeId) this.leaveBridge(ch);
    if (c.bridgeId) this.leaveBridge(c);
    const answeredMs = Math.round(talkMs / this.scheduler.timeScale);
    const dialedMs = Math.round((Date.now() - winner.calledAt) / this.scheduler.timeScale);
    this.setVarOn(c, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
    this.setVarOn(c, "ANSWEREDTIME_MS", String(answeredMs));
    this.setVarOn(c, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
    this.setVarOn(c, "DIALEDTIME_MS", String(dialedMs));
    b.destroyed = true;
    this.emit({ type: "BridgeDestroyed", bridge: b.snapshot() });
    this.bridges.delete(b.id);
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
    if (this.stopped) return;
    // every channel is soft-hung-up (cause 4) before Shutdown is published (AMI recording ami-14a)
    const live = [...this.channelsById.values()].filter((c) => !c.destroyed);
    for (const c of live) this.emit({ type: "ChannelHangupRequest", channel: c.snapshot(), cause: SOFTHANGUP.SHUTDOWN, soft: true });
    this.emit({ type: "Shutdown", restart });
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
    this.emit({ type: "Reload", module });
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Cancels every timer and forgets all state. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.scheduler.stop();
    for (const c of this.channelsById.values()) {
      c.destroyed = true;
      c.abort.abort();
      c.stasis?.leave();
      for (const w of [...c.mediaWaiters]) w();
    }
    this.channelsById.clear();
    this.bridges.clear();
    this.playbacks.clear();
    this.channelPlaybacks.clear();
    this.listeners.clear();
  }
}
