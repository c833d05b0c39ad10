/**
 * The dialplan applications built into the simulator (Queue() lives in queue-app.ts): each a
 * small function of the channel and its argument string, as `app_*.c` modules are.
 */
import type { Channel } from "../model/channel.js";
import type { Scheduler } from "../model/scheduler.js";
import { CAUSE } from "../model/types.js";
import type { ChannelCore } from "./channels.js";
import { HANGUP, NEXT, type ChannelApp, type DialplanAppResult, type DialplanRunner } from "./dialplan-runner.js";
import { notifyMedia, type Media } from "./media.js";
import type { Stasis } from "./stasis.js";
import type { ChannelVariables } from "./variables.js";

export interface BuiltinAppParts {
  scheduler: Scheduler;
  channels: ChannelCore;
  media: Media;
  vars: ChannelVariables;
  stasis: Stasis;
  /** Simulated ms that Answer() waits for media from the peer. */
  answerMediaWaitMs: number;
}

/** Sets the hangup cause unless one is set already (the first cause wins). */
const endWith =
  (cause: number): ChannelApp =>
  async (c) => {
    if (!c.hangupCause) c.hangupCause = cause;
    return HANGUP;
  };

/** Applications that move the call through the dialplan or end it. */
function flowApps(p: BuiltinAppParts): Record<string, ChannelApp> {
  return {
    NoOp: async () => NEXT,
    Verbose: async () => NEXT,
    Progress: async () => NEXT,
    Wait: async (c, data) => {
      const secs = Number.parseFloat(data);
      const ok = await p.scheduler.sleep(Number.isFinite(secs) && secs > 0 ? secs * 1000 : 0, c.abort.signal);
      return ok && !c.hangupPending ? NEXT : HANGUP;
    },
    Hangup: async (c, data) => {
      const cause = Number.parseInt(data, 10);
      if (!c.hangupCause) c.hangupCause = Number.isFinite(cause) && cause > 0 ? cause : CAUSE.NORMAL;
      return HANGUP;
    },
    Busy: endWith(CAUSE.BUSY),
    Congestion: endWith(CAUSE.CONGESTION),
    Set: async (c, data) => {
      const eq = data.indexOf("=");
      if (eq > 0) p.vars.set(c, data.slice(0, eq).trim(), data.slice(eq + 1));
      return NEXT;
    },
    Goto: async (_c, data) => goto(data),
  };
}

/** Goto([[context,]exten,]priority) */
function goto(data: string): DialplanAppResult {
  const parts = data.split(",").map((s) => s.trim());
  const prio = (p: string | undefined): number => Number.parseInt(p ?? "1", 10) || 1;
  if (parts.length === 1) return { goto: { priority: prio(parts[0]) } };
  if (parts.length === 2) return { goto: { exten: parts[0]!, priority: prio(parts[1]) } };
  return { goto: { context: parts[0]!, exten: parts[1]!, priority: prio(parts[2]) } };
}

/** Applications that signal on the channel: answer, ringing, DTMF. */
function signallingApps(p: BuiltinAppParts): Record<string, ChannelApp> {
  return {
    Answer: async (c) => {
      if (c.state === "Up") return NEXT;
      p.channels.answer(c);
      if (!p.media.mediaFlowingTo(c)) await p.media.waitForMedia(c, p.answerMediaWaitMs);
      return c.hangupPending ? HANGUP : NEXT;
    },
    Ringing: async (c) => {
      p.channels.indicateRinging(c);
      return NEXT;
    },
    SendDTMF: async (c, data) => {
      const [digits = "", between = "", duration = ""] = data.split(",");
      const ok = await p.channels.sendDtmf(c, digits, Number(between) || 100, Number(duration) || 100);
      return ok && !c.hangupPending ? NEXT : HANGUP;
    },
  };
}

/** Applications that play something to the channel. */
function mediaApps(p: BuiltinAppParts): Record<string, ChannelApp> {
  return {
    Playback: async (c, data) => {
      for (const file of data.split(",")[0]!.split("&")) {
        const plan = p.media.plan(`sound:${file}`);
        if (plan === "fail" || plan === "stall") continue;
        notifyMedia(c, "playback");
        p.media.dialplanPrompt(c, `sound:${file}`);
        const played = await p.scheduler.sleep(plan, c.abort.signal);
        p.media.dialplanPrompt(c, undefined);
        if (!played) return HANGUP;
      }
      return NEXT;
    },
    MusicOnHold: async (c, data) => {
      const [cls = "", dur = ""] = data.split(",");
      p.media.startMoh(c, cls || "default");
      const secs = Number.parseFloat(dur);
      await p.scheduler.sleep(Number.isFinite(secs) && secs > 0 ? secs * 1000 : Number.POSITIVE_INFINITY, c.abort.signal);
      if (!c.destroyed) p.media.stopMoh(c);
      return c.hangupPending ? HANGUP : NEXT;
    },
  };
}

/** Stasis(app[,args...]): hands the channel to ARI. */
function stasisApp(p: BuiltinAppParts): ChannelApp {
  return async (c: Channel, data: string) => {
    const [appName = "", ...args] = data.split(",");
    const res = await p.stasis.run(c, appName, args, true);
    if (res.kind === "hangup") return HANGUP;
    if (res.kind === "continue" && res.to) return { goto: res.to };
    return NEXT;
  };
}

export function installBuiltinApps(runner: DialplanRunner, parts: BuiltinAppParts): void {
  const apps = { ...flowApps(parts), ...signallingApps(parts), ...mediaApps(parts), Stasis: stasisApp(parts) };
  for (const [name, app] of Object.entries(apps)) runner.addChannelApp(name, app);
}
