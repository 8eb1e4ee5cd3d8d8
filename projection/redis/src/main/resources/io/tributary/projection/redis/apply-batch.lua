-- Applies one batch of updates for one (projection, partition) and moves its position, as a whole
-- or not at all: Redis runs a script without interleaving other commands.
--
-- KEYS[1]    the positions hash of the projection (field: partition, value: last applied offset)
-- KEYS[2..]  every key the batch updates, once (already prefixed)
-- ARGV[1]    the partition (the field in KEYS[1])
-- ARGV[2]    the offset of the batch's first entry
-- ARGV[3]    the offset of its last entry: the new position
-- ARGV[4]    the number of counters, then per counter:  key index, field, delta
--            (keys that only receive HINCRBY in this batch, one summed delta per field)
-- then       the number of other updates, then per update:  key index, op, number of args, args...
--   SET value | DEL | HSET field value [field value ...] | HDEL field [field ...]
--   HINCRBY field delta | ZADD member score | ZINCRBY member delta | ZREM member
--
-- If the held position is at or past the first offset, nothing is written and the script returns
-- {0, held position}: the caller drops the entries at or below it and sends the rest. Otherwise it
-- returns {1, new position}.
--
-- Redis does not roll back a script that fails half-way, so nothing may fail after a write:
-- 1. every update of the other keys is checked first (key types, counter fields);
-- 2. the counters are applied; a counter that fails (the key is not a hash, the field is not an
--    integer, or it would overflow) undoes the counters applied before it and fails the script;
-- 3. the other updates are applied, which the checks of step 1 keep from failing;
-- 4. the position is written.

local positions = KEYS[1]
local partition = ARGV[1]
local stored = redis.call('HGET', positions, partition)
if stored and tonumber(stored) >= tonumber(ARGV[2]) then
  return { 0, stored }
end
local counters = tonumber(ARGV[4])
local othersAt = 5 + 3 * counters

-- the type each op needs; SET and DEL work on any type
local needs = { HSET = 'hash', HDEL = 'hash', HINCRBY = 'hash', ZADD = 'zset', ZINCRBY = 'zset', ZREM = 'zset' }

local function check(key, op, a, planned)
  if op == 'SET' then
    planned[key] = 'string'
  elseif op == 'DEL' then
    planned[key] = 'none'
  elseif needs[op] == nil then
    return redis.error_reply('ERR tributary: unknown op ' .. op .. ' for key ' .. key)
  elseif op == 'HINCRBY' and planned[key] == nil then
    -- one call checks both the type (HGET fails on a key that is not a hash) and the counter
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
  return nil
end

local function write(key, op, a, argc)
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
end

local function eachOther(visit)
  local a = othersAt + 1
  for _ = 1, tonumber(ARGV[othersAt]) do
    local key = KEYS[tonumber(ARGV[a])]
    local op = ARGV[a + 1]
    local argc = tonumber(ARGV[a + 2])
    local failed = visit(key, op, a + 3, argc)
    if failed then
      return failed
    end
    a = a + 3 + argc
  end
  return nil
end

-- 1. check
local planned = {}
local failed = eachOther(function(key, op, a)
  return check(key, op, a, planned)
end)
if failed then
  return failed
end

-- 2. counters; an undone counter whose field was 0 or absent before is removed
local function negate(delta)
  if delta == '0' then
    return delta
  end
  if string.sub(delta, 1, 1) == '-' then
    return string.sub(delta, 2)
  end
  return '-' .. delta
end
for i = 0, counters - 1 do
  local a = 5 + 3 * i
  local key = KEYS[tonumber(ARGV[a])]
  local result = redis.pcall('HINCRBY', key, ARGV[a + 1], ARGV[a + 2])
  if type(result) == 'table' and result.err then
    for j = i - 1, 0, -1 do
      local b = 5 + 3 * j
      local undone = KEYS[tonumber(ARGV[b])]
      if redis.call('HINCRBY', undone, ARGV[b + 1], negate(ARGV[b + 2])) == 0 then
        redis.call('HDEL', undone, ARGV[b + 1])
      end
    end
    local kind = redis.call('TYPE', key).ok
    if kind ~= 'hash' then
      return redis.error_reply('WRONGTYPE tributary: key ' .. key .. ' holds a ' .. kind
        .. ' and HINCRBY needs a hash; nothing of the batch was written')
    end
    return redis.error_reply('ERR tributary: HINCRBY ' .. key .. ' ' .. ARGV[a + 1] .. ' ' .. ARGV[a + 2]
      .. ' failed (' .. result.err .. '); nothing of the batch was written')
  end
end

-- 3. the other updates
eachOther(function(key, op, a, argc)
  write(key, op, a, argc)
  return nil
end)

-- 4. the position
redis.call('HSET', positions, partition, ARGV[3])
return { 1, ARGV[3] }
