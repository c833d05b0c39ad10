import type { AdmissionConfig, LaneConfig, QueueConfig } from "./config.js";
import { laneFromConfig, overtakeWindowMs, type Lane } from "./scoring.js";

/** One queue's configuration in the units the scripts use (ms), resolved against the lanes. */
export interface QueueSettings {
  name: string;
  displayName: string;
  site: string;
  lanes: readonly string[];
  /** Lanes that agents are reserved for (empty when the queue reserves nothing). */
  reservedLanes: ReadonlySet<string>;
  reserveShare: number;
  maxWaiting: number | null;
  wrapUpMs: number;
  defaultHandleTimeMs: number;
  scanDepth: number;
  agentScan: number;
  /** Admission control of upgrades to one lane; null when the queue has none configured. */
  admission: AdmissionConfig | null;
}

export interface SiteSettings {
  site: string;
  lanes: ReadonlyMap<string, Lane>;
  queues: ReadonlyMap<string, QueueSettings>;
}

/**
 * The lanes and the queues of one site. The config schema has already checked names and references;
 * this checks again so a CallerQueue built by hand (tests, benchmarks) fails just as clearly.
 */
export function resolveSite(site: string, lanes: Record<string, LaneConfig>, queues: Record<string, QueueConfig>): SiteSettings {
  const laneMap = new Map(Object.entries(lanes).map(([name, cfg]) => [name, laneFromConfig(name, cfg)]));
  const queueMap = new Map<string, QueueSettings>();
  for (const [name, q] of Object.entries(queues)) {
    if ((q.site ?? "main") !== site) continue;
    for (const lane of q.lanes) {
      if (!laneMap.has(lane)) throw new Error(`queue ${name}: unknown lane "${lane}" (configured lanes: ${[...laneMap.keys()].join(", ") || "none"})`);
    }
    for (const lane of q.reserve?.lanes ?? []) {
      if (!q.lanes.includes(lane)) throw new Error(`queue ${name}: reserved lane "${lane}" is not one of its lanes`);
    }
    if (q.admission && !q.lanes.includes(q.admission.lane)) {
      throw new Error(`queue ${name}: admission lane "${q.admission.lane}" is not one of its lanes`);
    }
    queueMap.set(name, {
      name,
      displayName: q.displayName ?? name,
      site,
      lanes: q.lanes,
      reservedLanes: new Set(q.reserve && q.reserve.share > 0 ? q.reserve.lanes : []),
      reserveShare: q.reserve?.share ?? 0,
      maxWaiting: q.maxWaiting ?? null,
      wrapUpMs: Math.round(q.wrapUp * 1000),
      defaultHandleTimeMs: Math.round(q.defaultHandleTime * 1000),
      scanDepth: q.scanDepth,
      agentScan: q.agentScan,
      admission: q.admission ?? null,
    });
  }
  return { site, lanes: laneMap, queues: queueMap };
}

/**
 * The guarantee each lane of a queue gets, for docs, the admin UI and the fairness benchmark: a caller of
 * `lane` is served before every caller that arrives more than `overtakeWindowMs` after them (among callers
 * the same agents can serve, and apart from the reserved share).
 */
export function laneBounds(settings: SiteSettings, queue: string): { lane: string; overtakeWindowMs: number }[] {
  const q = settings.queues.get(queue);
  if (!q) throw new Error(`unknown queue ${queue}`);
  const lanes = q.lanes.map((l) => settings.lanes.get(l)!);
  return lanes.map((lane) => ({ lane: lane.name, overtakeWindowMs: overtakeWindowMs(lane, lanes) }));
}
