import { randomUUID } from "node:crypto";
import type { Logger } from "../lib/logger.js";
import type { AriEvent, AriGateway } from "../telephony/index.js";
import type { LiveCall } from "./live-calls.js";

/**
 * Supervisors on live calls: listen, whisper to the agent, barge in. The supervisor's phone is originated
 * into the supervision app (a Stasis app of its own, so the calls' CallManager never takes it for a caller),
 * and once it answers:
 *
 * - listen: a snoop channel on the agent's leg (`spy=both`: the agent and, through the agent's leg, the
 *   caller) is bridged with the phone in a mixing bridge of the supervisor's own;
 * - whisper: the same with `whisper=out`: what the supervisor says is written to the agent's leg, so the
 *   agent hears it and the caller does not (res_stasis_snoop.c; `in` would go to the caller);
 * - barge: the phone joins the conversation's bridge, all three talk.
 *
 * It ends when the supervisor stops, hangs up or does not answer, or when the conversation does (the snoop
 * ends with the agent's leg; a barging phone is let go when a party leaves the bridge). Switching modes on
 * the same call keeps the phone up. Monitors live in this daemon's memory: the next daemon hangs up what the
 * supervision app still holds when it connects.
 */

export type ListenMode = "listen" | "whisper" | "barge";

/** Why a supervision request was refused: `conflict` (a state that does not allow it), `unavailable` (the PBX). */
export class SupervisionError extends Error {
  constructor(
    readonly kind: "bad-request" | "conflict" | "unavailable" | "not-found",
    message: string,
  ) {
    super(message);
    this.name = "SupervisionError";
  }
}

export interface MonitorView {
  supervisorId: string;
  callId: string;
  mode: ListenMode;
  /** `ringing`: the supervisor's phone rings; `connected`: the supervisor is on the call. */
  state: "ringing" | "connected";
  phone: string;
  /** Epoch ms of the request. */
  since: number;
}

interface Monitor extends MonitorView {
  serverId: string;
  call: Pick<LiveCall, "agentChannelId" | "bridgeId" | "callerChannelId">;
  phoneChannelId: string;
  /** The supervisor's own bridge (listen, whisper), made once. */
  bridgeId?: string;
  snoopId?: string;
  /** Work on this monitor, one piece at a time (a mode switch must not overtake the connect). */
  chain: Promise<void>;
}

export interface CallSupervisionDeps {
  /** The supervision app's gateway per Asterisk server (the app the phones and snoops enter). */
  lines: ReadonlyMap<string, AriGateway>;
  /** Seconds the supervisor's phone rings. */
  ringTimeoutSeconds: number;
  logger: Logger;
}

const ignore = () => {};
/** How long a snoop channel may take to be in the app before it is given up. */
const SNOOP_READY_MS = 5000;

export class CallSupervision {
  private readonly bySupervisor = new Map<string, Monitor>();
  private readonly byPhone = new Map<string, Monitor>();
  private readonly bySnoop = new Map<string, Monitor>();
  /** Snoops asked for and not yet in the app: their StasisStart resolves these. */
  private readonly snoopReady = new Map<string, () => void>();
  private readonly offs: Array<() => void> = [];
  private readonly log: Logger;

  constructor(private readonly deps: CallSupervisionDeps) {
    this.log = deps.logger.child({ component: "supervision" });
  }

  start(): void {
    for (const ari of this.deps.lines.values()) {
      this.offs.push(
        ari.on("event", (e) => this.route(e, ari)),
        ari.on("connected", () => void this.sweepOrphans(ari)),
        ari.on("reconnected", () => void this.sweepOrphans(ari)),
      );
    }
  }

  /**
   * Channels and bridges the supervision app holds that no monitor of this daemon knows (a daemon that
   * stopped without letting its supervisors go): hung up and destroyed, so no phone stays on a call unseen.
   */
  private async sweepOrphans(ari: AriGateway): Promise<void> {
    try {
      const app = await ari.getApplication();
      const known = new Set([...this.bySupervisor.values()].flatMap((m) => [m.phoneChannelId, m.snoopId, m.bridgeId].filter((x): x is string => x !== undefined)));
      const channels = app.channel_ids.filter((id) => !known.has(id));
      const bridges = app.bridge_ids.filter((id) => id.startsWith("sbsb-") && !known.has(id));
      await Promise.all([...channels.map((id) => ari.hangup(id).catch(ignore)), ...bridges.map((id) => ari.destroyBridge(id).catch(ignore))]);
      if (channels.length || bridges.length) this.log.warn({ serverId: ari.serverId, channels: channels.length, bridges: bridges.length }, "supervision channels left behind were hung up");
    } catch (err) {
      this.log.warn({ err, serverId: ari.serverId }, "supervision app not checked for channels left behind");
    }
  }

