import type { Redis } from "ioredis";
import type { CallSession } from "./session-store.js";
import { SessionDirectory } from "./session-directory.js";

/**
 * The conversations going on now, read from the call sessions every daemon keeps in Redis (session-store.ts):
 * a caller's session names its agent's leg and bridge from the answer until either side hangs up. So every
 * daemon on the Redis sees every server's calls, whichever daemon holds them.
 */

export interface LiveCall {
  callId: string;
  serverId: string;
  callerChannelId: string;
  callerNumber: string;
  callerName: string;
  agentId: string;
  agentChannelId: string;
  /** The bridge caller and agent talk in. */
  bridgeId: string;
  queue: string;
  lane: string;
  /** When the agent answered (epoch ms). */
  since: number;
}

/** The conversation a session describes, or undefined when its caller is not with an agent now. */
export function liveCallOf(s: CallSession): LiveCall | undefined {
  const a = s.agent;
  if (!a || a.endedAt !== undefined || !a.channelId || !a.bridgeId) return undefined;
  const call = s.engine.call as { callerNumber?: unknown; callerName?: unknown };
  return {
    callId: s.callId,
    serverId: s.serverId,
    callerChannelId: s.channelId,
    callerNumber: typeof call.callerNumber === "string" ? call.callerNumber : "",
    callerName: typeof call.callerName === "string" ? call.callerName : "",
    agentId: a.agentId,
    agentChannelId: a.channelId,
    bridgeId: a.bridgeId,
    queue: a.queue ?? s.queue?.queue ?? "",
    lane: a.lane ?? s.queue?.lane ?? "",
    since: a.answeredAt ?? s.startedAt,
  };
}

export class LiveCalls {
  private readonly sessions: SessionDirectory;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {
    this.sessions = new SessionDirectory(redis, keyPrefix);
  }

  /** Every live conversation on every server any daemon serves, the longest first. */
  async list(): Promise<LiveCall[]> {
    const servers = await this.redis.smembers(`${this.keyPrefix}servers`);
    const all = await Promise.all(servers.map((id) => this.sessions.store(id).list(id)));
    return all
      .flat()
      .map(liveCallOf)
      .filter((c): c is LiveCall => c !== undefined)
      .sort((a, b) => a.since - b.since || a.callId.localeCompare(b.callId));
  }

  /** One conversation by its call id, if it is going on. */
  async get(callId: string): Promise<LiveCall | undefined> {
    for (const s of await this.sessions.find(callId)) {
      const live = liveCallOf(s);
      if (live) return live;
    }
    return undefined;
  }
}
