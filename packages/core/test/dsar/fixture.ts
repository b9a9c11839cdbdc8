import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { auditLogDecryptSink } from '@custodian/core/audit';
import { EnvKeyProvider, FieldCrypto, KeyStore, Secret } from '@custodian/core/crypto';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { definePolicy } from '@custodian/core/policy';
import { fieldCryptoFor, openTestDatabase } from '@custodian/core/testing';

/**
 * A small app for export tests: tenants, people with every kind of column
 * treatment (plain, secret, encrypted as stored, decrypted for the export,
 * omitted), and events about a person that may name a reviewer (another person).
 */
export const SQL = `
CREATE TABLE tenants (id text PRIMARY KEY, name text NOT NULL, internal_note text);
CREATE TABLE people (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  email text NOT NULL,
  name text,
  password_hash text,
  notes bytea,
  diary bytea,
  api_token bytea,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE events (
  tenant_id text NOT NULL,
  id bigint GENERATED ALWAYS AS IDENTITY,
  person_id uuid NOT NULL,
  reviewer_id uuid,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
  FOREIGN KEY (tenant_id, reviewer_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX events_person ON events (tenant_id, person_id);
`;

const sealed = { algorithm: 'xchacha20-poly1305', keyScope: 'tenant' } as const;

export const policy = definePolicy({
  version: '2026.11',
  effectiveDate: '2026-11-01',
  organization: { name: 'Export Test Ltd', url: 'https://export.example' },
  contacts: { privacy: { email: 'privacy@export.example' }, security: { email: 'security@export.example' } },
  tenants: { table: 'tenants', key: 'id' },
  subjects: {
    person: { description: 'A person', table: 'people', key: 'id', tenant: 'tenant_id', identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email', lookup: 'normalized' } } },
  },
  tables: {
    tenants: { description: 'Tenants', purpose: 'Running the service', tenant: 'id', notAboutPersons: 'organisations', columns: { name: { category: 'business' } } },
    people: {
      description: 'People',
      purpose: 'Accounts',
      owner: { subject: 'person', column: 'id' },
      tenant: 'tenant_id',
      columns: {
        email: { category: 'contact' },
        name: { category: 'profile' },
        password_hash: { category: 'credential', secret: true },
        notes: { category: 'content', encryption: { ...sealed } },
        diary: { category: 'content', encryption: { ...sealed, export: 'decrypted', auditDecrypt: true } },
        api_token: { category: 'credential', encryption: { ...sealed, export: 'omit' } },
      },
    },
    events: { description: 'Events', purpose: 'History', owner: { subject: 'person', column: 'person_id' }, tenant: 'tenant_id', columns: { payload: { category: 'usage' }, reviewer_id: { category: 'identifier' } } },
  },
});

export interface Person {
  tenant: string;
  id: string;
  email: string;
  name: string;
  notes: string;
  diary: string;
}

export interface Fixture {
  db: Database;
  root: Secret<Uint8Array>;
  /** Field crypto whose audited decrypts go to the audit log (`key.decrypt`). */
  fields: FieldCrypto;
  /** Field crypto over the same keys whose decrypts go to `custodian.decrypt_events`. */
  legacyFields: FieldCrypto;
  ada: Person;
  bob: Person;
  cyd: Person;
}

/** Ada and Bob in tenant t1 (Bob reviews Ada's events), Cyd in t2; each with encrypted values and `events` events. */
export async function openFixture(events = 5): Promise<Fixture> {
  const db = await openTestDatabase();
  await migrate(db, coreMigrations());
  await db.exec(SQL);
  const root = new Secret(Uint8Array.from(randomBytes(32)));
  const legacyFields = fieldCryptoFor(db, policy, root);
  const fields = new FieldCrypto({ policy, keys: new KeyStore({ db, provider: new EnvKeyProvider(root) }), audit: auditLogDecryptSink(db) });
  await db.exec(`INSERT INTO tenants VALUES ('t1', 'Tenant One', 'renewal at risk'), ('t2', 'Tenant Two', 'n/a')`);
  const make = (tenant: string, name: string): Person => ({ tenant, id: randomUUID(), email: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@example.com`, name, notes: `${name}'s private notes`, diary: `${name}'s diary entry` });
  const ada = { ...make('t1', 'Ada'), name: '=HYPERLINK("http://evil.example","Ada")' };
  const bob = make('t1', 'Bob');
  const cyd = make('t2', 'Cyd');
  for (const p of [ada, bob, cyd]) {
    const ref = (column: string) => ({ table: 'people', column, tenant: p.tenant, primaryKey: [p.tenant, p.id] });
    const notes = await legacyFields.seal(ref('notes'), p.notes);
    const diary = await legacyFields.seal(ref('diary'), p.diary);
    const token = await legacyFields.seal(ref('api_token'), `tok_${p.name}_secret`);
    await db.query(`INSERT INTO people (tenant_id, id, email, name, password_hash, notes, diary, api_token) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      p.tenant, p.id, p.email, p.name, `argon2id$${p.name}-hash`, notes.ciphertext, diary.ciphertext, token.ciphertext,
    ]);
  }
  for (const p of [ada, bob, cyd]) {
    await db.query(
      `INSERT INTO events (tenant_id, person_id, reviewer_id, kind, payload) SELECT $1, $2::uuid, $3::uuid, 'view', jsonb_build_object('n', g, 'by', $4::text) FROM generate_series(1, $5::int) g`,
      [p.tenant, p.id, p === ada ? bob.id : null, p.name, events],
    );
  }
  return { db, root, fields, legacyFields, ada, bob, cyd };
}

/** A Writable that keeps what is written (or only counts it), noting the largest single write. */
export function collector(keep = true): Writable & { text(): string; bytes(): Buffer; size: number; largestWrite: number } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.size += chunk.length;
      out.largestWrite = Math.max(out.largestWrite, chunk.length);
      if (keep) chunks.push(chunk);
      done();
    },
  }) as Writable & { text(): string; bytes(): Buffer; size: number; largestWrite: number };
  out.size = 0;
  out.largestWrite = 0;
  out.bytes = () => Buffer.concat(chunks);
  out.text = () => out.bytes().toString('utf8');
  return out;
}

/** RFC 4180 records of a CSV text (quoted cells may hold commas and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}
