-- dispatch: one decision. Across the given queues (all of one site), the best-placed waiting caller that
-- a free agent can serve is offered to the longest-idle such agent; the agent starts ringing.
-- ARGV[4..6]: scanDepth, agentScan, n; then n times (queue, reserveShare, wrapUpMs); then call ids to pass
-- over (callers who keep their place but cannot be rung now, e.g. their PBX link is down).
-- Returns "<callId>|<agentId>|<endpoint>|<queue>|<lane>|<waitMs>|<requeues>" (one string: a client decodes
-- it faster than seven; none of these contain "|") or nil when no match.
local scan_depth, agent_scan, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

promote_wrapups()

local skip = nil
for i = 7 + n * 3, #ARGV do
  skip = skip or {}
  skip[ARGV[i]] = true
end

-- A sorted set read lazily, in chunks growing 4x (most decisions need only its first member), in order:
-- `r[i] or (r.more() and r[i])` is its i-th member, nil past the end or `limit`. Never with scores:
-- Redis formats every score as a double, which costs more than reading the member.
local function lazy_range(key, limit)
  local r, done = {}, false
  r.more = function()
    local loaded = #r
    local want = math.min(loaded == 0 and 1 or 3 * loaded, limit - loaded)
    if done or want <= 0 then return false end
    local chunk = loaded == 0 and call("ZRANGE", key, "0", "0")
      or call("ZRANGE", key, int(loaded), int(loaded + want - 1))
    for j = 1, #chunk do r[loaded + j] = chunk[j] end
    done = #chunk < want
    return #chunk > 0
  end
  return r
end

-- The longest-idle agent of queue q meeting `needs` (its idle member), scanning at most agent_scan agents.
-- An agent with every needed skill is in the idle set of each of them, so walking the smallest of those
-- sets (ties: the first skill named) in idle order finds the same agent as walking them all.
local function find_agent(q, needs, lists, longest_idle)
  if needs == "" then return longest_idle end
  local best_key, best_size = nil, nil
  for name in string.gmatch(needs, "([^,=]+)=") do
    local key = qkey(q, "idle:" .. name)
    local size = call("ZCARD", key)
    if best_size == nil or size < best_size then best_key, best_size = key, size end
  end
  if best_size == 0 then return false end
  lists[best_key] = lists[best_key] or lazy_range(best_key, agent_scan)
  local agents = lists[best_key]
  local ai = 1
  while true do
    local member = agents[ai] or (agents.more() and agents[ai])
    if not member then return false end
    local _, _, _, skills = parse_idle(member)
    if has_skills(skills, needs) then return member end
    ai = ai + 1
  end
end

-- How many callers of a waiting set are placed before `best`, a caller found in an earlier queue (at
-- most scan_depth): only they can beat it. Equal scores are ordered by member.
local function count_before(key, best)
  best.score = best.score or call("ZSCORE", qkey(best.q, "waiting"), best.member)
  local before = call("ZCOUNT", key, "-inf", "(" .. best.score)
  if before >= scan_depth then return scan_depth end
  local ties = call("ZRANGE", key, best.score, best.score, "BYSCORE", "LIMIT", "0", int(scan_depth - before))
  for _, member in ipairs(ties) do
    if member >= best.member then break end
    before = before + 1
  end
  return before
end

local best = nil
for i = 0, n - 1 do
  local q, share, wrap_ms = ARGV[7 + i * 3], tonumber(ARGV[8 + i * 3]), ARGV[9 + i * 3]
  local longest_idle = call("ZRANGE", qkey(q, "idle"), "0", "0")[1]
  if longest_idle then
    -- reserved share: while a reserved-lane caller waits, other callers may occupy at most
    -- staffed - floor(share * staffed) agents of this queue
    local others_allowed = true
    if share > 0 then
      local meta = call("HMGET", qkey(q, "meta"), "reservedWaiting", "busyOther", "staffed")
      if tonumber(meta[1] or "0") > 0 then
        local staffed = tonumber(meta[3] or "0")
        local reserved = math.floor(share * staffed + 1e-9)
        others_allowed = tonumber(meta[2] or "0") < staffed - reserved
      end
    end
    local waiting_key = qkey(q, "waiting")
    local callers = lazy_range(waiting_key, best and count_before(waiting_key, best) or scan_depth)
    local lists = {}
    -- callers with the same needs get the same answer from this queue's idle agents: search once
    local match_of = {}
    local ci = 1
    local needs, bar = nil, nil
    while true do
      local member = callers[ci] or (callers.more() and callers[ci])
      if not member then break end
      -- most callers scanned are passed over: read only their reserved flag (at 17, after the 15-digit
      -- sequence) and needs (from 19, between bars), not the whole member; a caller with the needs of
      -- the one before is recognised without building a string
      if not bar or string.find(member, bar, 18, true) ~= 18 then
        needs = string.sub(member, 19, string.find(member, "|", 19, true) - 1)
        bar = "|" .. needs .. "|"
      end
      if (others_allowed or string.byte(member, 17) == 49) and not (skip and skip[select(8, parse_member(member))]) then
        local found = match_of[needs]
        if found == nil then
          found = find_agent(q, needs, lists, longest_idle)
          match_of[needs] = found
        end
        if found then
          best = { q = q, member = member, agent = found, wrap_ms = wrap_ms }
          break
        end
      end
      ci = ci + 1
    end
  end
end

if best == nil then return nil end

local id, endpoint, queues, skills = parse_idle(best.agent)
-- available -> ringing: still staffed, no longer idle in any of its queues
return offer_caller(best.q, best.member, id, endpoint, best.agent, queues, skills, best.wrap_ms)
