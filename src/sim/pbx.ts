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
 * SimPbx is the facade over parts split as Asterisk is (`./pbx/`): the channel core, bridging,
 * media, the pbx loop and its applications, Stasis, originate, app_queue, device state and CDRs.
 * They share one `PbxContext` (channels, bridges, scheduler, dialplan, event stream).
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
import { Dialplan, recordedDialplan, type DialplanSpec } from "./model/dialplan.js";
import type { Bridge } from "./model/bridge.js";
import type { Channel } from "./model/channel.js";
import type { PbxEventListener } from "./model/events.js";
import type { MediaOptions } from "./model/media.js";
import type { EndpointConfig, SimCall } from "./model/phone.js";
import {
  MEMBER_STATUS,
  recordedQueues,
  type QueueConfig,
  type QueueMemberConfig,
  type QueueMemberSnapshot,
  type QueueSnapshot,
} from "./model/queue.js";
import { Scheduler } from "./model/scheduler.js";
import { CAUSE, type BridgeSnapshot, type ChannelSnapshot, type DeviceState, type PlaybackSnapshot } from "./model/types.js";
import { Bridging } from "./pbx/bridging.js";
import { ChannelCore, parseLocal } from "./pbx/channels.js";
import { PbxContext } from "./pbx/context.js";
import { Devices, type EndpointListing } from "./pbx/devices.js";
import { PbxError } from "./pbx/errors.js";
import { installBuiltinApps } from "./pbx/dialplan-apps.js";
import { DialplanRunner, HANGUP, NEXT, type AppInvocation, type DialplanAppResult } from "./pbx/dialplan-runner.js";
import { Media } from "./pbx/media.js";
import { Originator, type OriginateHandle, type OriginateRequest } from "./pbx/originate.js";
import { Phones, type PlaceCallRequest } from "./pbx/phones.js";
import { Stasis } from "./pbx/stasis.js";
import { StasisApps, type StasisAppInfo } from "./pbx/stasis-apps.js";
import { ChannelVariables } from "./pbx/variables.js";

export * from "./model/types.js";
export type * from "./model/events.js";
export type { DialplanSpec, PriorityStep, ContextSpec, AppDataSpec, VarGetter } from "./model/dialplan.js";
export { recordedDialplan } from "./model/dialplan.js";
export type { MediaOptions } from "./model/media.js";
export type { QueueConfig, QueueMemberConfig, QueueMemberSnapshot, QueueSnapshot, QueueEntrySnapshot } from "./model/queue.js";
export { MEMBER_STATUS, recordedQueues } from "./model/queue.js";
export type { EndpointConfig, SimCall } from "./model/phone.js";
export { PbxError, type PbxErrorCode } from "./pbx/errors.js";
export type { DialplanAppResult } from "./pbx/dialplan-runner.js";
export type { OriginateRequest, OriginateOutcome, OriginateHandle } from "./pbx/originate.js";
export type { PlaceCallRequest } from "./pbx/phones.js";
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

/** A dialplan application: returns what the pbx loop does next. */
export type DialplanApplication = (ctx: DialplanAppContext) => Promise<DialplanAppResult>;
export interface DialplanAppContext extends AppInvocation {
  pbx: SimPbx;
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

export class SimPbx {
  readonly entityId: string;
  readonly systemName: string;
  readonly startupTime = Date.now();
  lastReloadTime = Date.now();
  readonly dialplan: Dialplan;
  readonly scheduler: Scheduler;

  private readonly ctx: PbxContext;
  private readonly apps = new StasisApps();
  private readonly devices: Devices;
  private readonly vars: ChannelVariables;
  private readonly media: Media;
  private readonly bridging: Bridging;
  private readonly channels: ChannelCore;
  private readonly runner: DialplanRunner;
  private readonly stasis: Stasis;
  private readonly phones: Phones;
  private readonly originator: Originator;
  private readonly queues = new Map<string, QueueState>();

