-- abandon: the caller hung up (kind "abandoned"), the call layer's max-wait timer fired ("timeout"), or the
-- caller booked an appointment instead of waiting on ("scheduled").
-- Works for waiting and offered callers; an offered caller's ringing agent becomes available again.
-- ARGV[4..5]: callId, kind. Returns {waitMs, agentId|""}, or nil when the call is not queued (already
-- answered, abandoned or timed out: a hangup racing an answer is normal, not an error).
local call_id, kind = ARGV[4], ARGV[5]
local c = hgetall(ckey(call_id))
if c == nil then return nil end
local wait, agent_id = remove_caller(call_id, c, kind)
return { int(wait), agent_id }
