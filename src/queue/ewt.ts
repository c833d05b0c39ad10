/**
 * Expected wait time for a caller, from how many are ahead, who is staffed and recent handle times.
 * Pure, so the announcement logic and tests can use it without Redis.
 *
 * Model: idle agents take the first callers at once; after that, staffed agents free up at an average
 * rate of staffed / handleTime, and each freed agent takes the next caller in line.
 */
export interface EwtInput {
  /** Callers ahead of this one in queue order. */
  ahead: number;
  /** Agents of the queue free right now (available, phone reachable). */
  idleAgents: number;
  /** Agents of the queue working it: available, ringing, on a call or in wrap-up (not paused or offline). */
  staffedAgents: number;
  /** Recent average handle time (talk plus wrap-up), milliseconds. */
  handleTimeMs: number;
}

/** Milliseconds, or null when nobody is staffed (no meaningful estimate: the caller may wait forever). */
export function expectedWait(input: EwtInput): number | null {
  const { ahead, idleAgents, staffedAgents, handleTimeMs } = input;
  for (const [k, v] of Object.entries(input)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`expectedWait: ${k} must be a finite number >= 0, got ${v}`);
  }
  if (staffedAgents === 0) return null;
  if (ahead < idleAgents) return 0;
  const mustFreeUp = ahead - idleAgents + 1;
  return Math.round((mustFreeUp * handleTimeMs) / staffedAgents);
}

/** Exponentially weighted mean of handle times: recent calls count more, one odd call does not swing it. */
export const HANDLE_TIME_WEIGHT = 0.2;

export function nextHandleTime(previousMs: number | null, sampleMs: number): number {
  if (previousMs === null) return Math.round(sampleMs);
  return Math.round(previousMs + HANDLE_TIME_WEIGHT * (sampleMs - previousMs));
}

/**
 * The wait a caller gets with the given probability, not on average: the promise "80% within 20 s" is
 * about the 80th percentile. Same model as expectedWait: idle agents take the first callers at once, then
 * agents free up as a Poisson process of rate staffed / handleTime (exact for exponential handle times,
 * and what the superposition of many agents' calls tends to otherwise). The caller is taken at the
 * m-th agent to free up, m = ahead - idle + 1, so its wait is Erlang(m): this returns that distribution's
 * `percent` quantile. expectedWait is its mean. Null when nobody is staffed.
 */
export function waitQuantile(input: EwtInput, percent: number): number | null {
  const mean = expectedWait(input);
  if (mean === null || mean === 0) return mean;
  const freeUps = input.ahead - input.idleAgents + 1;
  return Math.round(freeUpsQuantile(freeUps, percent) * (input.handleTimeMs / input.staffedAgents));
}

/** Above 99% the Erlang tail says nothing useful about a promise (100% would need an infinite wait). */
export const MAX_FORECAST_PERCENT = 99;

const quantiles = new Map<string, number>();

/**
 * How many mean gaps between free-ups pass before the m-th free-up, at `percent` probability: the
 * quantile of Gamma(m, 1). Exact (bisection on the Poisson sum) up to m = 100, the Wilson-Hilferty
 * approximation beyond (relative error below 1e-3 there). Remembered per (m, percent): a decision asks
 * for a few small m many times.
 */
export function freeUpsQuantile(m: number, percent: number): number {
  if (!Number.isInteger(m) || m < 0) throw new RangeError(`freeUpsQuantile: m must be an integer >= 0, got ${m}`);
  if (!(percent > 0 && percent < 100)) throw new RangeError(`freeUpsQuantile: percent must be in (0, 100), got ${percent}`);
  if (m === 0) return 0;
  const key = `${m}:${percent}`;
  let x = quantiles.get(key);
  if (x === undefined) {
    const p = percent / 100;
    if (m > 100) {
      const z = normalQuantile(p);
      x = m * (1 - 1 / (9 * m) + z / (3 * Math.sqrt(m))) ** 3;
    } else {
      // P(Gamma(m) <= x) = P(Poisson(x) >= m), increasing in x
      const cdf = (v: number): number => {
        let term = Math.exp(-v);
        let below = term;
        for (let i = 1; i < m; i++) below += term *= v / i;
        return 1 - below;
      };
      let lo = 0;
      let hi = m + 12 * Math.sqrt(m) + 30;
      for (let i = 0; i < 64; i++) {
        const mid = (lo + hi) / 2;
        if (cdf(mid) < p) lo = mid;
        else hi = mid;
      }
      x = hi;
    }
    if (quantiles.size > 10_000) quantiles.clear();
    quantiles.set(key, x);
  }
  return x;
}

/** Inverse of the standard normal distribution (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
