-- admission: what admission control reads of one queue (admission.ts decides), writing nothing: not even
-- the wrap-up promotion the other reads start with, so an agent whose wrap-up has just ended still counts
-- as busy (the forecast is then a little more careful). ARGV[4..6]: queue, limit (callers read at most),
-- with scores (1 when some lane has a priority boost; else each score follows from lane and join time,
-- and Redis saves formatting every score as a double).
-- Returns {waiting, idle, staffed, ahtMs|"", {member, [score,] member, [score,] ...}} in queue order.
local q, limit, with_scores = ARGV[4], tonumber(ARGV[5]), ARGV[6] == "1"
local waiting_key = qkey(q, "waiting")
local callers
if with_scores then
  callers = call("ZRANGE", waiting_key, 0, limit - 1, "WITHSCORES")
else
  callers = call("ZRANGE", waiting_key, 0, limit - 1)
end
return { call("ZCARD", waiting_key), call("ZCARD", qkey(q, "idle")), call("SCARD", qkey(q, "staffed")),
  call("HGET", qkey(q, "meta"), "ahtMs") or "", callers }
