-- Shared helpers: the top of the queue's Function library, after the generated constants (scripts.ts).
-- Each operation is a function registered below them; KEYS and ARGV are its parameters.
-- Calling convention: KEYS[1] = the site's event stream (routes the call to the site's Cluster slot);
-- ARGV[1] = key base "<prefix>{<site>}:", ARGV[2] = now (ms, the caller's injectable clock),
-- ARGV[3] = event stream MAXLEN (approximate trim); operation arguments start at ARGV[4].
-- Every key is built from the base, so all of them share the site's hash tag and slot.
-- Operations validate before their first write: Redis does not roll back a function that fails half-way.

-- Set by begin() at the start of every call. NOW_S is an integer as a string, reused as is in writes
-- (redis.call formats number arguments on every call).
local B, NOW_S, NOW, MAXLEN, K_AGENTS, K_ENDPOINTS, K_WRAPUPS, K_SEQ, K_EVENTS

-- Keys are built once per base and kept, as the library outlives calls (a dispatch names several).
local qkeys = {}

-- The standard functions used on hot paths, as upvalues: in a Function library each global lookup costs
-- about as much as a small string operation, and a dispatch makes dozens. A library loads with only the
-- function API, so begin() binds them on the first call.
local function standard() return redis.call, string, math, tonumber end
local call, string, math, tonumber

local function begin(KEYS, ARGV)
  if call == nil then call, string, math, tonumber = standard() end
  if ARGV[1] ~= B then
    B = ARGV[1]
    K_AGENTS, K_ENDPOINTS, K_WRAPUPS, K_SEQ = B .. "agents", B .. "endpoints", B .. "wrapups", B .. "seq"
    qkeys = {}
  end
  NOW_S, MAXLEN, K_EVENTS = ARGV[2], ARGV[3], KEYS[1]
  NOW = tonumber(NOW_S)
end

local function qkey(q, part)
  local of_q = qkeys[q]
  if of_q == nil then
    of_q = {}
    qkeys[q] = of_q
  end
  local key = of_q[part]
  if key == nil then
    key = B .. "q:" .. q .. ":" .. part
    of_q[part] = key
  end
  return key
end
local function akey(id) return B .. "agent:" .. id end
local function ckey(id) return B .. "call:" .. id end

local function int(n) return string.format("%d", n) end

-- Waiting-set members are
--   "<seq, 15 digits>|<reserved 0|1>|<needs>|<lane>|<enqueuedAt>|<requeues>|<has deadline 0|1>|<callId>".
-- The zero-padded sequence orders equal scores first come first served (Redis orders ties by member). The
-- rest is what dispatch needs to pass over a caller, or to offer it, without reading its hash: dispatch
-- is the hot path, so these facts are copied here from the caller's hash. Ids, lanes and needs never
-- contain "|".
local function waiting_member(seq, reserved, needs, lane, enqueued_at, requeues, deadline, call_id)
  return seq .. "|" .. reserved .. "|" .. needs .. "|" .. lane .. "|" .. enqueued_at .. "|" .. requeues .. "|" ..
    (deadline == "0" and "0" or "1") .. "|" .. call_id
end
-- Returns seq, reserved, needs, lane, enqueuedAt, requeues, has deadline, callId.
local function parse_member(member)
  return string.match(member, "^(%d+)|(%d)|([^|]*)|([^|]*)|(%-?%d+)|(%d+)|(%d)|(.*)$")
end

-- Idle-set members carry the agent's profile, "<agentId> <endpoint> <queues> <skills>", so dispatch needs
-- no read of the agent's hash. A space sorts below every character of an id, so agents idle since the
-- same ms stay in id order.
local function idle_member(id, a) return id .. " " .. a.endpoint .. " " .. a.queues .. " " .. a.skills end
-- Returns agentId, endpoint, queues, skills.
local function parse_idle(member) return string.match(member, "^(%S+) (%S+) (%S*) (%S*)$") end

-- The agent's current call is one field, "<callId>|<queue>|<reserved 0|1>|<wrapMs>", which dispatch
-- writes in one go. Returns callId, queue, reserved, wrapMs, or nothing when there is no call.
local function current_call(a)
  if a.call then return string.match(a.call, "^([^|]*)|([^|]*)|(%d)|(%d+)$") end
end

local function fail(code, message) error({ err = code .. " " .. message }) end

local function hgetall(key)
  local flat = call("HGETALL", key)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function split_csv(s)
  local out = {}
  if s == nil or s == "" then return out end
  for part in string.gmatch(s, "[^,]+") do out[#out + 1] = part end
  return out
end

-- Appends one event: field, value, field, value...
local function emit(...)
  call("XADD", K_EVENTS, "MAXLEN", "~", MAXLEN, "*", ...)
end

-- Agent skills are stored as ",support=5,billing=3,"; a caller's needs as "support=1,billing=2".
local function has_skills(agent_skills, needs)
  for name, min in string.gmatch(needs, "([^,=]+)=(%d+)") do
    local _, e = string.find(agent_skills, "," .. name .. "=", 1, true)
    if not e then return false end
    local level = tonumber(string.match(agent_skills, "^%d+", e + 1))
    if level == nil or level < tonumber(min) then return false end
  end
  return true
end

-- Same rules as isStaffed / isDispatchable in agent-states.ts.
local function is_staffed(state, device)
  return state ~= "offline" and state ~= "paused" and device ~= "unavailable"
end
local function is_dispatchable(state, device)
  return state == "available" and (device == "registered" or device == "unknown")
end

-- The idle index: per queue, every dispatchable agent (idle) and, per skill, those having it
-- (idle:<skill>), both ordered by idle-since so the first member is the longest idle. Skills are
-- ",support=5,billing=3,", queues "support,billing".
local function remove_idle(member, queues, skills)
  for q in string.gmatch(queues, "[^,]+") do
    call("ZREM", qkey(q, "idle"), member)
    for s in string.gmatch(skills, "([^,=]+)=") do call("ZREM", qkey(q, "idle:" .. s), member) end
  end
end

-- The staffed set, and its size in the queue's meta where dispatch reads it with the other counters.
local function set_staffed(q, id, staffed)
  if staffed then
    if call("SADD", qkey(q, "staffed"), id) == 1 then call("HINCRBY", qkey(q, "meta"), "staffed", "1") end
  elseif call("SREM", qkey(q, "staffed"), id) == 1 then
    call("HINCRBY", qkey(q, "meta"), "staffed", "-1")
  end
end

-- Per-queue sets follow from (state, device, queues, skills, endpoint): call after every change of any.
local function sync_sets(id, a)
  local staffed = is_staffed(a.state, a.device)
  local dispatchable = is_dispatchable(a.state, a.device)
  local member = idle_member(id, a)
  if not dispatchable then remove_idle(member, a.queues, a.skills) end
  for q in string.gmatch(a.queues, "[^,]+") do
    set_staffed(q, id, staffed)
    if dispatchable then
      call("ZADD", qkey(q, "idle"), a.idleSince, member)
      for s in string.gmatch(a.skills, "([^,=]+)=") do call("ZADD", qkey(q, "idle:" .. s), a.idleSince, member) end
    end
  end
end

-- The agent no longer holds a call: free its place in the reserved-share count.
local function release_call(id, a)
  local _, q, reserved = current_call(a)
  if q and reserved == "0" then call("HINCRBY", qkey(q, "meta"), "busyOther", "-1") end
  call("HDEL", akey(id), "call", "answeredAt", "wrapUntil")
  a.call, a.answeredAt, a.wrapUntil = nil, nil, nil
end

-- Handle time (answer to end of wrap-up) feeds the queue's moving average used for expected waits.
local function record_handle(q, ms)
  if ms < 0 then ms = 0 end
  local meta = qkey(q, "meta")
  local prev = call("HGET", meta, "ahtMs")
  local v = ms
  if prev then
    prev = tonumber(prev)
    v = math.floor(prev + HANDLE_TIME_WEIGHT * (ms - prev) + 0.5)
  end
  call("HSET", meta, "ahtMs", int(v))
  call("HINCRBY", meta, "handled", "1")
end

-- A call the agent answered is over (after talk, or after wrap-up): measure it and let it go.
local function finish_call(id, a, at)
  local _, q = current_call(a)
  if q and a.answeredAt then record_handle(q, at - tonumber(a.answeredAt)) end
  release_call(id, a)
end

local function agent_event(id, a, from, to, at, reason)
  emit("type", "agent", "at", int(at), "agentId", id, "from", from, "to", to, "reason", reason or "", "queues", a.queues)
end

-- The agent moves to `to` now: available (at the back of the idle order), paused (with `reason`) or
-- offline; its sets follow. A call it held is let go by the caller first.
local function move_agent(id, a, to, reason)
  a.state = to
  call("HSET", akey(id), "state", to, "since", NOW_S)
  if to == "available" then
    a.idleSince = NOW_S
    call("HSET", akey(id), "idleSince", a.idleSince)
  end
  if to == "paused" then call("HSET", akey(id), "reason", reason) else call("HDEL", akey(id), "reason") end
  sync_sets(id, a)
end

-- Timed wrap-ups that have ended become available as of their end time, in end-time order. Every script
-- that reads or changes availability calls this first, so no timer process is needed.
local function promote_wrapups()
  local due = call("ZRANGEBYSCORE", K_WRAPUPS, "-inf", NOW_S, "WITHSCORES", "LIMIT", "0", WRAPUP_BATCH)
  for i = 1, #due, 2 do
    local id, at = due[i], tonumber(due[i + 1])
    call("ZREM", K_WRAPUPS, id)
    local a = hgetall(akey(id))
    if a and a.state == "wrapup" then
      finish_call(id, a, at)
      a.state, a.idleSince = "available", int(at)
      call("HSET", akey(id), "state", "available", "since", int(at), "idleSince", a.idleSince)
      sync_sets(id, a)
      agent_event(id, a, "wrapup", "available", at, "wrap-up ended")
    end
  end
end

-- The caller of `member` in `q` is offered to agent `id` (`idle`: its member of the idle sets): out of
-- the waiting set, the agent ringing with the call as its current call (as current_call reads it) and no
-- longer idle in any of its queues. Returns the offer as dispatch replies it.
local function offer_caller(q, member, id, endpoint, idle, queues, skills, wrap_ms)
  local _, reserved, _, lane, enqueued_at, requeues, has_deadline, call_id = parse_member(member)
  call("ZREM", qkey(q, "waiting"), member)
  if has_deadline == "1" then call("ZREM", qkey(q, "deadlines"), call_id) end
  if reserved == "1" then
    call("HINCRBY", qkey(q, "meta"), "reservedWaiting", "-1")
  else
    call("HINCRBY", qkey(q, "meta"), "busyOther", "1")
  end
  call("HSET", ckey(call_id), "state", "offered", "agent", id, "offeredAt", NOW_S)
  call("HSET", akey(id), "state", "ringing", "since", NOW_S, "call", call_id .. "|" .. q .. "|" .. reserved .. "|" .. wrap_ms)
  remove_idle(idle, queues, skills)
  local wait = int(NOW - tonumber(enqueued_at))
  emit("type", "offered", "at", NOW_S, "queue", q, "lane", lane, "callId", call_id, "agentId", id,
    "waitMs", wait, "requeues", requeues)
  return call_id .. "|" .. id .. "|" .. endpoint .. "|" .. q .. "|" .. lane .. "|" .. wait .. "|" .. requeues
end

-- Takes a waiting or offered caller out of the queue for good (abandoned, timeout or scheduled).
local function remove_caller(call_id, c, kind)
  local q = c.queue
  local agent_id = ""
  if c.state == "waiting" then
    call("ZREM", qkey(q, "waiting"), c.member)
    call("ZREM", qkey(q, "deadlines"), call_id)
    if c.reserved == "1" then call("HINCRBY", qkey(q, "meta"), "reservedWaiting", "-1") end
  else
    -- offered: the ringing agent keeps its place in the idle order; the missed call was not its fault
    agent_id = c.agent
    local a = hgetall(akey(agent_id))
    if a and a.state == "ringing" and current_call(a) == call_id then
      release_call(agent_id, a)
      a.state = "available"
      call("HSET", akey(agent_id), "state", "available", "since", NOW_S)
      sync_sets(agent_id, a)
    end
  end
  local wait = NOW - tonumber(c.enqueuedAt)
  emit("type", kind, "at", NOW_S, "queue", q, "lane", c.lane, "callId", call_id, "agentId", agent_id, "waitMs", int(wait))
  call("DEL", ckey(call_id))
  return wait, agent_id
end
