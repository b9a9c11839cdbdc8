import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { createAuditAppender, queryAuditEvents } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import type { Database, Queryable, TransactionOptions } from '@custodian/core/db';
import { exportSubject, type ExportManifest } from '@custodian/core/dsar';
import { testBackend } from '@custodian/core/testing';
import { collector, openFixture, parseCsv, policy, type Fixture, type Person } from './fixture.js';

const ref = (p: Person) => ({ subject: 'person', key: p.id, tenant: p.tenant });
const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

interface JsonExport {
  subject: unknown;
  tables: Record<string, Array<Record<string, unknown>>>;
  tenants: Record<string, Array<Record<string, unknown>>>;
  audit: Array<{ action: string; subject: string | null; target: { type: string; id: string } | null; purpose: string | null }>;
  decrypts: Array<{ table: string; column: string; rowKey: string; purpose: string }>;
  manifest: ExportManifest;
}

describe(`exportSubject (${testBackend()})`, () => {
  let fx: Fixture;
  let schema: DatabaseSchema;
  const audit = createAuditAppender();
  before(async () => {
    fx = await openFixture(5);
    schema = await introspect(fx.db);
    // Events about Ada (as subject, as target), about Bob, and a decrypt of Ada's diary in the separate decrypt log.
    await audit.appendCommitted(fx.db, { tenant: 't1', actor: { type: 'member', id: 'admin-1' }, action: 'person.update', subject: fx.ada.id, metadata: { field: 'name' } });
    await audit.appendCommitted(fx.db, { tenant: 't1', actor: { type: 'operator', id: 'op-1' }, action: 'operator.read', target: { type: 'person', id: fx.ada.id }, purpose: 'ticket-7' });
    await audit.appendCommitted(fx.db, { tenant: 't1', actor: { type: 'member', id: 'admin-1' }, action: 'person.update', subject: fx.bob.id, metadata: { about: 'bob' } });
    await fx.legacyFields.open({ table: 'people', column: 'diary', tenant: 't1', primaryKey: ['t1', fx.ada.id] }, await sealedDiary(fx.db, fx.ada), { purpose: 'support', actor: { type: 'operator', id: 'op-1' } });
    await fx.legacyFields.open({ table: 'people', column: 'diary', tenant: 't1', primaryKey: ['t1', fx.bob.id] }, await sealedDiary(fx.db, fx.bob), { purpose: 'support', actor: { type: 'operator', id: 'op-1' } });
  });
  after(() => fx.db.close());

  test('B5, C10: the JSON export holds the person’s rows with columns as the policy says, their tenant, audit events and decrypt records — and nothing of anyone else', async () => {
    const out = collector();
    const manifest = await exportSubject(fx.db, { policy, schema, subject: ref(fx.ada), fields: fx.fields }, out);
    const text = out.text();
    const doc = JSON.parse(text) as JsonExport;
    assert.deepEqual(doc.manifest, manifest);
    const [person] = doc.tables.people!;
    assert.deepEqual(Object.keys(person!), ['tenant_id', 'id', 'email', 'name', 'notes', 'diary']);
    assert.equal(person!.email, fx.ada.email);
    // Encrypted as stored: the envelope, base64, marked; its plaintext is nowhere.
    const stored = (await fx.db.query<{ notes: Uint8Array }>('SELECT notes FROM people WHERE id = $1', [fx.ada.id])).rows[0]!.notes;
    assert.deepEqual(person!.notes, { encrypted: true, envelope: Buffer.from(stored).toString('base64') });
    assert.ok(!text.includes(fx.ada.notes));
    // Decrypted for the export, as the policy says.
    assert.equal(person!.diary, fx.ada.diary);
    // Secret and omitted columns are not read at all; the manifest says why.
    assert.ok(!text.includes('argon2id$') && !text.includes('tok_Ada'));
    assert.deepEqual(manifest.tables.find((t) => t.table === 'people')!.omitted, [{ column: 'password_hash', reason: 'secret' }, { column: 'api_token', reason: 'policy-omit' }]);
    assert.deepEqual(manifest.tables.find((t) => t.table === 'events')!.omitted, [{ column: 'reviewer_id', reason: 'another-person' }]);
    assert.equal(doc.tables.events!.length, 5);
    assert.deepEqual(doc.tenants, { tenants: [{ id: 't1', name: 'Tenant One' }] }, 'declared columns of the tenant row only');
    // Audit: the events naming Ada, and the decrypt the export itself made (purpose dsar-export); not Bob's.
    assert.deepEqual(doc.audit.filter((e) => e.action !== 'key.decrypt').map((e) => e.action), ['person.update', 'operator.read']);
    assert.deepEqual(doc.decrypts.map((d) => [d.table, d.column, d.rowKey, d.purpose]), [['people', 'diary', `t1/${fx.ada.id}`, 'support']]);
    for (const other of [fx.bob, fx.cyd]) {
      for (const value of [other.id, other.email, other.name, other.notes, other.diary]) assert.ok(!text.includes(value), `nothing of ${other.name}`);
    }
    assert.ok(!text.includes('Tenant Two') && !text.includes('renewal at risk'));
    // The checksum covers every byte before the manifest.
    const cut = text.lastIndexOf(',\n"manifest":');
    assert.equal(createHash('sha256').update(text.slice(0, cut)).digest('hex'), manifest.sha256);
    assert.deepEqual(manifest.subject, { kind: 'person', key: fx.ada.id, tenant: 't1' });
    assert.equal(manifest.policyVersion, '2026.11');
    assert.equal(manifest.decrypts.opened, 1);
  });

  test('each value opened for an export is recorded first (purpose dsar-export), and a later export lists those decrypts of the person’s data', async () => {
    const before = (await queryAuditEvents(fx.db, { tenant: 't1', action: 'key.decrypt', limit: 1000 })).events.length;
    await exportSubject(fx.db, { policy, schema, subject: ref(fx.ada), fields: fx.fields, actor: { type: 'operator', id: 'op-9' } }, collector());
    const events = (await queryAuditEvents(fx.db, { tenant: 't1', action: 'key.decrypt', limit: 1000 })).events;
    assert.equal(events.length, before + 1);
    assert.deepEqual([events[0]!.purpose, events[0]!.actor, events[0]!.target], ['dsar-export', { type: 'operator', id: 'op-9' }, { type: 'value', id: `people.diary:t1/${fx.ada.id}` }]);
    const doc = JSON.parse((await run(ref(fx.ada))).text()) as JsonExport;
    assert.ok(doc.audit.filter((e) => e.action === 'key.decrypt').length >= 2);
    assert.ok(doc.audit.every((e) => e.action !== 'key.decrypt' || e.target!.id === `people.diary:t1/${fx.ada.id}`));
    // Without field crypto, a policy that asks for decrypted values is refused before anything is written.
    const nothing = collector();
    await assert.rejects(exportSubject(fx.db, { policy, schema, subject: ref(fx.ada) }, nothing), codeOf('ERR_CONFIG_INVALID'));
    assert.equal(nothing.size, 0);
  });

  test('B5: the CSV zip holds one file per table and the manifest; row counts and checksums match it, and formulas are defused', async () => {
    const out = collector();
    const manifest = await exportSubject(fx.db, { policy, schema, subject: ref(fx.ada), fields: fx.fields, format: 'csv-zip' }, out);
    const files = unzipSync(new Uint8Array(out.bytes()));
    assert.deepEqual(Object.keys(files).sort(), ['audit.csv', 'decrypts.csv', 'manifest.json', 'tables/events.csv', 'tables/people.csv', 'tenants/tenants.csv']);
    const inZip = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8')) as ExportManifest;
    assert.deepEqual(inZip, manifest);
    for (const t of manifest.tables) {
      const rows = parseCsv(Buffer.from(files[`tables/${t.table}.csv`]!).toString('utf8'));
      assert.deepEqual(rows[0], t.columns.map((c) => c.name));
      assert.equal(rows.length - 1, t.rows, t.table);
    }
    assert.equal(parseCsv(Buffer.from(files['audit.csv']!).toString('utf8')).length - 1, manifest.audit.events);
    for (const f of manifest.files!) assert.equal(createHash('sha256').update(files[f.name]!).digest('hex'), f.sha256, f.name);
    assert.equal(createHash('sha256').update(manifest.files!.map((f) => `${f.sha256}  ${f.name}\n`).join('')).digest('hex'), manifest.sha256);
    const people = parseCsv(Buffer.from(files['tables/people.csv']!).toString('utf8'));
    const name = people[1]![people[0]!.indexOf('name')]!;
    assert.equal(name, `'${fx.ada.name}`, 'a cell a spreadsheet would run starts with an apostrophe');
    const stored = (await fx.db.query<{ notes: Uint8Array }>('SELECT notes FROM people WHERE id = $1', [fx.ada.id])).rows[0]!.notes;
    assert.equal(people[1]![people[0]!.indexOf('notes')], Buffer.from(stored).toString('base64'));
    assert.equal(people[1]![people[0]!.indexOf('diary')], fx.ada.diary);
  });

  test('streaming: a person with 20,000 events is read from one cursor in pages of the page size, and written a page at a time', async () => {
    await fx.db.query(`INSERT INTO events (tenant_id, person_id, kind, payload) SELECT 't2', $1::uuid, 'view', jsonb_build_object('n', g, 'pad', repeat('x', 120)) FROM generate_series(1, 20000) g`, [fx.cyd.id]);
    // The real database, watched: which table each cursor reads, and how many rows each FETCH returns.
    const reads: number[] = [];
    let declared = '';
    const watch = (q: Queryable): Queryable => ({
      async query(sql, params) {
        const result = await q.query(sql, params);
        if (sql.startsWith('DECLARE')) declared = sql;
        if (sql.startsWith('FETCH') && declared.includes('FROM "events" t')) reads.push(result.rows.length);
        return result as never;
      },
      exec: (sql) => q.exec(sql),
    });
    const counting: Database = Object.assign(Object.create(fx.db) as Database, {
      ...watch(fx.db),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions) => fx.db.transaction((tx) => fn(watch(tx)), options),
    });
    const out = collector(false);
    const heap = process.memoryUsage().heapUsed;
    let peak = heap;
    const manifest = await exportSubject(counting, { policy, schema, subject: ref(fx.cyd), fields: fx.fields, pageSize: 1000, onProgress: () => (peak = Math.max(peak, process.memoryUsage().heapUsed)) }, out);
    assert.equal(manifest.tables.find((t) => t.table === 'events')!.rows, 20_005);
    assert.equal(reads.length, 21, 'one cursor, twenty-one pages of at most 1000 rows');
    assert.ok(reads.every((n) => n <= 1000));
    assert.ok(out.size > 3_000_000, `wrote ${out.size} bytes`);
    assert.ok(out.largestWrite < 400_000, `largest single write ${out.largestWrite} bytes: one page, not the table`);
    assert.ok(peak - heap < 64 * 1024 * 1024, `heap grew by ${Math.round((peak - heap) / 1e6)} MB`);
  });

  async function run(subject: ReturnType<typeof ref>) {
    const out = collector();
    await exportSubject(fx.db, { policy, schema, subject, fields: fx.fields }, out);
    return out;
  }
});

async function sealedDiary(db: Queryable, p: Person): Promise<Uint8Array> {
  return (await db.query<{ diary: Uint8Array }>('SELECT diary FROM people WHERE id = $1', [p.id])).rows[0]!.diary;
}
