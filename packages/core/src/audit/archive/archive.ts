import type { Database } from '../../db/types.js';
import { CustodianError } from '../../errors.js';
import { createAuditAppender } from '../appender.js';
import { checkpointBody } from '../checkpoint.js';
import { SELECT_EVENTS, toEvent, type EventRow } from '../query.js';
import { signNote } from '../signed-note.js';
import type { CheckpointSigner } from '../signing-key.js';
import { segmentPath, type ArchiveStore } from './store.js';

export interface ArchiveOptions {
  store: ArchiveStore;
  /** Signs the checkpoint at each segment's end. */
  signer: CheckpointSigner;
  /** Events older than this move out (the policy's `audit.retention` before now). */
  before: Date;
  tenant?: string;
  /** Events per segment file; default 50,000. */
  segmentSize?: number;
  onProgress?: (p: { tenant: string; archived: number }) => void;
}

export interface ArchivedSegment {
  tenant: string;
  from: number;
  to: number;
  location: string;
  sha256: string;
}

/**
 * Moves each tenant's events older than `before` out of the primary table
 * into archive segments (C6), oldest first, a segment at a time:
 *
 * 1. the events are read in order and written to `<tenant>/<from>-<to>.jsonl`
 *    (every hashed field, as the export writes them) and a checkpoint at `to`
 *    is signed, stored and written beside it;
 * 2. in one transaction, the segment's record (location, SHA-256, boundary
 *    hashes, the checkpoint) is stored, the events are removed through
 *    `audit_prune_archived` (which refuses unless that record ends at the
 *    event with its hash), and an `audit.archive` event is appended to the
 *    tenant's chain.
 *
 * A crash between 1 and 2 leaves a file and no record; the next run writes
 * the same segment again. Running it twice archives nothing the second time.
 * Run as the owner.
 *
 * @example
 * await archiveAuditLog(db, { store: localArchiveStore('.custodian/audit-archive'), signer, before: twoYearsAgo });
 */
export async function archiveAuditLog(db: Database, options: ArchiveOptions): Promise<ArchivedSegment[]> {
  const segmentSize = options.segmentSize ?? 50_000;
  if (!Number.isSafeInteger(segmentSize) || segmentSize < 1) throw new CustodianError('ERR_CONFIG_INVALID', 'the segment size must be a positive whole number');
  if (!(options.before instanceof Date) || Number.isNaN(options.before.getTime())) throw new CustodianError('ERR_CONFIG_INVALID', 'the archive cut-off must be a valid date');
  const { rows: tenants } = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM custodian.audit_events WHERE occurred_at < $1 AND ($2::text IS NULL OR tenant_id = $2) ORDER BY tenant_id`,
    [options.before, options.tenant ?? null],
  );
  const audit = createAuditAppender();
  const done: ArchivedSegment[] = [];
  for (const { tenant_id: tenant } of tenants) {
    let archived = 0;
    for (;;) {
      // The oldest events left, up to the first one inside the retention period.
      const { rows } = await db.query<EventRow>(
        `${SELECT_EVENTS}
          WHERE tenant_id = $1 AND seq < coalesce((SELECT min(seq) FROM custodian.audit_events WHERE tenant_id = $1 AND occurred_at >= $2), 9223372036854775807)
          ORDER BY seq LIMIT $3`,
        [tenant, options.before, segmentSize],
      );
      if (rows.length === 0) break;
      const events = rows.map(toEvent);
      const first = events[0]!;
      const last = events[events.length - 1]!;
      const { rows: clock } = await db.query<{ now: Date }>('SELECT now() AS now');
      const signedAt = new Date(Math.floor(clock[0]!.now.getTime() / 1000) * 1000);
      const note = signNote(checkpointBody(tenant, last.seq, Buffer.from(last.hash, 'hex'), signedAt), options.signer.name, options.signer.publicKey, options.signer.sign);
      const location = segmentPath(tenant, first.seq, last.seq, 'jsonl');
      const { sha256 } = await options.store.write(location, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
      await options.store.write(segmentPath(tenant, first.seq, last.seq, 'checkpoint'), note);
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO custodian.audit_checkpoints (tenant_id, size, head_hash, signed_at, key_name, key_id, note)
           VALUES ($1, $2, decode($3, 'hex'), $4, $5, $6, $7) ON CONFLICT (tenant_id, size) DO NOTHING`,
          [tenant, last.seq, last.hash, signedAt, options.signer.name, Buffer.from(options.signer.keyId).toString('hex'), note],
        );
        await tx.query(
          `INSERT INTO custodian.audit_archives (tenant_id, from_seq, to_seq, first_prev_hash, last_hash, location, sha256, checkpoint_note)
           VALUES ($1, $2, $3, decode($4, 'hex'), decode($5, 'hex'), $6, $7, $8)`,
          [tenant, first.seq, last.seq, first.prevHash, last.hash, location, sha256, note],
        );
        await tx.query('SELECT custodian.audit_prune_archived($1, $2)', [tenant, last.seq]);
        await audit.append(tx, {
          tenant,
          actor: { type: 'system', id: 'audit-archive' },
          action: 'audit.archive',
          target: { type: 'audit-segment', id: location },
          metadata: { from: first.seq, to: last.seq, events: events.length, sha256: sha256.toString('hex') },
        });
      }, { tenantId: tenant });
      archived += events.length;
      done.push({ tenant, from: first.seq, to: last.seq, location, sha256: sha256.toString('hex') });
      options.onProgress?.({ tenant, archived });
      if (rows.length < segmentSize) break;
    }
  }
  return done;
}
