-- agent-remove: deletes an agent that is logged off. ARGV[4]: agentId. Returns 1, or 0 if unknown.
local id = ARGV[4]
local a = hgetall(akey(id))
if a == nil then return 0 end
if a.state ~= "offline" then
  fail("SBQ_AGENT_BUSY", "agent " .. id .. " is " .. a.state .. ": log the agent off before removing it")
end
for _, q in ipairs(split_csv(a.queues)) do
  call("SREM", qkey(q, "agents"), id)
  set_staffed(q, id, false)
end
remove_idle(idle_member(id, a), a.queues, a.skills)
call("HDEL", K_ENDPOINTS, a.endpoint)
call("SREM", K_AGENTS, id)
call("ZREM", K_WRAPUPS, id)
call("DEL", akey(id))
return 1
