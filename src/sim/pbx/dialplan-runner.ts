/**
 * The pbx loop (Asterisk's `pbx.c`): runs a channel through the dialplan priority by priority,
 * executing each step's application from the registry, and moves channels on redirect.
 */
import type { Channel } from "../model/channel.js";
import { expandTemplate, type PriorityStep } from "../model/dialplan.js";
import { CAUSE, SOFTHANGUP, type ChannelSnapshot } from "../model/types.js";
import type { ChannelCore } from "./channels.js";
import type { PbxContext } from "./context.js";
import type { ChannelVariables } from "./variables.js";

/** A dialplan application: returns what the pbx loop does next. */
export type DialplanAppResult = { next: true } | { hangup: true } | { goto: { context?: string; exten?: string; priority: number } };

export const NEXT: DialplanAppResult = { next: true };
export const HANGUP: DialplanAppResult = { hangup: true };

/** What an application is called with (the facade adds itself as `pbx` for applications from outside). */
export interface AppInvocation {
  /** Live snapshot getter of the channel running the app. */
  channel(): ChannelSnapshot;
  channelId: string;
  data: string;
  /** Aborted when the channel is hung up. */
  signal: AbortSignal;
  sleep(ms: number): Promise<boolean>;
}

export type AppImpl = (call: AppInvocation) => Promise<DialplanAppResult>;

/** An application written against the live channel (the built-in ones). */
export type ChannelApp = (c: Channel, data: string) => Promise<DialplanAppResult>;

export interface DialplanTarget {
  context: string;
  exten: string;
  priority: number;
}

export class DialplanRunner {
  private readonly apps = new Map<string, AppImpl>();

  constructor(
    private readonly ctx: PbxContext,
    private readonly channels: ChannelCore,
    private readonly vars: ChannelVariables,
  ) {}

  /** Registers (or replaces) a dialplan application, e.g. `Queue` or `Dial`. */
  addApplication(name: string, app: AppImpl): void {
    this.apps.set(name.toLowerCase(), app);
  }

  /** Registers an application that works on the channel itself; a channel gone meanwhile hangs up. */
  addChannelApp(name: string, fn: ChannelApp): void {
    this.addApplication(name, (call) => {
      const c = this.ctx.channels.get(call.channelId);
      if (!c) return Promise.resolve(HANGUP);
      return fn(c, call.data);
    });
  }

  async run(c: Channel, context: string, exten: string, priority: number): Promise<void> {
    if (c.destroyed) return;
    c.runsPbx = true;
    c.context = context;
    c.exten = exten;
    c.priority = priority;
    for (;;) {
      if (c.hangupPending || c.destroyed || this.ctx.stopped) break;
      const step = this.ctx.dialplan.step(c.context, c.exten, c.priority);
      if (!step) break;
      const data = this.resolveData(c, step);
      c.appName = step.app;
      c.appData = data;
      c.lastApp = step.app;
      c.lastData = data;
      this.ctx.emit({ type: "ChannelDialplan", channel: c.snapshot(), app: step.app, appData: data });
      let res: DialplanAppResult;
      try {
        res = await this.exec(c, step.app, data);
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
    this.channels.destroy(c);
  }

  async exec(c: Channel, app: string, data: string): Promise<DialplanAppResult> {
    const impl = this.apps.get(app.toLowerCase());
    if (!impl) return HANGUP; // "No application 'X' for extension" -> hangup
    return impl({
      channel: () => c.snapshot(),
      channelId: c.id,
      data,
      signal: c.abort.signal,
      sleep: (ms) => this.ctx.scheduler.sleep(ms, c.abort.signal),
    });
  }

  /** AMI Redirect / ARI redirect-like: moves a channel to a dialplan location. */
  redirect(c: Channel, loc: DialplanTarget): void {
    if (c.stasis) {
      c.stasis.continueTo = loc;
      c.stasis.leave();
      return;
    }
    if (!c.runsPbx) {
      void this.run(c, loc.context, loc.exten, loc.priority);
      return;
    }
    // interrupt the running application and jump (AST_SOFTHANGUP_ASYNCGOTO)
    c.pendingGoto = loc;
    const old = c.abort;
    c.abort = new AbortController();
    old.abort();
  }

  private resolveData(c: Channel, step: PriorityStep): string {
    const get = (name: string): string => this.vars.read(c, name) ?? "";
    if (step.data === undefined) return "";
    if (typeof step.data === "function") return step.data(get);
    return expandTemplate(step.data, get);
  }
}
