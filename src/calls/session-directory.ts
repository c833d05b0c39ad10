import type { Redis } from "ioredis";
import { SessionStore, type CallSession } from "./session-store.js";

/**
 * The sessions of every Asterisk server whose daemon shares this Redis. Each server's sessions live
 * under its own prefix; an agent's call says nothing of its server, so questions about it ("does any
 * daemon still hold this call?") ask every server that any daemon has served. Daemons add their servers
 * when they start.
 */
export class SessionDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private get servers(): string {
    return `${this.keyPrefix}servers`;
  }

  /** One server's sessions. */
  store(serverId: string): SessionStore {
    return new SessionStore(this.redis, `${this.keyPrefix}${serverId}:`);
  }

  async register(serverIds: readonly string[]): Promise<void> {
    if (serverIds.length) await this.redis.sadd(this.servers, ...serverIds);
  }

  /** The call's session on whichever server has it (none when the call is over or was never a call). */
  async find(callId: string): Promise<CallSession[]> {
    const servers = await this.redis.smembers(this.servers);
    const found = await Promise.all(servers.map((id) => this.store(id).get(callId)));
    return found.filter((s): s is CallSession => s !== null);
  }
}
