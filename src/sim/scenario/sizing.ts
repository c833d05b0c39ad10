/**
 * Sizing arrivals from the agents (Erlang): offered load = calls reaching agents per second x mean
 * handle time (talk + wrap-up); occupancy = load / agents. Pure: the demo sizes with the daemon's
 * wrap-ups and who takes calls by themselves; the simulator alone knows only the phones.
 */
import { meanOf } from "./distribution.js";
import type { Scenario } from "./schema.js";

/** One agent's share of the handling: mean seconds talking and in wrap-up per call. */
export interface AgentLoad {
  endpoint: string;
  talkSeconds: number;
  wrapUpSeconds: number;
}

export interface Sizing {
  agents: number;
  /** Mean talk + wrap-up per call, seconds. */
  handleSeconds: number;
  /** Calls placed per minute, and those reaching the agents (`reach` of them). */
  ratePerMinute: number;
  agentRatePerMinute: number;
  reach: number;
  erlangs: number;
  occupancy: number;
}

function meanHandle(agents: readonly AgentLoad[]): number {
  return agents.reduce((s, a) => s + a.talkSeconds + a.wrapUpSeconds, 0) / agents.length;
}

/** What a placed-call rate asks of the agents. */
export function loadOf(ratePerMinute: number, reach: number, agents: readonly AgentLoad[]): Sizing {
  const handleSeconds = agents.length ? meanHandle(agents) : 0;
  const agentRatePerMinute = ratePerMinute * reach;
  const erlangs = (agentRatePerMinute / 60) * handleSeconds;
  return { agents: agents.length, handleSeconds, ratePerMinute, agentRatePerMinute, reach, erlangs, occupancy: agents.length ? erlangs / agents.length : Infinity };
}

/** The placed-call rate that keeps `agents` at `occupancy` when `reach` of the calls get to them. */
export function sizeArrivals(occupancy: number, reach: number, agents: readonly AgentLoad[]): Sizing {
  if (agents.length === 0) throw new Error("no agents to size the arrivals for: give arrivals.rate, or agents that take calls");
  const perMinute = (occupancy * agents.length * 60) / meanHandle(agents) / reach;
  return loadOf(perMinute, reach, agents);
}

/** The scenario's registered phones, each as the simulator alone sees it (no wrap-up). */
export function phoneLoads(s: Scenario): AgentLoad[] {
  return s.agents.filter((a) => a.registered && !a.busy).map((a) => ({ endpoint: a.endpoint, talkSeconds: meanOf(a.talkTime), wrapUpSeconds: 0 }));
}

/** Calls per minute: `arrivals.rate`, or sized from `arrivals.occupancy` over the registered phones. */
export function arrivalRate(s: Scenario): number {
  if (s.arrivals.rate !== undefined) return s.arrivals.rate;
  return sizeArrivals(s.arrivals.occupancy!, s.arrivals.reach, phoneLoads(s)).ratePerMinute;
}

/** The scenario with its arrival rate fixed (what a host that knows more about the agents sized). */
export function withRate(s: Scenario, ratePerMinute: number): Scenario {
  return { ...s, arrivals: { ...s.arrivals, rate: ratePerMinute } };
}
