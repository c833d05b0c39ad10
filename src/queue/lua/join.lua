-- join: enqueue, then one dispatch decision, in one call: exactly what the two operations do one after
-- the other at the same `now`, with one round trip and one script call. A caller who joins while an agent
-- is free is thus offered in the reply to its own enqueue (or, as dispatch decides, a caller placed before
-- it). Nothing is dispatched when the enqueue fails (a duplicate call id: nothing was written).
-- ARGV[4..12]: enqueue's arguments; ARGV[13..]: dispatch's (scanDepth, agentScan, n, the queues, the
-- call ids to pass over).
-- Returns {offer|nil, <enqueue's reply>...}: the offer as dispatch returns it.
local enqueue_argv, dispatch_argv = { ARGV[1], ARGV[2], ARGV[3] }, { ARGV[1], ARGV[2], ARGV[3] }
for i = 4, 12 do enqueue_argv[i] = ARGV[i] end
for i = 13, #ARGV do dispatch_argv[i - 9] = ARGV[i] end
local joined = op_enqueue(KEYS, enqueue_argv)
local reply = { op_dispatch(KEYS, dispatch_argv) or false }
for i = 1, #joined do reply[i + 1] = joined[i] end
return reply
