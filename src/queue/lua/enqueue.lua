-- enqueue: a caller joins a queue at the score computed by scoring.ts.
-- ARGV[4..12]: queue, callId, lane, score, reserved (1 when the lane is one the queue reserves agents
-- for), needs ("skill=minLevel,..."), priority, deadline (ms, 0 = none), maxWaiting (0 = no limit).
-- Returns {"queued", rank, idle, staffed, ahtMs|"", seq} | {"empty"} | {"full"}.
local q, call_id, lane, score, reserved, needs, priority = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local deadline, max_waiting = tonumber(ARGV[11]), tonumber(ARGV[12])

promote_wrapups()

local existing = call("HGET", ckey(call_id), "queue")
if existing then fail("SBQ_DUPLICATE_CALL", "call " .. call_id .. " is already in queue " .. existing) end

local function refuse(reason)
  emit("type", "refused", "at", NOW_S, "queue", q, "lane", lane, "callId", call_id, "reason", reason)
  return { reason }
end

-- "empty": nobody staffed who could ever take this caller (the IVR routes to its onEmpty branch)
local staffed_key = qkey(q, "staffed")
local staffed = call("SCARD", staffed_key)
local servable = staffed > 0
if servable and needs ~= "" then
  servable = false
  for _, id in ipairs(call("SMEMBERS", staffed_key)) do
    if has_skills(call("HGET", akey(id), "skills") or "", needs) then
      servable = true
      break
    end
  end
end
if not servable then return refuse("empty") end

local waiting_key = qkey(q, "waiting")
if max_waiting > 0 and call("ZCARD", waiting_key) >= max_waiting then return refuse("full") end

local seq = call("INCR", K_SEQ)
-- the member carries what dispatch needs to pass over or offer a caller without reading its hash (lib.lua)
local member = waiting_member(string.format("%015d", seq), reserved, needs, lane, NOW_S, "0", int(deadline), call_id)
call("ZADD", waiting_key, score, member)
call("HSET", ckey(call_id),
  "queue", q, "lane", lane, "score", score, "member", member, "reserved", reserved, "needs", needs,
  "priority", priority, "enqueuedAt", NOW_S, "deadline", int(deadline), "state", "waiting", "requeues", "0")
if deadline > 0 then call("ZADD", qkey(q, "deadlines"), deadline, call_id) end
if reserved == "1" then call("HINCRBY", qkey(q, "meta"), "reservedWaiting", "1") end

local rank = call("ZRANK", waiting_key, member)
emit("type", "joined", "at", NOW_S, "queue", q, "lane", lane, "callId", call_id, "position", int(rank + 1), "score", score)
local aht = call("HGET", qkey(q, "meta"), "ahtMs") or ""
return { "queued", rank, call("ZCARD", qkey(q, "idle")), staffed, aht, seq }
