-- device: the phone's state changed (from AMI DeviceStateChange, mapped by the telephony layer). Only an
-- agent whose phone is registered (or not yet reported) is offered calls; an unreachable phone also stops
-- counting as staffed.
-- ARGV[4..5]: endpoint, device (unknown|registered|in_use|unavailable).
-- Returns {agentId, from, to}, or nil for an endpoint no agent uses.
local endpoint, device = ARGV[4], ARGV[5]
local id = call("HGET", K_ENDPOINTS, endpoint)
if not id then return nil end

promote_wrapups()

local a = hgetall(akey(id))
local from = a.device
if from ~= device then
  a.device = device
  call("HSET", akey(id), "device", device)
  sync_sets(id, a)
  emit("type", "device", "at", NOW_S, "agentId", id, "endpoint", endpoint, "from", from, "to", device)
end
return { id, from, device }
