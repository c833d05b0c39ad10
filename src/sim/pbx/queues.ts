/**
 * app_queue's queues and members: their state, the snapshots AMI reports, member management
 * (QueueAdd / QueueRemove / QueuePause) and the status and availability it publishes as the
 * members' devices change.
 */
import type { Channel } from "../model/channel.js";
import {
  MEMBER_STATUS,
  type QueueConfig,
  type QueueMemberConfig,
  type QueueMemberSnapshot,
  type QueueSnapshot,
} from "../model/queue.js";
import type { PbxContext } from "./context.js";
import type { Devices } from "./devices.js";
import { PbxError } from "./errors.js";

export interface MemberState {
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

export interface CallerEntry {
  channel: Channel;
  joinedAt: number;
  originalPosition: number;
}

export interface QueueState {
  cfg: QueueConfig;
  members: MemberState[];
  callers: CallerEntry[];
  completed: number;
  abandoned: number;
  holdtimeTotal: number;
  talktimeTotal: number;
}

export class Queues {
  private readonly queues = new Map<string, QueueState>();

  constructor(
    private readonly ctx: PbxContext,
    private readonly devices: Devices,
  ) {
    devices.onPublished((device) => this.memberDeviceChanged(device));
  }

  get(name: string): QueueState | undefined {
    return this.queues.get(name);
  }

  add(cfg: QueueConfig): void {
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

  /** Every queue with its members and waiting callers (AMI QueueStatus / QueueSummary). */
  list(): QueueSnapshot[] {
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
          wait: Math.floor((now - e.joinedAt) / 1000 / this.ctx.scheduler.timeScale),
          priority: 0,
        })),
      };
    });
  }

  /** AMI QueueAdd. Throws `not-found` (no such queue) or `conflict` (already a member). */
  addMember(queue: string, m: QueueMemberConfig): QueueMemberSnapshot {
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
    this.updateAvail(q);
    return snap;
  }

  /** AMI QueueRemove. Throws `not-found` (no such queue or member) or `conflict` (static member). */
  removeMember(queue: string, iface: string): void {
    const q = this.queues.get(queue);
    if (!q) throw new PbxError("not-found", "Unable to remove interface: No such queue");
    const i = q.members.findIndex((x) => x.interface === iface);
    if (i < 0) throw new PbxError("not-found", "Unable to remove interface: Not there");
    const m = q.members[i]!;
    if (m.membership === "static") throw new PbxError("conflict", "Unable to remove interface: Not dynamic");
    q.members.splice(i, 1);
    this.ctx.emit({ type: "QueueMemberRemoved", member: this.memberSnapshot(m) });
    // the queue's availability is published again without the member (ami-11)
    this.updateAvail(q);
  }

  /**
   * AMI QueuePause: pauses/unpauses `iface` in `queue` (or in every queue when undefined).
   * Throws `not-found` when no member matched.
   */
  pauseMember(iface: string, paused: boolean, opts: { queue?: string; reason?: string } = {}): void {
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
        this.updateAvail(q);
      }
    }
    if (!found) throw new PbxError("not-found", "Interface not found");
  }

  /** The members a caller may ring now: not paused, not busy with a call or being rung, device idle. */
  freeMembers(q: QueueState): MemberState[] {
    // every strategy rings like ringall
    return q.members.filter(
      (m) => !m.paused && !m.inCall && !m.ringing && ["NOT_INUSE", "UNKNOWN"].includes(this.devices.state(m.stateInterface)),
    );
  }

  memberSnapshot(m: MemberState): QueueMemberSnapshot {
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

  /** Publishes `Queue:<name>_avail`: whether some member could take a call. */
  updateAvail(q: QueueState): void {
    const avail = q.members.some((m) => !m.paused && !m.inCall && !m.ringing && this.devices.state(m.stateInterface) === "NOT_INUSE");
    const state = avail ? "NOT_INUSE" : "INUSE";
    // published only when it changes (ami-11, ami-12)
    if (this.devices.customState(`Queue:${q.cfg.name}_avail`) !== state) this.devices.set(`Queue:${q.cfg.name}_avail`, state);
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
      if (hit) this.updateAvail(q);
    }
  }
}
