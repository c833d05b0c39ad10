/**
 * Queue(queuename[,options[,URL[,announceoverride[,timeout]]]]), ringall: the caller joins and
 * hears music on hold; at the head of the queue it rings every free member at once, retries after
 * a pause, and is connected in a bridge to the member who answers, until one of them hangs up.
 * It leaves on timeout (QUEUESTATUS=TIMEOUT) or abandons by hanging up.
 */
import type { Bridge } from "../model/bridge.js";
import type { Channel } from "../model/channel.js";
import { CAUSE } from "../model/types.js";
import type { Bridging } from "./bridging.js";
import type { ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import { HANGUP, NEXT, type DialplanAppResult } from "./dialplan-runner.js";
import type { Devices } from "./devices.js";
import type { Media } from "./media.js";
import type { MemberDialer } from "./queue-dialer.js";
import type { CallerEntry, MemberState, QueueState, Queues } from "./queues.js";
import type { ChannelVariables } from "./variables.js";

export interface QueueAppParts {
  queues: Queues;
  dialer: MemberDialer;
  devices: Devices;
  media: Media;
  vars: ChannelVariables;
  bridging: Bridging;
  channels: ChannelCore;
}

/** app_queue's result variables, emptied when a caller joins. */
const RESULT_VARS = ["ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"];

export class QueueApp {
  constructor(
    private readonly ctx: PbxContext,
    private readonly p: QueueAppParts,
  ) {}

  // not async: the pbx loop awaits wait()'s own promise, without an extra microtask turn
  run(c: Channel, data: string): Promise<DialplanAppResult> {
    const args = data.split(",");
    const q = this.p.queues.get(args[0] ?? "");
    if (!q) {
      this.p.vars.set(c, "QUEUESTATUS", "UNKNOWN");
      return Promise.resolve(NEXT);
    }
    for (const v of RESULT_VARS) this.p.vars.set(c, v, "");
    const call = new QueueCall(this.ctx, this.p, q, c);
    call.join(Number.parseFloat(args[4] ?? ""));
    return call.wait();
  }
}

/** One member being rung for the caller. */
interface Attempt {
  m: MemberState;
  ch: Channel;
  calledAt: number;
}

/** One round of ringing every free member; `done` settles on an answer, a failure, the timeout or a hangup. */
interface RingRound {
  attempts: Attempt[];
  answered: Attempt | undefined;
  timedOut: boolean;
  done: Promise<void>;
  /** Stops listening for the caller's hangup and cancels the ring timeout. */
  end(): void;
}

/** A caller's stay in a queue. */
class QueueCall {
  private readonly entry: CallerEntry;
  private queueTimedOut = false;
  /** Ends the wait the caller is in (a retry pause or a ring round); a no-op once that wait is over. */
  private wake: () => void = () => {};
  private cancelQueueTimeout: () => void = () => {};

  constructor(
    private readonly ctx: PbxContext,
    private readonly p: QueueAppParts,
    private readonly q: QueueState,
    private readonly c: Channel,
  ) {
    this.entry = { channel: c, joinedAt: Date.now(), originalPosition: q.callers.length + 1 };
  }

  /** Joins the queue (QueueCallerJoin, music on hold) and arms the queue's `timeout` argument. */
  join(timeoutSecs: number): void {
    const { q, c } = this;
    q.callers.push(this.entry);
    this.p.devices.set(`Queue:${q.cfg.name}`, "RINGING");
    this.ctx.emit({ type: "QueueCallerJoin", queue: q.cfg.name, position: q.callers.length, count: q.callers.length, channel: c.snapshot() });
    this.p.media.startMoh(c, q.cfg.mohClass ?? "default");
    if (Number.isFinite(timeoutSecs) && timeoutSecs > 0)
      this.cancelQueueTimeout = this.ctx.scheduler.after(timeoutSecs * 1000, () => {
        this.queueTimedOut = true;
        this.wake();
      });
  }

  /** Waits for a member until connected, timed out or abandoned. */
  async wait(): Promise<DialplanAppResult> {
    const { c } = this;
    try {
      for (;;) {
        if (c.hangupPending || c.destroyed) break;
        if (this.queueTimedOut) return this.timeOut();
        const free = this.q.callers[0] === this.entry ? this.p.queues.freeMembers(this.q) : [];
        if (free.length === 0) {
          await this.retryPause();
          if (this.ctx.stopped) return HANGUP;
          continue;
        }
        const round = this.ringAll(free);
        await round.done;
        round.end();
        if (this.ctx.stopped) return HANGUP;
        const winner = round.answered;
        this.settle(round);
        if (winner && !c.hangupPending) return await this.connect(winner);
        if (winner) this.p.dialer.cancel(c, winner.ch, "CANCEL", CAUSE.UNKNOWN);
        if (c.hangupPending || this.queueTimedOut) continue;
        // retry after the pause
        await this.ctx.scheduler.sleep(this.q.cfg.retryMs ?? 2000, c.abort.signal);
      }
      return this.abandon();
    } finally {
      this.cancelQueueTimeout();
      const i = this.q.callers.indexOf(this.entry);
      if (i >= 0) this.q.callers.splice(i, 1);
    }
  }

  /** The pause before looking for a free member again; the queue timeout or a hangup cut it short. */
  private retryPause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = this.c.abort.signal;
      const finish = (): void => {
        cancel();
        signal.removeEventListener("abort", finish);
        resolve();
      };
      const cancel = this.ctx.scheduler.after(this.q.cfg.retryMs ?? 2000, finish);
      this.wake = finish;
      signal.addEventListener("abort", finish, { once: true });
    });
  }

  /** Rings every free member at once (AgentCalled, DialBegin). */
  private ringAll(free: MemberState[]): RingRound {
    const { q, c } = this;
    const signal = c.abort.signal;
    let onAbort = (): void => {};
    const done = new Promise<void>((resolve) => {
      this.wake = resolve;
      onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const round: RingRound = { attempts: [], answered: undefined, timedOut: false, done, end: () => {} };
    for (const m of free) {
      const ch = this.p.dialer.create(c, m.interface);
      if (!ch) continue;
      const attempt = { m, ch, calledAt: Date.now() };
      round.attempts.push(attempt);
      m.ringing = true;
      this.ctx.emit({ type: "AgentCalled", queue: q.cfg.name, member: this.p.queues.memberSnapshot(m), channel: c.snapshot(), destChannel: ch.snapshot() });
      this.p.dialer.ring(
        c,
        ch,
        // app_queue's DialBegin shows the whole interface (ami-10: `Local/agent2@agents`)
        m.interface,
        () => {
          if (!round.answered) {
            round.answered = attempt;
            this.wake();
          }
        },
        () => this.wake(),
      );
    }
    const cancelRing = this.ctx.scheduler.after(q.cfg.memberTimeoutMs ?? 15_000, () => {
      round.timedOut = true;
      this.wake();
    });
    round.end = () => {
      signal.removeEventListener("abort", onAbort);
      cancelRing();
    };
    return round;
  }

  /** Ends the round's calls except the answered one: answered elsewhere, no answer, or cancelled. */
  private settle(round: RingRound): void {
    const { q, c } = this;
    const winner = round.answered;
    for (const a of round.attempts) {
      a.m.ringing = false;
      if (a === winner || a.ch.destroyed) continue;
      if (winner) this.p.dialer.cancel(c, a.ch, "CANCEL", CAUSE.ANSWERED_ELSEWHERE);
      else if (round.timedOut && !c.hangupPending && !this.queueTimedOut) {
        this.ctx.emit({
          type: "AgentRingNoAnswer",
          queue: q.cfg.name,
          member: this.p.queues.memberSnapshot(a.m),
          channel: c.snapshot(),
          destChannel: a.ch.snapshot(),
          // a timer may fire a millisecond before Date.now() says it is due: scaled up, that would
          // report less than the member timeout that just expired
          ringTime: Math.max(q.cfg.memberTimeoutMs ?? 15_000, Math.round((Date.now() - a.calledAt) / this.ctx.scheduler.timeScale)),
        });
        this.p.dialer.cancel(c, a.ch, "NOANSWER", CAUSE.UNKNOWN);
      } else this.p.dialer.cancel(c, a.ch, "CANCEL", CAUSE.UNKNOWN);
    }
  }

  /** The caller connects to the member who answered, in a basic bridge, until one side hangs up. */
  private async connect(winner: Attempt): Promise<DialplanAppResult> {
    const { c } = this;
    const { ch } = winner;
    const connectedAt = Date.now();
    const holdTime = this.agentConnect(winner, connectedAt);
    const b = this.p.bridging.createBasic();
    this.p.bridging.enter(b, ch);
    this.p.bridging.enter(b, c);
    const ended = { agentLeft: false };
    await this.untilHangup(ch, ended);
    if (this.ctx.stopped) return HANGUP;
    this.agentComplete(winner, connectedAt, holdTime, ended.agentLeft, b);
    return HANGUP;
  }

  /** Leaves the queue for the member: QUEUEPOSITION / QUEUEWAIT, AgentConnect. Returns the hold time (s). */
  private agentConnect(winner: Attempt, connectedAt: number): number {
    const { q, c } = this;
    const { m, ch } = winner;
    this.p.media.stopMoh(c);
    this.leave();
    const waitMs = connectedAt - this.entry.joinedAt;
    this.p.vars.set(c, "QUEUEPOSITION", String(this.entry.originalPosition));
    this.p.vars.set(c, "QUEUEWAIT", String(this.simSeconds(waitMs)));
    this.p.vars.set(c, "QUEUEWAIT_MS", String(Math.round(waitMs / this.ctx.scheduler.timeScale)));
    m.inCall = true;
    const holdTime = this.simSeconds(waitMs);
    this.ctx.emit({
      type: "AgentConnect",
      queue: q.cfg.name,
      member: this.p.queues.memberSnapshot(m),
      channel: c.snapshot(),
      destChannel: ch.snapshot(),
      holdTime,
      ringTime: this.simSeconds(connectedAt - winner.calledAt),
    });
    return holdTime;
  }

  /** Settles when the member's channel is asked to hang up (`agentLeft`) or the caller hangs up. */
  private untilHangup(ch: Channel, ended: { agentLeft: boolean }): Promise<void> {
    return new Promise<void>((resolve) => {
      if (ch.hangupPending || ch.destroyed) {
        ended.agentLeft = true;
        return resolve();
      }
      ch.onHangupRequest = () => {
        ended.agentLeft = true;
        resolve();
      };
      this.c.abort.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  /** The call is over: the member's statistics, AgentComplete, the result variables, the bridge and the member's channel go. */
  private agentComplete(winner: Attempt, connectedAt: number, holdTime: number, agentLeft: boolean, b: Bridge): void {
    const { q, c } = this;
    const { m, ch } = winner;
    const { timeScale } = this.ctx.scheduler;
    const talkMs = Date.now() - connectedAt;
    m.inCall = false;
    m.callsTaken++;
    m.lastCall = Math.floor(Date.now() / 1000);
    q.completed++;
    q.holdtimeTotal += holdTime;
    q.talktimeTotal += this.simSeconds(talkMs);
    this.ctx.emit({
      type: "AgentComplete",
      queue: q.cfg.name,
      member: this.p.queues.memberSnapshot(m),
      channel: c.snapshot(),
      destChannel: ch.snapshot(),
      holdTime,
      talkTime: this.simSeconds(talkMs),
      reason: agentLeft ? "agent" : "caller",
    });
    if (ch.bridgeId) this.p.bridging.leave(ch);
    if (c.bridgeId) this.p.bridging.leave(c);
    const answeredMs = Math.round(talkMs / timeScale);
    const dialedMs = Math.round((Date.now() - winner.calledAt) / timeScale);
    this.p.vars.set(c, "ANSWEREDTIME", String(Math.floor(answeredMs / 1000)));
    this.p.vars.set(c, "ANSWEREDTIME_MS", String(answeredMs));
    this.p.vars.set(c, "DIALEDTIME", String(Math.floor(dialedMs / 1000)));
    this.p.vars.set(c, "DIALEDTIME_MS", String(dialedMs));
    this.p.bridging.close(b);
    ch.runningApp = false;
    ch.onHangupRequest = undefined;
    if (!ch.destroyed) {
      if (!ch.hangupCause) ch.hangupCause = c.hangupCause || CAUSE.NORMAL;
      this.p.channels.destroy(ch);
    }
    this.p.queues.updateAvail(q);
  }

  /** The queue's `timeout` expired: the caller leaves and the dialplan goes on (QUEUESTATUS=TIMEOUT). */
  private timeOut(): DialplanAppResult {
    this.p.media.stopMoh(this.c);
    this.leave();
    this.p.vars.set(this.c, "QUEUESTATUS", "TIMEOUT");
    return NEXT;
  }

  /** The caller hung up while waiting: app_queue's variables for an abandoned call, QueueCallerAbandon. */
  private abandon(): DialplanAppResult {
    const { q, c, entry } = this;
    this.p.media.stopMoh(c);
    const pos = this.position();
    q.abandoned++;
    // app_queue's variables for an abandoned call, before QueueCallerAbandon (ami-11)
    const waitedMs = Math.round((Date.now() - entry.joinedAt) / this.ctx.scheduler.timeScale);
    this.p.vars.set(c, "QUEUEWAIT", String(Math.floor(waitedMs / 1000)));
    this.p.vars.set(c, "QUEUEWAIT_MS", String(waitedMs));
    this.p.vars.set(c, "DIALEDTIME", String(Math.floor(waitedMs / 1000)));
    this.p.vars.set(c, "DIALEDTIME_MS", String(waitedMs));
    this.p.vars.set(c, "ANSWEREDTIME", "0");
    this.p.vars.set(c, "ANSWEREDTIME_MS", "0");
    this.p.vars.set(c, "ABANDONED", "TRUE");
    this.ctx.emit({
      type: "QueueCallerAbandon",
      queue: q.cfg.name,
      position: pos,
      originalPosition: entry.originalPosition,
      holdTime: this.simSeconds(Date.now() - entry.joinedAt),
      channel: c.snapshot(),
    });
    this.leave();
    this.p.vars.set(c, "QUEUEPOSITION", String(entry.originalPosition));
    return HANGUP;
  }

  /** QueueCallerLeave; the queue's own device goes idle with its last caller. */
  private leave(): void {
    const { q } = this;
    const pos = this.position();
    const i = q.callers.indexOf(this.entry);
    if (i >= 0) q.callers.splice(i, 1);
    if (q.callers.length === 0) this.p.devices.set(`Queue:${q.cfg.name}`, "NOT_INUSE");
    this.ctx.emit({ type: "QueueCallerLeave", queue: q.cfg.name, position: pos, count: q.callers.length, channel: this.c.snapshot() });
  }

  private position(): number {
    return this.q.callers.indexOf(this.entry) + 1;
  }

  private simSeconds(ms: number): number {
    return Math.round(ms / 1000 / this.ctx.scheduler.timeScale);
  }
}
