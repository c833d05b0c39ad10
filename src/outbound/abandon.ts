import type { Cluster, Redis } from "ioredis";
import type { AbandonConfig } from "./config.js";

/**
 * Abandoned calls (Ofcom's rule): a live answer with no agent on the line within `agentWithinMs` (2 s)
 * is abandoned, also when the callee hangs up before. A campaign's rate is abandoned / live answers over
 * a rolling window of daily buckets; predictive dialling slows down from `slowFrom` and stops at `limit`.
 */

/** abandoned and connected are both live answers; not-live (answering machine, fax) counts for neither. */
export type ConnectOutcome = "connected" | "abandoned" | "not-live";

export interface Answer {
  /** When the callee answered (ms). */
  answeredAt: number;
  /** When an agent was on the line, if ever. */
  agentAt?: number;
  /** false for an answering machine or fax; unknown counts as live (the stricter reading). */
  live?: boolean;
}

export function classifyAnswer(a: Answer, agentWithinMs: number): ConnectOutcome {
  if (a.live === false) return "not-live";
  return a.agentAt !== undefined && a.agentAt - a.answeredAt <= agentWithinMs ? "connected" : "abandoned";
}

export interface AbandonFigures {
  /** Live answers (abandoned ones included). */
  connected: number;
  abandoned: number;
}

export interface AbandonPace {
  rate: number;
  /** 1 under slowFrom, paceAtSlowFrom at slowFrom falling linearly to 0 at limit, 0 from limit on. */
  pace: number;
  atLimit: boolean;
}

const ppm = (x: number): number => Math.round(x * 1_000_000);

/** Thresholds compared in integers (parts per million), so 3 of 100 is at a 0.03 limit, not a float's hair under it. */
export function abandonPace(f: AbandonFigures, a: AbandonConfig): AbandonPace {
  const connected = Math.max(f.connected, f.abandoned);
  if (connected <= 0) return { rate: 0, pace: 1, atLimit: false };
  const rate = f.abandoned / connected;
  if (f.abandoned * 1_000_000 >= ppm(a.limit) * connected) return { rate, pace: 0, atLimit: true };
  if (f.abandoned * 1_000_000 < ppm(a.slowFrom) * connected) return { rate, pace: 1, atLimit: false };
  const pace = Math.min(a.paceAtSlowFrom, Math.max(0, (a.paceAtSlowFrom * (a.limit - rate)) / (a.limit - a.slowFrom)));
  return { rate, pace, atLimit: false };
}

const DAY_MS = 86_400_000;

/** "2026-03-30": the UTC day of an instant (the buckets are campaign-wide, not per callee zone). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC days of the window ending today: today and the `days - 1` before it. */
export function windowDays(now: number, days: number): string[] {
  return Array.from({ length: days }, (_, i) => utcDay(now - i * DAY_MS));
}

/** Sums the buckets (`<day>:c`, `<day>:a` -> count) inside the window; also names the stale fields. */
export function sumWindow(buckets: Record<string, string | number>, now: number, days: number): AbandonFigures & { stale: string[] } {
  const inside = new Set(windowDays(now, days));
  const out = { connected: 0, abandoned: 0, stale: [] as string[] };
  for (const [field, value] of Object.entries(buckets)) {
    const [day, what] = field.split(":");
    if (!inside.has(day ?? "")) {
      // a bucket of a day ahead of this clock (another daemon's) is kept, not counted
      if ((day ?? "") < utcDay(now)) out.stale.push(field);
      continue;
    }
    if (what === "c") out.connected += Number(value);
    else if (what === "a") out.abandoned += Number(value);
  }
  return out;
}

export interface AbandonCounterOptions {
  redis: Redis | Cluster;
  /** Key prefix ("sb:"); braces not allowed: the site is the hash tag. */
  keyPrefix: string;
  site: string;
  windowDays: number;
}

/**
 * Per campaign one HASH of daily buckets:
 *
 *   <prefix>{<site>}:abandon:<campaign>   HASH  <yyyy-mm-dd>:c live answers, <yyyy-mm-dd>:a abandoned
 *
 * Expires two days after the window past its last write; read-back drops buckets that left the window.
 */
export class AbandonCounter {
  private readonly base: string;

  constructor(private readonly opts: AbandonCounterOptions) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(opts.site)) throw new Error(`invalid site "${opts.site}": lower-case letters, digits and dashes`);
    if (/[{}]/.test(opts.keyPrefix)) throw new Error(`key prefix "${opts.keyPrefix}" must not contain braces: the site is the hash tag`);
    this.base = `${opts.keyPrefix}{${opts.site}}:`;
  }

  key(campaign: string): string {
    return `${this.base}abandon:${campaign}`;
  }

  /** Counts one answer of the campaign on the UTC day of `at`. */
  async record(campaign: string, outcome: ConnectOutcome, at: number): Promise<void> {
    if (outcome === "not-live") return;
    const key = this.key(campaign);
    const day = utcDay(at);
    const m = this.opts.redis.multi().hincrby(key, `${day}:c`, 1);
    if (outcome === "abandoned") m.hincrby(key, `${day}:a`, 1);
    await m.pexpire(key, (this.opts.windowDays + 2) * DAY_MS).exec();
  }

  /** Live answers and abandoned calls of the campaign over the window ending on `now`'s UTC day. */
  async figures(campaign: string, now: number): Promise<AbandonFigures> {
    const key = this.key(campaign);
    const sum = sumWindow(await this.opts.redis.hgetall(key), now, this.opts.windowDays);
    if (sum.stale.length > 0) await this.opts.redis.hdel(key, ...sum.stale);
    return { connected: sum.connected, abandoned: sum.abandoned };
  }
}
