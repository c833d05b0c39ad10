-- dispatch: one decision. Across the given queues (all of one site), the best-placed waiting caller that
-- a free agent can serve is offered to the longest-idle such agent; the agent starts ringing.
-- ARGV[4..6]: scanDepth, agentScan, n; then n times (queue, reserveShare, wrapUpMs).
-- Returns {callId, agentId, endpoint, queue, lane, waitMs, requeues} or nil when no match.
local scan_depth, agent_scan, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

promote_wrapups()

-- Reads a sorted set lazily in growing chunks: most decisions need only the first member or two.
local function lazy_range(key, limit, with_scores)
  local members, scores, loaded, done = {}, {}, 0, false
  return function(i)
    while i > loaded and not done do
      local want = math.min(math.max(loaded, 2), limit - loaded)
      if want <= 0 then done = true break end
      local chunk
      if with_scores then
        chunk = redis.call("ZRANGE", key, loaded, loaded + want - 1, "WITHSCORES")
        for j = 1, #chunk, 2 do
          members[#members + 1] = chunk[j]
          scores[#scores + 1] = tonumber(chunk[j + 1])
        end
        chunk = #chunk / 2
      else
        chunk = redis.call("ZRANGE", key, loaded, loaded + want - 1)
        for j = 1, #chunk do members[#members + 1] = chunk[j] end
        chunk = #chunk
      end
      loaded = loaded + chunk
      if chunk < want then done = true end
    end
    return members[i], scores[i]
  end
end

local skills_of = {}
local function agent_skills(id)
  local s = skills_of[id]
  if s == nil then
    s = redis.call("HGET", akey(id), "skills") or ""
    skills_of[id] = s
  end
  return s
end

local best = nil
for i = 0, n - 1 do
  local q, share, wrap_ms = ARGV[7 + i * 3], tonumber(ARGV[8 + i * 3]), ARGV[9 + i * 3]
  local idle_key = qkey(q, "idle")
  if redis.call("ZCARD", idle_key) > 0 then
    -- reserved share: while a reserved-lane caller waits, other callers may occupy at most
    -- staffed - floor(share * staffed) agents of this queue
    local others_allowed = true
    if share > 0 then
      local meta = redis.call("HMGET", qkey(q, "meta"), "reservedWaiting", "busyOther")
      if tonumber(meta[1] or "0") > 0 then
        local staffed = redis.call("SCARD", qkey(q, "staffed"))
        local reserved = math.floor(share * staffed + 1e-9)
        others_allowed = tonumber(meta[2] or "0") < staffed - reserved
      end
    end
    local caller = lazy_range(qkey(q, "waiting"), scan_depth, true)
    local agent = lazy_range(idle_key, agent_scan, false)
    local ci = 1
    while true do
      local member, score = caller(ci)
      if member == nil then break end
      -- a candidate from an earlier queue already beats everything further down this one
      if best and (score > best.score or (score == best.score and member > best.member)) then break end
      local call_id = string.sub(member, 17)
      local c = redis.call("HMGET", ckey(call_id), "reserved", "needs")
      if others_allowed or c[1] == "1" then
        local needs = c[2] or ""
        local found = nil
        if needs == "" then
          found = agent(1)
        else
          local ai = 1
          while true do
            local id = agent(ai)
            if id == nil then break end
            if has_skills(agent_skills(id), needs) then
              found = id
              break
            end
            ai = ai + 1
          end
        end
        if found then
          best = { q = q, member = member, score = score, agent = found, wrap_ms = wrap_ms, call_id = call_id }
          break
        end
      end
      ci = ci + 1
    end
  end
end

if best == nil then return nil end

local q, call_id, id = best.q, best.call_id, best.agent
local c = hgetall(ckey(call_id))
local a = hgetall(akey(id))
redis.call("ZREM", qkey(q, "waiting"), best.member)
redis.call("ZREM", qkey(q, "deadlines"), call_id)
if c.reserved == "1" then
  redis.call("HINCRBY", qkey(q, "meta"), "reservedWaiting", -1)
else
  redis.call("HINCRBY", qkey(q, "meta"), "busyOther", 1)
end
redis.call("HSET", ckey(call_id), "state", "offered", "agent", id, "offeredAt", int(NOW))
redis.call("HSET", akey(id), "state", "ringing", "since", int(NOW), "call", call_id, "callQueue", q,
  "callLane", c.lane, "callReserved", c.reserved, "offeredAt", int(NOW), "wrapMs", best.wrap_ms)
a.state = "ringing"
sync_sets(id, a)
local wait = NOW - tonumber(c.enqueuedAt)
emit({ "type", "offered", "at", int(NOW), "queue", q, "lane", c.lane, "callId", call_id, "agentId", id,
  "waitMs", int(wait), "requeues", c.requeues })
return { call_id, id, a.endpoint, q, c.lane, int(wait), c.requeues }
