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
import type { PbxEventListener } from "./model/events.js";
import type { HearingTimeline, Party } from "./model/hearing.js";
import type { LiveRecordingSnapshot, StoredRecordingSnapshot } from "./model/recording.js";
import type { SnoopSnapshot } from "./model/snoop.js";
import type { MediaOptions } from "./model/media.js";
import type { EndpointConfig, EndpointSnapshot, ReferralSnapshot, SimCall } from "./model/phone.js";
import { recordedQueues, type QueueConfig, type QueueMemberConfig, type QueueMemberSnapshot, type QueueSnapshot } from "./model/queue.js";
import { Scheduler } from "./model/scheduler.js";
import { CAUSE, type BridgeSnapshot, type ChannelSnapshot, type DeviceState, type PlaybackSnapshot } from "./model/types.js";
import { Bridging } from "./pbx/bridging.js";
import { ChannelCore } from "./pbx/channels.js";
import { PbxContext } from "./pbx/context.js";
import { Devices } from "./pbx/devices.js";
import { installBuiltinApps } from "./pbx/dialplan-apps.js";
import { DialplanRunner, type AppInvocation, type DialplanAppResult } from "./pbx/dialplan-runner.js";
import { Hearing } from "./pbx/hearing.js";
import { HoldMute, type MuteDirection } from "./pbx/hold-mute.js";
import { Media } from "./pbx/media.js";
import { Originator, type OriginateHandle, type OriginateRequest } from "./pbx/originate.js";
import { Phones, type PlaceCallRequest } from "./pbx/phones.js";
import { QueueApp } from "./pbx/queue-app.js";
import { MemberDialer } from "./pbx/queue-dialer.js";
import { PbxError } from "./pbx/errors.js";
import { Queues } from "./pbx/queues.js";
import { Recordings, type RecordingControl, type RecordRequest } from "./pbx/recordings.js";
import { Snooping, type SnoopRequest } from "./pbx/snoop.js";
import { Registrar, type RegisterOptions } from "./pbx/registrar.js";
import { Stasis } from "./pbx/stasis.js";
import { StasisApps, type EventSourceKind, type StasisAppInfo } from "./pbx/stasis-apps.js";
import { ChannelTransfers } from "./pbx/transfer.js";
import { ChannelVariables } from "./pbx/variables.js";

export * from "./model/types.js";
export type * from "./model/events.js";
export type { DialplanSpec, PriorityStep, ContextSpec, AppDataSpec, VarGetter } from "./model/dialplan.js";
export { recordedDialplan } from "./model/dialplan.js";
export type { MediaOptions } from "./model/media.js";
export type { Heard, HeardKind, HeardSpan, HearingTimeline, Party, SnoopHeard } from "./model/hearing.js";
export type { LiveRecordingSnapshot, RecordingState, StoredRecordingSnapshot } from "./model/recording.js";
export { SNOOP_DIRECTIONS, type SnoopDirection, type SnoopSnapshot } from "./model/snoop.js";
export type { RecordingControl, RecordRequest } from "./pbx/recordings.js";
export type { SnoopRequest } from "./pbx/snoop.js";
export type { MuteDirection } from "./pbx/hold-mute.js";
export { spansOf } from "./model/hearing.js";
export type { QueueConfig, QueueMemberConfig, QueueMemberSnapshot, QueueSnapshot, QueueEntrySnapshot } from "./model/queue.js";
export { MEMBER_STATUS, recordedQueues } from "./model/queue.js";
export type { ContactSnapshot, EndpointConfig, EndpointSnapshot, ReferralSnapshot, SimCall } from "./model/phone.js";
export { PbxError, type PbxErrorCode } from "./pbx/errors.js";
export type { DialplanAppResult } from "./pbx/dialplan-runner.js";
export type { OriginateRequest, OriginateOutcome, OriginateHandle } from "./pbx/originate.js";
export type { PlaceCallRequest } from "./pbx/phones.js";
export type { EventSourceKind, StasisAppInfo } from "./pbx/stasis-apps.js";
export type { RegisterOptions } from "./pbx/registrar.js";
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
  /** What-each-channel-heard timelines kept after their channels ended (default 10000, oldest dropped first). */
  keepHearing?: number;
}

/** A dialplan application: returns what the pbx loop does next. */
export type DialplanApplication = (ctx: DialplanAppContext) => Promise<DialplanAppResult>;
export interface DialplanAppContext extends AppInvocation {
  pbx: SimPbx;
}

