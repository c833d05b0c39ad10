import { WebSocket } from "ws";
import type { AgentAccount } from "./config.js";
import type { ServerMessage } from "./protocol.js";

/** One agent socket on this hub. */
export interface Client {
  ws: WebSocket;
  /** Null until the socket has authenticated. */
  agent: AgentAccount | null;
  /** Answered the last ping. */
  alive: boolean;
  /** Messages of one socket are handled in order. */
  chain: Promise<void>;
  /** The authentication deadline, then the session's expiry. */
  timer?: NodeJS.Timeout;
  /** What a socket may leave unread on this daemon before it is dropped. */
  limit?: BufferLimit;
}

/**
 * A cap on what a socket leaves unread: messages the peer does not take are kept in the daemon's memory
 * (ws's bufferedAmount, beyond what the kernel's socket buffers hold), so a tab that stalls (a frozen
 * browser, a client that never reads) would grow the daemon without end.
 */
export interface BufferLimit {
  bytes: number;
  /** The socket has more than `bytes` unread: it is being dropped (called once per socket). */
  exceeded(client: Client, buffered: number): void;
}

export function send(client: Client, msg: ServerMessage): void {
  if (client.ws.readyState !== WebSocket.OPEN) return;
  client.ws.send(JSON.stringify(msg));
  const buffered = client.ws.bufferedAmount;
  if (client.limit && buffered > client.limit.bytes) client.limit.exceeded(client, buffered);
}

/**
 * The sockets this hub holds: every one (for pings and shutdown), and the authenticated ones by agent,
 * so a message for an agent reaches each of the agent's tabs.
 */
export class AgentSockets implements Iterable<Client> {
  private readonly all = new Set<Client>();
  private readonly byAgent = new Map<string, Set<Client>>();

  constructor(private readonly limit?: BufferLimit) {}

  add(ws: WebSocket): Client {
    const client: Client = { ws, agent: null, alive: true, chain: Promise.resolve(), ...(this.limit ? { limit: this.limit } : {}) };
    this.all.add(client);
    return client;
  }

  /** The socket now gets the agent's messages. */
  join(client: Client, agent: AgentAccount): void {
    client.agent = agent;
    let set = this.byAgent.get(agent.id);
    if (!set) this.byAgent.set(agent.id, (set = new Set()));
    set.add(client);
  }

  /** The socket closed. */
  remove(client: Client): void {
    this.all.delete(client);
    if (!client.agent) return;
    const set = this.byAgent.get(client.agent.id);
    set?.delete(client);
    if (set?.size === 0) this.byAgent.delete(client.agent.id);
  }

  /** How many sockets (tabs) the agent has on this hub. */
  tabs(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0;
  }

  deliver(agentId: string, msg: ServerMessage): void {
    for (const c of this.byAgent.get(agentId) ?? []) send(c, msg);
  }

  /** Agents with at least one authenticated socket here. */
  agents(): string[] {
    return [...this.byAgent.keys()];
  }

  [Symbol.iterator](): Iterator<Client> {
    return this.all.values();
  }

  /** Shutdown: every socket is closed with 1001, so its page reconnects (to this daemon later, or another). */
  async closeAll(): Promise<void> {
    const gone = [...this.all].map(
      (c) =>
        new Promise<void>((resolve) => {
          clearTimeout(c.timer);
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once("close", () => resolve());
          c.ws.close(1001, "server shutting down");
          // a peer that never answers the close handshake does not hold up shutdown
          setTimeout(() => c.ws.terminate(), 1000).unref();
        }),
    );
    await Promise.all(gone);
  }
}
