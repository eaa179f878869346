// Lua run inside Redis, so each step is atomic and every node reads one clock (Redis's TIME).
// Keys are built from the prefix given in ARGV[1]: this targets one Redis server, not Redis Cluster.
//   <p>nodes          sorted set: node id → the ms its heartbeat expires (Redis time)
//   <p>names:<node>   set: the names (devices, accounts) that node holds
//   <p>where:<name>   set: the nodes holding that name

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Removes up to ARGV[n] names of one dead node; true when none is left (then the node goes too). */
const SWEEP_ONE = `
local function sweep(p, node, budget)
  local names = redis.call('SPOP', p .. 'names:' .. node, budget)
  for _, name in ipairs(names) do redis.call('SREM', p .. 'where:' .. name, node) end
  if redis.call('EXISTS', p .. 'names:' .. node) == 0 then redis.call('ZREM', p .. 'nodes', node) return true end
  return false
end`;

/**
 * ARGV: prefix, node, ttl ms, sweep budget. Extends the node's heartbeat, then clears (a bounded
 * part of) the entries of nodes whose heartbeat ran out. Returns 1 when the node was not known,
 * meaning Redis lost its entries (a restart without persistence, or this node was swept after a
 * long pause): the caller joins its names again.
 */
export const BEAT = `
${NOW}
${SWEEP_ONE}
local p, node, ttl, budget = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local fresh = redis.call('ZADD', p .. 'nodes', now + ttl, node)
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', p .. 'nodes', '-inf', now, 'LIMIT', 0, 10)) do
  sweep(p, dead, budget)
end
return fresh`;

/** ARGV: prefix, node, name… Adds names held by the node. */
export const JOIN = `
local p, node = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  redis.call('SADD', p .. 'names:' .. node, ARGV[i])
  redis.call('SADD', p .. 'where:' .. ARGV[i], node)
end
return #ARGV - 2`;

/** ARGV: prefix, node, name… Removes names the node no longer holds. */
export const LEAVE = `
local p, node = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  redis.call('SREM', p .. 'names:' .. node, ARGV[i])
  redis.call('SREM', p .. 'where:' .. ARGV[i], node)
end
return #ARGV - 2`;

/** ARGV: prefix, name. The nodes holding the name whose heartbeat has not run out. */
export const WHERE = `
${NOW}
local p = ARGV[1]
local live = {}
for _, node in ipairs(redis.call('SMEMBERS', p .. 'where:' .. ARGV[2])) do
  local until_ = redis.call('ZSCORE', p .. 'nodes', node)
  if until_ and tonumber(until_) > now then table.insert(live, node) end
end
table.sort(live)
return live`;

/** ARGV: prefix, node, budget. A node shutting down cleanly takes its entries away at once. */
export const RETIRE = `
${SWEEP_ONE}
local p, node, budget = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('ZADD', p .. 'nodes', 0, node)
while not sweep(p, node, budget) do end
return 1`;