  constructor(opts: SimPbxOptions = {}) {
    this.scheduler = new Scheduler(opts.timeScale ?? 1);
    this.entityId = opts.entityId ?? "02:fc:00:00:00:01";
    this.systemName = opts.systemName ?? "";
    this.dialplan = new Dialplan(opts.recordedContexts === false ? {} : recordedDialplan(opts.recordedStasisApp ?? "cti"));
    if (opts.dialplan) this.dialplan.load(opts.dialplan);
    // mohClasses: every class is accepted, known or not, as Asterisk's ARI does
    const ctx = (this.ctx = new PbxContext(this.scheduler, this.dialplan, (e) => this.apps.recipients(e)));
    const { apps } = this;
    const devices = (this.devices = new Devices(ctx));
    const vars = (this.vars = new ChannelVariables(ctx));
    const media = (this.media = new Media(ctx, opts.media ?? {}));
    const bridging = (this.bridging = new Bridging(ctx, vars, apps));
    const channels = (this.channels = new ChannelCore(ctx, { systemName: this.systemName, devices, media, bridging, apps }));
    const runner = (this.runner = new DialplanRunner(ctx, channels, vars));
    const stasis = (this.stasis = new Stasis(ctx, apps, vars, media, bridging));
    const phones = (this.phones = new Phones(ctx, channels, devices, runner, vars));
    this.originator = new Originator(ctx, { channels, vars, devices, phones, runner, stasis, apps });
    devices.onPublished((device) => this.memberDeviceChanged(device));
    installBuiltinApps(runner, { scheduler: this.scheduler, channels, media, vars, stasis, answerMediaWaitMs: opts.answerMediaWaitMs ?? 500 });
    runner.addChannelApp("Queue", (c, data) => this.queueApp(c, data));
    for (const q of opts.queues ?? (opts.recordedContexts === false ? [] : recordedQueues())) this.addQueue(q);
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to every event; returns an unsubscribe function. */
  onEvent(listener: PbxEventListener): () => void {
    return this.ctx.onEvent(listener);
  }

  // ---------------------------------------------------------------- channels

  listChannels(): ChannelSnapshot[] {
    return [...this.ctx.channels.values()].map((c) => c.snapshot());
  }

  /** By unique id or by channel name. */
  getChannel(idOrName: string): ChannelSnapshot | undefined {
    return this.channels.find(idOrName)?.snapshot();
  }

  /** The Stasis app a channel is in, or undefined. */
  stasisAppOf(channelId: string): string | undefined {
    return this.ctx.channels.get(channelId)?.stasis?.app;
  }

  /** All channel variables (for AMI `Status` with `AllVariables`). */
  channelVariables(idOrName: string): Record<string, string> {
    return Object.fromEntries(this.channels.find(idOrName)?.vars ?? []);
  }

  /** The id of a Local channel's other half. */
  localPeerOf(idOrName: string): string | undefined {
    return this.channels.find(idOrName)?.localPeer?.id;
  }

  bridgeOf(channelId: string): string | undefined {
    return this.ctx.channels.get(channelId)?.bridgeId;
  }

  /** Seconds since the channel was created (AMI `Duration`) and since it was answered. */
  channelTimes(idOrName: string): { createdAt: number; answeredAt: number | null } | undefined {
    const c = this.channels.find(idOrName);
    return c ? { createdAt: c.creationTime, answeredAt: c.answeredAt } : undefined;
  }

  /**
   * Reads a variable or a dialplan function (`CALLERID(num)`, `CALLERID(name)`, `CHANNEL`,
   * `CHANNEL(name)`, `UNIQUEID`, `EXTEN`, `CONTEXT`, `PRIORITY`, `LINKEDID`, ...).
   * undefined when unset.
   */
  getVar(idOrName: string, name: string): string | undefined {
    return this.vars.read(this.channels.mustFind(idOrName), name);
  }

  /** Sets a variable (or `CALLERID(num|name)`); emits ChannelVarset. */
  setVar(idOrName: string, name: string, value: string): void {
    this.vars.set(this.channels.mustFind(idOrName), name, value);
  }

  /** ARI answer; a no-op on an answered channel. */
  answer(idOrName: string): void {
    this.channels.answer(this.channels.mustFind(idOrName));
  }

  /** ARI ring: indicate ringing to the caller. */
  ring(idOrName: string): void {
    this.channels.indicateRinging(this.channels.mustFind(idOrName));
  }

  /** ARI ring stop. */
  ringStop(idOrName: string): void {
    this.channels.mustFind(idOrName);
  }

  /** ARI `POST /channels/{id}/dtmf`. */
  sendDtmf(idOrName: string, digits: string, opts: { betweenMs?: number; durationMs?: number; beforeMs?: number } = {}): void {
    const c = this.channels.mustFind(idOrName);
    void this.channels.sendDtmf(c, digits, opts.betweenMs ?? 100, opts.durationMs ?? 100, opts.beforeMs ?? 0);
  }

  /**
   * Hangs a channel up on request (ARI DELETE, AMI Hangup with `via: "ami"`): sets the hangup
   * cause and requests a soft hangup (over ARI: `ChannelHangupRequest` cause 32 soft, as Asterisk
   * reports it; over AMI no request event of its own).
   */
  hangup(idOrName: string, cause: number = CAUSE.NORMAL, opts: { via?: "ari" | "ami" } = {}): void {
    this.channels.hangup(this.channels.mustFind(idOrName), cause, opts.via);
  }

  // ---------------------------------------------------------------- calls

  /**
   * Places an outgoing call, as ARI `POST /channels` and AMI `Originate` do. Validation errors
   * throw `PbxError` synchronously (`bad-request`, `invalid-endpoint`, `allocation-failed`,
   * `conflict`); everything else (no such context, no answer, busy) is reported through
   * `result` and the `OriginateResult` event, with the channels created and destroyed as on a
   * real server.
   */
  originate(req: OriginateRequest): OriginateHandle {
    return this.originator.originate(req);
  }

  /**
   * A simulated phone calls into the PBX: creates `Tech/resource-0000000n` in state Ring with the
   * caller id and runs the dialplan at context/exten. Returns the phone's side of the call.
   */
  placeCall(req: PlaceCallRequest): SimCall {
    return this.phones.place(req);
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

  // ---------------------------------------------------------------- dialplan

  /** Registers (or replaces) a dialplan application, e.g. `Queue` or `Dial`. */
  addDialplanApplication(name: string, app: DialplanApplication): void {
    this.runner.addApplication(name, (call) => app({ pbx: this, ...call }));
  }

  /**
   * ARI continue: leave Stasis and go on in the dialplan. Without a location the channel goes on
   * at the next priority; a partial location fills in the channel's current context/exten and
   * priority 1.
   */
  continueInDialplan(idOrName: string, to: { context?: string; exten?: string; priority?: number } = {}): void {
    this.stasis.continueInDialplan(this.channels.mustFind(idOrName), to);
  }

  /** AMI Redirect / ARI redirect-like: moves a channel to a dialplan location. */
  redirect(idOrName: string, to: { context: string; exten: string; priority?: number }): void {
    const c = this.channels.mustFind(idOrName);
    this.runner.redirect(c, { context: to.context, exten: to.exten, priority: to.priority ?? 1 });
  }

  // ---------------------------------------------------------------- media

  /** Queues a playback of `media` on a channel (ARI play). Returns the queued playback. */
  play(channelId: string, media: string[], opts: { playbackId?: string; lang?: string } = {}): PlaybackSnapshot {
    return this.media.play(this.channels.mustFind(channelId), media, opts);
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

  /** Starts music on hold (unknown classes are accepted, as Asterisk's ARI does). */
  startMoh(idOrName: string, mohClass?: string): void {
    this.media.startMoh(this.channels.mustFind(idOrName), mohClass || "default");
  }

  stopMoh(idOrName: string): void {
    this.media.stopMoh(this.channels.mustFind(idOrName));
  }

  mohClassOf(idOrName: string): string | undefined {
    return this.channels.find(idOrName)?.mohClass;
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
    const { channels, vars } = this;
    if (tech.toLowerCase() === "local") {
      const local = parseLocal(resource);
      if (!this.dialplan.exists(local.context, local.exten, 1)) return undefined;
      // created without caller id; app_queue then gives the ;1 the caller's id and the Local
      // channel passes it (and the connected line) to the ;2 (AMI recordings ami-10, ami-11)
      const { one, two } = channels.localPair(local, { linkedId: caller.linkedId });
      one.caller = { ...caller.caller };
      channels.markOutgoing(one, "AppQueue");
      vars.emitCallerId(one);
      vars.set(one, "DIALEDPEERNUMBER", local.base);
      vars.set(two, "DIALEDPEERNUMBER", local.base);
      two.caller = { ...caller.caller };
      two.connected = { ...caller.caller };
      vars.emitCallerId(two);
      this.ctx.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
      this.ctx.emit({ type: "LocalBridge", one: one.snapshot(), two: two.snapshot(), context: local.context, exten: local.exten, localOptimization: true });
      one.runningApp = true;
      return one;
    }
    if (!this.devices.endpoint(iface)) return undefined;
    const c = channels.endpointChannel(tech, resource, "Down", caller.context, caller.exten);
    c.linkedId = caller.linkedId;
    c.caller = { ...caller.caller };
    c.connected = { ...caller.caller };
    channels.add(c);
    channels.markOutgoing(c, "AppQueue");
    vars.set(c, "DIALEDPEERNUMBER", resource);
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
    if (peer) void this.runner.run(peer, peer.context, peer.exten, 1);
    else this.phones.ringEndpoint(c);
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
    this.channels.destroy(c);
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
      this.channels.destroy(ch);
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
    this.channels.shutdown(restart);
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
