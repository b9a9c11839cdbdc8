import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DATA_CATEGORIES } from '@custodian/core/policy';
import { retentionSchedule } from '@custodian/core/retention';
import { PATHS } from '@custodian/server';
import { section, tableRows, text } from '../helpers/html.js';
import { testPolicy } from '../helpers/policy.js';
import { testServer } from '../helpers/server.js';

async function privacyPage(policy = testPolicy()): Promise<string> {
  const { app } = await testServer({ policy });
  try {
    return (await app.inject({ url: PATHS.privacy })).body;
  } finally {
    await app.close();
  }
}

describe('privacy page', () => {
  test('C17: the retention table lists every entry of retentionSchedule, in order, and nothing else', async () => {
    const policy = testPolicy();
    const schedule = retentionSchedule(policy);
    const rows = tableRows(await privacyPage(policy), 'retention-schedule');
    assert.equal(rows.length, schedule.length);
    assert.ok(schedule.length >= 7, 'the test policy has chained, inactivity, legal, audit and log periods');
    schedule.forEach((entry, i) => {
      const row = rows[i]!;
      assert.deepEqual(row.attrs, { 'data-rule': entry.ruleId, 'data-stage': String(entry.stage) });
      const [data, from, after, action, why] = row.cells;
      assert.equal(data!.split('\n')[0], entry.data);
      assert.equal(from, entry.from);
      assert.equal(after, entry.after);
      assert.equal(action!.split('\n')[0], entry.action);
      if (entry.notice) assert.equal(action!.split('\n')[1], entry.notice);
      if (entry.reference) assert.ok(why!.includes(entry.reference), `reference of ${entry.ruleId}`);
    });
  });

  test('C17: changing a period in the policy changes the published table, and a new rule appears in it', async () => {
    const policy = testPolicy((p) => {
      const sessions = p.retention![0]!;
      assert.ok(sessions.kind !== 'inactivity', 'the first rule is an age rule');
      sessions.stages = [
        { after: '90d', action: 'soft-delete' },
        { after: '14d', action: 'hard-delete' },
      ];
      p.retention!.push({ id: 'events', description: 'Replay events', table: 'session_events', from: 'created_at', stages: [{ after: '1y', action: 'hard-delete' }], basis: 'operational' });
    });
    const rows = tableRows(await privacyPage(policy), 'retention-schedule');
    const sessions = rows.filter((r) => r.attrs['data-rule'] === 'sessions').map((r) => r.cells[2]);
    assert.deepEqual(sessions, ['90 days', '14 days']);
    const events = rows.find((r) => r.attrs['data-rule'] === 'events');
    assert.deepEqual(events?.cells.slice(1, 4), ['created at', '1 year', 'hard-deleted']);
    assert.equal(rows.length, retentionSchedule(policy).length);
  });

  test('C26: shows the version, the effective date and every announced change with its dates', async () => {
    const policy = testPolicy();
    const page = await privacyPage(policy);
    assert.ok(page.includes(`version <strong>${policy.version}</strong>, effective <time datetime="${policy.effectiveDate}">`), 'version and effective date');
    const rows = tableRows(page, 'policy-changes');
    assert.deepEqual(
      rows.map((r) => r.cells.slice(0, 4)),
      [
        ['2.0 current', '2026-01-15', '2026-03-01', 'material'],
        ['1.0', '2025-06-01', '2025-06-01', 'minor'],
      ],
    );
    assert.equal(rows[0]!.cells[4], 'Session data is now deleted 210 days after completion.');
    assert.match(text(section(page, 'changes')), /no sooner than 30 days after we announce it/);
  });

  test('what is stored: each table about people with its purpose and the categories of its personal columns', async () => {
    const policy = testPolicy();
    const stored = text(section(await privacyPage(policy), 'what-we-store'));
    const candidates = policy.tables.candidates!;
    assert.ok(stored.includes(`${candidates.description} ${candidates.purpose} ${DATA_CATEGORIES.contact} ${DATA_CATEGORIES.profile}`), 'candidates row');
    assert.ok(!stored.includes('Customer API keys'), 'a table with no personal data is not listed as data about people');
    assert.match(stored, /our logs record only the method, the path without query values, the response status, how long it took and the signed-in user’s id/);
  });

  test('what is encrypted: algorithm and key scope per column, with mask and audited decrypts', async () => {
    const enc = text(section(await privacyPage(), 'encryption'));
    assert.match(enc, /Customer API keys API key AES-256-GCM a separate key for each customer account every decryption is recorded in the audit log/);
    assert.match(enc, /only the last 4 characters are kept in readable form/);
    assert.match(enc, /Billing records Bank account XChaCha20-Poly1305 a separate key for each person/);
  });

  test('regions, sub-processors, rights, deadlines, self-service endpoints and contacts all come from the policy', async () => {
    const page = await privacyPage();
    const regions = text(section(page, 'regions'));
    assert.match(regions, /United States default us CCPA/);
    assert.match(regions, /European Union eu GDPR eu-central-1/);
    assert.deepEqual(tableRows(page, 'subprocessor-list').map((r) => r.cells[0]), ['Cloud Host Co', 'Mail Sender Ltd']);
    const rights = text(section(page, 'rights'));
    for (const kind of ['Access', 'Deletion', 'Correction', 'Restriction', 'Objection']) assert.ok(rights.includes(kind), kind);
    assert.match(rights, /GDPR applies by default 30 days up to 60 days more/);
    assert.match(rights, /CCPA 45 days/);
    assert.ok(rights.includes(`GET ${PATHS.selfExport}`) && rights.includes(`POST ${PATHS.selfDeletion}`), 'self-service endpoints');
    assert.match(rights, /Email address: replaced with a pseudonym such as deleted-<uuid>@deleted.invalid/);
    assert.match(rights, /The record: kept until its retention period \(Billing records\) ends: tax law/);
    const contacts = text(section(page, 'contacts'));
    assert.match(contacts, /privacy@hiring\.example/);
    assert.match(contacts, /security@hiring\.example · security\.txt/);
  });

  test('a policy without self-service or encrypted fields says so instead of listing endpoints', async () => {
    const page = await privacyPage(
      testPolicy((p) => {
        p.requests = { selfService: { export: false, deletion: false }, kinds: ['access'] };
        delete p.tables!.api_keys!.columns!.key_ciphertext!.encryption;
        delete p.tables!.billing_records!.columns!.bank_account!.encryption;
      }),
    );
    assert.ok(!page.includes(PATHS.selfExport), 'no export endpoint');
    assert.match(text(section(page, 'encryption')), /No fields are encrypted by the application itself/);
    assert.ok(!text(section(page, 'rights')).includes('Deletion —'), 'only the access right');
  });

  test('C21, C22, C23: the abuse protections are published from the same policy fields the limiter counts with', async () => {
    const policy = testPolicy((p) => {
      p.rateLimits = {
        signin: { perIp: { points: 20, per: '1min', blockFor: '5min' }, perIdentity: { points: 10, per: '15min' } },
        'invite-lookup': { perIp: { points: 7, per: '1h' }, onStoreFailure: 'deny' },
        exports: { perIdentity: { points: 3, per: '1d' } },
      };
      p.bruteForce = { maxFailures: 9, per: '10min', blockFor: '2h', escalation: 3, routeClasses: ['invite-lookup', 'signin'] };
      p.blocklist = { defaultExpiry: '7d', maxExpiry: '90d' };
    });
    const page = await privacyPage(policy);
    assert.ok(page.includes('<a href="#abuse">How we protect accounts from abuse</a>'), 'listed in the contents');
    const rows = tableRows(page, 'rate-limits');
    assert.deepEqual(
      rows.map((r) => [r.attrs['data-class'], ...r.cells]),
      [
        ['signin', 'Signing in', '20 per 1 minute per address, then blocked for 5 minutes', '10 per 15 minutes per account'],
        ['invite-lookup', 'Opening an invite link', '7 per 1 hour per address', '—'],
        ['exports', 'exports', '—', '3 per 1 day per account'],
      ],
    );
    const words = text(section(page, 'abuse'));
    assert.match(words, /After 9 failed attempts within 10 minutes \(opening an invite link, signing in\), further attempts from that address, or at that invite, are blocked for 2 hours, and each repeated block lasts 3 times longer/);
    assert.match(words, /your organisation sees the blocks that affected its members on its own audit page/);
    assert.match(words, /ends by itself, after at most 90 days/);
  });

  test('C21: a policy that declares no abuse protection publishes no such section', async () => {
    const page = await privacyPage(testPolicy());
    assert.ok(!page.includes('id="abuse"'));
    assert.ok(!page.includes('#abuse'));
  });
});
