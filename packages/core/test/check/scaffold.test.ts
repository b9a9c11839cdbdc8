import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { checkPolicy, scaffoldPolicy } from '@custodian/core/check';
import { loadPolicyFile } from '@custodian/core/policy';
import { testBackend } from '@custodian/core/testing';
import { openCheckDatabase, type CheckDatabase } from './fixtures.js';

const SQL = `
CREATE TABLE companies (id bigint PRIMARY KEY, name text NOT NULL, contract_ends_on date);
CREATE TABLE candidates (
  id uuid PRIMARY KEY, email text NOT NULL UNIQUE, email_verified boolean NOT NULL DEFAULT false,
  first_name text, last_name text, phone text, date_of_birth date, last_login_at timestamptz, created_at timestamptz NOT NULL
);
CREATE TABLE invites (
  id bigint PRIMARY KEY, company_id bigint NOT NULL REFERENCES companies (id),
  candidate_id uuid NOT NULL REFERENCES candidates (id), token_hash bytea NOT NULL, sent_at timestamptz
);
CREATE TABLE sessions (
  id uuid PRIMARY KEY, tenant_id text NOT NULL, invite_id bigint NOT NULL REFERENCES invites (id),
  ip_address inet, user_agent text, completed_at timestamptz
);
CREATE TABLE session_events (id bigint PRIMARY KEY, session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE, kind text NOT NULL, payload jsonb);
CREATE TABLE api_keys (id bigint PRIMARY KEY, company_id bigint NOT NULL REFERENCES companies (id), secret bytea NOT NULL, last4 text);
CREATE TABLE "Legacy Import" (id int);
`;

