import type { Redis } from "ioredis";
import { z } from "zod";
import { agentStatusSchema, type AgentStatus, type ServerMessage } from "./protocol.js";
import { screenPopSchema, type ScreenPop } from "./pop.js";

/**
 * The hub's Redis state, shared by every daemon: the pops each agent holds (so a reconnecting agent, on
 * whichever daemon, gets them again), the agent's last known status, and one pub/sub channel over which a
 * message for an agent reaches the daemon holding that agent's sockets.
 */

const storedPopSchema = z.object({ at: z.number(), pop: screenPopSchema });
export const busMessageSchema = z.object({ agentId: z.string(), msg: z.record(z.string(), z.unknown()) });
export type BusMessage = { agentId: string; msg: ServerMessage };

/** A status outlives a shift's gaps between calls but not an abandoned agent id. */
const STATUS_TTL_SECONDS = 86_400;

export class CtiStore {
  readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly popTtlSeconds: number,
  ) {
    this.channel = `${prefix}cti:bus`;
  }

  private popsKey(agentId: string): string {
    return `${this.prefix}cti:pops:${agentId}`;
  }

  private statusKey(agentId: string): string {
    return `${this.prefix}cti:status:${agentId}`;
  }

  private bus(agentId: string, msg: ServerMessage): string {
    return JSON.stringify({ agentId, msg } satisfies BusMessage);
  }

  /** Stores the pop and announces it in one transaction, so a delivered pop is always also re-deliverable. */
  async pushPop(agentId: string, pop: ScreenPop, now: number): Promise<void> {
    const key = this.popsKey(agentId);
    await exec(this.redis
      .multi()
      .hset(key, pop.callId, JSON.stringify({ at: now, pop }))
      .expire(key, this.popTtlSeconds)
      .publish(this.channel, this.bus(agentId, { type: "pop", pop })));
  }

  /** The agent's pops still within their time to live, oldest first; expired ones are dropped. */
  async pops(agentId: string, now: number): Promise<ScreenPop[]> {
    const key = this.popsKey(agentId);
    const all = await this.redis.hgetall(key);
    const live: Array<{ at: number; pop: ScreenPop }> = [];
    const stale: string[] = [];
    for (const [callId, raw] of Object.entries(all)) {
      const parsed = storedPopSchema.safeParse(safeJson(raw));
      if (parsed.success && now - parsed.data.at < this.popTtlSeconds * 1000) live.push(parsed.data);
      else stale.push(callId);
    }
    if (stale.length) await this.redis.hdel(key, ...stale);
    return live.sort((a, b) => a.at - b.at).map((p) => p.pop);
  }

  async pop(agentId: string, callId: string, now: number): Promise<ScreenPop | null> {
    const raw = await this.redis.hget(this.popsKey(agentId), callId);
    if (raw === null) return null;
    const parsed = storedPopSchema.safeParse(safeJson(raw));
    return parsed.success && now - parsed.data.at < this.popTtlSeconds * 1000 ? parsed.data.pop : null;
  }

  async clearPop(agentId: string, callId: string): Promise<void> {
    await exec(this.redis
      .multi()
      .hdel(this.popsKey(agentId), callId)
      .publish(this.channel, this.bus(agentId, { type: "popCleared", callId })));
  }

  async setStatus(agentId: string, status: AgentStatus): Promise<void> {
    await exec(this.redis
      .multi()
      .set(this.statusKey(agentId), JSON.stringify(status), "EX", STATUS_TTL_SECONDS)
      .publish(this.channel, this.bus(agentId, { type: "status", ...status })));
  }

  async status(agentId: string): Promise<AgentStatus | null> {
    const raw = await this.redis.get(this.statusKey(agentId));
    if (raw === null) return null;
    const parsed = agentStatusSchema.safeParse(safeJson(raw));
    return parsed.success ? parsed.data : null;
  }
}

/** MULTI replies carry per-command errors instead of rejecting: surface the first one. */
async function exec(multi: ReturnType<Redis["multi"]>): Promise<void> {
  const replies = await multi.exec();
  if (replies === null) throw new Error("redis transaction discarded");
  const failed = replies.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
