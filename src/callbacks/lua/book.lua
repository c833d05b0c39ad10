-- book: one booking into one slot.
-- ARGV[3..16]: queue, slot start, slot end, keep (ms kept after the end), capacity, held, released (0|1),
-- open (0|1: not started, within the horizon), id, express (0|1), phone, name, customerId, reason ("" = none).
-- Returns {"replay", <booking hash>} | {"closed"} | {"full", express count, standard count} | {"booked", place, seq}.
local q, start, slot_end, keep = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local cap, held, released, open = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == "1", ARGV[10] == "1"
local id, express = ARGV[11], ARGV[12] == "1"

-- idempotent by id: a retry gets the first attempt's booking, wherever it is now
local existing = call("HGETALL", bkey(id))
if #existing > 0 then return { "replay", existing } end
if not open then return { "closed" } end

local e, s = counts(q, start)
local place = decide(express, cap, held, released, e, s)
if not place then return { "full", e, s } end
local seq = put(q, start, slot_end, keep, id, express, place, ARGV[13], ARGV[14], ARGV[15], ARGV[16])
-- bookings whose slot ended more than keep ago have expired: drop them from the index as time goes by
call("ZREMRANGEBYSCORE", ikey(q), "-inf", "(" .. int(NOW - tonumber(keep) - (tonumber(slot_end) - tonumber(start))))
return { "booked", place, seq }
