-- Applies one batch of sourced updates for one (projection, partition) and moves its position,
-- atomically: Redis runs a script without interleaving other commands.
--
-- KEYS[1]    the positions hash of the projection (field: partition, value: last applied offset)
-- KEYS[2..]  one key per update, in the order the updates appear below (already prefixed)
-- ARGV[1]    the partition (the field in KEYS[1])
-- ARGV[2]    the number of entries
-- then per entry:  offset, number of updates, and per update:  op, number of args, args...
--   SET value | DEL | HSET field value [field value ...] | HDEL field [field ...]
--   HINCRBY field delta | ZADD member score | ZINCRBY member delta | ZREM member
--
-- An entry whose offset is not greater than the held position is skipped as a whole. Returns
-- {number of entries applied, held position after the batch as a decimal string ("-1": none)}.
--
-- Redis does not roll back a script that fails half-way, so a first pass checks every update
-- that will apply (key types, counter fields) and fails before any write.

local positions = KEYS[1]
local partition = ARGV[1]
local stored = redis.call('HGET', positions, partition)
local start = -1
if stored then
  start = tonumber(stored)
end

-- the type each op needs; SET and DEL work on any type
local needs = { HSET = 'hash', HDEL = 'hash', HINCRBY = 'hash', ZADD = 'zset', ZINCRBY = 'zset', ZREM = 'zset' }

local function walk(write)
  local held = start
  local applied = 0
  local planned = {}
  local a = 3
  local k = 2
  for _ = 1, tonumber(ARGV[2]) do
    local offset = tonumber(ARGV[a])
    local count = tonumber(ARGV[a + 1])
    a = a + 2
    local newer = offset > held
    for _ = 1, count do
      local op = ARGV[a]
      local argc = tonumber(ARGV[a + 1])
      local key = KEYS[k]
      a = a + 2
      k = k + 1
      if newer and write then
        if op == 'SET' then
          redis.call('SET', key, ARGV[a])
        elseif op == 'DEL' then
          redis.call('DEL', key)
        elseif op == 'HSET' then
          for i = a, a + argc - 1, 2 do
            redis.call('HSET', key, ARGV[i], ARGV[i + 1])
          end
        elseif op == 'HDEL' then
          for i = a, a + argc - 1 do
            redis.call('HDEL', key, ARGV[i])
          end
        elseif op == 'HINCRBY' then
          redis.call('HINCRBY', key, ARGV[a], ARGV[a + 1])
        elseif op == 'ZADD' then
          redis.call('ZADD', key, ARGV[a + 1], ARGV[a])
        elseif op == 'ZINCRBY' then
          redis.call('ZINCRBY', key, ARGV[a + 1], ARGV[a])
        elseif op == 'ZREM' then
          redis.call('ZREM', key, ARGV[a])
        end
      elseif newer then
        if op == 'SET' then
          planned[key] = 'string'
        elseif op == 'DEL' then
          planned[key] = 'none'
        elseif needs[op] == nil then
          return redis.error_reply('ERR tributary: unknown op ' .. op .. ' for key ' .. key)
        elseif op == 'HINCRBY' and planned[key] == nil then
          -- one call checks both the type (HGET fails on a key that is not a hash) and the counter;
          -- counters are the common case, so this saves a TYPE call per key
          local value = redis.pcall('HGET', key, ARGV[a])
          if type(value) == 'table' and value.err then
            return redis.error_reply('WRONGTYPE tributary: key ' .. key .. ' holds a '
              .. redis.call('TYPE', key).ok .. ' and HINCRBY needs a hash')
          end
          if value and not string.match(value, '^%-?%d+$') then
            return redis.error_reply('ERR tributary: field ' .. ARGV[a] .. ' of key ' .. key
              .. ' holds ' .. value .. ', not an integer counter')
          end
          planned[key] = 'hash'
        else
          local current = planned[key] or redis.call('TYPE', key).ok
          if current ~= 'none' and current ~= needs[op] then
            return redis.error_reply('WRONGTYPE tributary: key ' .. key .. ' holds a ' .. current
              .. ' and ' .. op .. ' needs a ' .. needs[op])
          end
          planned[key] = needs[op]
        end
      end
      a = a + argc
    end
    if newer then
      held = offset
      applied = applied + 1
    end
  end
  return { applied, string.format('%d', held) }
end

local checked = walk(false)
if checked.err then
  return checked
end
local result = walk(true)
if result[1] > 0 then
  redis.call('HSET', positions, partition, result[2])
end
return result
