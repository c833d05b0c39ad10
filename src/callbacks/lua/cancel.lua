-- cancel: frees the booking's place; the booking stays (state cancelled) until it expires, so a retried
-- book() with its id does not book again.
-- ARGV[3]: id. Returns {"unknown"} | {"already", <hash>} | {"cancelled", <hash>}.
local id = ARGV[3]
local bk = bkey(id)
local b = call("HMGET", bk, "queue", "slotStart", "express", "state")
if not b[1] then return { "unknown" } end
if b[4] == "cancelled" then return { "already", call("HGETALL", bk) } end
call("ZREM", skey(b[1], b[2], b[3] == "1" and "x" or "s"), id)
call("ZREM", ikey(b[1]), id)
call("HSET", bk, "state", "cancelled", "cancelledAt", NOW_S)
return { "cancelled", call("HGETALL", bk) }
