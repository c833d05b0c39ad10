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
local member = call("HGET", ckey(call_id), "member")
reply[1] = offer_caller(q, member, id, a.endpoint, idle_member(id, a), a.queues, a.skills, wrap_ms)
return reply
