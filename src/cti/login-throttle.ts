import type { Redis } from "ioredis";
import type { Backoff, LoginConfig } from "./login-config.js";

/**
 * Failed-login counts in Redis, shared by every daemon on it. An attempt is counted as a failure when it
 * is admitted, before its password is hashed, in one Lua script that checks and counts at once: so a
 * burst of parallel guesses is admitted only as far as the counts allow, and a success takes its own
 * count back afterwards. Three counts, checked in this order:
 *
 * - the client address, over every agent id (known or not): `addressFailures` in `window`, then refused;
 * - the agent id from that address: exponential backoff with a long cap (`agentAddress`);
 * - the agent id from everywhere: exponential backoff with a short cap (`agent`), which addresses the
 *   agent has logged in from before (known addresses) neither feed nor wait for. So someone guessing an
 *   agent's password from elsewhere locks out their own address, and slows a new address of the agent
 *   by at most `agent.maxDelay`, but not the agent's usual ones.
 */

export type Refusal = "address" | "agent-address" | "agent";
export type Admission = { ok: true; known: boolean } | { ok: false; reason: Refusal; retryAfterMs: number };

const NOW = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

/**
 * KEYS: address, agent+address, agent, the agent's known addresses. ARGV: now (empty: Redis's clock),
 * window ms, addressFailures, agentAddress free/delay ms/max ms, agent free/delay ms/max ms, address.
 * Reply: {"ok", 0, known} or {reason, retry ms, 0}.
 */
const ADMIT = `${NOW}
local window = tonumber(ARGV[2])
local function backoff(fails, free, delay, max)
  if fails < free then return 0 end
  local n = fails - free
  if n > 40 then return max end
  return math.floor(math.min(delay * 2 ^ n, max))
end
local known = tonumber(redis.call('ZSCORE', KEYS[4], ARGV[10]) or '0') > now
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[3]) then
  return {'address', math.max(redis.call('PTTL', KEYS[1]), 1000), 0}
end
local pairNext = tonumber(redis.call('HGET', KEYS[2], 'next') or '0')
if pairNext > now then return {'agent-address', pairNext - now, 0} end
if not known then
  local agentNext = tonumber(redis.call('HGET', KEYS[3], 'next') or '0')
  if agentNext > now then return {'agent', agentNext - now, 0} end
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], window)
local function count(key, free, delay, max)
  local fails = redis.call('HINCRBY', key, 'fails', 1)
  local wait = backoff(fails, tonumber(free), tonumber(delay), tonumber(max))
  redis.call('HSET', key, 'next', now + wait)
  redis.call('PEXPIRE', key, window + wait)
end
count(KEYS[2], ARGV[4], ARGV[5], ARGV[6])
if not known then count(KEYS[3], ARGV[7], ARGV[8], ARGV[9]) end
return {'ok', 0, known and 1 or 0}`;

/**
 * The password was right: the attempt's counts are taken back, the id's series from this address ends,
 * and the address becomes (or stays) known for the agent. KEYS as ADMIT. ARGV: now, address, known ms,
 * most known addresses kept, whether the address was known at admission ("1").
 */
const SUCCEEDED = `${NOW}
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 1 then redis.call('DECR', KEYS[1]) elseif n == 1 then redis.call('DEL', KEYS[1]) end
redis.call('DEL', KEYS[2])
if ARGV[5] ~= '1' then
  local f = tonumber(redis.call('HGET', KEYS[3], 'fails') or '0')
  if f > 1 then redis.call('HINCRBY', KEYS[3], 'fails', -1) elseif f == 1 then redis.call('DEL', KEYS[3]) end
end
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[4], now + ttl, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local extra = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[4])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, extra - 1) end
redis.call('PEXPIRE', KEYS[4], ttl)
return 1`;

/** Known addresses kept per agent (the newest). */
const MAX_KNOWN = 20;

type Scripts = {
  sbLoginAdmit(...args: string[]): Promise<[string, number, number]>;
  sbLoginSucceeded(...args: string[]): Promise<number>;
};

export interface LoginThrottleOptions {
  redis: Redis;
  keyPrefix: string;
  policy: LoginConfig;
  /** Epoch ms; without it the scripts use Redis's clock, the same for every daemon. */
  clock?: () => number;
}

export class LoginThrottle {
  private readonly redis: Redis & Scripts;
  private readonly policy: LoginConfig;

  constructor(private readonly opts: LoginThrottleOptions) {
    const redis = opts.redis as Redis & Partial<Scripts>;
    if (!redis.sbLoginAdmit) redis.defineCommand("sbLoginAdmit", { numberOfKeys: 4, lua: ADMIT });
    if (!redis.sbLoginSucceeded) redis.defineCommand("sbLoginSucceeded", { numberOfKeys: 4, lua: SUCCEEDED });
    this.redis = redis as Redis & Scripts;
    this.policy = opts.policy;
  }

  private keys(agentId: string, address: string): string[] {
    const p = `${this.opts.keyPrefix}login:`;
    const id = encodeURIComponent(agentId); // ids are any text: no ':' of theirs can run into the address
    return [`${p}addr:${address}`, `${p}pair:${id}:${address}`, `${p}agent:${id}`, `${p}known:${id}`];
  }

  private now(): string {
    return this.opts.clock ? String(this.opts.clock()) : "";
  }

  /** Checks and counts one attempt before its hash; a refusal counts nothing. */
  async admit(agentId: string, address: string): Promise<Admission> {
    const p = this.policy;
    const ms = (b: Backoff) => [String(b.free), String(b.delay * 1000), String(b.maxDelay * 1000)];
    const [what, retry, known] = await this.redis.sbLoginAdmit(
      ...this.keys(agentId, address),
      this.now(),
      String(p.window * 1000),
      String(p.addressFailures),
      ...ms(p.agentAddress),
      ...ms(p.agent),
      address,
    );
    if (what === "ok") return { ok: true, known: known === 1 };
    return { ok: false, reason: what as Refusal, retryAfterMs: Number(retry) };
  }

  /** The password was right (see SUCCEEDED). */
  async succeeded(agentId: string, address: string, known: boolean): Promise<void> {
    const ttl = Math.round(this.policy.knownAddressDays * 86_400_000);
    await this.redis.sbLoginSucceeded(...this.keys(agentId, address), this.now(), address, String(ttl), String(MAX_KNOWN), known ? "1" : "0");
  }

  /** Whether the agent has logged in from this address (read only; for a place held back for them when busy). */
  async known(agentId: string, address: string): Promise<boolean> {
    const until = await this.redis.zscore(this.keys(agentId, address)[3]!, address);
    if (until === null) return false;
    return Number(until) > (this.opts.clock?.() ?? Date.now());
  }
}
