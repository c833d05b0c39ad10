-- answered: the agent picked up the offered call. The caller leaves the queue; the agent is on the call.
-- ARGV[4..5]: callId, agentId. Returns {waitMs, ringMs}.
local call_id, id = ARGV[4], ARGV[5]

local c = hgetall(ckey(call_id))
if c == nil then fail("SBQ_UNKNOWN_CALL", "call " .. call_id .. " is not in any queue") end
if c.state ~= "offered" then
  fail("SBQ_NOT_OFFERED", "call " .. call_id .. " is waiting, not offered to agent " .. id)
end
if c.agent ~= id then
  fail("SBQ_NOT_OFFERED", "call " .. call_id .. " is offered to agent " .. c.agent .. ", not to " .. id)
end
local a = hgetall(akey(id))
if a == nil or a.state ~= "ringing" or current_call(a) ~= call_id then
  fail("SBQ_INVALID_TRANSITION", "agent " .. id .. " is not ringing for call " .. call_id)
end

call("HSET", akey(id), "state", "oncall", "since", NOW_S, "answeredAt", NOW_S)
local wait, ring = NOW - tonumber(c.enqueuedAt), NOW - tonumber(c.offeredAt)
emit("type", "answered", "at", NOW_S, "queue", c.queue, "lane", c.lane, "callId", call_id, "agentId", id,
  "waitMs", int(wait), "ringMs", int(ring), "requeues", c.requeues)
call("DEL", ckey(call_id))
return { int(wait), int(ring) }
