-- offer-to: a caller joins a queue and is offered at once to one named agent (a transfer to that agent):
-- enqueue, then the offer dispatch makes, to this agent only and whatever the others waiting. An agent that
-- cannot take it now (not available, phone not free) leaves the caller waiting like any other caller.
-- ARGV[4..12]: enqueue's arguments; ARGV[13]: agentId; ARGV[14]: the queue's wrap-up ms.
-- Returns {offer|false, <enqueue's reply>...}, the offer as dispatch returns it.
local enqueue_argv = { ARGV[1], ARGV[2], ARGV[3] }
for i = 4, 12 do enqueue_argv[i] = ARGV[i] end
local q, call_id, id, wrap_ms = ARGV[4], ARGV[5], ARGV[13], ARGV[14]
local joined = op_enqueue(KEYS, enqueue_argv)
local reply = { false }
for i = 1, #joined do reply[i + 1] = joined[i] end
if joined[1] ~= "queued" then return reply end

local a = hgetall(akey(id))
if a == nil or not is_dispatchable(a.state, a.device) then return reply end
local c = hgetall(ckey(call_id))
local _, reserved, _, lane, enqueued_at, requeues, has_deadline = parse_member(c.member)
call("ZREM", qkey(q, "waiting"), c.member)
if has_deadline == "1" then call("ZREM", qkey(q, "deadlines"), call_id) end
if reserved == "1" then
  call("HINCRBY", qkey(q, "meta"), "reservedWaiting", "-1")
else
  call("HINCRBY", qkey(q, "meta"), "busyOther", "1")
end
call("HSET", ckey(call_id), "state", "offered", "agent", id, "offeredAt", NOW_S)
call("HSET", akey(id), "state", "ringing", "since", NOW_S, "call", call_id .. "|" .. q .. "|" .. reserved .. "|" .. wrap_ms)
remove_idle(idle_member(id, a), a.queues, a.skills)
local wait = int(NOW - tonumber(enqueued_at))
emit("type", "offered", "at", NOW_S, "queue", q, "lane", lane, "callId", call_id, "agentId", id,
  "waitMs", wait, "requeues", requeues)
reply[1] = call_id .. "|" .. id .. "|" .. a.endpoint .. "|" .. q .. "|" .. lane .. "|" .. wait .. "|" .. requeues
return reply
