-- status: a consistent snapshot of one queue for the admin API and wallboard, as JSON (numbers as
-- strings, parsed by the caller). ARGV[4..5]: queue, limit (callers listed at most).
local q, limit = ARGV[4], tonumber(ARGV[5])
promote_wrapups()
local callers = {}
local flat = call("ZRANGE", qkey(q, "waiting"), 0, limit - 1, "WITHSCORES")
for i = 1, #flat, 2 do
  local _, _, _, _, _, _, _, call_id = parse_member(flat[i])
  local c = call("HMGET", ckey(call_id), "lane", "enqueuedAt", "priority", "needs", "requeues")
  callers[#callers + 1] = { callId = call_id, score = flat[i + 1], lane = c[1], enqueuedAt = c[2],
    priority = c[3], needs = c[4], requeues = c[5] }
end
local agents = {}
local ids = call("SMEMBERS", qkey(q, "agents"))
table.sort(ids)
for _, id in ipairs(ids) do
  local a = hgetall(akey(id))
  if a then
    a.call = current_call(a) -- the call id alone
    agents[#agents + 1] = a
  end
end
return cjson.encode({
  now = NOW_S,
  waiting = call("ZCARD", qkey(q, "waiting")),
  idle = call("ZCARD", qkey(q, "idle")),
  staffed = call("SCARD", qkey(q, "staffed")),
  meta = hgetall(qkey(q, "meta")) or {},
  callers = callers,
  agents = agents,
})