export class SimPbx {
  readonly entityId: string;
  readonly systemName: string;
  readonly startupTime = Date.now();
  lastReloadTime = Date.now();
  readonly dialplan: Dialplan;
  readonly scheduler: Scheduler;

  private readonly ctx: PbxContext;
  private readonly apps: StasisApps;
  private readonly devices: Devices;
  private readonly vars: ChannelVariables;
  private readonly media: Media;
  private readonly heard: Hearing;
  private readonly bridging: Bridging;
  private readonly channels: ChannelCore;
  private readonly runner: DialplanRunner;
  private readonly stasis: Stasis;
  private readonly phones: Phones;
  private readonly originator: Originator;
  private readonly queues: Queues;
  private readonly registrar: Registrar;
  private readonly transfers: ChannelTransfers;
  private readonly snooping: Snooping;
  private readonly recordings: Recordings;
  private readonly holdMute: HoldMute;

  constructor(opts: SimPbxOptions = {}) {
    this.scheduler = new Scheduler(opts.timeScale ?? 1);
    this.entityId = opts.entityId ?? "02:fc:00:00:00:01";
    this.systemName = opts.systemName ?? "";
    this.dialplan = new Dialplan(opts.recordedContexts === false ? {} : recordedDialplan(opts.recordedStasisApp ?? "cti"));
    if (opts.dialplan) this.dialplan.load(opts.dialplan);
    // mohClasses: every class is accepted, known or not, as Asterisk's ARI does
    // the parts, each built from the ones below it
    const apps = (this.apps = new StasisApps());
    const ctx = (this.ctx = new PbxContext(this.scheduler, this.dialplan, (e) => apps.recipients(e)));
    const devices = (this.devices = new Devices(ctx));
    this.registrar = new Registrar(ctx, devices);
    const vars = (this.vars = new ChannelVariables(ctx));
    const media = (this.media = new Media(ctx, opts.media ?? {}));
    this.heard = new Hearing(ctx, media, opts.keepHearing);
    const bridging = (this.bridging = new Bridging(ctx, vars, apps));
    const channels = (this.channels = new ChannelCore(ctx, { systemName: this.systemName, devices, media, bridging, apps }));
    const runner = (this.runner = new DialplanRunner(ctx, channels, vars));
    const transfers = (this.transfers = new ChannelTransfers(ctx, this.registrar));
    const stasis = (this.stasis = new Stasis(ctx, apps, vars, media, bridging, transfers));
    this.snooping = new Snooping(ctx, { channels, stasis, bridging });
    this.recordings = new Recordings(ctx, channels, bridging);
    this.holdMute = new HoldMute(ctx, { media, bridging, hearing: this.heard });
    const phones = (this.phones = new Phones(ctx, channels, devices, runner, vars));
    this.originator = new Originator(ctx, { channels, vars, devices, phones, runner, stasis, apps });
    const queues = (this.queues = new Queues(ctx, devices));
    const dialer = new MemberDialer(ctx, { channels, vars, devices, phones, runner });
    const queueApp = new QueueApp(ctx, { queues, dialer, devices, media, vars, bridging, channels });
    installBuiltinApps(runner, { scheduler: this.scheduler, channels, media, vars, stasis, answerMediaWaitMs: opts.answerMediaWaitMs ?? 500 });
    runner.addChannelApp("Queue", (c, data) => queueApp.run(c, data));
    for (const q of opts.queues ?? (opts.recordedContexts === false ? [] : recordedQueues())) queues.add(q);
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

  /**
   * Configures (or replaces) an endpoint such as `PJSIP/1001` and the phone behind it, as pjsip.conf
   * does at startup: registered or not (`online`), or with a static contact. Publishes no
   * registration events (see `registerEndpoint`).
   */
  addEndpoint(config: EndpointConfig): void {
    this.devices.addEndpoint(config);
  }

  removeEndpoint(tech: string, resource: string): void {
    this.devices.removeEndpoint(tech, resource);
  }

  /** A SIP NOTIFY to the endpoint's phone (AMI PJSIPNotify), headers by lower-case name; false when not configured. */
  notifyEndpoint(tech: string, resource: string, headers: ReadonlyMap<string, string>): boolean {
    const ep = this.devices.endpoint(`${tech}/${resource}`);
    if (!ep) return false;
    ep.onNotify?.(headers);
    return true;
  }

  /**
   * The phone registers its contact: ChallengeSent/SuccessfulAuth, ContactStatusChange (NonQualified),
   * EndpointStateChange online, PeerStatusChange Reachable, device state NOT_INUSE, then the qualified
   * contact (Reachable). Registered already: a refresh (the security events only). Throws `not-found`.
   */
  registerEndpoint(tech: string, resource: string, opts: RegisterOptions = {}): void {
    this.registrar.register(tech, resource, opts);
  }

  /** The phone unregisters: EndpointStateChange offline, PeerStatusChange Unreachable, contact Removed, UNAVAILABLE. */
  unregisterEndpoint(tech: string, resource: string): void {
    this.registrar.unregister(tech, resource);
  }

  /** Registers or unregisters the phone (with the events of `registerEndpoint` / `unregisterEndpoint`). */
  setEndpointOnline(tech: string, resource: string, online: boolean): void {
    if (!this.devices.endpoint(`${tech}/${resource}`)) return;
    if (online) this.registrar.register(tech, resource);
    else this.registrar.unregister(tech, resource);
  }

  /** ARI `GET /endpoints[/{tech}]`: configured endpoints by technology and resource. */
  listEndpoints(tech?: string): EndpointSnapshot[] {
    return this.devices.endpointSnapshots(tech);
  }

  /** ARI `GET /endpoints/{tech}/{resource}`, or undefined when not configured. */
  getEndpoint(tech: string, resource: string): EndpointSnapshot | undefined {
    return this.devices.endpointSnapshot(`${tech}/${resource}`);
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

  /** AMI Redirect: moves a channel to a dialplan location. */
  redirect(idOrName: string, to: { context: string; exten: string; priority?: number }): void {
    const c = this.channels.mustFind(idOrName);
    this.runner.redirect(c, { context: to.context, exten: to.exten, priority: to.priority ?? 1 });
  }

  /**
   * ARI `POST /channels/{id}/redirect`: the channel technology's own transfer, not a move. A Local
   * channel: nothing happens; a PJSIP channel: its phone is sent a REFER to the target's contact and
   * calls the target itself, outside the PBX, while the channel stays in Stasis (see `referrals`). No
   * event either way. Throws `not-found`, `not-in-stasis`, `unprocessable` (not `Tech/resource`, or
   * another technology than the channel's).
   */
  redirectChannel(channelId: string, endpoint: string): void {
    this.stasis.redirect(this.channels.mustFind(channelId), endpoint);
  }

  /** The REFERs phones were sent (of one channel, if given) and whether they carried them out. */
  referrals(channelId?: string): ReferralSnapshot[] {
    return this.transfers.referrals(channelId);
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

  /** ARI hold (`pbx/hold-mute.ts`): the channel's own music on hold, once; unhold stops it if the hold started it. */
  hold(idOrName: string): void {
    this.holdMute.hold(this.channels.mustFind(idOrName));
  }

  unhold(idOrName: string): void {
    this.holdMute.unhold(this.channels.mustFind(idOrName));
  }

  /** ARI mute: `in` silences what the channel's party says, `out` what it hears; no event. */
  mute(idOrName: string, direction: MuteDirection): void {
    this.holdMute.mute(this.channels.mustFind(idOrName), direction);
  }

  unmute(idOrName: string, direction: MuteDirection): void {
    this.holdMute.unmute(this.channels.mustFind(idOrName), direction);
  }

  /** The directions a channel is muted in and whether it is held (ARI shows neither), or undefined. */
  audioOf(idOrName: string): { muted: { in: boolean; out: boolean }; held: boolean } | undefined {
    const c = this.channels.find(idOrName);
    return c ? { muted: { ...c.muted }, held: c.held } : undefined;
  }

  /**
   * What the channel has heard so far, span by span: a prompt, music on hold, the other parties of its
   * bridge, or silence, from and to in simulated ms since the PBX started (`simNow()`); kept after the
   * channel ends. `spansOf(timeline, { from, to, now })` picks the silences (or other kinds) in a window.
   */
  hearing(channelId: string): HearingTimeline | undefined {
    return this.heard.timeline(channelId);
  }

  /**
   * Whom the channel hears now, as the channels whose voices reach it: its bridge's parties, through a snoop
   * channel among them what that snoop picks up (a supervisor listening hears the agent and the caller), and
   * who whispers to it. Empty while it hears a prompt, music or silence.
   */
  voicesHeardBy(channelId: string): Party[] {
    return this.heard.voices(channelId);
  }

  // ---------------------------------------------------------------- snoop and recording (pbx/snoop.ts, pbx/recordings.ts)

  /**
   * ARI `POST /channels/{id}/snoop[/{snoopId}]`: a snoop channel on the channel (by id or name), in Stasis
   * app `req.app`. Throws `not-found` ("Provided channel was not found"), `internal` (snoop id taken).
   */
  snoop(channelIdOrName: string, req: SnoopRequest): ChannelSnapshot {
    const spied = this.channels.find(channelIdOrName);
    if (!spied) throw new PbxError("not-found", "Provided channel was not found");
    return this.snooping.create(spied, req).snapshot();
  }

  /** Every snoop channel so far (ended ones with `endedAt`): what each listens to and whispers into. */
  snoops(): SnoopSnapshot[] {
    return this.snooping.list();
  }

  /** ARI `POST /bridges/{id}/record`; the errors of `Recordings.record`. */
  recordBridge(bridgeId: string, req: RecordRequest): LiveRecordingSnapshot {
    return this.recordings.record(bridgeId, req);
  }

  liveRecording(name: string): LiveRecordingSnapshot | undefined {
    return this.recordings.getLive(name);
  }

  /** ARI stop, cancel (`DELETE`), pause, unpause, mute, unmute of a live recording. Throws `not-found`, `conflict`. */
  controlRecording(name: string, op: RecordingControl): void {
    this.recordings.control(name, op);
  }

  storedRecordings(): StoredRecordingSnapshot[] {
    return this.recordings.listStored();
  }

  storedRecording(name: string): StoredRecordingSnapshot | undefined {
    return this.recordings.getStored(name);
  }

  /** The stored recording's file (a WAV of its length), or undefined. */
  storedRecordingFile(name: string): Buffer | undefined {
    return this.recordings.file(name);
  }

  /** Throws `not-found`. */
  deleteStoredRecording(name: string): void {
    this.recordings.deleteStored(name);
  }

  /** Throws `not-found`, `conflict`. */
  copyStoredRecording(name: string, destination: string): StoredRecordingSnapshot {
    return this.recordings.copyStored(name, destination);
  }

  /** Simulated ms since the PBX started: the clock of `hearing()`. */
  simNow(): number {
    return this.scheduler.now();
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

  /**
   * ARI `POST /applications/{app}/subscription`: follow a channel, bridge, endpoint (`PJSIP/1001` or a
   * technology, `PJSIP`) or device. "no-app", or "no-source" when it does not exist.
   */
  subscribeApp(app: string, kind: EventSourceKind, id: string): "ok" | "no-app" | "no-source" {
    if (!this.apps.info(app)) return "no-app";
    if (!this.eventSourceExists(kind, id)) return "no-source";
    this.apps.subscribeSource(app, kind, id);
    return "ok";
  }

  /** ARI `DELETE /applications/{app}/subscription`. */
  unsubscribeApp(app: string, kind: EventSourceKind, id: string): "ok" | "no-app" | "not-subscribed" {
    return this.apps.unsubscribeSource(app, kind, id);
  }

  private eventSourceExists(kind: EventSourceKind, id: string): boolean {
    switch (kind) {
      case "channel":
        return this.ctx.channels.has(id);
      case "bridge":
        return this.ctx.bridges.has(id);
      case "endpoint":
        return id.includes("/") ? this.devices.endpoint(id) !== undefined : this.devices.endpointSnapshots(id).length > 0;
      case "deviceState":
        return id !== "";
    }
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

  /** Every queue with its members and waiting callers (AMI QueueStatus / QueueSummary). */
  listQueues(): QueueSnapshot[] {
    return this.queues.list();
  }

  /** AMI QueueAdd. Throws `not-found` (no such queue) or `conflict` (already a member). */
  queueAddMember(queue: string, m: QueueMemberConfig): QueueMemberSnapshot {
    return this.queues.addMember(queue, m);
  }

  /** AMI QueueRemove. Throws `not-found` (no such queue or member) or `conflict` (static member). */
  queueRemoveMember(queue: string, iface: string): void {
    this.queues.removeMember(queue, iface);
  }

  /**
   * AMI QueuePause: pauses/unpauses `iface` in `queue` (or in every queue when undefined).
   * Throws `not-found` when no member matched.
   */
  queuePauseMember(iface: string, paused: boolean, opts: { queue?: string; reason?: string } = {}): void {
    this.queues.pauseMember(iface, paused, opts);
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
    this.recordings.clear();
  }
}
