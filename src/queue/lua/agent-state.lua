-- agent-state: a move the agent (desktop), a supervisor or the end of a call asks for. The table of legal
-- moves is generated from agent-states.ts (AGENT_MOVES); moves into ringing and oncall belong to
-- dispatch and answered and are refused here.
-- ARGV[4..7]: agentId, to (available|paused|offline|wrapup), reason, wrapUpMs ("" = the queue's).
-- Returns {from, to, wrapUntil|""}: "wrapup" with zero wrap-up lands in available.
local id, to, reason, wrap_override = ARGV[4], ARGV[5], ARGV[6], ARGV[7]

promote_wrapups()

local a = hgetall(akey(id))
if a == nil then fail("SBQ_UNKNOWN_AGENT", "agent " .. id .. " is not registered") end
local from = a.state
local row = AGENT_MOVES[from]
if not row.moves[to] then
  local msg = "agent " .. id .. " cannot go from " .. from .. " to " .. to
  if row.list ~= "" then msg = msg .. " (allowed: " .. row.list .. ")" end
  if row.hint then msg = msg .. ": " .. row.hint end
  fail("SBQ_INVALID_TRANSITION", msg)
end

if from == "oncall" then
  if to == "wrapup" then
    local _, _, _, wrap_ms = current_call(a)
    local wrap = tonumber(wrap_override ~= "" and wrap_override or (wrap_ms or "0"))
    if wrap > 0 then
      local wrap_until = NOW + wrap
      call("HSET", akey(id), "state", "wrapup", "since", NOW_S, "wrapUntil", int(wrap_until))
      call("ZADD", K_WRAPUPS, wrap_until, id)
      agent_event(id, a, from, "wrapup", NOW, reason)
      return { from, "wrapup", int(wrap_until) }
    end
    to = "available"
  end
  finish_call(id, a, NOW)
elseif from == "wrapup" then
  call("ZREM", K_WRAPUPS, id)
  finish_call(id, a, NOW)
end

move_agent(id, a, to, reason)
agent_event(id, a, from, to, NOW, reason)
return { from, to, "" }
