-- list: the live bookings of a queue whose slot starts in [from, to), at most limit, in slot order.
-- ARGV[3..6]: queue, from, to, limit. Returns one flat booking hash per booking.
local q, from, to, limit = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local out = {}
for _, id in ipairs(call("ZRANGEBYSCORE", ikey(q), from, "(" .. to, "LIMIT", 0, limit)) do
  local h = call("HGETALL", bkey(id))
  if #h > 0 then out[#out + 1] = h end
end
return out
