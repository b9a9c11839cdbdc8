import { randomBytes } from 'node:crypto';
import { databaseDecryptAudit, EnvKeyProvider, FieldCrypto, KeyStore, Secret } from '@custodian/core/crypto';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { definePolicy } from '@custodian/core/policy';

/** Two encrypted tables: a tenant table with a composite (text, int) key, and a single-tenant one keyed by uuid. */
export const policy = definePolicy({
  version: '1',
  effectiveDate: '2026-12-01',
  organization: { name: 'Acme', url: 'https://acme.example' },
  contacts: { privacy: { email: 'privacy@acme.example' }, security: { email: 'security@acme.example' } },
  subjects: { user: { description: 'A person', table: 'users', identities: { id: { kind: 'id', column: 'id' } } } },
  tables: {
    users: { description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, columns: {} },
    api_keys: {
      description: 'Customer API keys',
      purpose: 'Calling a model',
      notAboutPersons: 'A company credential',
      tenant: 'company_id',
      columns: {
        key_ciphertext: {
          category: 'credential',
          personal: false,
          secret: true,
          encryption: { algorithm: 'aes-256-gcm', auditDecrypt: true, purposes: ['assessment-session'], mask: { column: 'key_last4' } },
        },
        note_ciphertext: { category: 'credential', personal: false, encryption: {} },
      },
    },
    platform_secrets: {
      description: 'Platform-wide secrets',
      purpose: 'Operating the service',
      notAboutPersons: 'Platform credentials',
      columns: { value_ciphertext: { category: 'credential', personal: false, secret: true, encryption: { keyScope: 'root', algorithm: 'xsalsa20-poly1305' } } },
    },
  },
});

export const SCHEMA = `
  CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
  CREATE TABLE api_keys (
    company_id text NOT NULL, id int NOT NULL,
    key_ciphertext bytea, key_last4 text, note_ciphertext bytea,
    PRIMARY KEY (company_id, id));
  CREATE TABLE platform_secrets (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), value_ciphertext bytea NOT NULL);
`;

export const plaintextOf = (company: string, id: number) => `sk-${company}-${id}-${'q'.repeat(20)}`;

export interface Setup {
  keys: KeyStore;
  fields: FieldCrypto;
  root: Secret<Uint8Array>;
}

/** Core migrations, the schema, and a key store over `root` (a new random one by default). */
export async function setUp(db: Database, root = new Secret(Uint8Array.from(randomBytes(32)))): Promise<Setup> {
  await migrate(db, coreMigrations());
  await db.exec(SCHEMA);
  return storeFor(db, root);
}

export function storeFor(db: Database, root: Secret<Uint8Array>): Setup {
  // No grace: tests retire right after re-encrypting.
  const keys = new KeyStore({ db, provider: new EnvKeyProvider(root), retireGraceMs: 0 });
  return { keys, root, fields: new FieldCrypto({ policy, keys, audit: databaseDecryptAudit(db) }) };
}

/** `count` rows per company, each value sealed by the application path (FieldCrypto). */
export async function seed(db: Database, fields: FieldCrypto, companies: string[], count: number): Promise<void> {
  for (const company of companies) {
    for (let start = 0; start < count; start += 500) {
      const rows: unknown[][] = [];
      for (let id = start; id < Math.min(count, start + 500); id++) {
        const ref = { table: 'api_keys', tenant: company, primaryKey: [company, String(id)] };
        const key = await fields.seal({ ...ref, column: 'key_ciphertext' }, plaintextOf(company, id));
        const note = id % 3 === 0 ? null : (await fields.seal({ ...ref, column: 'note_ciphertext' }, `note ${id}`)).ciphertext;
        rows.push([company, id, key.ciphertext, key.mask!.value, note]);
      }
      await db.query(
        `INSERT INTO api_keys SELECT * FROM unnest($1::text[], $2::int[], $3::bytea[], $4::text[], $5::bytea[])`,
        [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3]), rows.map((r) => r[4])],
      );
    }
  }
}

/** Key ids found in a column's envelope headers, with counts. */
export async function keyIdsIn(db: Database, table: string, column: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ k: string; n: number }>(
    `SELECT convert_from(substring(${column} FROM 5 FOR get_byte(${column}, 3)), 'UTF8') AS k, count(*)::int AS n FROM ${table} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}
