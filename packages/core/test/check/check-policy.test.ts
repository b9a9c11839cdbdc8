import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertPolicyFits, checkDatabase, checkPolicy, formatCheckReport, PolicyCheckError } from '@custodian/core/check';
import { definePolicy } from '@custodian/core/policy';
import { testBackend } from '@custodian/core/testing';
import { APP_SQL, appPolicy, openCheckDatabase, policyWith, type CheckDatabase } from './fixtures.js';

const CYCLE_SQL = `
CREATE TABLE people (id uuid PRIMARY KEY, email text);
CREATE TABLE teams (id bigint PRIMARY KEY, lead_membership_id bigint NOT NULL, owner_id uuid NOT NULL REFERENCES people (id));
CREATE TABLE memberships (id bigint PRIMARY KEY, team_id bigint NOT NULL REFERENCES teams (id), person_id uuid NOT NULL REFERENCES people (id));
ALTER TABLE teams ADD FOREIGN KEY (lead_membership_id) REFERENCES memberships (id);
`;

function cyclePolicy(breakable = false) {
  return definePolicy({
    version: '1',
    effectiveDate: '2026-01-01',
    organization: { name: 'Example', url: 'https://example.com' },
    contacts: { privacy: { email: 'privacy@example.com' }, security: { email: 'security@example.com' } },
    subjects: { person: { description: 'A person', table: 'people', identities: { id: { kind: 'id', column: 'id' } } } },
    tables: {
      people: { description: 'People', purpose: 'Accounts', owner: { subject: 'person', column: 'id' }, columns: { email: { category: 'contact' } } },
      teams: { description: 'Teams', purpose: 'Work', owner: { subject: 'person', column: 'owner_id' }, erase: { action: 'delete-row' }, columns: {} },
      memberships: {
        description: 'Memberships',
        purpose: 'Work',
        owner: breakable
          ? { subject: 'person', column: 'person_id' }
          : { subject: 'person', path: [{ column: 'team_id', references: 'teams.id' }, { column: 'owner_id', references: 'people.id' }] },
        erase: { action: 'delete-row' },
        columns: {},
      },
    },
  });
}

describe(`check: policies that fit, erasure order, report (${testBackend()})`, () => {
  let h: CheckDatabase;
  before(async () => {
    h = await openCheckDatabase();
  });
  after(() => h.close());

  test('a policy that fits reports no problem and deletes children before parents', async () => {
    const schema = await h.schemaOf(APP_SQL);
    const report = checkPolicy(policyWith(() => {}), schema);
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    // comments cascade from projects but also reference users; events hang off sessions; users go last.
    assert.deepEqual(report.erasureOrder, ['comments', 'projects', 'session_events', 'sessions', 'users']);
    assert.deepEqual(report.summary, {
      tables: 8,
      databaseTables: 8,
      columns: 10,
      personalColumns: 10,
      encryptedColumns: 1,
      subjects: 1,
      ownedTables: 7,
      errors: 0,
      warnings: 0,
    });
    // Reviews are reassigned and tax forms retained: their rows stay, so they are not in the order.
    assert.ok(!report.erasureOrder.includes('reviews') && !report.erasureOrder.includes('tax_forms'));
  });

  test('checkDatabase introspects and checks in one call, and the report survives JSON', async () => {
    await h.schemaOf(APP_SQL);
    const report = await checkDatabase(h.db, definePolicy(appPolicy()));
    assert.equal(report.ok, true);
    assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
    assert.doesNotThrow(() => assertPolicyFits(report));
  });

  test('erasure-cycle: NOT NULL keys with no ON DELETE action that reference each other', async () => {
    const schema = await h.schemaOf(CYCLE_SQL);
    const report = checkPolicy(cyclePolicy(), schema);
    assert.equal(report.ok, false);
    const cycle = report.problems.filter((p) => p.code === 'erasure-cycle');
    assert.equal(cycle.length, 1);
    assert.equal(cycle[0]!.path, 'tables.teams');
    assert.match(cycle[0]!.message, /teams, memberships/);
    assert.match(cycle[0]!.message, /teams\(lead_membership_id\) → memberships/);
    assert.match(cycle[0]!.message, /memberships\(team_id\) → teams/);
    // Every table is still listed, so a caller can show what it could not order.
    assert.deepEqual([...report.erasureOrder].sort(), ['memberships', 'people', 'teams']);
    assert.equal(report.erasureOrder.at(-1), 'people');
    assert.throws(() => assertPolicyFits(report), (e: unknown) => e instanceof PolicyCheckError && e.code === 'ERR_POLICY_CHECK_FAILED' && e.report === report);
  });

  test('a nullable or deferrable key breaks the cycle, and the order follows the keys that remain', async () => {
    for (const fix of ['ALTER TABLE teams ALTER COLUMN lead_membership_id DROP NOT NULL;', 'ALTER TABLE teams DROP CONSTRAINT teams_lead_membership_id_fkey; ALTER TABLE teams ADD FOREIGN KEY (lead_membership_id) REFERENCES memberships (id) DEFERRABLE;']) {
      const schema = await h.schemaOf(`${CYCLE_SQL} ${fix}`);
      const report = checkPolicy(cyclePolicy(true), schema);
      assert.deepEqual(report.problems, [], fix);
      // memberships reference teams through a NOT NULL key, so they go first; teams' key to memberships is the one set aside.
      assert.deepEqual(report.erasureOrder, ['memberships', 'teams', 'people'], fix);
    }
  });

  test('formatCheckReport: one line per problem with its path, message, hint and code, then the summary and order', async () => {
    const schema = await h.schemaOf(APP_SQL);
    const report = checkPolicy(
      policyWith((p) => {
        p.tables.users!.columns!.email!.erase = { action: 'set-null' };
        delete p.tables.users!.columns!.display_name;
      }),
      schema,
    );
    const text = formatCheckReport(report);
    const lines = text.split('\n');
    assert.equal(lines[0], '✗ the policy does not fit the database: 1 error, 1 warning');
    assert.ok(
      lines.includes(
        '  ✗ tables.users.columns.email.erase  set-null on NOT NULL column users.email — hint: use pseudonymize or set-literal instead, or make the column nullable (ALTER TABLE users ALTER COLUMN email DROP NOT NULL) [set-null-not-null]',
      ),
    );
    assert.ok(lines.some((l) => l.startsWith('  ⚠ tables.users.columns.display_name  column users.display_name looks like profile data')));
    assert.ok(lines.indexOf('Errors (1)') < lines.indexOf('Warnings (1)'));
    assert.match(text, /Checked 8 tables \(8 in the database\), 9 columns \(9 personal, 1 encrypted\), 1 subject, 7 owned by a subject\./);
    assert.equal(lines.at(-1), 'Erasure order: comments → projects → session_events → sessions → users');
    assert.match(formatCheckReport(checkPolicy(policyWith(() => {}), schema)), /^✓ the policy fits the database\n/);
  });
});
