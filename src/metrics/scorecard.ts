import type { Kpis } from "./kpis.js";

/**
 * An agent's scorecard weighs revenue against quality, so that nobody is paid to rush callers or to push
 * offers: revenue per staffed hour counts against the site's, but only as far as the agent's quality
 * (first-contact resolution and satisfaction against the site's) holds up. Pure; docs/kpis.md.
 */
export interface Scorecard {
  /** Mean of FCR and CSAT relative to the site's (1 = as good as the site), capped at 1.2; null without data. */
  quality: number | null;
  /** Revenue per staffed hour relative to the site's, capped at 3; null when the site sold nothing. */
  revenue: number | null;
  /** revenue x min(1, quality): quality below the site's scales revenue down, above it does not scale it up. */
  score: number | null;
  flags: string[];
}

const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));

export function scorecard(agent: Kpis, site: Kpis): Scorecard {
  const parts: number[] = [];
  if (agent.fcr !== null && site.fcr) parts.push(agent.fcr / site.fcr);
  if (agent.csat !== null && site.csat) parts.push(agent.csat / site.csat);
  const quality = parts.length ? clamp(parts.reduce((a, b) => a + b, 0) / parts.length, 1.2) : null;
  const revenue = agent.revenuePerAgentHour !== null && site.revenuePerAgentHour ? clamp(agent.revenuePerAgentHour / site.revenuePerAgentHour, 3) : null;
  const score = revenue === null ? null : revenue * Math.min(1, quality ?? 1);
  const flags: string[] = [];
  if (agent.ahtMs !== null && site.ahtMs && agent.ahtMs < 0.6 * site.ahtMs && agent.fcr !== null && site.fcr !== null && agent.fcr < site.fcr - 0.05) {
    flags.push("short calls with more repeat contacts than the site");
  }
  if (agent.conversion !== null && site.conversion !== null && agent.conversion > site.conversion && agent.csat !== null && site.csat !== null && agent.csat < site.csat - 0.1) {
    flags.push("sells more than the site with lower satisfaction");
  }
  if (agent.noAnswerRate !== null && agent.noAnswerRate > 0.2) flags.push("misses more than one ring in five");
  return { quality, revenue, score, flags };
}