  /** Lets every supervisor go (their phones hung up) and stops listening to events. */
  async stop(): Promise<void> {
    await Promise.all([...this.bySupervisor.keys()].map((id) => this.leave(id)));
    for (const off of this.offs.splice(0)) off();
  }

  monitors(): MonitorView[] {
    return [...this.bySupervisor.values()].map(view);
  }

  monitorOf(supervisorId: string): MonitorView | undefined {
    const m = this.bySupervisor.get(supervisorId);
    return m ? view(m) : undefined;
  }

  /**
   * Puts the supervisor on the call in `mode`, ringing `phone` unless it is on this call already (then the
   * mode changes, the phone stays up). A supervisor on another call leaves it first.
   */
  async join(req: { supervisorId: string; phone: string; mode: ListenMode; call: LiveCall }): Promise<MonitorView> {
    const { call } = req;
    const ari = this.line(call.serverId);
    const current = this.bySupervisor.get(req.supervisorId);
    if (current && current.callId === call.callId && current.phone === req.phone) {
      if (current.mode !== req.mode) await this.switchMode(current, req.mode);
      return view(current);
    }
    if (current) await this.leave(req.supervisorId);
    const m: Monitor = {
      supervisorId: req.supervisorId,
      callId: call.callId,
      mode: req.mode,
      state: "ringing",
      phone: req.phone,
      since: Date.now(),
      serverId: call.serverId,
      call: { agentChannelId: call.agentChannelId, bridgeId: call.bridgeId, callerChannelId: call.callerChannelId },
      phoneChannelId: `sbs-${randomUUID()}`,
      chain: Promise.resolve(),
    };
    this.bySupervisor.set(m.supervisorId, m);
    this.byPhone.set(m.phoneChannelId, m);
    const label = { listen: "Listen", whisper: "Whisper", barge: "Barge" }[req.mode];
    const number = call.callerNumber.replace(/[^0-9+*#]/g, "") || "0";
    try {
      await ari.originate({
        endpoint: req.phone,
        appArgs: ["supervisor", call.callId],
        callerId: `"${label} ${number}" <${number}>`,
        timeoutSeconds: this.deps.ringTimeoutSeconds,
        channelId: m.phoneChannelId,
      });
    } catch (err) {
      this.forget(m);
      throw new SupervisionError("unavailable", `${req.phone} could not be rung: ${(err as Error).message}`);
    }
    this.log.info({ supervisorId: m.supervisorId, callId: m.callId, mode: m.mode, phone: m.phone }, "supervisor's phone rung");
    return view(m);
  }

  /** The supervisor leaves the call they are on: false when they were on none. */
  async leave(supervisorId: string): Promise<boolean> {
    const m = this.bySupervisor.get(supervisorId);
    if (!m) return false;
    this.forget(m);
    await this.release(m);
    this.log.info({ supervisorId, callId: m.callId }, "supervisor left the call");
    return true;
  }

  private line(serverId: string): AriGateway {
    const ari = this.deps.lines.get(serverId);
    if (!ari || !ari.isConnected) throw new SupervisionError("unavailable", `the Asterisk server "${serverId}" of this call is not connected to this daemon`);
    return ari;
  }

  private route(e: AriEvent, ari: AriGateway): void {
    switch (e.type) {
      case "StasisStart": {
        if (e.args[0] === "supervisor") return this.phoneAnswered(e.channel.id, ari);
        if (e.args[0] !== "snoop") return;
        const ready = this.snoopReady.get(e.channel.id);
        if (ready) return ready();
        // a snoop nobody waits for (a restart, a mode switched meanwhile): not ours to keep
        ari.hangup(e.channel.id).catch(ignore);
        return;
      }
      case "StasisEnd":
      case "ChannelDestroyed":
      case "ChannelHangupRequest": {
        const byPhone = this.byPhone.get(e.channel.id);
        if (byPhone) return void this.ended(byPhone, e.type === "ChannelDestroyed" && byPhone.state === "ringing" ? "not answered" : "the supervisor hung up");
        // the agent's leg went, and the snoop on it with it: the conversation is over
        const bySnoop = this.bySnoop.get(e.channel.id);
        if (bySnoop && e.type === "StasisEnd") return void this.ended(bySnoop, "the conversation ended");
        return;
      }
      case "ChannelLeftBridge": {
        const m = [...this.bySupervisor.values()].find((x) => x.mode === "barge" && x.call.bridgeId === e.bridge.id && x.state === "connected");
        if (m && e.channel.id !== m.phoneChannelId) void this.ended(m, "the conversation ended");
        return;
      }
      default:
        return;
    }
  }

  private phoneAnswered(channelId: string, ari: AriGateway): void {
    const m = this.byPhone.get(channelId);
    if (!m) {
      ari.hangup(channelId).catch(ignore);
      return;
    }
    m.state = "connected";
    this.run(m, () => this.connect(m));
  }

  /** Runs work on the monitor after what is queued; a failure lets the supervisor go. */
  private run(m: Monitor, work: () => Promise<void>): Promise<void> {
    m.chain = m.chain.then(work).catch(async (err) => {
      this.log.warn({ err, supervisorId: m.supervisorId, callId: m.callId, mode: m.mode }, "supervisor could not be put on the call");
      await this.ended(m, "failed");
    });
    return m.chain;
  }

  private async switchMode(m: Monitor, mode: ListenMode): Promise<void> {
    const from = m.mode;
    m.mode = mode;
    if (m.state !== "connected") return;
    await this.run(m, async () => {
      await this.disconnect(m, from);
      await this.connect(m);
    });
  }

  /** The answered phone joins the call in the monitor's mode. */
  private async connect(m: Monitor): Promise<void> {
    if (this.bySupervisor.get(m.supervisorId) !== m) return;
    const ari = this.line(m.serverId);
    if (m.mode === "barge") {
      await ari.addChannel(m.call.bridgeId, m.phoneChannelId);
      return;
    }
    if (!m.bridgeId) {
      m.bridgeId = `sbsb-${randomUUID()}`;
      await ari.createBridge({ bridgeId: m.bridgeId, name: `supervision ${m.callId}` });
    }
    await ari.addChannel(m.bridgeId, m.phoneChannelId);
    const snoopId = `sbn-${randomUUID()}`;
    const inApp = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), SNOOP_READY_MS);
      this.snoopReady.set(snoopId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    m.snoopId = snoopId;
    this.bySnoop.set(snoopId, m);
    try {
      await ari.snoop(m.call.agentChannelId, { spy: "both", whisper: m.mode === "whisper" ? "out" : "none", appArgs: ["snoop", m.callId], snoopId });
      if (!(await inApp)) throw new Error("the snoop channel never entered the supervision app");
    } finally {
      this.snoopReady.delete(snoopId);
    }
    await ari.addChannel(m.bridgeId, snoopId);
    this.log.info({ supervisorId: m.supervisorId, callId: m.callId, mode: m.mode }, "supervisor on the call");
  }

  /** Undoes what `connect` did for `mode`, keeping the phone up. */
  private async disconnect(m: Monitor, mode: ListenMode): Promise<void> {
    const ari = this.line(m.serverId);
    if (mode === "barge") {
      await ari.removeChannel(m.call.bridgeId, m.phoneChannelId).catch(ignore);
      return;
    }
    const snoop = m.snoopId;
    m.snoopId = undefined;
    if (snoop) {
      this.bySnoop.delete(snoop);
      await ari.hangup(snoop).catch(ignore);
    }
  }

  private async ended(m: Monitor, why: string): Promise<void> {
    if (this.bySupervisor.get(m.supervisorId) !== m) return;
    this.forget(m);
    this.log.info({ supervisorId: m.supervisorId, callId: m.callId, why }, "supervisor off the call");
    await this.release(m);
  }

  private forget(m: Monitor): void {
    if (this.bySupervisor.get(m.supervisorId) === m) this.bySupervisor.delete(m.supervisorId);
    this.byPhone.delete(m.phoneChannelId);
    if (m.snoopId) this.bySnoop.delete(m.snoopId);
  }

  /** Hangs up what the monitor had on the PBX: the phone, the snoop, the supervisor's bridge. */
  private async release(m: Monitor): Promise<void> {
    const ari = this.deps.lines.get(m.serverId);
    if (!ari) return;
    await Promise.all([
      ari.hangup(m.phoneChannelId).catch(ignore),
      m.snoopId ? ari.hangup(m.snoopId).catch(ignore) : undefined,
      m.bridgeId ? ari.destroyBridge(m.bridgeId).catch(ignore) : undefined,
    ]);
  }
}

function view(m: Monitor): MonitorView {
  return { supervisorId: m.supervisorId, callId: m.callId, mode: m.mode, state: m.state, phone: m.phone, since: m.since };
}
