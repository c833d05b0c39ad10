-- expire: times out the waiting callers of one queue whose max wait has passed (oldest deadline first).
-- ARGV[4..5]: queue, limit. Returns the callIds removed.
local q, limit = ARGV[4], tonumber(ARGV[5])
local due = call("ZRANGEBYSCORE", qkey(q, "deadlines"), "-inf", NOW, "LIMIT", 0, limit)
local out = {}
for _, call_id in ipairs(due) do
  local c = hgetall(ckey(call_id))
  if c and c.state == "waiting" then
    remove_caller(call_id, c, "timeout")
    out[#out + 1] = call_id
  else
    call("ZREM", qkey(q, "deadlines"), call_id)
  end
end
return out
