-- agent-profile: registers an agent or updates its endpoint, skills and queues, keeping the per-queue
-- sets in step. A new agent starts offline with an unknown device state.
-- ARGV[4..7]: agentId, endpoint, skills (",skill=level,"), queues ("a,b"). Returns "created" | "updated".
local id, endpoint, skills, queues = ARGV[4], ARGV[5], ARGV[6], ARGV[7]

local owner = call("HGET", K_ENDPOINTS, endpoint)
if owner and owner ~= id then
  fail("SBQ_ENDPOINT_TAKEN", "endpoint " .. endpoint .. " already belongs to agent " .. owner)
end

local a = hgetall(akey(id))
local result = "updated"
if a then
  local keep = {}
  for _, q in ipairs(split_csv(queues)) do keep[q] = true end
  for _, q in ipairs(split_csv(a.queues)) do
    if not keep[q] then
      call("SREM", qkey(q, "agents"), id)
      set_staffed(q, id, false)
    end
  end
  -- drop the old idle entries (old queues, old skills); sync_sets below adds the new ones
  remove_idle(idle_member(id, a), a.queues, a.skills)
  if a.endpoint ~= endpoint then call("HDEL", K_ENDPOINTS, a.endpoint) end
  call("HSET", akey(id), "endpoint", endpoint, "skills", skills, "queues", queues)
else
  result = "created"
  a = { state = "offline", device = "unknown", idleSince = NOW_S }
  call("HSET", akey(id), "id", id, "endpoint", endpoint, "skills", skills, "queues", queues,
    "state", a.state, "device", a.device, "since", NOW_S, "idleSince", a.idleSince)
  call("SADD", K_AGENTS, id)
end
a.endpoint, a.queues, a.skills = endpoint, queues, skills
call("HSET", K_ENDPOINTS, endpoint, id)
for _, q in ipairs(split_csv(queues)) do call("SADD", qkey(q, "agents"), id) end
sync_sets(id, a)
return result
