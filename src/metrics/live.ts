import type { Redis } from "ioredis";
import type { AgentState } from "../queue/agent-states.js";
import type { QueueKeys } from "../queue/index.js";

/**
 * The queue's state now, read cheaply for gauges and the wallboard: waiting callers and the longest wait
 * per queue and lane from the waiting sets' members (they carry lane and join time), agents by state per
 * queue from each agent's hash. One read-only script counts it all inside Redis: one round trip and a
 * small reply, whatever the site's size (1,000 agents' reads over the wire were most of a scrape).
 */
export interface LiveQueue {
  queue: string;
  lanes: Map<string, { waiting: number; longestWaitMs: number }>;
  agents: Record<AgentState, number>;
}

// KEYS: agents set, then each queue's waiting set. ARGV: the queue names in the same order.
// Reply: per queue [waiting lane/count/oldest triples...], then [queue, state, count] triples.
const LIVE = `
local out = {}
for i = 2, #KEYS do
  local lanes, order = {}, {}
  for _, m in ipairs(redis.call("ZRANGE", KEYS[i], 0, -1)) do
    -- seq|reserved|needs|lane|enqueuedAt|requeues|deadline|callId
    local lane, at = string.match(m, "^[^|]*|[^|]*|[^|]*|([^|]*)|([^|]*)|")
    local l = lanes[lane]
    if not l then l = { 0, at }; lanes[lane] = l; order[#order + 1] = lane end
    l[1] = l[1] + 1
    if tonumber(at) < tonumber(l[2]) then l[2] = at end
  end
  local row = {}
  for _, lane in ipairs(order) do row[#row + 1] = lane; row[#row + 1] = lanes[lane][1]; row[#row + 1] = lanes[lane][2] end
  out[#out + 1] = row
end
local counts, keys = {}, {}
local base = string.sub(KEYS[1], 1, #KEYS[1] - #"agents")
for _, id in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  local a = redis.call("HMGET", base .. "agent:" .. id, "state", "queues")
  if a[1] then
    for q in string.gmatch(a[2] or "", "[^,]+") do
      local k = q .. "|" .. a[1]
      if not counts[k] then counts[k] = 0; keys[#keys + 1] = k end
      counts[k] = counts[k] + 1
    end
  end
end
local agents = {}
for _, k in ipairs(keys) do agents[#agents + 1] = k; agents[#agents + 1] = counts[k] end
out[#out + 1] = agents
return out
`;

type Scripted = Redis & { sbmLive(numKeys: number, ...args: string[]): Promise<[...string[][]]> };

const emptyAgents = (): Record<AgentState, number> => ({ offline: 0, available: 0, ringing: 0, oncall: 0, wrapup: 0, paused: 0 });

export async function readLive(redis: Redis, keys: QueueKeys, queues: ReadonlyMap<string, readonly string[]>, now: number): Promise<Map<string, LiveQueue>> {
  const r = redis as Scripted;
  if (typeof r.sbmLive !== "function") redis.defineCommand("sbmLive", { lua: LIVE });
  const names = [...queues.keys()];
  const reply = await r.sbmLive(names.length + 1, keys.agents, ...names.map((q) => keys.queue(q, "waiting")));
  const out = new Map<string, LiveQueue>();
  names.forEach((queue, i) => {
    const lanes = new Map(queues.get(queue)!.map((l) => [l, { waiting: 0, longestWaitMs: 0 }]));
    const row = reply[i]!;
    for (let k = 0; k + 2 < row.length; k += 3) lanes.set(row[k]!, { waiting: Number(row[k + 1]), longestWaitMs: Math.max(0, now - Number(row[k + 2])) });
    out.set(queue, { queue, lanes, agents: emptyAgents() });
  });
  const agents = reply[names.length]!;
  for (let k = 0; k + 1 < agents.length; k += 2) {
    const key = agents[k]!;
    const bar = key.lastIndexOf("|");
    const q = out.get(key.slice(0, bar));
    const state = key.slice(bar + 1);
    if (q && state in q.agents) q.agents[state as AgentState] = Number(agents[k + 1]);
  }
  return out;
}
