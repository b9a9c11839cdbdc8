/** Abuse protection: rate limits (C21), the IP blocklist (C22), brute-force detection (C23). */
export { canonicalIp, clientKey, parseAddress, parseNetwork, NetworkMatcher, MIN_PREFIX, type Network, type ParsedAddress } from './ip.js';
export { openLimitStore, redisClientOptions, GuardedLimiter, type LimitStore, type LimitStoreOptions, type LimitShape, type StoreEvent, type StoreFailureMode, type Verdict } from './store.js';
export { BruteForceGuard, targetKey, ESCALATION_MEMORY_SECONDS, MAX_BLOCK_SECONDS, type BruteForceScope, type BruteForceSettings, type PlacedBlock } from './brute-force.js';
export { Blocklist, addBlock, removeBlock, listBlocks, tenantsSeenFrom, type BlockEntry, type BlockActor } from './blocklist.js';
export { createLimits, blocklistExpiry, type ClassLimits, type Limits } from './limits.js';
export { auditBruteForceBlock } from './audit.js';
