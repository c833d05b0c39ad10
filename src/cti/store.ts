import type { Redis } from "ioredis";
import { z } from "zod";
import { agentStatusSchema, lineSchema, statusView, type AgentStatus, type Line, type LinePatch, type ServerMessage } from "./protocol.js";
import { screenPopSchema, type ScreenPop } from "./pop.js";

/**
 * The hub's Redis state, shared by every daemon: the pops each agent holds (so a reconnecting agent, on
 * whichever daemon, gets them again), the agent's last known status, and one pub/sub channel over which a
 * message for an agent reaches the daemon holding that agent's sockets.
 */

/** `ringing`: put up while the agent's phone rang; the pop of the answer replaces it. */
const storedPopSchema = z.object({ at: z.number(), pop: screenPopSchema, ringing: z.boolean().optional() });
export interface DeskPop {
  pop: ScreenPop;
  ringing: boolean;
}
export const busMessageSchema = z.object({ agentId: z.string(), msg: z.record(z.string(), z.unknown()) });
export type BusMessage = { agentId: string; msg: ServerMessage };

/** A status outlives a shift's gaps between calls but not an abandoned agent id. */
const STATUS_TTL_SECONDS = 86_400;

/**
 * A call's line, patched in one step (the desk sets ringing/talking/ended, the agent's soft-phone held and
 * muted, possibly on two daemons at once) and announced with the result. KEYS[1] the agent's lines;
 * ARGV: call id, the patch, the TTL, the line a first patch starts from, the channel, the bus prefix,
 * "1" when a patch may start a line (else a line already gone stays gone).
 */
const PATCH_LINE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur and ARGV[7] ~= '1' then return false end
local line = cjson.decode(cur or ARGV[4])
for k, v in pairs(cjson.decode(ARGV[2])) do line[k] = v end
local enc = cjson.encode(line)
redis.call('HSET', KEYS[1], ARGV[1], enc)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[5], ARGV[6] .. enc .. '}}')
return enc`;
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

  private linesKey(agentId: string): string {
    return `${this.prefix}cti:lines:${agentId}`;
  }

  private bus(agentId: string, msg: ServerMessage): string {
    return JSON.stringify({ agentId, msg } satisfies BusMessage);
  }

  /**
   * Stores the pop and announces it in one transaction, so a delivered pop is always also re-deliverable.
   * A pop put up while the phone rings goes out as `ringing` (clients that only know `pop` act on answered
   * calls alone).
   */
  async pushPop(agentId: string, pop: ScreenPop, now: number, ringing = false): Promise<void> {
    const key = this.popsKey(agentId);
    await exec(this.redis
      .multi()
      .hset(key, pop.callId, JSON.stringify({ at: now, pop, ...(ringing ? { ringing } : {}) }))
      .expire(key, this.popTtlSeconds)
      .publish(this.channel, this.bus(agentId, ringing ? { type: "ringing", pop } : { type: "pop", pop })));
  }

  /** The agent's pops still within their time to live, oldest first; expired ones are dropped. */
  async pops(agentId: string, now: number): Promise<DeskPop[]> {
    const key = this.popsKey(agentId);
    const all = await this.redis.hgetall(key);
    const live: Array<z.infer<typeof storedPopSchema>> = [];
    const stale: string[] = [];
    for (const [callId, raw] of Object.entries(all)) {
      const parsed = storedPopSchema.safeParse(safeJson(raw));
      if (parsed.success && now - parsed.data.at < this.popTtlSeconds * 1000) live.push(parsed.data);
      else stale.push(callId);
    }
    if (stale.length) await this.redis.hdel(key, ...stale);
    return live.sort((a, b) => a.at - b.at).map((p) => ({ pop: p.pop, ringing: p.ringing === true }));
  }

  async pop(agentId: string, callId: string, now: number): Promise<ScreenPop | null> {
    return (await this.deskPop(agentId, callId, now))?.pop ?? null;
  }

  /** The call's pop on the agent's desk, and whether it is still the one put up while the phone rang. */
  async deskPop(agentId: string, callId: string, now: number): Promise<DeskPop | null> {
    const raw = await this.redis.hget(this.popsKey(agentId), callId);
    if (raw === null) return null;
    const parsed = storedPopSchema.safeParse(safeJson(raw));
    return parsed.success && now - parsed.data.at < this.popTtlSeconds * 1000 ? { pop: parsed.data.pop, ringing: parsed.data.ringing === true } : null;
  }

  async clearPop(agentId: string, callId: string): Promise<void> {
    await exec(this.redis
      .multi()
      .hdel(this.popsKey(agentId), callId)
      .hdel(this.linesKey(agentId), callId)
      .publish(this.channel, this.bus(agentId, { type: "popCleared", callId })));
  }

  async setStatus(agentId: string, status: AgentStatus): Promise<void> {
    await exec(this.redis
      .multi()
      .set(this.statusKey(agentId), JSON.stringify(status), "EX", STATUS_TTL_SECONDS)
      .publish(this.channel, this.bus(agentId, { type: "status", ...statusView(status) })));
  }

  /**
   * Patches the call's line and announces the result; `create` lets a first patch start one (from a quiet
   * talking line), else a line that is gone (its pop cleared) stays gone and null comes back.
   */
  async patchLine(agentId: string, callId: string, patch: LinePatch, create = true): Promise<Line | null> {
    const start: Line = { callId, state: "talking", held: false, muted: false };
    const prefix = `{"agentId":${JSON.stringify(agentId)},"msg":{"type":"line","line":`;
    const args = [callId, JSON.stringify(patch), String(this.popTtlSeconds), JSON.stringify(start), this.channel, prefix, create ? "1" : "0"];
    const enc = (await this.redis.eval(PATCH_LINE, 1, this.linesKey(agentId), ...args)) as string | null;
    return enc === null ? null : lineSchema.parse(JSON.parse(enc));
  }

  /** The lines of the agent's calls on the desk. */
  async lines(agentId: string): Promise<Line[]> {
    const all = await this.redis.hgetall(this.linesKey(agentId));
    return Object.values(all).flatMap((raw) => {
      const parsed = lineSchema.safeParse(safeJson(raw));
      return parsed.success ? [parsed.data] : [];
    });
  }

  /** Tells every tab of the agent, on any daemon (nothing is stored). */
  async publish(agentId: string, msg: ServerMessage): Promise<void> {
    await this.redis.publish(this.channel, this.bus(agentId, msg));
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
