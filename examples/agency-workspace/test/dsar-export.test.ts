import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createAuditAppender } from '@custodian/core/audit';
import { introspect } from '@custodian/core/check';
import { Secret, type FieldCrypto } from '@custodian/core/crypto';
import type { Database } from '@custodian/core/db';
import { LocalArtifactStore, exportLinkKey, exportToStore, findSubjects, sendExportLink, signExportLink, type ExportManifest } from '@custodian/core/dsar';
import { fieldCryptoFor, testBackend } from '@custodian/core/testing';
import { buildServer, createLogger } from '@custodian/server';
import { app, seed } from '../src/index.js';
import { mailText, startSmtp } from '../../../packages/core/test/dsar/smtp.js';
import { openMigrated } from './helpers.js';

const DAY = 86_400_000;

interface Export {
  subject: { kind: string; key: string; tenant: string | null };
  tables: Record<string, Array<Record<string, unknown>>>;
  tenants: Record<string, Array<Record<string, unknown>>>;
  audit: Array<{ action: string; subject: string | null; tenant: string }>;
  manifest: ExportManifest;
}

describe(`agency-workspace: an access request's export, stored, linked and mailed (${testBackend()})`, () => {
  let db: Database;
  let fields: FieldCrypto;
  let dir: string;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: FastifyInstance;
  let clock = new Date('2026-11-27T10:00:00Z');
  const root = new Secret(Uint8Array.from(randomBytes(32)));
  let user: { id: string; email: string; workspace: string };
  before(async () => {
    db = await openMigrated();
    fields = fieldCryptoFor(db, app.policy, root);
    await seed(db, { subjects: 60, seed: 5, fields });
    // The member who wrote the most messages, so every part of the export has rows.
    const { rows } = await db.query<{ id: string; email: string; workspace: string }>(
      `SELECT u.id::text, u.email, min(m.workspace_id::text) AS workspace FROM users u JOIN messages m ON m.author_id = u.id GROUP BY u.id, u.email ORDER BY count(*) DESC, u.id LIMIT 1`,
    );
    user = rows[0]!;
    await createAuditAppender().appendCommitted(db, { tenant: user.workspace, actor: { type: 'user', id: user.id }, action: 'dsar.request', subject: user.id, metadata: { kind: 'access' } });
    dir = mkdtempSync(join(tmpdir(), 'custodian-b5-'));
    smtp = await startSmtp();
    server = await buildServer({
      policy: app.policy,
      mode: 'development',
      logger: createLogger({ level: 'warn', destination: { write: () => {} } }),
      exports: { store: new LocalArtifactStore(join(dir, 'exports')), linkKey: exportLinkKey(root), now: () => clock },
    });
  });
  after(async () => {
    await server.close();
    await smtp.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('B5: access request → JSON export (user, workspace, workrooms, messages, audit) in private storage → a 7-day signed link by mail; message content stays encrypted', async () => {
    const schema = await introspect(db);
    const [person] = await findSubjects(db, app.policy, schema, { subject: 'user', identity: 'email', value: user.email });
    assert.equal(person!.key, user.id);
    const store = new LocalArtifactStore(join(dir, 'exports'));
    const { ref, manifest } = await exportToStore(db, store, { policy: app.policy, schema, subject: person!, now: () => clock });
    // Private storage: the file is the server user's alone.
    // A user belongs to no one tenant (their data spans workspaces), so the export sits in the store's `no-tenant` folder.
    assert.equal(ref.tenant, undefined);
    const file = join(dir, 'exports', 'no-tenant', ref.id);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const { token, expiresAt } = signExportLink(exportLinkKey(root), { tenant: ref.tenant, artifactId: ref.id, ttl: app.policy.requests.exportLinkTtl, now: clock });
    assert.equal(expiresAt.getTime() - clock.getTime(), 7 * DAY);
    await sendExportLink({ smtp: smtp.url, from: 'privacy@atelier-workspace.example', to: user.email, url: `https://atelier-workspace.example/v1/exports?token=${token}`, expiresAt, organization: app.policy.organization.name });

    // The person reads the link from the mail; the mail holds no data from the export.
    assert.equal(smtp.mails.length, 1);
    // Quoted-printable undone: soft line breaks, then =XX escapes.
    const mail = mailText(smtp.mails[0]!.raw);
    const link = /https:\/\/atelier-workspace\.example(\/v1\/exports\?token=[A-Za-z0-9_.-]+)/.exec(mail);
    assert.ok(link, 'the mail carries the link');
    assert.ok(!mail.includes(user.id) && !mail.includes('content_ciphertext'));

    const res = await server.inject({ method: 'GET', url: link[1]! });
    assert.equal(res.statusCode, 200, res.body.slice(0, 300));
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(String(res.headers['content-disposition']), /^attachment/);
    const doc = JSON.parse(res.body) as Export;
    assert.deepEqual(doc.manifest, manifest);
    assert.deepEqual(doc.tables.users!.map((u) => u.id), [user.id]);
    for (const t of ['workspace_members', 'workrooms', 'messages'] as const) assert.ok(doc.tables[t], t);
    assert.ok(doc.tables.messages!.length > 0 && doc.tables.messages!.every((m) => m.author_id === user.id));
    assert.ok(doc.tenants.workspaces!.some((w) => w.id === user.workspace && typeof w.name === 'string'), 'the workspace');
    assert.ok(doc.audit.some((e) => e.action === 'dsar.request' && e.subject === user.id), 'the audit log about them');
    // Encrypted message content stays encrypted: the envelope is in the file, the plaintext is not.
    const { rows } = await db.query<{ workspace_id: string; id: string; content_ciphertext: Uint8Array }>(
      `SELECT workspace_id::text, id::text, content_ciphertext FROM messages WHERE author_id = $1 ORDER BY workspace_id, id LIMIT 3`,
      [user.id],
    );
    for (const m of rows) {
      const exported = doc.tables.messages!.find((x) => x.id === m.id)!;
      assert.deepEqual(exported.content_ciphertext, { encrypted: true, envelope: Buffer.from(m.content_ciphertext).toString('base64') });
      const plaintext = await fields.open({ table: 'messages', column: 'content_ciphertext', tenant: m.workspace_id, primaryKey: [m.workspace_id, m.id] }, m.content_ciphertext, { purpose: 'test-check', actor: { type: 'system', id: 'test' } });
      assert.ok(plaintext.reveal().length > 0 && !res.body.includes(plaintext.reveal()), 'no plaintext message in the export');
      assert.ok(!res.body.includes(JSON.stringify(plaintext.reveal()).slice(1, -1)));
    }
    // Integration credentials are secret: never exported.
    assert.ok(doc.manifest.tables.find((t) => t.table === 'integrations')!.omitted.every((o) => o.reason === 'secret'));

    // Valid for 7 days, refused after.
    clock = new Date(expiresAt.getTime() - 1000);
    assert.equal((await server.inject({ method: 'GET', url: link[1]! })).statusCode, 200);
    clock = expiresAt;
    const gone = await server.inject({ method: 'GET', url: link[1]! });
    assert.equal(gone.statusCode, 410);
    assert.deepEqual(gone.json(), { error: { code: 'ERR_EXPORT_LINK_EXPIRED', message: 'This download link has expired.' } });
  });

  test('B5: a link is refused when changed in any part, and the route says no more than 404 with a stable code', async () => {
    clock = new Date('2026-11-27T10:00:00Z');
    const store = new LocalArtifactStore(join(dir, 'exports'));
    const schema = await introspect(db);
    const { ref } = await exportToStore(db, store, { policy: app.policy, schema, subject: { subject: 'user', key: user.id } });
    const { token } = signExportLink(exportLinkKey(root), { tenant: ref.tenant, artifactId: ref.id, now: clock });
    assert.equal((await server.inject({ method: 'GET', url: `/v1/exports?token=${token}` })).statusCode, 200);
    const forged = (change: (b: Record<string, unknown>) => void) => {
      const [payload, sig] = token.split('.');
      const body = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
      change(body);
      return `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${sig}`;
    };
    const otherKey = exportLinkKey(new Secret(Uint8Array.from(randomBytes(32))));
    for (const bad of [forged((b) => (b.t = user.workspace)), forged((b) => (b.a = `${'0'.repeat(32)}.json`)), signExportLink(otherKey, { tenant: undefined, artifactId: ref.id, now: clock }).token, 'x', `${token}x`]) {
      const res = await server.inject({ method: 'GET', url: `/v1/exports?token=${encodeURIComponent(bad)}` });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(res.json(), { error: { code: 'ERR_EXPORT_LINK_INVALID', message: 'This download link is not valid.' } });
    }
    // A genuine link to an export that was deleted.
    await store.delete(ref);
    const missing = await server.inject({ method: 'GET', url: `/v1/exports?token=${token}` });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'ERR_ARTIFACT_NOT_FOUND');
  });
});

