-- dispatch: one decision. Across the given queues (all of one site), the best-placed waiting caller that
-- a free agent can serve is offered to the longest-idle such agent; the agent starts ringing.
-- ARGV[4..6]: scanDepth, agentScan, n; then n times (queue, reserveShare, wrapUpMs); then call ids to pass
-- over (callers who keep their place but cannot be rung now, e.g. their PBX link is down).
-- Returns {callId, agentId, endpoint, queue, lane, waitMs, requeues} or nil when no match.
local scan_depth, agent_scan, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

promote_wrapups()

local skip = {}
for i = 7 + n * 3, #ARGV do skip[ARGV[i]] = true end

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

-- The longest-idle agent of queue q meeting `needs`, scanning at most agent_scan agents. An agent with
-- every needed skill is in the idle set of each of them, so walking the smallest of those sets (ties: the
-- first skill named) in idle order finds the same agent as walking them all.
local function find_agent(q, needs, lists, longest_idle)
  if needs == "" then return longest_idle end
  local best_key, best_size = nil, nil
  for name in string.gmatch(needs, "([^,=]+)=") do
    local key = qkey(q, "idle:" .. name)
    local size = redis.call("ZCARD", key)
    if best_size == nil or size < best_size then best_key, best_size = key, size end
  end
  if best_size == 0 then return false end
  lists[best_key] = lists[best_key] or lazy_range(best_key, agent_scan, false)
  local agent = lists[best_key]
  local ai = 1
  while true do
    local id = agent(ai)
    if id == nil then return false end
    if has_skills(agent_skills(id), needs) then return id end
    ai = ai + 1
  end
end

local best = nil
for i = 0, n - 1 do
  local q, share, wrap_ms = ARGV[7 + i * 3], tonumber(ARGV[8 + i * 3]), ARGV[9 + i * 3]
  local longest_idle = redis.call("ZRANGE", qkey(q, "idle"), 0, 0)[1]
  if longest_idle then
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
    local lists = {}
    -- callers with the same needs get the same answer from this queue's idle agents: search once
    local match_of = {}
    local ci = 1
    while true do
      local member, score = caller(ci)
      if member == nil then break end
      -- a candidate from an earlier queue already beats everything further down this one
      if best and (score > best.score or (score == best.score and member > best.member)) then break end
      local reserved, needs, call_id = parse_member(member)
      if not skip[call_id] and (others_allowed or reserved == "1") then
        local found = match_of[needs]
        if found == nil then
          found = find_agent(q, needs, lists, longest_idle)
          match_of[needs] = found
        end
        if found then
          best = { q = q, member = member, score = score, agent = found, wrap_ms = wrap_ms, call_id = call_id, reserved = reserved }
          break
        end
      end
      ci = ci + 1
    end
  end
end

if best == nil then return nil end

local q, call_id, id = best.q, best.call_id, best.agent
local reserved = best.reserved
local c = redis.call("HMGET", ckey(call_id), "lane", "enqueuedAt", "requeues", "deadline")
local lane, enqueued_at, requeues, deadline = c[1], c[2], c[3], c[4]
local a = redis.call("HMGET", akey(id), "endpoint", "queues", "skills")
redis.call("ZREM", qkey(q, "waiting"), best.member)
if deadline ~= "0" then redis.call("ZREM", qkey(q, "deadlines"), call_id) end
if reserved == "1" then
  redis.call("HINCRBY", qkey(q, "meta"), "reservedWaiting", -1)
else
  redis.call("HINCRBY", qkey(q, "meta"), "busyOther", 1)
end
redis.call("HSET", ckey(call_id), "state", "offered", "agent", id, "offeredAt", NOW_S)
redis.call("HSET", akey(id), "state", "ringing", "since", NOW_S, "call", call_id, "callQueue", q,
  "callReserved", reserved, "wrapMs", best.wrap_ms)
-- available -> ringing: still staffed, no longer idle in any of its queues
remove_idle(id, a[2], a[3])
local wait = int(NOW - tonumber(enqueued_at))
emit({ "type", "offered", "at", NOW_S, "queue", q, "lane", lane, "callId", call_id, "agentId", id,
  "waitMs", wait, "requeues", requeues })
return { call_id, id, a[1], q, lane, wait, requeues }
