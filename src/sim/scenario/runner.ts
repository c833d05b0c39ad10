/**
 * Runs a scenario on a simulator: installs the agent phones and the customers, places the planned calls at their
 * times (scaled by the PBX's timeScale) and keeps the tallies a summary reports.
 */
import type { SimControl } from "../control/api.js";
import { DEFAULT_SOUNDS } from "../model/media.js";
import type { MediaOptions } from "../pbx.js";
import { planArrivals, type PlannedCall } from "./arrivals.js";
import type { CallRecord } from "./call-record.js";
import type { Scenario } from "./schema.js";

/** Media durations of the scenario's `prompts` section, as PBX media options. */
export function scenarioMedia(s: Scenario): MediaOptions {
  const sounds: Record<string, number> = { ...DEFAULT_SOUNDS };
  const recordings: Record<string, number> = {};
  for (const [uri, secs] of Object.entries(s.prompts.durations)) {
    const colon = uri.indexOf(":");
    (uri.startsWith("sound:") ? sounds : recordings)[uri.slice(colon + 1)] = Math.round(secs * 1000);
  }
  return { sounds, recordings, unknownSound: Math.round(s.prompts.default * 1000) };
}

/** The simulator options a scenario sets (time scale, prompt durations, app of the inbound dialplan). */
export function scenarioSimulatorOptions(s: Scenario): { timeScale: number; media: MediaOptions; control: { app: string; seed: number } } {
  return { timeScale: s.timeScale, media: scenarioMedia(s), control: { app: s.app, seed: s.seed } };
}

export interface ScenarioSummary {
  /** Calls placed so far. */
  placed: number;
  /** Entered the Stasis app (the others fell through to the fallback: no app connected). */
  reachedApp: number;
  /** Answered by the Stasis app (the daemon). */
  answeredByApp: number;
  /** The caller hung up (patience, talk time, hangupAfter). */
  hungUpByCaller: number;
  /** Shared a mixing bridge with another channel (an agent). */
  bridgedToAgent: number;
  /** Took the express lane (drawn from the profile's express share). */
  express: number;
  /** Ended calls, and calls still up. */
  ended: number;
  live: number;
  /** Why callers hung up, by reason. */
  callerHangups: Record<string, number>;
  agents: Array<{ endpoint: string; offered: number; answered: number; notAnswered: number }>;
}

export class ScenarioRunner {
  private readonly plan: PlannedCall[];
  private placed = 0;
  private readonly tally = { reachedApp: 0, answeredByApp: 0, hungUpByCaller: 0, bridgedToAgent: 0, express: 0, ended: 0 };
  private readonly reasons: Record<string, number> = {};
  private readonly liveIds = new Set<string>();
  private nextIndex = 0;
  private installed = false;
  private cancelNext: () => void = () => {};
  private cancelEnd: () => void = () => {};
  private offEnded: () => void = () => {};
  private resolveDone!: () => void;
  /** Resolves when the scenario's duration has elapsed (or `stop()` was called). */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    private readonly control: SimControl,
    readonly scenario: Scenario,
  ) {
    this.plan = planArrivals(scenario);
  }

  /** The arrivals this run will place (pure, from the seed). */
  get arrivals(): readonly PlannedCall[] {
    return this.plan;
  }

  /**
   * Puts the agent phones and the customers on the PBX without placing calls: a daemon that connects
   * afterwards finds its agents' endpoints configured, as on a real Asterisk. `start()` does it if not done.
   */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    for (const a of this.scenario.agents) this.control.addAgent(a, this.scenario.seed);
    if (this.scenario.customers) this.control.configureCustomers(this.scenario.customers);
  }

  start(): void {
    this.install();
    this.offEnded = this.control.onCallEnded((r) => this.count(r));
    const scheduler = this.control.pbx.scheduler;
    const startedAt = performance.now();
    // one timer at a time, each aimed at its absolute time so that late timers do not add up
    const arm = (): void => {
      const next = this.plan[this.nextIndex];
      if (!next) return;
      const elapsed = (performance.now() - startedAt) / scheduler.timeScale;
      this.cancelNext = scheduler.after(Math.max(0, next.atMs - elapsed), () => {
        this.nextIndex++;
        this.place(next);
        arm();
      });
    };
    arm();
    this.cancelEnd = scheduler.after(this.scenario.duration * 1000, () => this.finish());
  }

  private place(p: PlannedCall): void {
    try {
      const { channelId } = this.control.placeCall(p.spec);
      this.placed++;
      if (p.spec.express) this.tally.express++;
      this.liveIds.add(channelId);
    } catch {
      // the PBX is shutting down
    }
  }

  private count(r: CallRecord): void {
    if (!this.liveIds.delete(r.channelId)) return;
    this.tally.ended++;
    if (r.stasis) this.tally.reachedApp++;
    if (r.answeredBy === "app") this.tally.answeredByApp++;
    if (r.hangup?.by === "caller") {
      this.tally.hungUpByCaller++;
      const why = r.hangup.reason ?? "other";
      this.reasons[why] = (this.reasons[why] ?? 0) + 1;
    }
    if (r.bridges.some((b) => b.bridgeType !== "holding" && b.with.length > 0)) this.tally.bridgedToAgent++;
  }

  summary(): ScenarioSummary {
    const live = [...this.liveIds].map((id) => this.control.getCall(id)).filter((r): r is CallRecord => r !== undefined);
    return {
      placed: this.placed,
      reachedApp: this.tally.reachedApp + live.filter((r) => r.stasis).length,
      answeredByApp: this.tally.answeredByApp + live.filter((r) => r.answeredBy === "app").length,
      hungUpByCaller: this.tally.hungUpByCaller,
      bridgedToAgent: this.tally.bridgedToAgent + live.filter((r) => r.bridges.some((b) => b.bridgeType !== "holding" && b.with.length > 0)).length,
      express: this.tally.express,
      ended: this.tally.ended,
      live: live.length,
      callerHangups: { ...this.reasons },
      agents: this.control.listAgents().map((a) => ({ endpoint: a.endpoint, ...a.calls })).map(({ rejectedBusy: _r, ...rest }) => rest),
    };
  }

  private finish(): void {
    this.cancelNext();
    // every planned arrival falls within the duration: place those a busy event loop delayed
    for (; this.nextIndex < this.plan.length; this.nextIndex++) this.place(this.plan[this.nextIndex]!);
    this.resolveDone();
  }

  /** Stops placing calls (calls already up go on). */
  stop(): void {
    this.cancelNext();
    this.cancelEnd();
    this.offEnded();
    this.resolveDone();
  }
}
