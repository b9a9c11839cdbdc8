import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { EnvKeyProvider, FieldCrypto, KeyStore, Secret, databaseDecryptAudit, openValue, rowsUsingKey } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { loadPolicyFile, type Policy } from '@custodian/core/policy';
import { POLICY_MODULE, project, runAndKill, runCli, withDatabase } from './run-cli.js';

const ROWS = 6000;
const SQL = `
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
CREATE TABLE vault (
  tenant_id text NOT NULL,
  id        int  NOT NULL,
  secret    bytea NOT NULL,
  PRIMARY KEY (tenant_id, id)
);`;
const POLICY = `import { definePolicy } from '${POLICY_MODULE}';
export default definePolicy({
  version: '1.0',
  effectiveDate: '2026-12-01',
  organization: { name: 'Vault Inc', url: 'https://vault.example' },
  contacts: { privacy: { email: 'privacy@vault.example' }, security: { email: 'security@vault.example' } },
  subjects: { user: { description: 'A person', table: 'users', identities: { id: { kind: 'id', column: 'id' } } } },
  tables: {
    users: { description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, columns: {} },
    vault: {
      description: 'Customer secrets', purpose: 'Calling their APIs', notAboutPersons: 'Company credentials', tenant: 'tenant_id',
      columns: { secret: { category: 'credential', personal: false, secret: true, encryption: { auditDecrypt: true } } },
    },
  },
});
`;

const secretOf = (id: number) => `whsec_${id}_${'k'.repeat(24)}`;

test('C2: custodian keys reencrypt: killed at random points three times, then run again, every value ends readable under the new key and every decrypt was recorded', { timeout: 600_000 }, async () => {
  const { dir, dbFlags, cleanup } = await project(POLICY, SQL);
  try {
    const root = randomBytes(32);
    const env = { CUSTODIAN_ROOT_KEY: root.toString('hex') };
    const flags = ['--policy', join(dir, 'custodian.config.ts'), ...dbFlags];
    const migrated = await runCli(['migrate', ...flags], { cwd: dir, env });
    assert.equal(migrated.code, 0, migrated.stderr);
    const { policy } = (await loadPolicyFile(join(dir, 'custodian.config.ts'))) as { policy: Policy };
    const store = (db: Database) => new KeyStore({ db, provider: new EnvKeyProvider(new Secret(Uint8Array.from(root))) });

    // The application seals every value under the tenant's key, then the key is rotated.
    const previous = await withDatabase(dbFlags, async (db) => {
      const keys = store(db);
      const fields = new FieldCrypto({ policy, keys, audit: databaseDecryptAudit(db) });
      for (let start = 0; start < ROWS; start += 1000) {
        const ids = Array.from({ length: 1000 }, (_, i) => start + i);
        const sealed = await Promise.all(ids.map(async (id) => Buffer.from((await fields.seal({ table: 'vault', column: 'secret', tenant: 'acme', primaryKey: ['acme', String(id)] }, secretOf(id))).ciphertext).toString('hex')));
        await db.query(`INSERT INTO vault SELECT 'acme', unnest($1::int[]), decode(unnest($2::text[]), 'hex')`, [ids, sealed]);
      }
      return (await keys.rotate('tenant', 'acme')).previous!;
    });

    const args = ['keys', 'reencrypt', '--key', previous, '--chunk-size', '100', ...flags];
    let killedRuns = 0;
    for (const percent of [10, 40, 70]) {
      const run = await runAndKill(args, dir, env, percent);
      if (run.killed) killedRuns++;
      const left = await withDatabase(dbFlags, (db) => rowsUsingKey(db, policy, previous));
      assert.ok(left < ROWS, `a run made progress before it was killed (${left} left)\n${run.stderr}`);
    }
    assert.ok(killedRuns >= 2, 'the runs were killed mid-way');

    const last = await runCli([...args, '--json'], { cwd: dir, env, timeoutMs: 300_000 });
    assert.equal(last.code, 0, last.stderr);
    const [result] = JSON.parse(last.stdout) as Array<{ remaining: number; unreadable: number; activeKeyId: string }>;
    assert.deepEqual([result!.remaining, result!.unreadable], [0, 0]);

    await withDatabase(dbFlags, async (db) => {
      const active = await store(db).keyById(result!.activeKeyId);
      const keyring = new Map([[active.id, active.key]]);
      const { rows } = await db.query<{ id: number; secret: Uint8Array; key_id: string }>(
        `SELECT id, secret, convert_from(substring(secret FROM 5 FOR get_byte(secret, 3)), 'UTF8') AS key_id FROM vault ORDER BY id`,
      );
      assert.equal(rows.length, ROWS);
      // C2: every value of the audited column was recorded before it was decrypted (a killed chunk's records stay, so ≥).
      const recorded = (await db.query<{ n: number }>(`SELECT count(DISTINCT row_key)::int AS n FROM custodian.decrypt_events WHERE key_id = $1 AND purpose = 'key-rotation'`, [previous])).rows[0]!.n;
      assert.equal(recorded, ROWS);
      assert.ok(rows.every((r) => r.key_id === result!.activeKeyId), 'every value names the new key');
      for (const row of rows) {
        const opened = openValue(row.secret, { keys: keyring, context: { tenant: 'acme', table: 'vault', column: 'secret', primaryKey: ['acme', String(row.id)] } });
        assert.equal(Buffer.from(opened.reveal()).toString(), secretOf(row.id));
      }
    });
    const retire = await runCli(['keys', 'retire', '--key', previous, ...flags], { cwd: dir, env: { ...env } });
    // Retiring right after rotation is refused for the grace period (other instances may still encrypt with it) — not for rows.
    assert.match(retire.stderr, /ERR_KEY_RETIRE_REFUSED/);
    assert.match(retire.stderr, /rotated too recently/);
  } finally {
    await cleanup();
  }
});
