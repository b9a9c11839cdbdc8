// Re-encryption after a key rotation: rows per second moved from the old key
// to the new one by `reencrypt` (keyset read, decrypt, seal, compare-and-swap
// UPDATE), next to the database's own limit for the same work without any
// cryptography — the same chunked keyset reads and the same UPDATE … FROM
// unnest(…) compare-and-swap writing back values of the same size — in the
// same run. PostgreSQL when DATABASE_URL is set (a fresh database, dropped
// afterwards), else embedded PGlite.
import { randomBytes } from 'node:crypto';
import { EnvKeyProvider, KeyStore, Secret, databaseDecryptAudit, reencrypt, sealValue } from '@custodian/core/crypto';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { definePolicy } from '@custodian/core/policy';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { report, time, type Result } from '../report.js';

const CHUNK = 1000;

const policy = (auditDecrypt: boolean) =>
  definePolicy({
    version: '1',
    effectiveDate: '2026-12-01',
    organization: { name: 'Bench', url: 'https://bench.example' },
    contacts: { privacy: { email: 'privacy@bench.example' }, security: { email: 'security@bench.example' } },
    subjects: { user: { description: 'A person', table: 'users', identities: { id: { kind: 'id', column: 'id' } } } },
    tables: {
      users: { description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, columns: {} },
      vault: {
        description: 'Secrets',
        purpose: 'Bench',
        notAboutPersons: 'Bench data',
        tenant: 'tenant_id',
        columns: { secret: { category: 'credential', personal: false, encryption: { auditDecrypt } } },
      },
    },
  });

async function fill(db: Database, keys: KeyStore, rows: number): Promise<void> {
  const value = randomBytes(100);
  for (let start = 0; start < rows; start += 5000) {
    const ids = Array.from({ length: Math.min(5000, rows - start) }, (_, i) => start + i);
    const hex: string[] = [];
    for (let i = 0; i < ids.length; i += keys.reservationBlock) {
      const slice = ids.slice(i, i + keys.reservationBlock);
      const key = await keys.keyForEncryption('tenant', 'acme', slice.length);
      for (const id of slice) {
        hex.push(Buffer.from(sealValue(value, { key: { id: key.id, bytes: key.key }, context: { tenant: 'acme', table: 'vault', column: 'secret', primaryKey: ['acme', String(id)] } })).toString('hex'));
      }
      key.key.reveal().fill(0);
    }
    await db.query(`INSERT INTO vault SELECT 'acme', unnest($1::int[]), decode(unnest($2::text[]), 'hex')`, [ids, hex]);
  }
}

/**
 * The same reads and compare-and-swap writes as reencrypt, with no
 * cryptography, pipelined the same way (the next chunk is read while up to
 * two earlier ones are written): the database's limit for this work.
 */
async function rawPass(db: Database): Promise<number> {
  let after = -1;
  let moved = 0;
  const writing: Promise<void>[] = [];
  for (;;) {
    const { rows } = await db.query<{ k0: string; k1: string; v: Uint8Array }>(
      `SELECT tenant_id::text AS k0, id::text AS k1, secret AS v FROM vault
        WHERE substring(secret FROM 1 FOR 1) = '\\xc5'::bytea AND tenant_id = 'acme' AND id > $1 ORDER BY tenant_id, id LIMIT $2`,
      [after, CHUNK],
    );
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.k1);
    const olds = rows.map((r) => Buffer.from(r.v).toString('hex'));
    // The value written back is the one read: same size, and still read by the next pass.
    if (writing.length >= 2) await writing.shift();
    writing.push(
      db
        .query(
          `UPDATE vault AS t SET secret = decode(v.new, 'hex')
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v(k0, k1, old, new)
            WHERE t.tenant_id = v.k0::text AND t.id = v.k1::int AND t.secret = decode(v.old, 'hex')`,
          [rows.map((r) => r.k0), rows.map((r) => r.k1), olds, olds],
        )
        .then(({ rowCount }) => void (moved += rowCount)),
    );
  }
  await Promise.all(writing);
  return moved;
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const rows = quick ? 20_000 : 100_000;
  const rounds = quick ? 1 : 3;
  const db = await openTestDatabase();
  const results: Result[] = [];
  try {
    await migrate(db, coreMigrations());
    await db.exec(`CREATE TABLE users (id uuid PRIMARY KEY);
      CREATE TABLE vault (tenant_id text NOT NULL, id int NOT NULL, secret bytea NOT NULL, PRIMARY KEY (tenant_id, id))`);
    const keys = new KeyStore({ db, provider: new EnvKeyProvider(new Secret(Uint8Array.from(randomBytes(32)))) });
    await fill(db, keys, rows);
    await db.exec('VACUUM ANALYZE vault');
    const ours: number[] = [];
    const audited: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [auditDecrypt, into] of [[false, ours], [true, audited]] as const) {
        const { previous } = await keys.rotate('tenant', 'acme');
        // Each pass rewrites every row: vacuum first, so no pass pays for the dead rows of the one before.
        await db.exec('VACUUM vault');
        let moved = 0;
        const ms = await time(async () => {
          moved = (await reencrypt({ db, policy: policy(auditDecrypt), keys, keyId: previous!, audit: databaseDecryptAudit(db), chunkSize: CHUNK })).reencrypted;
        });
        if (moved !== rows) throw new Error(`re-encrypted ${moved} of ${rows} rows`);
        into.push(rows / (ms / 1000));
      }
      await db.exec('VACUUM vault');
      let moved = 0;
      const ms = await time(async () => (moved = await rawPass(db)));
      if (moved !== rows) throw new Error(`raw pass moved ${moved} of ${rows} rows`);
      raw.push(rows / (ms / 1000));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const backend = testBackend();
    results.push(
      { name: `reencrypt, ${rows.toLocaleString('en-US')} rows of 100 B (${backend})`, value: median(ours), unit: 'rows/s', note: backend === 'postgres' ? 'goal ≥ 20,000' : '' },
      { name: 'reencrypt with a decrypt record per row (auditDecrypt)', value: median(audited), unit: 'rows/s' },
      { name: 'raw limit: same chunked reads and compare-and-swap writes, no crypto', value: median(raw), unit: 'rows/s' },
    );
    report('rotation', results, { 'reencrypt / raw': median(ours) / median(raw), 'reencrypt audited / raw': median(audited) / median(raw) }, { backend, rows, chunk: CHUNK, rounds });
  } finally {
    await db.close();
  }
}
