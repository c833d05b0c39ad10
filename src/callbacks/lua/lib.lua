-- Shared helpers: the top of the appointments' Function library (scripts.ts), then one function per
-- operation; KEYS and ARGV are its parameters.
-- Calling convention: KEYS[1] = the site's booking counter (routes the call to the site's Cluster slot);
-- ARGV[1] = key base "<prefix>{<site>}:", ARGV[2] = now (ms, the caller's clock); operation arguments
-- start at ARGV[3]. Every key is built from the base (keys.ts), so all share the site's hash tag.
-- Operations check everything before their first write: Redis does not roll back a function half-way.

local B, NOW_S, NOW, K_SEQ

-- A library loads with only the function API: bind the standard functions on the first call, as
-- upvalues (cheaper than global lookups). Defined before the locals below, so it reads the globals.
local function standard() return redis.call, string, math, tonumber, unpack end
local call, string, math, tonumber, unpack

local function begin(KEYS, ARGV)
  if call == nil then call, string, math, tonumber, unpack = standard() end
  B, NOW_S, K_SEQ = ARGV[1], ARGV[2], KEYS[1]
  NOW = tonumber(NOW_S)
end

local function skey(q, start, kind) return B .. "ap:s:" .. q .. ":" .. start .. ":" .. kind end
local function ikey(q) return B .. "ap:i:" .. q end
local function bkey(id) return B .. "ap:b:" .. id end
local function int(n) return string.format("%d", n) end

-- The place a booking takes in a slot with cap places, held of them for express, e express and s
-- standard bookings; nil when there is none. The same rule as booking.ts placeFor: keep them in step.
local function decide(express, cap, held, released, e, s)
  if e + s >= cap then return nil end
  if express then
    if e < held then return "held" end
    return "standard"
  end
  if s + math.max(e, held) < cap then return "standard" end
  if released then return "released" end
  return nil
end

-- Places a standard booking could take before the slot's cut-off (booking.ts roomFor).
local function standard_room(cap, held, e, s) return cap - s - math.max(e, held) end

-- Time to live of a booking in slot ending at slot_end: keep ms after the end, by the caller's clock
-- (relative, so a test's clock or a skewed server clock cannot expire a booking early).
local function ttl(slot_end, keep) return int(math.max(1, tonumber(slot_end) + tonumber(keep) - NOW)) end

local function counts(q, start) return call("ZCARD", skey(q, start, "x")), call("ZCARD", skey(q, start, "s")) end

-- Writes a new booking; returns its seq. Optional fields are left out when empty.
local function put(q, start, slot_end, keep, id, express, place, phone, name, cust, reason)
  local seq = call("INCR", K_SEQ)
  local expire = ttl(slot_end, keep)
  local zk = skey(q, start, express and "x" or "s")
  call("ZADD", zk, seq, id)
  call("PEXPIRE", zk, expire)
  call("ZADD", ikey(q), start, id)
  local f = { "id", id, "queue", q, "slotStart", start, "slotEnd", slot_end, "express", express and "1" or "0",
    "phone", phone, "place", place, "state", "booked", "bookedAt", NOW_S, "seq", seq, "moves", "0" }
  if name ~= "" then f[#f + 1] = "name"; f[#f + 1] = name end
  if cust ~= "" then f[#f + 1] = "customerId"; f[#f + 1] = cust end
  if reason ~= "" then f[#f + 1] = "reason"; f[#f + 1] = reason end
  local bk = bkey(id)
  call("HSET", bk, unpack(f))
  call("PEXPIRE", bk, expire)
  return seq
end

-- Moves a live booking from slot `from` to slot `to` of queue q, keeping its booking order (seq).
local function relocate(id, q, from, to, to_end, keep, express, place)
  local kind = express and "x" or "s"
  local bk = bkey(id)
  local seq = call("HGET", bk, "seq")
  local expire = ttl(to_end, keep)
  call("ZREM", skey(q, from, kind), id)
  local zk = skey(q, to, kind)
  call("ZADD", zk, seq, id)
  call("PEXPIRE", zk, expire)
  call("ZADD", ikey(q), to, id)
  call("HSET", bk, "slotStart", to, "slotEnd", to_end, "place", place, "movedFrom", from)
  call("HINCRBY", bk, "moves", 1)
  call("PEXPIRE", bk, expire)
end
