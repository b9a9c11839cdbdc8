import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { introspect } from '@custodian/core/check';
import { EnvKeyProvider, FieldCrypto, KeyStore, Secret, databaseDecryptAudit } from '@custodian/core/crypto';
import { coreMigrations, migrate } from '@custodian/core/db';
import { eraseSubject, erasureStatements } from '@custodian/core/dsar';
import { isCustodianError } from '@custodian/core/errors';
import { definePolicy } from '@custodian/core/policy';
import { openTestDatabase, testBackend, type TestDatabase } from '@custodian/core/testing';

const input = {
  version: '1',
  effectiveDate: '2026-12-01',
  organization: { name: 'Acme', url: 'https://acme.example' },
  contacts: { privacy: { email: 'privacy@acme.example' }, security: { email: 'security@acme.example' } },
  subjects: { user: { description: 'A person', table: 'users', identities: { id: { kind: 'id', column: 'id' } } } },
  tables: {
    users: { description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, columns: { name: { category: 'profile', erase: { action: 'set-null' } } } },
    // Sealed under the person's own key: erasure deletes the rows and shreds the key, so copies in backups go dark too.
    statements: {
      description: 'Bank statements',
      purpose: 'Payouts',
      owner: { subject: 'user', column: 'user_id' },
      erase: { action: 'delete-row' },
      columns: { body: { category: 'financial', encryption: { keyScope: 'subject' } } },
    },
  },
  retention: [{ id: 'statements-7y', description: 'Statements', basis: 'legal', table: 'statements', from: 'created_at', stages: [{ after: '7y', action: 'hard-delete' }] }],
} satisfies Parameters<typeof definePolicy>[0];
const policy = definePolicy(input);


const APP_SQL = `CREATE TABLE users (id text PRIMARY KEY, name text);
  CREATE TABLE statements (id serial PRIMARY KEY, user_id text NOT NULL REFERENCES users (id), body bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`;

describe(`erasure and per-subject keys (${testBackend()})`, () => {
  let db: TestDatabase;
  let fields: FieldCrypto;
  before(async () => {
    db = await openTestDatabase();
    await migrate(db, coreMigrations());
    await db.exec(APP_SQL);
    const root = new Secret(Uint8Array.from(randomBytes(32)));
    fields = new FieldCrypto({ policy, keys: new KeyStore({ db, provider: new EnvKeyProvider(root) }), audit: databaseDecryptAudit(db), indexSecret: root });
    for (const user of ['ada', 'bob']) {
      await db.query('INSERT INTO users (id, name) VALUES ($1, $2)', [user, user.toUpperCase()]);
      const sealed = await fields.seal({ table: 'statements', column: 'body', subject: user, primaryKey: [user] }, `statement of ${user}`);
      await db.query('INSERT INTO statements (user_id, body) VALUES ($1, $2)', [user, Buffer.from(sealed.ciphertext)]);
    }
  });
  after(() => db.close());

  test('erasure destroys the person’s data keys last (crypto-shredding): a copy of their sealed values (a backup) can never be opened again; anyone else’s still opens', async () => {
    const body = async (user: string) => (await db.query<{ body: Uint8Array }>('SELECT body FROM statements WHERE user_id = $1', [user])).rows[0]!.body;
    const backup = await body('ada');
    const result = await eraseSubject(db, policy, await introspect(db), { subject: 'user', key: 'ada' });
    assert.equal(result.steps.at(-1)?.kind, 'destroy-keys');
    assert.equal(result.keysDestroyed, 1);
    const { rows: keys } = await db.query<{ scope_id: string; state: string; wrapped: Uint8Array | null }>(`SELECT scope_id, state, wrapped FROM custodian.data_keys WHERE scope = 'subject' ORDER BY scope_id`);
    assert.deepEqual(keys.map((k) => [k.scope_id, k.state, k.wrapped === null]), [['ada', 'destroyed', true], ['bob', 'active', false]]);
    assert.equal((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM statements WHERE user_id = 'ada'`)).rows[0]!.n, 0);
    const ref = (user: string) => ({ table: 'statements', column: 'body', subject: user, primaryKey: [user] });
    await assert.rejects(fields.open(ref('ada'), backup, { purpose: 'payouts', actor: { type: 'service', id: 'test' } }), (e: unknown) => isCustodianError(e));
    assert.equal((await fields.open(ref('bob'), await body('bob'), { purpose: 'payouts', actor: { type: 'service', id: 'test' } })).reveal(), 'statement of bob');
    const again = await eraseSubject(db, policy, await introspect(db), { subject: 'user', key: 'ada' });
    assert.equal(again.keysDestroyed, 0, 'a second run destroys nothing more');
  });

  test('the keys stay while a table the policy keeps (a legal record) holds values sealed under them', async () => {
    const retained = definePolicy({
      ...input,
      tables: { ...input.tables, statements: { ...input.tables.statements, erase: { action: 'retain', until: 'statements-7y', reason: 'kept as a financial record' } } },
    });
    const kinds = (p: typeof policy) => erasureStatements(p, schema, 'user').map((st) => st.kind);
    const schema = await introspect(db);
    assert.ok(kinds(policy).includes('destroy-keys'));
    assert.ok(!kinds(retained).includes('destroy-keys'));
  });
});
