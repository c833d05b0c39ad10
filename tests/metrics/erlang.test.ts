import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SeededRandom } from "../../src/lib/seeded-random.js";
import { agentsNeeded, erlangAMetrics, erlangC, erlangCMetrics, type QueueMetrics } from "../../src/metrics/staffing/erlang.js";

// ---------------------------------------------------------------------------------------------------
// Reference implementations, written the slow and obvious way, independent of the code under test.
// ---------------------------------------------------------------------------------------------------

/** Erlang C straight from the textbook formula with floating factorials (fine for N <= 60). */
function naiveErlangC(n: number, a: number): number {
  let fact = 1;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    if (k > 0) fact *= k;
    sum += a ** k / fact;
  }
  fact *= n;
  const top = (a ** n / fact) * (n / (n - a));
  return top / (sum + top);
}

/** Erlang C exactly, in BigInt rationals, for traffic p/q: every term over the common denominator q^N N!. */
function exactErlangC(n: number, p: bigint, q: bigint): number {
  const N = BigInt(n);
  const term = (k: number): bigint => {
    let t = p ** BigInt(k) * q ** BigInt(n - k);
    for (let i = k + 1; i <= n; i++) t *= BigInt(i); // N! / k!
    return t;
  };
  let below = 0n;
  for (let k = 0; k < n; k++) below += term(k);
  const top = term(n) * N * q; // times N / (N - A) = Nq / (Nq - p), all multiplied by (Nq - p)
  const scale = 10n ** 30n;
  return Number((top * scale) / (below * (N * q - p) + top)) / 1e30;
}