describe(`init: scaffoldPolicy (${testBackend()})`, () => {
  let h: CheckDatabase;
  let dir: string;
  before(async () => {
    h = await openCheckDatabase();
    // Inside the repository, so the draft's `@custodian/core/policy` import resolves.
    dir = mkdtempSync(join(dirname(fileURLToPath(import.meta.url)), '.scaffold-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  });

  test('the draft loads with definePolicy and passes checkPolicy against the same database, warnings aside', async () => {
    const schema = await h.schemaOf(SQL);
    const { source } = scaffoldPolicy(schema, { organization: 'Hiring Co', date: '2026-02-01' });
    const file = join(dir, 'custodian.config.ts');
    writeFileSync(file, source);
    const { policy } = await loadPolicyFile(file);
    const report = checkPolicy(policy, schema);
    assert.deepEqual(report.problems.filter((p) => p.severity === 'error'), []);
    assert.equal(report.ok, true);
    // sessions has a tenant column but no row-level security: the one warning.
    assert.deepEqual(report.problems.map((p) => [p.code, p.path]), [['rls-disabled', 'tables.sessions.tenant']]);
    assert.deepEqual(report.erasureOrder, ['session_events', 'sessions', 'invites', 'candidates']);

    assert.equal(policy.organization.name, 'Hiring Co');
    assert.equal(policy.effectiveDate, '2026-02-01');
    assert.deepEqual(Object.keys(policy.subjects), ['candidate']);
    assert.equal(policy.subjects.candidate!.table, 'candidates');
    assert.deepEqual(policy.subjects.candidate!.identities.email, { kind: 'email', column: 'email', lookup: 'normalized' });
    assert.deepEqual(policy.tables.invites!.owner, { subject: 'candidate', column: 'candidate_id' });
    assert.deepEqual(policy.tables.session_events!.owner, {
      subject: 'candidate',
      path: [
        { column: 'session_id', references: 'sessions.id' },
        { column: 'invite_id', references: 'invites.id' },
        { column: 'candidate_id', references: 'candidates.id' },
      ],
    });
    assert.equal(policy.tables.sessions!.tenant, 'tenant_id');
    assert.ok(policy.tables.companies!.notAboutPersons);
    // No foreign key leads from api_keys to a candidate: the secret is declared, not personal, and flagged.
    assert.deepEqual(policy.tables.api_keys!.columns.secret, { category: 'credential', secret: true, personal: false });
    assert.ok(!('Legacy Import' in policy.tables));
  });

  test('every likely personal column is flagged with a category and a TODO confirm comment', async () => {
    const schema = await h.schemaOf(SQL);
    const { source, flagged } = scaffoldPolicy(schema, { date: '2026-02-01' });
    assert.deepEqual(flagged.map((f) => `${f.table}.${f.column}:${f.category}`), [
      'api_keys.secret:credential',
      'candidates.email:contact',
      'candidates.first_name:profile',
      'candidates.last_name:profile',
      'candidates.phone:contact',
      'candidates.date_of_birth:date-of-birth',
      'invites.token_hash:credential',
      'sessions.ip_address:device',
      'sessions.user_agent:device',
    ]);
    assert.equal(new Set(flagged.map((f) => `${f.table}.${f.column}`)).size, 9);
    for (const f of flagged) {
      assert.match(source, new RegExp(`// TODO confirm: [^\\n]*\\n\\s+${f.column}: \\{ category: .${f.category}.`), `${f.table}.${f.column} carries a TODO`);
      assert.ok(f.reason.length > 0);
    }
    assert.match(source, /^import \{ definePolicy \} from '@custodian\/core\/policy';$/m);
    assert.match(source, /^export default definePolicy\(\{$/m);
    assert.match(source, /\/\/ Skipped table public\.Legacy Import: /);
    // Neither a boolean named like an email nor a timestamp named like a login is personal data.
    assert.ok(!flagged.some((f) => f.column === 'email_verified' || f.column === 'last_login_at'));
  });

  test('tenant-first keys: the subject key is id, its tenant the leading column, and composite foreign keys give owners', async () => {
    const schema = await h.schemaOf(`
      CREATE TABLE companies (id uuid PRIMARY KEY, name text NOT NULL);
      CREATE TABLE members (company_id uuid NOT NULL REFERENCES companies (id), id uuid NOT NULL, email text NOT NULL, PRIMARY KEY (company_id, id));
      CREATE TABLE candidates (company_id uuid NOT NULL REFERENCES companies (id), id uuid NOT NULL, email text, full_name text, PRIMARY KEY (company_id, id));
      CREATE TABLE invites (
        company_id uuid NOT NULL REFERENCES companies (id), id uuid NOT NULL, candidate_id uuid NOT NULL, invited_by uuid, token_hash bytea NOT NULL,
        PRIMARY KEY (company_id, id),
        FOREIGN KEY (company_id, candidate_id) REFERENCES candidates (company_id, id) ON DELETE CASCADE,
        FOREIGN KEY (company_id, invited_by) REFERENCES members (company_id, id) ON DELETE SET NULL (invited_by)
      );
      ALTER TABLE candidates ENABLE ROW LEVEL SECURITY;
      ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
    `);
    const file = join(dir, 'tenant-first.config.ts');
    writeFileSync(file, scaffoldPolicy(schema, { date: '2026-02-01' }).source);
    const { policy } = await loadPolicyFile(file);
    assert.deepEqual([policy.subjects.candidate?.key, policy.subjects.candidate?.tenant], ['id', 'company_id']);
    assert.deepEqual(policy.tables.invites!.owner, { subject: 'candidate', column: 'candidate_id' });
    assert.deepEqual([policy.tables.invites!.tenant, policy.tables.candidates!.tenant, policy.tables.members!.tenant], ['company_id', 'company_id', undefined]);
    const report = checkPolicy(policy, schema);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.erasureOrder, ['invites', 'candidates']);
  });

  test('subjectTable picks the subject, and without any table the draft still says what to do', async () => {
    const schema = await h.schemaOf(SQL);
    const { source } = scaffoldPolicy(schema, { subjectTable: 'companies', date: '2026-02-01' });
    assert.match(source, /company: \{/);
    assert.match(source, /table: 'companies'/);
    const empty = scaffoldPolicy({ schemas: [], tables: Object.create(null) }, { date: '2026-02-01' });
    assert.match(empty.source, /TODO: no table looks like one row per person/);
    assert.deepEqual(empty.flagged, []);
  });
});
