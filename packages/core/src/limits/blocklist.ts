import { createAuditAppender } from '../audit/index.js';
import type { Database, Queryable } from '../db/types.js';
import { PLATFORM_TENANT } from '../dsar/requests/types.js';
import { CustodianError } from '../errors.js';
import { NetworkMatcher, parseNetwork } from './ip.js';

/** An entry of the incident-response blocklist (C22). */
export interface BlockEntry {
  id: string;
  /** Canonical network text: `203.0.113.7/32`, `2001:db8::/48`. */
  network: string;
  reason: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  removedAt: Date | null;
  removedBy: string | null;
}

/** Who changes the list: an operator through the admin API, or someone at the command line. */
export interface BlockActor {
  type: 'operator' | 'system';
  id: string;
}

const appender = createAuditAppender();

const invalid = (message: string, hint?: string) => new CustodianError('ERR_BLOCKLIST_ENTRY_INVALID', message, hint ? { hint } : undefined);

const MAX_REASON = 500;

function entryOf(row: Record<string, any>): BlockEntry {
  return {
    id: row.id,
    network: row.network,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    removedAt: row.removed_at ? new Date(row.removed_at) : null,
    removedBy: row.removed_by ?? null,
  };
}

const COLUMNS = `id::text, network::text AS network, reason, created_by, created_at, expires_at, removed_at, removed_by`;

/**
 * The tenants whose members signed in from an address in `network` during the
 * last 30 days: a block there affects them, so each sees it on its own audit
 * page (the tenant half of C22/C23).
 */
export async function tenantsSeenFrom(q: Queryable, network: string): Promise<string[]> {
  const parsed = parseNetwork(network);
  if ('error' in parsed) return [];
  // Sign-ins recorded from a dual-stack socket before addresses were stored unmapped hold `::ffff:a.b.c.d`.
  const mapped = parsed.family === 4 ? `::ffff:${parsed.text.replace(/\/(\d+)$/, (_, p: string) => `/${96 + Number(p)}`)}` : parsed.text;
  const { rows } = await q.query<{ tenant_id: string }>(
    `SELECT DISTINCT m.tenant_id
       FROM custodian.audit_events e
       JOIN custodian.memberships m ON m.account_id::text = e.subject_id
      WHERE e.tenant_id = '_platform' AND e.action = 'auth.signin'
        AND e.occurred_at > now() - interval '30 days'
        AND (e.ip <<= $1::cidr OR e.ip <<= $2::cidr)
      ORDER BY m.tenant_id`,
    [parsed.text, mapped],
  );
  return rows.map((r) => r.tenant_id);
}

/**
 * Adds an entry: refused when the network is malformed or too wide, the
 * reason empty, or the expiry in the past or beyond `maxSeconds`. The change,
 * and the tenants it affects, are audited in the same transaction (C22).
 */
export async function addBlock(
  db: Database,
  input: { network: string; reason: string; expiresInSeconds?: number | undefined; actor: BlockActor },
  limits: { defaultSeconds: number; maxSeconds: number },
): Promise<BlockEntry> {
  const network = parseNetwork(input.network);
  if ('error' in network) throw invalid(`the network ${network.error}`, 'give one address (203.0.113.7) or a range (203.0.113.0/24, 2001:db8::/48)');
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason === '') throw invalid('a blocklist entry needs a reason', 'say why, e.g. "credential stuffing, incident 2026-114"');
  if (reason.length > MAX_REASON) throw invalid(`the reason is longer than ${MAX_REASON} characters`);
  const seconds = input.expiresInSeconds ?? limits.defaultSeconds;
  if (!Number.isFinite(seconds) || seconds <= 0) throw invalid('the expiry must be in the future');
  if (seconds > limits.maxSeconds) throw invalid('the expiry is beyond blocklist.maxExpiry', 'choose a shorter expiry, or raise blocklist.maxExpiry in the policy');
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `INSERT INTO custodian.ip_blocks (network, reason, created_by, expires_at)
       VALUES ($1::cidr, $2, $3, now() + make_interval(secs => $4))
       RETURNING ${COLUMNS}`,
      [network.text, reason, `${input.actor.type}:${input.actor.id}`, seconds],
    );
    const entry = entryOf(rows[0]!);
    await auditBlockChange(tx, entry, 'blocklist.added', input.actor);
    return entry;
  });
}

