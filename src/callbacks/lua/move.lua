-- move: a live booking to another slot of its queue, under the rule a new booking of its kind meets
-- (no rebalancing); it keeps its booking order.
-- ARGV[3..11]: id, queue, slot start, slot end, keep, capacity, held, released (0|1), open (0|1).
-- Returns {"unknown"} | {"cancelled"} | {"other-queue", queue} | {"same", <hash>} | {"closed"} | {"full"}
-- | {"moved", <hash>}.
local id, q, start, slot_end, keep = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local cap, held, released, open = tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10] == "1", ARGV[11] == "1"

local bk = bkey(id)
local b = call("HMGET", bk, "queue", "slotStart", "express", "state")
if not b[1] then return { "unknown" } end
if b[4] == "cancelled" then return { "cancelled" } end
if b[1] ~= q then return { "other-queue", b[1] } end
if b[2] == start then return { "same", call("HGETALL", bk) } end
if not open then return { "closed" } end

local express = b[3] == "1"
local e, s = counts(q, start)
local place = decide(express, cap, held, released, e, s)
if not place then return { "full" } end
relocate(id, q, b[2], start, slot_end, keep, express, place)
return { "moved", call("HGETALL", bk) }
