import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { auditLogDecryptSink, createAuditAppender } from '@custodian/core/audit';
import { introspect, type DatabaseSchema } from '@custodian/core/check';
import { EnvKeyProvider, FieldCrypto, KeyStore, Secret } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { exportSubject, type ExportManifest } from '@custodian/core/dsar';
import { testBackend } from '@custodian/core/testing';
import { app, seed, useApiKey } from '../src/index.js';
import { openMigrated } from './support.js';

interface Candidate {
  id: string;
  company_id: string;
  email: string;
  full_name: string;
  session: string;
}

interface Export {
  tables: Record<string, Array<Record<string, unknown>>>;
  tenants: Record<string, Array<Record<string, unknown>>>;
  audit: Array<{ action: string; subject: string | null; session: string | null; purpose: string | null; metadata: Record<string, unknown> }>;
  manifest: ExportManifest;
}

function collect(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) }) as Writable & { text: () => string };
  out.text = () => Buffer.concat(chunks).toString('utf8');
  return out;
}

describe(`hiring-assessments: a candidate's access export (${testBackend()})`, () => {
  let db: Database;
  let schema: DatabaseSchema;
  let fields: FieldCrypto;
  let ada: Candidate;
  let bea: Candidate;
  let cyd: Candidate;
  before(async () => {
    db = await openMigrated();
    const root = new Secret(Uint8Array.from(randomBytes(32)));
    fields = new FieldCrypto({ policy: app.policy, keys: new KeyStore({ db, provider: new EnvKeyProvider(root) }), audit: auditLogDecryptSink(db) });
    await seed(db, { subjects: 300, seed: 'dsar-export', fields });
    schema = await introspect(db);
    // Two candidates with a session in one company, and one in another company.
    const { rows } = await db.query<Candidate & { n: number }>(
      `SELECT c.id, c.company_id, c.email, c.full_name, min(s.id::text) AS session, dense_rank() OVER (ORDER BY c.company_id) AS n
         FROM candidates c JOIN assessment_sessions s ON s.company_id = c.company_id AND s.candidate_id = c.id
        WHERE EXISTS (SELECT 1 FROM session_events e WHERE e.company_id = s.company_id AND e.session_id = s.id)
        GROUP BY c.id, c.company_id, c.email, c.full_name ORDER BY c.company_id, c.id`,
    );
    const first = rows.filter((r) => Number(r.n) === 1);
    ada = first[0]!;
    bea = first[1]!;
    cyd = rows.find((r) => Number(r.n) === 2)!;
    assert.ok(ada && bea && cyd);
    // Audit events about Ada and Bea, and the company's AI key opened during each one's assessment session (C2).
    const audit = createAuditAppender();
    for (const c of [ada, bea, cyd]) {
      await audit.appendCommitted(db, { tenant: c.company_id, actor: { type: 'member', id: 'recruiter-1' }, action: 'candidate.invite', subject: c.id, target: { type: 'candidate', id: c.id } });
      const { rows: keys } = await db.query<{ id: string }>('SELECT id FROM customer_api_keys WHERE company_id = $1 AND revoked_at IS NULL LIMIT 1', [c.company_id]);
      if (keys[0]) await useApiKey(db, fields, { company: c.company_id, keyId: keys[0].id, actor: { type: 'service', id: 'assessment-runner', sessionId: c.session } });
    }
  });
  after(() => db.close());

  test('C10: the export holds the candidate’s profile, sessions, audit events about them and the key decrypts of their sessions — and nothing about anyone else', async () => {
    const out = collect();
    const manifest = await exportSubject(db, { policy: app.policy, schema, subject: { subject: 'candidate', key: ada.id, tenant: ada.company_id }, sessions: [{ table: 'assessment_sessions' }] }, out);
    const text = out.text();
    const doc = JSON.parse(text) as Export;
    // Profile and sessions.
    assert.deepEqual(doc.tables.candidates!.map((r) => [r.id, r.email, r.full_name]), [[ada.id, ada.email, ada.full_name]]);
    assert.ok(doc.tables.assessment_sessions!.some((s) => s.id === ada.session));
    assert.ok(doc.tables.assessment_sessions!.every((s) => s.candidate_id === ada.id));
    const sessionIds = new Set(doc.tables.assessment_sessions!.map((s) => s.id));
    assert.ok(doc.tables.session_events!.length > 0 && doc.tables.session_events!.every((e) => sessionIds.has(e.session_id)));
    const { rows: counts } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM session_events e JOIN assessment_sessions s ON s.company_id = e.company_id AND s.id = e.session_id WHERE s.company_id = $1 AND s.candidate_id = $2`, [ada.company_id, ada.id]);
    assert.equal(manifest.tables.find((t) => t.table === 'session_events')!.rows, counts[0]!.n);
    // Audit events about them, and the audit of the key decrypt made in their session.
    assert.deepEqual(doc.audit.filter((e) => e.action === 'candidate.invite').map((e) => e.subject), [ada.id]);
    const decrypts = doc.audit.filter((e) => e.action === 'key.decrypt');
    assert.equal(decrypts.length, 1);
    assert.deepEqual([decrypts[0]!.session, decrypts[0]!.purpose, decrypts[0]!.metadata.table], [ada.session, 'assessment-session', 'customer_api_keys']);
    // The invite token's hash is secret; the members who invited or reviewed them are other people.
    const { rows: hashes } = await db.query<{ hex: string; b64: string }>(`SELECT encode(token_hash, 'hex') AS hex, encode(token_hash, 'base64') AS b64 FROM invites WHERE candidate_id = $1`, [ada.id]);
    assert.ok(hashes.length > 0 && hashes.every((h) => !text.includes(h.hex) && !text.includes(h.b64)));
    assert.ok(doc.tables.invites!.every((i) => !('token_hash' in i) && !('invited_by' in i)));
    assert.deepEqual(manifest.tables.find((t) => t.table === 'invites')!.omitted.map((o) => [o.column, o.reason]), [['token_hash', 'secret'], ['invited_by', 'another-person']]);
    assert.deepEqual(manifest.tables.find((t) => t.table === 'scorecards')!.omitted.map((o) => [o.column, o.reason]), [['reviewer_member_id', 'another-person']]);
    // Nothing about anyone else: no other candidate's id, email, name or session, no member's email, name or id.
    const { rows: others } = await db.query<{ id: string; email: string; full_name: string | null }>('SELECT id::text, email, full_name FROM candidates WHERE id <> $1', [ada.id]);
    const { rows: otherSessions } = await db.query<{ id: string }>('SELECT id::text FROM assessment_sessions WHERE candidate_id <> $1', [ada.id]);
    const { rows: members } = await db.query<{ id: string; email: string; display_name: string | null }>('SELECT id::text, email, display_name FROM company_members');
    assert.ok(others.length > 100);
    const leaks = [...others.flatMap((o) => [o.id, o.email]), ...otherSessions.map((s) => s.id), ...members.flatMap((m) => [m.id, m.email])].filter((v) => text.includes(v));
    assert.deepEqual(leaks, []);
    for (const name of [bea.full_name, cyd.full_name]) if (name !== ada.full_name) assert.ok(!text.includes(`"${name}"`));
    assert.deepEqual(Object.keys(doc.tenants), ['companies']);
    assert.deepEqual(doc.tenants.companies!.map((c) => c.id), [ada.company_id]);
  });

  test('C10: an export of a candidate in another company shows only that company and that candidate', async () => {
    const out = collect();
    await exportSubject(db, { policy: app.policy, schema, subject: { subject: 'candidate', key: cyd.id, tenant: cyd.company_id }, sessions: [{ table: 'assessment_sessions' }] }, out);
    const text = out.text();
    for (const v of [ada.id, ada.email, ada.session, bea.id, bea.email, bea.session, ada.company_id]) assert.ok(!text.includes(v));
    const doc = JSON.parse(text) as Export;
    assert.deepEqual(doc.tables.candidates!.map((r) => r.id), [cyd.id]);
    assert.deepEqual(doc.audit.map((e) => e.subject ?? e.session), [cyd.id, cyd.session]);
  });
});
