/**
 * The Redis store's Lua scripts. Each runs atomically inside Redis, so the lease check and the
 * write it guards cannot be separated by another client's command. The lease value is
 * `<owner>:<token>`; an owner may itself contain `:`, so the token is the part after the last one.
 */

/** KEYS: lease, token. ARGV: owner, ttlMs. Returns the new token, or nil when another owner holds the lease. */
export const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur and string.match(cur, '^(.*):%d+$') ~= ARGV[1] then return false end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token
`;

/** KEYS: lease. ARGV: owner:token, ttlMs. Returns 1 when extended, 0 when the lease is no longer ours. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS: lease. ARGV: owner:token. Deletes the lease only if it is still ours. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Script results below zero: why a write was refused. */
export const NOT_HELD = -1;
export const STALE_TOKEN = -2;
export const VERSION_MISSING = -3;

/**
 * Save and rollback in one script.
 * KEYS: lease, token, ver (version counter), index (sorted set of `version:token:createdAt:bytes`
 * scored by version), latest.
 * ARGV: owner:token, token, keep, createdAt, data key prefix (`…ckpt:<name>:`), mode
 * (`data` | `copy`), payload (the bytes, or the version to copy).
 * Refuses unless the lease value is ours and our token is the newest; then assigns the next
 * version, stores the bytes, records the metadata, moves `latest`, and drops versions beyond `keep`.
 */
export const WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return ${NOT_HELD} end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return ${STALE_TOKEN} end
local bytes = ARGV[7]
if ARGV[6] == 'copy' then
  bytes = redis.call('GET', ARGV[5] .. ARGV[7])
  if not bytes then return ${VERSION_MISSING} end
end
local v = redis.call('INCR', KEYS[3])
redis.call('SET', ARGV[5] .. v, bytes)
redis.call('ZADD', KEYS[4], v, v .. ':' .. ARGV[2] .. ':' .. ARGV[4] .. ':' .. string.len(bytes))
redis.call('SET', KEYS[5], v)
local extra = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[3])
if extra > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[4], 0, extra - 1)) do
    redis.call('DEL', ARGV[5] .. string.match(m, '^(%d+):'))
  end
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, extra - 1)
end
return v
`;

/** KEYS: latest. ARGV: data key prefix. Returns {version, bytes} of the newest version, or nil — one round trip, never torn. */
export const LOAD = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
local bytes = redis.call('GET', ARGV[1] .. v)
if not bytes then return false end
return {v, bytes}
`;
