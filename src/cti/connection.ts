import type { WebSocket } from "ws";
import type { Logger } from "../lib/logger.js";
import type { AgentLogin } from "./agent-auth.js";
import type { ClientMessages } from "./messages.js";
import { statusView, type DeskMenu } from "./protocol.js";
import { armAuthDeadline, armSessionExpiry } from "./socket-timers.js";
import { send, type AgentSockets, type Client } from "./sockets.js";
import type { CtiStore } from "./store.js";

export interface DeskJoinDeps {
  sockets: AgentSockets;
  store: CtiStore;
  menu?: DeskMenu | undefined;
  log: Logger;
}

/** An authenticated socket joins its agent's desk: the welcome with the agent's state, then the pops still on the desk and their lines. */
export async function joinDesk(deps: DeskJoinDeps, client: Client, auth: AgentLogin): Promise<void> {
  const { agent, claims } = auth;
  armSessionExpiry(client, claims.exp);
  // registered before the stored pops are read: a pop published meanwhile may arrive twice (the page
  // keys cards by call id) but is never missed
  deps.sockets.join(client, agent);
  const [status, pops, lines] = await Promise.all([deps.store.status(agent.id), deps.store.pops(agent.id, Date.now()), deps.store.lines(agent.id)]);
  const desk = deps.menu ? { desk: deps.menu } : {};
  send(client, { type: "welcome", agent: { id: agent.id, name: agent.name }, status: status && statusView(status), sessionExpiresAt: claims.exp, ...desk });
  for (const { pop, ringing } of pops) send(client, ringing ? { type: "ringing", pop } : { type: "pop", pop });
  for (const line of lines) if (pops.some((p) => p.pop.callId === line.callId)) send(client, { type: "line", line });
  deps.log.info({ agentId: agent.id, tabs: deps.sockets.tabs(agent.id), pops: pops.length }, "agent desktop connected");
}

export interface AcceptDeps {
  sockets: AgentSockets;
  messages: Pick<ClientMessages, "handle">;
  login(client: Client, auth: AgentLogin): Promise<void>;
  authTimeoutMs: number;
  log: Logger;
}

/** A socket past the handshake: tracked until it closes, its messages handled one at a time, in order. */
export function acceptSocket(deps: AcceptDeps, ws: WebSocket, auth: AgentLogin | null): void {
  const { sockets, log } = deps;
  const client = sockets.add(ws);
  ws.on("pong", () => (client.alive = true));
  ws.on("error", (err) => log.debug({ err: err.message }, "agent socket error"));
  ws.on("close", () => {
    clearTimeout(client.timer);
    sockets.remove(client);
    if (client.agent) log.info({ agentId: client.agent.id, tabs: sockets.tabs(client.agent.id) }, "agent desktop disconnected");
  });
  ws.on("message", (data, isBinary) => {
    client.chain = client.chain.then(() => deps.messages.handle(client, data, isBinary)).catch((err: unknown) => {
      log.error({ err }, "agent message handling failed");
    });
  });
  if (auth) {
    client.chain = deps.login(client, auth).catch((err: unknown) => {
      log.error({ err }, "agent login over websocket failed");
      ws.close(1011, "try again");
    });
  } else {
    armAuthDeadline(client, deps.authTimeoutMs);
  }
}
