import type { Config } from "../../config/schema.js";
import { loadOf, meanOf, sizeArrivals, withRate, type AgentLoad, type Scenario, type Sizing } from "../../sim/scenario/index.js";

/**
 * How busy the demo keeps its agents. The daemon's config says who takes calls by themselves (agents
 * with autoAvailable) and each queue's wrap-up; the scenario says how long each agent's phone talks. The
 * scenario's arrival rate is sized from those (or, when it gives a rate, the occupancy that rate makes
 * is worked out), and the figures are printed at start.
 */

export interface DemoAgent extends AgentLoad {
  id: string;
}

export interface DemoLoad {
  /** The scenario with its arrival rate fixed. */
  scenario: Scenario;
  /** Agents that take calls by themselves, and the load on them. */
  agents: DemoAgent[];
  sizing: Sizing;
  /** The agent a person logs in as (no autoAvailable: takes calls only once logged in), and the load once they do. */
  visitor: DemoAgent | undefined;
  withVisitor: Sizing | undefined;
}

/** The config's agents with a registered phone in the scenario, as loads: talk from the phone, wrap-up from their queues. */
function demoAgents(config: Config, scenario: Scenario): Array<DemoAgent & { auto: boolean }> {
  const phones = new Map(scenario.agents.filter((p) => p.registered && !p.busy).map((p) => [p.endpoint, p]));
  const wrapUp = (queues: readonly string[]) => (queues.length ? queues.reduce((s, q) => s + (config.queues[q]?.wrapUp ?? 0), 0) / queues.length : 0);
  return config.agents.flatMap((a) => {
    const phone = phones.get(a.endpoint);
    return phone ? [{ id: a.id, endpoint: a.endpoint, talkSeconds: meanOf(phone.talkTime), wrapUpSeconds: wrapUp(a.queues), auto: a.autoAvailable }] : [];
  });
}

export function demoLoad(config: Config, scenario: Scenario): DemoLoad {
  const all = demoAgents(config, scenario);
  const agents = all.filter((a) => a.auto).map(({ auto: _a, ...rest }) => rest);
  const visitorRow = all.find((a) => !a.auto);
  const visitor = visitorRow && (({ auto: _a, ...rest }) => rest)(visitorRow);
  const { rate, occupancy, reach } = scenario.arrivals;
  const sizing = rate !== undefined ? loadOf(rate, reach, agents) : sizeArrivals(occupancy!, reach, agents);
  return {
    scenario: withRate(scenario, sizing.ratePerMinute),
    agents,
    sizing,
    visitor,
    withVisitor: visitor ? loadOf(sizing.ratePerMinute, reach, [...agents, visitor]) : undefined,
  };
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The figures, as printed at start: the Erlang arithmetic spelled out. */
export function loadLines(d: DemoLoad): string[] {
  const s = d.sizing;
  const talk = d.agents.reduce((t, a) => t + a.talkSeconds, 0) / Math.max(1, d.agents.length);
  const lines = [
    `Load:          ${s.agents} agents take calls by themselves (${d.agents.map((a) => a.id).join(", ")}): mean handle ${Math.round(s.handleSeconds)} s (talk ${Math.round(talk)} + wrap-up ${Math.round(s.handleSeconds - talk)})`,
    `               ${s.ratePerMinute.toFixed(2)} calls/min placed, ${pct(s.reach)} reach a queue: ${s.agentRatePerMinute.toFixed(2)}/min x ${Math.round(s.handleSeconds)} s = ${s.erlangs.toFixed(2)} erlangs on ${s.agents} agents = ${pct(s.occupancy)} occupancy`,
  ];
  if (d.visitor && d.withVisitor) lines.push(`               with you logged in as ${d.visitor.id}: ${d.withVisitor.erlangs.toFixed(2)} erlangs on ${d.withVisitor.agents} agents = ${pct(d.withVisitor.occupancy)}`);
  return lines;
}
