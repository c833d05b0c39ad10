-- occupancy: how many express and standard bookings each slot holds, in one consistent read.
-- ARGV[3]: queue; ARGV[4..]: slot starts. Returns express, standard per slot, flat.
local q = ARGV[3]
local out = {}
for i = 4, #ARGV do
  local e, s = counts(q, ARGV[i])
  out[#out + 1] = e
  out[#out + 1] = s
end
return out