/** Gaussian elimination with partial pivoting: solves m x = b (m is overwritten). */
function solve(m: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    [b[c], b[pivot]] = [b[pivot]!, b[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) m[r]![k]! -= f * m[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

interface ACase {
  agents: number;
  trafficErlangs: number;
  ahtSeconds: number;
  patienceSeconds: number;
  targetSeconds: number;
}

/**
 * Erlang A by brute force, with none of the closed forms: the stationary distribution from a dense solve
 * of the truncated generator, and the tagged caller's fate from his own absorbing chain (positions in
 * line, then answered or gone): P(answered by T) by uniformisation, P(answered) and E[wait; answered] by
 * dense linear solves, the abandon rate by the flow balance (hang-up rate x mean queue) / arrival rate.
 */
function denseErlangA({ agents: N, trafficErlangs, ahtSeconds, patienceSeconds, targetSeconds: T }: ACase, K = 200): QueueMetrics {
  const mu = 1 / ahtSeconds;
  const theta = 1 / patienceSeconds;
  const lambda = trafficErlangs * mu;
  const size = N + K + 1;
  // stationary: pi Q = 0, sum pi = 1 (last balance equation replaced by the normalisation)
  const qt = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let n = 0; n < size; n++) {
    const up = n + 1 < size ? lambda : 0;
    const down = Math.min(n, N) * mu + Math.max(0, n - N) * theta;
    if (up) qt[n + 1]![n] = up;
    if (n > 0) qt[n - 1]![n] = down;
    qt[n]![n] = -(up + down);
  }
  qt[size - 1] = new Array<number>(size).fill(1);
  const pi = solve(qt, [...new Array<number>(size - 1).fill(0), 1]);

  // the tagged caller at position j = 1..K+1 (j - 1 callers ahead)
  const ahead = (j: number) => N * mu + (j - 1) * theta;
  const minusQ = Array.from({ length: K + 1 }, (_, i) => {
    const row = new Array<number>(K + 1).fill(0);
    row[i] = ahead(i + 1) + theta;
    if (i > 0) row[i - 1] = -ahead(i + 1);
    return row;
  });
  const toAnswer = Array.from({ length: K + 1 }, (_, i) => (i === 0 ? N * mu : 0));
  const answered = solve(minusQ.map((r) => [...r]), [...toAnswer]);
  const waitAnswered = solve(minusQ.map((r) => [...r]), [...answered]);
  // uniformisation: u_m = P^m 1{answered}, P(answered by T) = sum_m Poisson(m; LT) u_m
  const L = ahead(K + 1) + theta;
  let u = new Array<number>(K + 1).fill(0);
  const byT = new Array<number>(K + 1).fill(0);
  let weight = Math.exp(-L * T);
  let cumulative = 0;
  for (let m = 0; cumulative < 1 - 1e-15 && m < 100_000; m++) {
    for (let i = 0; i <= K; i++) byT[i]! += weight * u[i]!;
    cumulative += weight;
    // one step of P = I + Q / L on the "reach answered" indicator (answered is absorbing, so its entry stays 1)
    u = u.map((ui, i) => ui + (ahead(i + 1) * ((i === 0 ? 1 : u[i - 1]!) - ui) - theta * ui) / L);
    weight *= (L * T) / (m + 1);
  }
  let noWait = 0;
  for (let n = 0; n < N; n++) noWait += pi[n]!;
  let sl = noWait;
  let answeredAll = noWait;
  let wait = 0;
  let queue = 0;
  for (let k = 0; k <= K; k++) {
    sl += pi[N + k]! * byT[k]!;
    answeredAll += pi[N + k]! * answered[k]!;
    wait += pi[N + k]! * waitAnswered[k]!;
    queue += k * pi[N + k]!;
  }
  const abandonRate = (theta * queue) / lambda;
  return { waitProbability: 1 - noWait, serviceLevel: sl, asa: wait / answeredAll, occupancy: (trafficErlangs * (1 - abandonRate)) / N, abandonRate };
}

/** M/M/N+M by simulation, first come first served, each caller with his own exponential patience. */
function simulateErlangA({ agents: N, trafficErlangs, ahtSeconds, patienceSeconds, targetSeconds }: ACase, callers: number, seed: number) {
  const rng = new SeededRandom(seed);
  const busyUntil: number[] = [];
  const line: Array<{ arrived: number; leaves: number; counted: boolean }> = [];
  const warmUp = Math.floor(callers / 20);
  let now = 0;
  let nextArrival = rng.exponential(ahtSeconds / trafficErlangs);
  let arrivals = 0;
  const tally = { counted: 0, within: 0, answered: 0, abandoned: 0, waited: 0 };
  const answer = (wait: number, counted: boolean) => {
    busyUntil.push(now + rng.exponential(ahtSeconds));
    if (!counted) return;
    tally.answered++;
    tally.waited += wait;
    if (wait <= targetSeconds) tally.within++;
  };
  while (arrivals < callers) {
    let freeAt = Infinity;
    let freeIndex = -1;
    busyUntil.forEach((t, i) => t < freeAt && ((freeAt = t), (freeIndex = i)));
    let leaveAt = Infinity;
    let leaveIndex = -1;
    line.forEach((c, i) => c.leaves < leaveAt && ((leaveAt = c.leaves), (leaveIndex = i)));
    now = Math.min(nextArrival, freeAt, leaveAt);
    if (now === nextArrival) {
      const counted = ++arrivals > warmUp;
      if (counted) tally.counted++;
      if (busyUntil.length < N) answer(0, counted);
      else line.push({ arrived: now, leaves: now + rng.exponential(patienceSeconds), counted });
      nextArrival = now + rng.exponential(ahtSeconds / trafficErlangs);
    } else if (now === freeAt) {
      busyUntil.splice(freeIndex, 1);
      const next = line.shift();
      if (next) answer(now - next.arrived, next.counted);
    } else {
      const [gone] = line.splice(leaveIndex, 1);
      if (gone!.counted) tally.abandoned++;
    }
  }
  const resolved = tally.answered + tally.abandoned;
  return { serviceLevel: tally.within / resolved, abandonRate: tally.abandoned / resolved, asa: tally.waited / tally.answered };
}

const cMetrics = (agents: number, trafficErlangs: number, ahtSeconds: number, targetSeconds: number) =>
  erlangCMetrics({ agents, trafficErlangs, ahtSeconds, targetSeconds });

// ---------------------------------------------------------------------------------------------------

describe("Erlang C", () => {
  test("matches the factorial formula and exact rational arithmetic for N <= 60", () => {
    const cases: Array<[number, bigint, bigint]> = [[1, 1n, 2n], [2, 3n, 2n], [11, 10n, 1n], [14, 10n, 1n], [28, 275n, 12n], [55, 48n, 1n], [60, 587n, 10n], [26, 20n, 1n]];
    for (const [n, p, q] of cases) {
      const a = Number(p) / Number(q);
      const exact = exactErlangC(n, p, q);
      expect(Math.abs(erlangC(n, a) - exact), `N=${n} A=${a}`).toBeLessThan(1e-12);
      expect(Math.abs(naiveErlangC(n, a) - exact), `naive N=${n} A=${a}`).toBeLessThan(1e-12);
    }
  });

  // Call Centre Helper, "Erlang C formula - made simple": 100 calls in 30 minutes, AHT 180 s, 80% within 20 s
  test("100 calls in 30 min, AHT 180 s, 80/20: 10 erlangs, 14 agents", () => {
    const r = agentsNeeded({ callsPerInterval: 100, intervalSeconds: 1800, ahtSeconds: 180, target: { percent: 80, seconds: 20 } });
    expect(r).toMatchObject({ agents: 14, agentsOnPhones: 14, trafficErlangs: 10, model: "erlang-c" });
    const c = exactErlangC(14, 10n, 1n);
    expect(r.waitProbability).toBeCloseTo(c, 12);
    expect(r.waitProbability).toBeCloseTo(0.1741, 4);
    expect(r.serviceLevel).toBeCloseTo(1 - c * Math.exp(-4 * 20 / 180), 12);
    expect(r.serviceLevel).toBeCloseTo(0.8884, 4);
    expect(r.asa).toBeCloseTo((c * 180) / 4, 9);
    expect(r.asa).toBeCloseTo(7.84, 2);
    expect(r.occupancy).toBeCloseTo(10 / 14, 12);
    // the article's first try: 11 agents, 68.2% wait, 39% within 20 s; 13 agents still miss 80%
    expect(erlangC(11, 10)).toBeCloseTo(0.6821, 4);
    expect(cMetrics(11, 10, 180, 20).serviceLevel).toBeCloseTo(0.3896, 4);
    expect(cMetrics(13, 10, 180, 20).serviceLevel).toBeCloseTo(0.7956, 4);
  });

  // the step-by-step Erlang-C page (mitan.co.uk): 360 calls per half hour, 4 minute calls, 55 agents, 15 s target
  test("360 calls per 30 min, 240 s calls, 55 agents, 15 s: 48 erlangs", () => {
    const m = cMetrics(55, 48, 240, 15);
    const c = exactErlangC(55, 48n, 1n);
    expect(m.occupancy).toBeCloseTo(0.8727, 4);
    expect(m.waitProbability).toBeCloseTo(c, 12);
    expect(m.waitProbability).toBeCloseTo(0.2387, 4);
    expect(m.asa).toBeCloseTo(8.18, 2);
    expect(m.serviceLevel).toBeCloseTo(0.8459, 4);
  });

  // telefonica.es Erlang C calculator help: 600 calls/hour of 120 s = 20 erlangs; 15% delay probability
  // needs 26 agents, 30 agents cut it to 2.5%, and 30 agents at 15% carry 23.6 erlangs
  test("600 calls/hour of 120 s: 26 agents for at most 15% waiting, 2.5% with 30", () => {
    expect(erlangC(25, 20)).toBeGreaterThan(0.15);
    expect(erlangC(26, 20)).toBeLessThanOrEqual(0.15);
    expect(erlangC(30, 20)).toBeCloseTo(0.025, 3);
    expect(erlangC(30, 23.55)).toBeLessThan(0.15);
    expect(erlangC(30, 23.65)).toBeGreaterThan(0.15);
    expect(cMetrics(26, 20, 120, 0).asa).toBeCloseTo(2.87, 2); // about 3 s per call
  });

  // jonesthenet.com "Erlang uplift": 250 calls an hour, AHT 330 s (22.9 erlangs), 80% in 30 s needs 28
  test("250 calls an hour, AHT 330 s, 80/30: 28 agents", () => {
    const r = agentsNeeded({ callsPerInterval: 250, intervalSeconds: 3600, ahtSeconds: 330, target: { percent: 80, seconds: 30 } });
    expect(r.agents).toBe(28);
    expect(r.trafficErlangs).toBeCloseTo(22.92, 2);
    expect(r.waitProbability).toBeCloseTo(exactErlangC(28, 275n, 12n), 12);
  });

  test("N <= A never settles: service level 0, ASA Infinity", () => {
    expect(cMetrics(10, 10, 180, 20)).toEqual({ waitProbability: 1, serviceLevel: 0, asa: Infinity, occupancy: 1 });
    expect(cMetrics(5, 7.5, 180, 20).serviceLevel).toBe(0);
  });

  test("stays finite and sane for thousands of agents", () => {
    for (const [n, a] of [[1000, 950], [5000, 4900], [3000, 2999.5]] as const) {
      const m = cMetrics(n, a, 180, 20);
      for (const v of Object.values(m)) expect(Number.isFinite(v)).toBe(true);
      expect(m.waitProbability).toBeGreaterThan(0);
      expect(m.waitProbability).toBeLessThan(1);
      expect(m.serviceLevel).toBeGreaterThanOrEqual(0);
      expect(m.serviceLevel).toBeLessThanOrEqual(1);
    }
    expect(cMetrics(1000, 950, 180, 20).serviceLevel).toBeGreaterThan(0.99);
  });

  test("more agents never lower the service level nor raise ASA", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 400, noNaN: true }), fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 0, max: 120 }), (a, aht, t) => {
        let prev = cMetrics(Math.floor(a), a, aht, t);
        for (let n = Math.floor(a) + 1; n <= Math.ceil(a * 1.5) + 5; n++) {
          const m = cMetrics(n, a, aht, t);
          expect(m.serviceLevel).toBeGreaterThanOrEqual(0);
          expect(m.serviceLevel).toBeLessThanOrEqual(1);
          expect(m.serviceLevel).toBeGreaterThanOrEqual(prev.serviceLevel - 1e-9);
          expect(m.asa).toBeLessThanOrEqual(prev.asa + 1e-9);
          prev = m;
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("Erlang A", () => {
  const cases: ACase[] = [
    { agents: 1, trafficErlangs: 0.5, ahtSeconds: 60, patienceSeconds: 30, targetSeconds: 10 },
    { agents: 3, trafficErlangs: 3.5, ahtSeconds: 60, patienceSeconds: 45, targetSeconds: 20 },
    { agents: 5, trafficErlangs: 4, ahtSeconds: 180, patienceSeconds: 300, targetSeconds: 30 },
    { agents: 2, trafficErlangs: 6, ahtSeconds: 100, patienceSeconds: 20, targetSeconds: 15 },
    { agents: 8, trafficErlangs: 10, ahtSeconds: 180, patienceSeconds: 60, targetSeconds: 0 },
  ];

  test("matches a dense numeric solve of the chain and of the tagged caller", () => {
    for (const c of cases) {
      const got = erlangAMetrics(c);
      const want = denseErlangA(c);
      for (const key of ["waitProbability", "serviceLevel", "abandonRate", "occupancy"] as const) {
        expect(Math.abs(got[key]! - want[key]!), `${key} ${JSON.stringify(c)}`).toBeLessThan(1e-9);
      }
      expect(Math.abs(got.asa - want.asa) / want.asa, `asa ${JSON.stringify(c)}`).toBeLessThan(1e-9);
    }
  });

  test("matches a simulation of impatient callers (seeded)", () => {
    for (const [i, c] of cases.slice(1, 4).entries()) {
      const got = erlangAMetrics(c);
      const sim = simulateErlangA(c, 200_000, 17 + i);
      expect(Math.abs(got.serviceLevel - sim.serviceLevel), `SL ${JSON.stringify(c)}`).toBeLessThan(0.01);
      expect(Math.abs(got.abandonRate! - sim.abandonRate), `abandon ${JSON.stringify(c)}`).toBeLessThan(0.01);
      expect(Math.abs(got.asa - sim.asa) / got.asa, `ASA ${JSON.stringify(c)}`).toBeLessThan(0.05);
    }
  });

  test("tends to Erlang C as patience grows", () => {
    const c = cMetrics(14, 10, 180, 20);
    const a = erlangAMetrics({ agents: 14, trafficErlangs: 10, ahtSeconds: 180, targetSeconds: 20, patienceSeconds: 1e8 });
    expect(a.serviceLevel).toBeCloseTo(c.serviceLevel, 6);
    expect(a.waitProbability).toBeCloseTo(c.waitProbability, 6);
    expect(a.asa).toBeCloseTo(c.asa, 3);
    expect(a.abandonRate).toBeLessThan(1e-6);
    let previous = 0;
    for (const patience of [30, 120, 600, 3600, 36000]) {
      const m = erlangAMetrics({ agents: 14, trafficErlangs: 10, ahtSeconds: 180, targetSeconds: 20, patienceSeconds: patience });
      const gap = Math.abs(m.serviceLevel - c.serviceLevel);
      if (previous) expect(gap).toBeLessThan(previous);
      previous = gap;
    }
  });

  test("settles with fewer agents than erlangs, and for a thousand agents", () => {
    const over = erlangAMetrics({ agents: 8, trafficErlangs: 10, ahtSeconds: 180, targetSeconds: 20, patienceSeconds: 60 });
    expect(over.abandonRate).toBeGreaterThan(0.2); // at least 2 erlangs of the 10 must leave
    expect(over.serviceLevel).toBeGreaterThan(0);
    expect(over.occupancy).toBeLessThanOrEqual(1);
    const big = erlangAMetrics({ agents: 1000, trafficErlangs: 950, ahtSeconds: 180, targetSeconds: 20, patienceSeconds: 60 });
    for (const v of Object.values(big)) expect(Number.isFinite(v)).toBe(true);
    expect(big.serviceLevel).toBeGreaterThan(0.99);
    expect(big.abandonRate).toBeLessThan(0.01);
    const huge = erlangAMetrics({ agents: 3000, trafficErlangs: 3200, ahtSeconds: 300, targetSeconds: 20, patienceSeconds: 90 });
    expect(huge.abandonRate).toBeGreaterThan(0.06);
    expect(huge.occupancy).toBeLessThanOrEqual(1);
  });

  test("more agents never lower the service level nor raise ASA; service level in [0, 1]", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 120, noNaN: true }),
        fc.integer({ min: 10, max: 1200 }),
        fc.integer({ min: 5, max: 3600 }),
        fc.integer({ min: 0, max: 120 }),
        (a, aht, patience, t) => {
          let prev: QueueMetrics | undefined;
          for (let n = 1; n <= Math.ceil(a * 1.5) + 5; n++) {
            const m = erlangAMetrics({ agents: n, trafficErlangs: a, ahtSeconds: aht, targetSeconds: t, patienceSeconds: patience });
            expect(m.serviceLevel).toBeGreaterThanOrEqual(0);
            expect(m.serviceLevel).toBeLessThanOrEqual(1 - m.abandonRate! + 1e-12);
            if (prev) {
              // service levels near zero (1e-12) are rounding noise of the series: compare to 1e-9
              expect(m.serviceLevel).toBeGreaterThanOrEqual(prev.serviceLevel - 1e-9);
              expect(m.asa).toBeLessThanOrEqual(prev.asa * (1 + 1e-9) + 1e-12);
              expect(m.abandonRate!).toBeLessThanOrEqual(prev.abandonRate! + 1e-12);
              expect(m.occupancy).toBeLessThanOrEqual(prev.occupancy + 1e-12);
            }
            prev = m;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("agentsNeeded", () => {
  const request = fc.record({
    callsPerInterval: fc.integer({ min: 1, max: 3000 }),
    intervalSeconds: fc.constantFrom(900, 1800, 3600),
    ahtSeconds: fc.integer({ min: 20, max: 900 }),
    target: fc.record({ percent: fc.integer({ min: 50, max: 99 }), seconds: fc.integer({ min: 0, max: 60 }) }),
    shrinkage: fc.constantFrom(0, 0.1, 0.3, 0.35),
    patienceSeconds: fc.option(fc.integer({ min: 10, max: 900 }), { nil: undefined }),
    maxOccupancy: fc.option(fc.constantFrom(0.8, 0.85, 0.9), { nil: undefined }),
    maxAbandonRate: fc.option(fc.constantFrom(0.02, 0.05), { nil: undefined }),
  });

  test("the answer meets the target and one agent fewer does not", () => {
    fc.assert(
      fc.property(request, (req) => {
        const r = agentsNeeded(req);
        const at = (agents: number) => {
          const base = { agents, trafficErlangs: r.trafficErlangs, ahtSeconds: req.ahtSeconds, targetSeconds: req.target.seconds };
          return req.patienceSeconds === undefined ? erlangCMetrics(base) : erlangAMetrics({ ...base, patienceSeconds: req.patienceSeconds });
        };
        const meets = (m: QueueMetrics) =>
          m.serviceLevel >= req.target.percent / 100 && m.occupancy <= (req.maxOccupancy ?? 1) && (m.abandonRate ?? 0) <= (req.maxAbandonRate ?? 1);
        expect(r.model).toBe(req.patienceSeconds === undefined ? "erlang-c" : "erlang-a");
        expect(meets(at(r.agentsOnPhones))).toBe(true);
        expect(meets(at(r.agentsOnPhones - 1))).toBe(false);
        expect(r.agents).toBe(Math.max(r.agentsOnPhones, Math.ceil(r.agentsOnPhones / (1 - req.shrinkage) - 1e-9)));
        expect(r.agents * (1 - req.shrinkage)).toBeGreaterThanOrEqual(r.agentsOnPhones - 1e-9);
      }),
      { numRuns: 80 },
    );
  });

  test("shrinkage grosses up the agents to schedule", () => {
    const base = { callsPerInterval: 100, intervalSeconds: 1800, ahtSeconds: 180, target: { percent: 80, seconds: 20 } };
    expect(agentsNeeded({ ...base, shrinkage: 0.3 })).toMatchObject({ agents: 20, agentsOnPhones: 14 });
    expect(agentsNeeded({ ...base, shrinkage: 0.25 })).toMatchObject({ agents: 19, agentsOnPhones: 14 });
  });

  test("Erlang A needs no more agents than Erlang C for the same target", () => {
    const base = { callsPerInterval: 100, intervalSeconds: 1800, ahtSeconds: 180, target: { percent: 80, seconds: 20 } };
    const a = agentsNeeded({ ...base, patienceSeconds: 120 });
    expect(a.model).toBe("erlang-a");
    expect(a.agentsOnPhones).toBeLessThanOrEqual(14);
    expect(a.abandonRate).toBeGreaterThan(0);
  });

  test("an occupancy cap adds agents", () => {
    const r = agentsNeeded({ callsPerInterval: 250, intervalSeconds: 3600, ahtSeconds: 330, target: { percent: 80, seconds: 30 }, maxOccupancy: 0.75 });
    expect(r.agentsOnPhones).toBe(Math.ceil(r.trafficErlangs / 0.75));
  });

  test("an abandonment cap adds agents to Erlang A", () => {
    const base = { callsPerInterval: 2000, intervalSeconds: 1800, ahtSeconds: 300, target: { percent: 80, seconds: 20 }, patienceSeconds: 60 };
    const loose = agentsNeeded(base);
    const capped = agentsNeeded({ ...base, maxAbandonRate: 0.02 });
    expect(loose.agentsOnPhones).toBeLessThan(loose.trafficErlangs); // 80/20 alone lets many callers hang up
    expect(loose.abandonRate).toBeGreaterThan(0.1);
    expect(capped.abandonRate).toBeLessThanOrEqual(0.02);
    expect(capped.agentsOnPhones).toBeGreaterThan(loose.agentsOnPhones);
  });

  test("no calls need no agents", () => {
    expect(agentsNeeded({ callsPerInterval: 0, intervalSeconds: 1800, ahtSeconds: 180, target: { percent: 80, seconds: 20 } })).toMatchObject({ agents: 0, serviceLevel: 1 });
  });

  test("bad input is an error naming the field", () => {
    const base = { callsPerInterval: 100, intervalSeconds: 1800, ahtSeconds: 180, target: { percent: 80, seconds: 20 } };
    expect(() => agentsNeeded({ ...base, target: { percent: 100, seconds: 20 } })).toThrow(/^target\.percent must be above 0 and below 100/);
    expect(() => agentsNeeded({ ...base, target: { percent: 80, seconds: -1 } })).toThrow(/^target\.seconds must be 0 or more/);
    expect(() => agentsNeeded({ ...base, shrinkage: 1 })).toThrow(/^shrinkage must be at least 0 and below 1/);
    expect(() => agentsNeeded({ ...base, ahtSeconds: 0 })).toThrow(/^ahtSeconds must be a number above 0/);
    expect(() => agentsNeeded({ ...base, callsPerInterval: Number.NaN })).toThrow(/^callsPerInterval must be a number/);
    expect(() => agentsNeeded({ ...base, patienceSeconds: -5 })).toThrow(/^patienceSeconds must be a number above 0/);
    expect(() => agentsNeeded({ ...base, maxOccupancy: 1.2 })).toThrow(/^maxOccupancy must be above 0 and at most 1/);
    expect(() => agentsNeeded({ ...base, maxAbandonRate: 0 })).toThrow(/^maxAbandonRate must be above 0 and below 1/);
    expect(() => agentsNeeded({ ...base, intervalSeconds: "1800" as unknown as number })).toThrow(/^intervalSeconds must be a number/);
  });
});
