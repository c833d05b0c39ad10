import type { AgentsConfig } from "../cti/config.js";

/**
 * Where each agent's phone lives when the daemon serves several Asterisk servers: the server whose AMI
 * reports its state (`agents[].server`, default the first server) and the dial string each server uses
 * to ring it (`agents[].dialFrom`, default the endpoint itself, e.g. a phone on a shared registrar or a
 * `Local/...@agents` route that every server knows).
 */
export class AgentPhones {
  private readonly byId: Map<string, AgentsConfig[number]>;

  constructor(
    agents: AgentsConfig,
    private readonly firstServer: string,
  ) {
    this.byId = new Map(agents.map((a) => [a.id, a]));
  }

  /** The phones whose state one server's AMI reports. */
  endpointsOn(serverId: string): Set<string> {
    return new Set([...this.byId.values()].filter((a) => (a.server ?? this.firstServer) === serverId).map((a) => a.endpoint));
  }

  /** What `serverId` dials to ring the agent whose registered endpoint is `endpoint`. */
  dial(agentId: string, endpoint: string, serverId: string): string {
    return this.byId.get(agentId)?.dialFrom[serverId] ?? endpoint;
  }
}
