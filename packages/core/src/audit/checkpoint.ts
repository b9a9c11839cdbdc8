import type { Database } from '../db/types.js';
import { CustodianError } from '../errors.js';
import { signNote } from './signed-note.js';
import type { CheckpointSigner } from './signing-key.js';

/**
 * A checkpoint: tenant, size (the last sequence number covered), the chain
 * hash at that size and the time, as the body of a signed note:
 *
 *   custodian-audit/<tenant, percent-encoded>
 *   <size>
 *   <head hash, base64>
 *   time <RFC 3339 UTC>
 *
 * A hash chain's hash at size n commits to events 1..n, so a customer holding
 * a copy can later tell whether the chain they are shown still extends it.
 */
export interface Checkpoint {
  tenant: string;
  size: number;
  /** Hex. */
  headHash: string;
  signedAt: Date;
  /** The whole signed note, as exported. */
  note: string;
}

export const CHECKPOINT_ORIGIN = 'custodian-audit';

export function checkpointBody(tenant: string, size: number, headHash: Uint8Array, signedAt: Date): string {
  return `${CHECKPOINT_ORIGIN}/${encodeURIComponent(tenant)}\n${size}\n${Buffer.from(headHash).toString('base64')}\ntime ${signedAt.toISOString()}\n`;
}

/** Reads a checkpoint body back; undefined when it is not one. */
export function parseCheckpointBody(text: string): { tenant: string; size: number; headHash: string; signedAt: Date } | undefined {
  const match = /^custodian-audit\/([^\s/]+)\n([1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\ntime (\S+)\n$/.exec(text);
  if (!match) return undefined;
  let tenant: string;
  try {
    tenant = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  const signedAt = new Date(match[4]!);
  if (Number.isNaN(signedAt.getTime()) || signedAt.toISOString() !== match[4]) return undefined;
  const hash = Buffer.from(match[3]!, 'base64');
  if (hash.length !== 32) return undefined;
  return { tenant, size: Number(match[2]), headHash: hash.toString('hex'), signedAt };
}

/**
 * Signs and stores a checkpoint for every tenant (or the one named) whose
 * chain grew since its last checkpoint. The database refuses a checkpoint
 * whose hash is not the chain's at that size, and one size is signed once.
 * Run it at intervals (cron, or a job), and export the result.
 *
 * @example
 * const written = await writeCheckpoints(db, signer);
 * for (const c of written) console.log(c.tenant, c.size);
 */
export async function writeCheckpoints(db: Database, signer: CheckpointSigner, options: { tenant?: string } = {}): Promise<Checkpoint[]> {
  const { rows: heads } = await db.query<{ tenant_id: string; seq: number; hash: Uint8Array; last: number | null }>(
    `SELECT h.tenant_id, h.seq, h.hash, (SELECT max(c.size) FROM custodian.audit_checkpoints c WHERE c.tenant_id = h.tenant_id) AS last
       FROM custodian.audit_heads h
      WHERE h.seq > 0 AND ($1::text IS NULL OR h.tenant_id = $1)
      ORDER BY h.tenant_id`,
    [options.tenant ?? null],
  );
  const written: Checkpoint[] = [];
  for (const head of heads) {
    if (head.last !== null && Number(head.last) >= Number(head.seq)) continue;
    const size = Number(head.seq);
    const { rows } = await db.query<{ now: Date }>('SELECT now() AS now');
    const signedAt = new Date(Math.floor(rows[0]!.now.getTime() / 1000) * 1000); // whole seconds: the note's time is not a precision claim
    const note = signNote(checkpointBody(head.tenant_id, size, head.hash, signedAt), signer.name, signer.publicKey, signer.sign);
    try {
      const inserted = await db.query(
        `INSERT INTO custodian.audit_checkpoints (tenant_id, size, head_hash, signed_at, key_name, key_id, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, size) DO NOTHING`,
        [head.tenant_id, size, head.hash, signedAt, signer.name, Buffer.from(signer.keyId).toString('hex'), note],
      );
      if (inserted.rowCount === 1) written.push({ tenant: head.tenant_id, size, headHash: Buffer.from(head.hash).toString('hex'), signedAt, note });
    } catch (error) {
      throw new CustodianError('ERR_AUDIT_WRITE_FAILED', 'a checkpoint could not be stored', {
        cause: error,
        hint: 'the chain head and the events disagree: run `custodian audit verify`',
      });
    }
  }
  return written;
}

/**
 * The stored checkpoints, oldest first per tenant: what a customer keeps
 * outside this database so a later rewrite of the chain shows as a fork.
 */
export async function listCheckpoints(db: Database, options: { tenant?: string } = {}): Promise<Checkpoint[]> {
  const { rows } = await db.query<{ tenant_id: string; size: number; head_hash: string; signed_at: Date; note: string }>(
    `SELECT tenant_id, size, encode(head_hash, 'hex') AS head_hash, signed_at, note
       FROM custodian.audit_checkpoints WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id, size`,
    [options.tenant ?? null],
  );
  return rows.map((r) => ({ tenant: r.tenant_id, size: Number(r.size), headHash: r.head_hash, signedAt: r.signed_at, note: r.note }));
}
