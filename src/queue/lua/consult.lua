-- consult: an agent on a call asks another one for advice while the caller holds (calls/consult.ts), then
-- hands the caller over or goes back to them. The agent asked moves as dispatch and answered would move it,
-- available -> ringing -> oncall, with the call as its current call, but the caller joins no queue: no
-- offered or answered call is counted. Its current call is marked reserved ("1"), so the queue's count of
-- agents busy with other callers is left as it is.
-- ARGV[4..11]: op ("ring" | "answered" | "release"), callId, agentId, queue, the call's queue, wrap-up ms,
-- to (release: available | paused), reason (release to paused).
-- ring: the agent asked for (agentId), or the longest-idle agent of `queue` (agentId ""), if it may be
-- offered a call now; returns "<agentId>|<endpoint>" or nil. answered / release: 1, or 0 when the agent is
-- not (any longer) ringing or talking for this call.
local op, call_id, id, q, call_q, wrap_ms, to, reason = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]

promote_wrapups()

if op == "ring" then
  if id == "" then
    local member = call("ZRANGE", qkey(q, "idle"), "0", "0")[1]
    if not member then return nil end
    id = parse_idle(member)
  end
  local a = hgetall(akey(id))
  if a == nil or not is_dispatchable(a.state, a.device) then return nil end
  call("HSET", akey(id), "state", "ringing", "since", NOW_S, "call", call_id .. "|" .. call_q .. "|1|" .. wrap_ms)
  remove_idle(idle_member(id, a), a.queues, a.skills)
  agent_event(id, a, "available", "ringing", NOW, "consult")
  return id .. "|" .. a.endpoint
end

local a = hgetall(akey(id))
if a == nil or current_call(a) ~= call_id then return 0 end
if op == "answered" then
  if a.state ~= "ringing" then return 0 end
  call("HSET", akey(id), "state", "oncall", "since", NOW_S, "answeredAt", NOW_S)
  agent_event(id, a, "ringing", "oncall", NOW, "consult")
  return 1
end

-- release: a consultation not answered, cancelled or over; its time is not a handled call of the queue
if a.state ~= "ringing" and a.state ~= "oncall" then return 0 end
local from = a.state
release_call(id, a)
move_agent(id, a, to, reason)
agent_event(id, a, from, to, NOW, to == "paused" and reason or "consult")
return 1