/** Removes an entry (marks it removed; the row stays). Null when no entry in force has that id. */
export async function removeBlock(db: Database, input: { id: string; actor: BlockActor }): Promise<BlockEntry | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.id)) {
    throw invalid('a blocklist entry id is a UUID', 'list the entries to find it: custodian blocklist list');
  }
  return db.transaction(async (tx) => {
    const { rows } = await tx.query(
      `UPDATE custodian.ip_blocks SET removed_at = now(), removed_by = $2
        WHERE id = $1 AND removed_at IS NULL AND expires_at > now()
        RETURNING ${COLUMNS}`,
      [input.id, `${input.actor.type}:${input.actor.id}`],
    );
    if (rows.length === 0) return null;
    const entry = entryOf(rows[0]!);
    await auditBlockChange(tx, entry, 'blocklist.removed', input.actor);
    return entry;
  });
}

async function auditBlockChange(tx: Queryable, entry: BlockEntry, action: 'blocklist.added' | 'blocklist.removed', actor: BlockActor): Promise<void> {
  const metadata = { network: entry.network, reason: entry.reason, expiresAt: entry.expiresAt.toISOString() };
  await appender.append(tx, { tenant: PLATFORM_TENANT, actor, action, target: { type: 'ip-block', id: entry.id }, metadata });
  const tenantAction = action === 'blocklist.added' ? 'security.ip_blocked' : 'security.ip_unblocked';
  for (const tenant of await tenantsSeenFrom(tx, entry.network)) {
    await appender.append(tx, { tenant, actor, action: tenantAction, target: { type: 'ip-block', id: entry.id }, metadata: { ...metadata, why: 'members of this tenant signed in from this network in the last 30 days' } });
  }
}

/** Entries, newest first: those in force, or every entry ever made with `all`. */
export async function listBlocks(q: Queryable, options: { all?: boolean; limit?: number } = {}): Promise<BlockEntry[]> {
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM custodian.ip_blocks
      ${options.all ? '' : 'WHERE removed_at IS NULL AND expires_at > now()'}
      ORDER BY created_at DESC, id LIMIT $1`,
    [Math.min(Math.max(options.limit ?? 1000, 1), 10_000)],
  );
  return rows.map(entryOf);
}

/**
 * The entries in force, held in memory for a check on every request before
 * any other work (C22). `refresh()` reloads them; a server calls it on a
 * timer, so an entry added on one instance (or from the command line)
 * reaches the others within that interval.
 */
export class Blocklist {
  #matcher = new NetworkMatcher<BlockEntry>();
  #loadedAt = 0;
  #now = 0;
  /** Made once, not per request: the check runs on every request. */
  readonly #inForce = (entry: BlockEntry) => entry.expiresAt.getTime() > this.#now;

  /** Replaces the entries held with `entries`. */
  load(entries: readonly BlockEntry[], now = Date.now()): void {
    const matcher = new NetworkMatcher<BlockEntry>();
    // Of several entries for one network, the one that lasts longest is kept (added last).
    const ordered = [...entries].sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
    for (const entry of ordered) {
      if (entry.removedAt || entry.expiresAt.getTime() <= now) continue;
      const network = parseNetwork(entry.network);
      // Stored entries were checked on the way in; one that no longer parses is skipped rather than blocking the server.
      if ('error' in network) continue;
      matcher.add(network, entry);
    }
    this.#matcher = matcher;
    this.#loadedAt = now;
  }

  /** Reloads every entry in force, however many. */
  async refresh(q: Queryable): Promise<void> {
    const { rows } = await q.query(`SELECT ${COLUMNS} FROM custodian.ip_blocks WHERE removed_at IS NULL AND expires_at > now()`);
    this.load(rows.map(entryOf));
  }

  /** The entry blocking `ip` now, or undefined. */
  check(ip: string | undefined, now = Date.now()): BlockEntry | undefined {
    if (ip === undefined) return undefined;
    this.#now = now;
    return this.#matcher.match(ip, this.#inForce);
  }

  get size(): number {
    return this.#matcher.size;
  }

  get loadedAt(): number {
    return this.#loadedAt;
  }
}
