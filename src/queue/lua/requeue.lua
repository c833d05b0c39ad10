-- requeue: an offered caller goes back to exactly its old place (same score, same sequence number),
-- never to the back; the agent that did not take the call becomes available (at the back of the idle
-- order), paused (auto-pause on no answer) or offline.
-- ARGV[4..6]: callId, agent state (available|paused|offline), reason.
-- Returns {rank, agentId}.
local call_id, to, reason = ARGV[4], ARGV[5], ARGV[6]

local c = hgetall(ckey(call_id))
if c == nil then fail("SBQ_UNKNOWN_CALL", "call " .. call_id .. " is not in any queue") end
if c.state ~= "offered" then
  fail("SBQ_NOT_OFFERED", "call " .. call_id .. " is waiting, not offered to an agent: only an offered call can be requeued")
end

local q, id = c.queue, c.agent
-- same score and sequence number; the member's copy of the requeue count goes up with the hash's
local requeues = int(tonumber(c.requeues) + 1)
local member = waiting_member(string.sub(c.member, 1, 15), c.reserved, c.needs, c.lane, c.enqueuedAt, requeues, c.deadline, call_id)
call("ZADD", qkey(q, "waiting"), c.score, member)
if c.deadline ~= "0" then call("ZADD", qkey(q, "deadlines"), c.deadline, call_id) end
if c.reserved == "1" then call("HINCRBY", qkey(q, "meta"), "reservedWaiting", "1") end
call("HSET", ckey(call_id), "state", "waiting", "member", member, "requeues", requeues)
call("HDEL", ckey(call_id), "agent", "offeredAt")

local a = hgetall(akey(id))
if a and a.state == "ringing" and current_call(a) == call_id then
  release_call(id, a)
  move_agent(id, a, to, reason)
end

local rank = call("ZRANK", qkey(q, "waiting"), member)
emit("type", "requeued", "at", NOW_S, "queue", q, "lane", c.lane, "callId", call_id, "agentId", id,
  "agentTo", to, "reason", reason, "position", int(rank + 1), "waitMs", int(NOW - tonumber(c.enqueuedAt)))
return { rank, id }
