-- rebalance: an express booking into a slot that may be full, moving the slot's latest standard booking
-- to the nearest candidate slot with standard room (booking.ts planRebalance). Never moves an express
-- booking; the move and the express booking are one atomic step.
-- ARGV[3..16]: as book (express = 1); ARGV[17] = n, then n x (start, end, capacity, held): candidates,
-- nearest first, none past its cut-off (one chunk of them: the store sends the next chunk on "no-room").
-- Returns as book, or {"booked", place, seq, movedId, movedFrom, <moved booking hash>}, or {"no-room"}
-- when no candidate of this chunk has room.
local q, start, slot_end, keep = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local cap, held, released, open = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9] == "1", ARGV[10] == "1"
local id = ARGV[11]
local fields = { ARGV[13], ARGV[14], ARGV[15], ARGV[16] }

local existing = call("HGETALL", bkey(id))
if #existing > 0 then return { "replay", existing } end
if not open then return { "closed" } end

local e, s = counts(q, start)
local place = decide(true, cap, held, released, e, s)
if place then
  return { "booked", place, put(q, start, slot_end, keep, id, true, place, unpack(fields)) }
end
-- booking.ts mayRebalance
if released or s == 0 or e + s - 1 >= cap then return { "full" } end

local latest = call("ZRANGE", skey(q, start, "s"), -1, -1)[1]
local n = tonumber(ARGV[17])
for i = 0, n - 1 do
  local at = 18 + i * 4
  local c_start, c_end, c_cap, c_held = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  if c_start ~= start then
    local ce, cs = counts(q, c_start)
    if standard_room(c_cap, c_held, ce, cs) > 0 then
      relocate(latest, q, start, c_start, c_end, keep, false, "standard")
      place = decide(true, cap, held, released, e, s - 1)
      local seq = put(q, start, slot_end, keep, id, true, place, unpack(fields))
      return { "booked", place, seq, latest, start, call("HGETALL", bkey(latest)) }
    end
  end
end
return { "no-room" }
