/**
 * The simulated phones' side of their channels: the `SimCall` handle a phone drives its call
 * with, the default behaviour of a registered phone that is called, and a phone calling in.
 */
import type { Channel, ChannelRemote } from "../model/channel.js";
import type { EndpointConfig, SimCall } from "../model/phone.js";
import { sipStatusOfCause } from "../model/sip-status.js";
import { CAUSE, type CallerId } from "../model/types.js";
import type { ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import type { Devices } from "./devices.js";
import type { DialplanRunner } from "./dialplan-runner.js";
import { PbxError } from "./errors.js";
import { parseCallerId, variableEntries, type ChannelVariables, type VariableList } from "./variables.js";

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

type Handlers = {
  dtmf: Set<(d: string) => void>;
  answered: Set<() => void>;
  media: Set<(w: string) => void>;
  hangup: Set<(cause: number) => void>;
  refer: Set<(referTo: string) => boolean | void>;
};

/** Calls every handler; a throwing handler is skipped. */
function callAll<A extends unknown[]>(set: Set<(...a: A) => void>, ...args: A): void {
  for (const h of [...set]) {
    try {
      h(...args);
    } catch {
      // ignore
    }
  }
}

export class Phones {
  constructor(
    private readonly ctx: PbxContext,
    private readonly channels: ChannelCore,
    private readonly devices: Devices,
    private readonly runner: DialplanRunner,
    private readonly vars: ChannelVariables,
  ) {}

  /** Attaches a phone to `c`: what the PBX does reaches the handlers, what the phone does reaches `c`. */
  call(c: Channel): SimCall {
    const handlers: Handlers = { dtmf: new Set(), answered: new Set(), media: new Set(), hangup: new Set(), refer: new Set() };
    let resolveDone!: (cause: number) => void;
    const done = new Promise<number>((r) => (resolveDone = r));
    const remote: ChannelRemote = {
      onDtmf: (d) => callAll(handlers.dtmf, d),
      onAnswered: () => callAll(handlers.answered),
      onMedia: (w) => callAll(handlers.media, w),
      onHangup: (cause) => {
        callAll(handlers.hangup, cause);
        resolveDone(cause);
      },
      onRefer: (referTo) => this.refer(c, handlers.refer, referTo),
    };
    c.remote = remote;
    const end = (cause: number): void => {
      if (c.destroyed) return;
      // a call the phone refuses before answering ends with its SIP status (486 for busy) as the
      // channel's tech cause; the hangup is queued first, then the dial fails (ws-20 B: HangupRequest 17,
      // Dial BUSY, ChannelDestroyed 17)
      if (c.answeredAt === null && c.tech === "PJSIP") c.techCause = sipStatusOfCause(cause);
      this.channels.queueHangup(c, cause);
    };
    return {
      channelId: c.id,
      channelName: c.name,
      requestUser: c.requestUser,
      snapshot: () => (c.destroyed ? undefined : c.snapshot()),
      ring: () => this.channels.remoteRinging(c),
      answer: () => this.channels.remoteAnswered(c),
      reject: (cause = CAUSE.BUSY) => end(cause),
      hangup: (cause = CAUSE.NORMAL) => end(cause),
      sendDtmf: (digits, opts) => this.sendDtmf(c, digits, opts),
      on: ((event: keyof Handlers, cb: (...a: never[]) => void) => {
        (handlers[event] as Set<unknown>).add(cb);
      }) as SimCall["on"],
      done,
    };
  }

  /**
   * The PBX sent the phone a REFER: its handlers decide (any false refuses), else its endpoint's `refer`
   * (a trunk, with a static contact, refuses by default; a phone accepts).
   */
  private refer(c: Channel, handlers: Handlers["refer"], referTo: string): boolean {
    if (handlers.size > 0) {
      let accepted = true;
      for (const h of [...handlers]) {
        try {
          if (h(referTo) === false) accepted = false;
        } catch {
          accepted = false;
        }
      }
      return accepted;
    }
    const ep = this.devices.endpoint(c.device);
    return (ep?.refer ?? (ep?.staticContact ? "refuse" : "accept")) === "accept";
  }

  /** A registered phone is called on `c`: it follows its `onCall`, or rings, answers, hangs up as configured. */
  drive(cfg: EndpointConfig, c: Channel, call: SimCall): void {
    const { scheduler } = this.ctx;
    if (cfg.online === false) {
      this.channels.failDial(c, CAUSE.SUBSCRIBER_ABSENT);
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
      scheduler.after(cfg.ringAfterMs ?? 50, () => call.reject(CAUSE.BUSY));
      return;
    }
    scheduler.after(cfg.ringAfterMs ?? 50, () => call.ring());
    const answerAfter = cfg.answerAfterMs === undefined ? 1000 : cfg.answerAfterMs;
    if (answerAfter !== null) {
      scheduler.after(answerAfter, () => {
        call.answer();
        if (cfg.hangupAfterMs != null) scheduler.after(cfg.hangupAfterMs, () => call.hangup());
      });
    }
  }

  /** Calls `c`'s registered phone (if there is one) as it would be called. */
  ringEndpoint(c: Channel): void {
    const ep = this.devices.endpoint(c.device);
    if (ep) this.drive(ep, c, this.call(c));
  }

  /**
   * A simulated phone calls into the PBX: creates `Tech/resource-0000000n` in state Ring with the
   * caller id and runs the dialplan at context/exten. Returns the phone's side of the call.
   */
  place(req: PlaceCallRequest): SimCall {
    if (this.ctx.stopped) throw new PbxError("allocation-failed", "Allocation failed");
    const slash = req.from.indexOf("/");
    if (slash <= 0) throw new PbxError("invalid-endpoint", "Invalid endpoint specified");
    if (this.channels.idTaken(req.channelId)) throw new PbxError("conflict", "Channel with given unique ID already exists");
    const c = this.channels.endpointChannel(req.from.slice(0, slash), req.from.slice(slash + 1), "Ring", req.context, req.exten, req.channelId);
    const cid = parseCallerId(req.callerId);
    if (cid) {
      c.caller = { ...cid };
      c.connected = { ...cid };
    }
    this.channels.add(c);
    for (const [k, v] of variableEntries(req.variables)) this.vars.set(c, k, v);
    const call = this.call(c);
    this.devices.schedule(c.device);
    this.ctx.scheduler.defer(() => {
      if (c.destroyed) return;
      if (!this.ctx.dialplan.exists(req.context, req.exten, req.priority ?? 1)) {
        c.hangupCause = CAUSE.UNALLOCATED;
        this.channels.destroy(c);
        return;
      }
      void this.runner.run(c, req.context, req.exten, req.priority ?? 1);
    });
    return call;
  }

  private async sendDtmf(c: Channel, digits: string, opts: { durationMs?: number; gapMs?: number } | undefined): Promise<void> {
    const { scheduler } = this.ctx;
    for (const digit of digits) {
      if (c.destroyed) return;
      const ok = await scheduler.sleep(opts?.gapMs ?? 100);
      if (!ok || c.destroyed) return;
      const duration = opts?.durationMs ?? 100;
      this.ctx.emit({ type: "DtmfBegin", channel: c.snapshot(), digit, direction: "Received" });
      if (!(await scheduler.sleep(duration)) || c.destroyed) return;
      this.ctx.emit({ type: "DtmfEnd", channel: c.snapshot(), digit, durationMs: duration, direction: "Received" });
    }
  }
}
