-- position: where one caller stands, with what expected-wait needs (computed in ewt.ts).
-- ARGV[4]: callId. Returns {"waiting", queue, lane, enqueuedAt, rank, idle, staffed, ahtMs|""},
-- {"offered", queue, lane, enqueuedAt, agentId} or nil.
local call_id = ARGV[4]
promote_wrapups()
local c = call("HMGET", ckey(call_id), "queue", "lane", "enqueuedAt", "state", "member", "agent")
local q = c[1]
if not q then return nil end
if c[4] == "offered" then return { "offered", q, c[2], c[3], c[6] } end
local rank = call("ZRANK", qkey(q, "waiting"), c[5])
return { "waiting", q, c[2], c[3], rank, call("ZCARD", qkey(q, "idle")), call("SCARD", qkey(q, "staffed")),
  call("HGET", qkey(q, "meta"), "ahtMs") or "" }
