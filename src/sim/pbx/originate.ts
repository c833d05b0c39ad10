/**
 * Originate (ARI `POST /channels`, AMI `Originate`): creates the dialed channel (an endpoint
 * channel or a Local pair), dials it on "another thread", reports `OriginateResult`, and once it
 * is answered runs what was asked for: a Stasis app, one application, or the dialplan.
 */
import type { Channel } from "../model/channel.js";
import { CAUSE, ORIGINATE_REASON, type CallerId, type ChannelSnapshot } from "../model/types.js";
import { parseLocal, type ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import type { Devices } from "./devices.js";
import { resolveDialTarget, type DialTarget } from "./dial-string.js";
import type { DialplanRunner } from "./dialplan-runner.js";
import { PbxError } from "./errors.js";
import type { Phones } from "./phones.js";
import type { Stasis } from "./stasis.js";
import type { StasisApps } from "./stasis-apps.js";
import { parseCallerId, variableEntries, type ChannelVariables, type VariableList } from "./variables.js";

export interface OriginateRequest {
  /** `Tech/resource`, e.g. `Local/s@dtmf-driver`, `PJSIP/1001`, `PJSIP/5551234@customers` (see dial-string.ts). */
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

/** One originate in progress: the request as given and what its channels are set up with. */
interface Dialing {
  req: OriginateRequest;
  callerId: CallerId | undefined;
  vars: Array<[string, string]>;
  timeoutMs: number;
  result: Promise<OriginateOutcome>;
  resolve: (o: OriginateOutcome) => void;
}

/** The AMI Reason of a failed dial, from the cause and the progress seen. */
function failureReason(cause: number, progress: number): number {
  if (cause === CAUSE.BUSY) return ORIGINATE_REASON.BUSY;
  if (cause === CAUSE.CONGESTION) return ORIGINATE_REASON.CONGESTION;
  if (cause === CAUSE.NO_ANSWER) return progress || ORIGINATE_REASON.FAILED;
  return progress === ORIGINATE_REASON.RINGING ? ORIGINATE_REASON.HANGUP : ORIGINATE_REASON.FAILED;
}

/** `ast_hangup_cause_to_dial_status`: the dial status of a dialed channel that hung up with `cause`. */
function dialStatusOf(cause: number): string {
  if (cause === CAUSE.BUSY) return "BUSY";
  if (cause === CAUSE.CONGESTION) return "CONGESTION";
  if (cause === 3 || cause === CAUSE.SUBSCRIBER_ABSENT) return "CHANUNAVAIL";
  return "NOANSWER";
}

export interface OriginatorParts {
  channels: ChannelCore;
  vars: ChannelVariables;
  devices: Devices;
  phones: Phones;
  runner: DialplanRunner;
  stasis: Stasis;
  apps: StasisApps;
}

export class Originator {
  constructor(
    private readonly ctx: PbxContext,
    private readonly p: OriginatorParts,
  ) {}

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
    const { channels } = this.p;
    if (channels.idTaken(req.channelId) || channels.idTaken(req.otherChannelId) || (req.channelId !== undefined && req.channelId === req.otherChannelId))
      throw new PbxError("conflict", "Channel with given unique ID already exists");
    const callerId = parseCallerId(req.callerId);
    const vars = variableEntries(req.variables);
    const timeoutMs = req.timeoutMs !== undefined && req.timeoutMs > 0 ? req.timeoutMs : 30_000; // Infinity: no timeout
    let resolve!: (o: OriginateOutcome) => void;
    const result = new Promise<OriginateOutcome>((r) => (resolve = r));
    const dialing: Dialing = { req, callerId, vars, timeoutMs, result, resolve };
    if (tech.toLowerCase() === "local") return this.originateLocal(dialing, resource);
    // no such endpoint, or one without a contact (not registered): no channel at all (ws-20 D, E)
    const target = resolveDialTarget(tech, resource, (device) => this.p.devices.endpoint(device));
    if (!target || target.endpoint.online === false) throw new PbxError("allocation-failed", "Allocation failed");
    return this.originateEndpoint(dialing, target, resource);
  }

  private originateLocal(dialing: Dialing, resource: string): OriginateHandle {
    const { req, callerId, vars } = dialing;
    const { channels } = this.p;
    const local = parseLocal(resource);
    const { one, two } = channels.localPair(local, { oneId: req.channelId, twoId: req.otherChannelId, accountcode: req.accountcode });
    channels.markOutgoing(one, "AppDial2");
    if (!req.callerIdFirst) this.setVars(one, vars);
    if (callerId) this.giveCallerId(one, callerId);
    if (req.callerIdFirst) this.setVars(one, vars);
    if (req.app) {
      this.p.apps.subscribe(req.app, one.id);
      this.p.apps.subscribe(req.app, two.id);
    }
    this.setVars(two, [...vars].reverse());
    if (callerId) {
      // the ;2 half gets caller and connected line at once (its NewCallerid already shows both)
      two.caller = { ...callerId };
      two.connected = { ...callerId };
      this.p.vars.emitCallerId(two);
      this.ctx.emit({ type: "ChannelConnectedLine", channel: two.snapshot() });
    }
    const handle: OriginateHandle = { channel: one.snapshot(), other: two.snapshot(), result: dialing.result };
    // the dial itself runs on "another thread": after the caller got its reply
    this.ctx.scheduler.defer(() => this.dialLocal(dialing, one, two, local, resource));
    return handle;
  }

  private dialLocal(dialing: Dialing, one: Channel, two: Channel, local: { base: string; exten: string; context: string }, resource: string): void {
    const { channels } = this.p;
    if (one.destroyed) {
      dialing.resolve({ success: false, reason: ORIGINATE_REASON.HANGUP, cause: one.hangupCause, channel: null });
      return;
    }
    if (!this.ctx.dialplan.exists(local.context, local.exten, 1)) {
      two.hangupCause = CAUSE.UNKNOWN;
      channels.destroy(two, { propagate: false });
      this.resultEvent(dialing, null, false, ORIGINATE_REASON.FAILED);
      one.hangupCause = CAUSE.UNKNOWN;
      channels.destroy(one, { propagate: false });
      dialing.resolve({ success: false, reason: ORIGINATE_REASON.FAILED, cause: 0, channel: null });
      return;
    }
    this.ctx.emit({
      type: "LocalBridge",
      one: one.snapshot(),
      two: two.snapshot(),
      context: local.context,
      exten: local.exten,
      localOptimization: !resource.includes("/n"),
    });
    this.startDial(dialing, one, local.base);
    void this.p.runner.run(two, local.context, local.exten, 1);
  }

  /** `dialString` is the resource as given (`5551234@customers`): the `Dial` events' `dialstring`. */
  private originateEndpoint(dialing: Dialing, target: DialTarget, dialString: string): OriginateHandle {
    const { req, callerId } = dialing;
    const { channels } = this.p;
    const ep = target.endpoint;
    const { tech, resource } = ep;
    // the channel starts in the endpoint's context (pjsip.conf `context`), at `s` (AMI recording ami-18b)
    const c = channels.endpointChannel(tech, resource, "Down", req.context ?? ep.context ?? "default", req.exten ?? "s", req.channelId);
    c.requestUser = target.requestUser;
    if (req.accountcode) c.accountcode = req.accountcode;
    channels.add(c);
    channels.markOutgoing(c, "AppDial2");
    this.setVars(c, dialing.vars);
    if (callerId) this.giveCallerId(c, callerId);
    if (req.app) this.p.apps.subscribe(req.app, c.id);
    const call = this.p.phones.call(c);
    this.ctx.scheduler.defer(() => {
      if (c.destroyed) {
        dialing.resolve({ success: false, reason: ORIGINATE_REASON.HANGUP, cause: c.hangupCause, channel: null });
        return;
      }
      this.startDial(dialing, c, dialString);
      this.p.phones.drive(ep, c, call);
    });
    return { channel: c.snapshot(), result: dialing.result };
  }

  private setVars(c: Channel, vars: Array<[string, string]>): void {
    for (const [k, v] of vars) this.p.vars.set(c, k, v);
  }

  /** The dialed channel shows the originate's caller id, then the same as connected line. */
  private giveCallerId(c: Channel, callerId: CallerId): void {
    c.caller = { ...callerId };
    this.p.vars.emitCallerId(c);
    c.connected = { ...callerId };
    this.ctx.emit({ type: "ChannelConnectedLine", channel: c.snapshot() });
  }

  private startDial(dialing: Dialing, c: Channel, dialString: string): void {
    const { req } = dialing;
    // the originate gives up: it hangs the channel up without a final dial status (ws-04, ws-20 C)
    let timedOut = false;
    const cancelTimeout = this.ctx.scheduler.after(dialing.timeoutMs, () => {
      if (!c.dial || c.dial.answered || c.destroyed) return;
      timedOut = true;
      this.p.channels.failDial(c, CAUSE.NO_ANSWER);
    });
    c.dial = {
      dialString,
      progress: 0,
      answered: false,
      cancelTimeout,
      onAnswer: () => {
        c.dial = undefined;
        if (req.app) void this.runStasis(c, req.app, req.appArgs ?? []);
        else if (req.application) void this.runApplication(c, req.application, req.data ?? "");
        else void this.p.runner.run(c, req.context ?? c.context, req.exten ?? "s", req.priority ?? 1);
        this.resultEvent(dialing, c, true, ORIGINATE_REASON.ANSWERED);
        dialing.resolve({ success: true, reason: ORIGINATE_REASON.ANSWERED, cause: 0, channel: c.snapshot() });
      },
      onFail: (cause: number) => {
        const reason = failureReason(cause, c.dial?.progress ?? 0);
        c.dial = undefined;
        // the dialed channel hung up (or was hung up) first: the dial ends with its cause's status
        // (ami-19: NOANSWER for 16; ws-20 B: BUSY for 17; CHANUNAVAIL for 3 and 20)
        if (!timedOut) this.ctx.emit({ type: "Dial", phase: "end", peer: c.snapshot(), dialstring: dialString, dialstatus: dialStatusOf(cause), forward: "" });
        this.resultEvent(dialing, null, false, reason);
        dialing.resolve({ success: false, reason, cause, channel: null });
      },
    };
    this.ctx.emit({ type: "Dial", phase: "begin", peer: c.snapshot(), dialstring: dialString, dialstatus: "", forward: "" });
  }

  private resultEvent(dialing: Dialing, c: Channel | null, success: boolean, reason: number): void {
    const { req, callerId } = dialing;
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

  /** Runs one application on an originated channel, then hangs it up (AMI Application/Data). */
  private async runApplication(c: Channel, app: string, data: string): Promise<void> {
    c.runningApp = true;
    c.appName = app;
    c.appData = data;
    c.lastApp = app;
    c.lastData = data;
    // Asterisk runs it outside the pbx loop: no Newexten, and the channel ends with cause 0
    // (AMI recording ami-12: Hangup and the ;2's HangupRequest show Cause 0)
    try {
      await this.p.runner.exec(c, app, data);
    } catch {
      // ignore
    }
    if (this.ctx.stopped) return;
    c.runningApp = false;
    this.p.channels.destroy(c);
  }

  /** Puts an answered originated channel into its Stasis app; continued, it goes on in the dialplan. */
  private async runStasis(c: Channel, app: string, args: string[]): Promise<void> {
    c.runningApp = true;
    c.appName = "Stasis";
    c.appData = [app, ...args].join(",");
    c.lastApp = c.appName;
    c.lastData = c.appData;
    const res = await this.p.stasis.run(c, app, args, false);
    if (this.ctx.stopped || c.destroyed) return;
    c.runningApp = false;
    c.appName = "AppDial2";
    c.appData = "(Outgoing Line)";
    if (res.kind === "continue" && !c.hangupPending) {
      const to = res.to ?? { context: c.context, exten: c.exten, priority: c.priority + 1 };
      void this.p.runner.run(c, to.context, to.exten, to.priority);
      return;
    }
    if (!c.causeSet && !c.hangupCause) c.hangupCause = CAUSE.NORMAL;
    this.p.channels.destroy(c);
  }
}
