import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkPolicy, type CheckCode } from '@custodian/core/check';
import type { PolicyInput } from '@custodian/core/policy';
import { testBackend } from '@custodian/core/testing';
import { APP_SQL, openCheckDatabase, policyWith, type CheckDatabase } from './fixtures.js';

interface Case {
  name: string;
  /** Schema for this case; APP_SQL when left out. */
  sql?: string;
  change(p: PolicyInput): void;
  code: CheckCode;
  path: string;
  /** Table and column names the message must mention. */
  names: string[];
  /** Every other problem the broken policy must cause, and no more. */
  also?: CheckCode[];
  /** Text that must not appear: the values the policy gave. */
  secret?: string;
}

const tables = (p: PolicyInput) => p.tables as Record<string, NonNullable<PolicyInput['tables'][string]>>;
const columns = (p: PolicyInput, table: string) => tables(p)[table]!.columns!;

const CASES: Case[] = [
  {
    name: 'a table the policy names does not exist',
    change: (p) => {
      tables(p).projets = tables(p).projects!;
      delete tables(p).projects;
    },
    code: 'table-missing',
    path: 'tables.projets',
    names: ['projets'],
    // Left out of the policy, projects' NOT NULL key to users now blocks deleting a user.
    also: ['erase-blocked-by-reference'],
  },
  {
    name: 'a declared column does not exist',
    change: (p) => {
      const c = columns(p, 'users');
      c.emial = c.email!;
      delete c.email;
    },
    code: 'column-missing',
    path: 'tables.users.columns.emial',
    names: ['users.emial'],
    also: ['column-undeclared'],
  },
  {
    name: 'the soft-delete column does not exist',
    change: (p) => void (tables(p).users!.softDelete = 'removed_at'),
    code: 'column-missing',
    path: 'tables.users.softDelete',
    names: ['users.removed_at'],
  },
  {
    name: 'the tenant column does not exist',
    change: (p) => void (tables(p).projects!.tenant = 'org_id'),
    code: 'column-missing',
    path: 'tables.projects.tenant',
    names: ['projects.org_id'],
  },
  {
    name: 'an owner path hop follows no foreign key',
    change: (p) => {
      tables(p).session_events!.owner = { subject: 'user', path: [{ column: 'id', references: 'sessions.id' }, { column: 'user_id', references: 'users.id' }] };
    },
    code: 'owner-hop-not-foreign-key',
    path: 'tables.session_events.owner.path[0]',
    names: ['session_events.id', 'sessions.id'],
    also: ['personal-unreachable'],
  },
  {
    name: 'set-null on a NOT NULL column',
    change: (p) => void (columns(p, 'users').email!.erase = { action: 'set-null' }),
    code: 'set-null-not-null',
    path: 'tables.users.columns.email.erase',
    names: ['users.email'],
  },
  {
    name: 'set-literal with a string into an integer column',
    change: (p) => void (columns(p, 'reviews').rating!.erase = { action: 'set-literal', value: 'n/a' }),
    code: 'set-literal-type',
    path: 'tables.reviews.columns.rating.erase',
    names: ['reviews.rating', 'integer'],
    secret: 'n/a',
  },
  {
    name: 'set-literal on a UNIQUE column',
    change: (p) => void (columns(p, 'users').email!.erase = { action: 'set-literal', value: 'erased@example.invalid' }),
    code: 'set-literal-unique',
    path: 'tables.users.columns.email.erase',
    names: ['users.email', 'users_email_key'],
    secret: 'erased@',
  },
  {
    name: 'pseudonymize a UNIQUE column without {uuid}',
    change: (p) => void (columns(p, 'users').email!.erase = { action: 'pseudonymize', template: 'erased@example.invalid' }),
    code: 'pseudonym-not-unique',
    path: 'tables.users.columns.email.erase',
    names: ['users.email'],
    secret: 'erased@',
  },
  {
    name: 'pseudonymize a column that is not text',
    change: (p) => void (columns(p, 'reviews').rating!.erase = { action: 'pseudonymize', template: 'r-{uuid}' }),
    code: 'pseudonym-column-type',
    path: 'tables.reviews.columns.rating.erase',
    names: ['reviews.rating', 'integer'],
  },
  {
    name: 'a pseudonym longer than its varchar column',
    change: (p) => void (columns(p, 'users').display_name!.erase = { action: 'pseudonymize', template: 'deleted-{uuid}-{uuid}-user' }),
    code: 'pseudonym-too-long',
    path: 'tables.users.columns.display_name.erase.template',
    names: ['users.display_name', 'character varying(80)'],
  },
  {
    name: 'reassign on a column that is not a foreign key to the subject',
    sql: `${APP_SQL} CREATE TABLE likes (id bigint PRIMARY KEY, user_ref uuid NOT NULL);`,
    change: (p) => {
      tables(p).likes = { description: 'Likes', purpose: 'Counts', owner: { subject: 'user', column: 'user_ref' }, columns: { user_ref: { category: 'identifier', erase: { action: 'reassign' } } } };
    },
    code: 'reassign-not-foreign-key',
    path: 'tables.likes.columns.user_ref.erase',
    names: ['likes.user_ref', 'users.id'],
    also: ['owner-column-not-foreign-key'],
  },
  {
    name: 'reassign on a column under a composite primary key',
    sql: `${APP_SQL} CREATE TABLE memberships (plan_id text NOT NULL REFERENCES plans (id), user_id uuid NOT NULL REFERENCES users (id), PRIMARY KEY (plan_id, user_id));`,
    change: (p) => {
      tables(p).memberships = { description: 'Plan memberships', purpose: 'Billing', owner: { subject: 'user', column: 'user_id' }, columns: { user_id: { category: 'identifier', erase: { action: 'reassign' } } } };
    },
    code: 'reassign-unique-collision',
    path: 'tables.memberships.columns.user_id.erase',
    names: ['memberships.user_id', 'memberships_pkey', 'plan_id'],
  },
  {
    name: 'a placeholder key that is not a uuid for a uuid key',
    change: (p) => void (p.subjects.user!.placeholder = { key: 'deleted-user' }),
    code: 'placeholder-key-type',
    path: 'subjects.user.placeholder.key',
    names: ['users.id', 'uuid'],
    secret: 'deleted-user',
  },
  {
    name: 'an encrypted column of type inet',
    change: (p) => void (columns(p, 'sessions').ip!.encryption = { keyScope: 'root' }),
    code: 'encrypted-column-type',
    path: 'tables.sessions.columns.ip.encryption',
    names: ['sessions.ip', 'inet'],
  },
  {
    name: 'a mask stored in a timestamp column',
    change: (p) => void (columns(p, 'tax_forms').ssn!.encryption!.mask = { column: 'created_at' }),
    code: 'mask-column-type',
    path: 'tables.tax_forms.columns.ssn.encryption.mask.column',
    names: ['tax_forms.created_at', 'timestamp with time zone'],
  },
  {
    name: 'a blind index stored in a bigint column',
    change: (p) => void (columns(p, 'tax_forms').ssn!.encryption!.blindIndex = { column: 'id' }),
    code: 'blind-index-column-type',
    path: 'tables.tax_forms.columns.ssn.encryption.blindIndex.column',
    names: ['tax_forms.id', 'bigint'],
  },
  {
    name: 'a soft-delete column that is not a timestamp',
    change: (p) => void (tables(p).users!.softDelete = 'id'),
    code: 'soft-delete-type',
    path: 'tables.users.softDelete',
    names: ['users.id', 'uuid'],
  },
  {
    name: 'an activity column that is not a timestamp',
    change: (p) => void (p.subjects.user!.activity = ['users.language']),
    code: 'activity-column-type',
    path: 'subjects.user.activity[0]',
    names: ['users.language', 'text'],
  },
  {
    name: 'a retention rule measured from a bigint',
    change: (p) => void ((p.retention![0] as { from: string }).from = 'id'),
    code: 'retention-from-type',
    path: 'retention[0].from',
    names: ['tax_forms.id', 'bigint'],
  },
  {
    name: 'a retention condition comparing inet with a number',
    change: (p) => void ((p.retention![1] as { where?: unknown[] }).where = [{ column: 'ip', equals: 42 }]),
    code: 'retention-where-type',
    path: 'retention[1].where[0].equals',
    names: ['sessions.ip', 'inet'],
  },
  {
    name: 'a normalized lookup on a timestamp identity',
    change: (p) => void (p.subjects.user!.identities.signup = { kind: 'external', column: 'created_at', lookup: 'normalized' }),
    code: 'identity-column-type',
    path: 'subjects.user.identities.signup.lookup',
    names: ['users.created_at'],
  },
  {
    name: 'an erase action on an identity column',
    change: (p) => void (columns(p, 'projects').id = { category: 'identifier', erase: { action: 'set-literal', value: 0 } }),
    code: 'erase-generated-column',
    path: 'tables.projects.columns.id.erase',
    names: ['projects.id'],
  },
  {
    name: 'kept rows whose NO ACTION key blocks deleting the user',
    change: (p) => {
      delete columns(p, 'reviews').reviewer_id!.erase;
      tables(p).reviews!.erase = { action: 'keep', reason: 'Reviews stay' };
    },
    code: 'erase-blocked-by-reference',
    path: 'tables.reviews',
    names: ['reviews.reviewer_id', 'users'],
  },
  {
    name: 'ON DELETE SET NULL on a NOT NULL column would fail the delete',
    sql: `${APP_SQL} CREATE TABLE notes (id bigint PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id) ON DELETE SET NULL);`,
    change: () => {},
    code: 'erase-blocked-by-reference',
    path: 'tables.users',
    names: ['notes.user_id', 'SET NULL on a NOT NULL column'],
  },
  {
    name: 'retained rows that deleting the user would cascade away',
    sql: `${APP_SQL} CREATE TABLE invoices (id bigint PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE, amount_cents int NOT NULL);`,
    change: (p) => {
      tables(p).invoices = { description: 'Invoices', purpose: 'Billing', owner: { subject: 'user', column: 'user_id' }, erase: { action: 'retain', until: 'tax-records', reason: 'Tax law' }, columns: {} };
    },
    code: 'erase-cascade-retained',
    path: 'tables.invoices',
    names: ['invoices.user_id', 'users'],
  },
  {
    name: 'the tenant table the policy declares does not exist',
    change: (p) => {
      tables(p).organisations = { description: 'Organisations', purpose: 'Tenancy', notAboutPersons: 'Organisations', columns: {} };
      p.tenants = { table: 'organisations' };
    },
    code: 'table-missing',
    path: 'tenants.table',
    names: ['organisations'],
    also: ['table-missing'],
  },
  {
    name: 'a retention stage marks a column that does not exist',
    change: (p) => {
      (p.retention ??= []).push({ id: 'anon', description: 'x', basis: 'operational', table: 'reviews', from: 'users.created_at', stages: [{ after: '30d', action: 'anonymize', mark: 'anonymised_at' }] });
    },
    code: 'column-missing',
    path: 'retention[2].stages[0].mark',
    names: ['reviews.anonymised_at'],
  },
];

describe(`check: broken policies (${testBackend()})`, () => {
  let h: CheckDatabase;
  before(async () => {
    h = await openCheckDatabase();
  });
  after(() => h.close());

  for (const c of CASES) {
    test(`${c.code}: ${c.name}`, async () => {
      const schema = await h.schemaOf(c.sql ?? APP_SQL);
      const report = checkPolicy(policyWith(c.change), schema);
      const found = report.problems.find((p) => p.code === c.code && p.path === c.path);
      assert.ok(found, `expected ${c.code} at ${c.path}, got ${JSON.stringify(report.problems.map((p) => [p.code, p.path]))}`);
      for (const name of c.names) assert.match(found.message, new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `message names ${name}`);
      assert.ok(found.hint.length > 10, 'has a hint');
      if (c.secret) assert.ok(!found.message.includes(c.secret) && !found.hint.includes(c.secret), 'message carries no policy value');
      assert.deepEqual(report.problems.map((p) => p.code).sort(), [c.code, ...(c.also ?? [])].sort());
      assert.equal(found.severity, 'error');
      assert.equal(report.ok, false);
    });
  }

  test('column-undeclared: a personal-looking column the policy leaves out is a warning', async () => {
    const schema = await h.schemaOf(APP_SQL);
    const report = checkPolicy(policyWith((p) => void delete columns(p, 'users').display_name), schema);
    assert.deepEqual(report.problems.map((p) => [p.code, p.path, p.severity]), [['column-undeclared', 'tables.users.columns.display_name', 'warning']]);
    assert.match(report.problems[0]!.message, /users\.display_name/);
    assert.equal(report.ok, true);
  });

  test('table-undeclared: a table with personal-looking columns left out of the policy', async () => {
    const schema = await h.schemaOf(APP_SQL);
    const report = checkPolicy(
      policyWith((p) => {
        delete tables(p).sessions;
        delete tables(p).session_events;
        p.retention!.pop();
      }),
      schema,
    );
    const undeclared = report.problems.find((p) => p.code === 'table-undeclared');
    assert.equal(undeclared?.path, 'tables.sessions');
    assert.match(undeclared!.message, /sessions .*\(ip\)/);
    // And the rows it leaves behind would block deleting the user.
    const blocked = report.problems.find((p) => p.code === 'erase-blocked-by-reference');
    assert.equal(blocked?.path, 'tables.users');
    assert.match(blocked!.message, /sessions\.user_id references users/);
  });

  test('rls-disabled: a tenant column on a table without row-level security', async () => {
    const schema = await h.schemaOf(`${APP_SQL} ALTER TABLE projects ADD COLUMN tenant_id text;`);
    const report = checkPolicy(policyWith((p) => void (tables(p).projects!.tenant = 'tenant_id')), schema);
    assert.deepEqual(report.problems.map((p) => [p.code, p.path, p.severity]), [['rls-disabled', 'tables.projects.tenant', 'warning']]);
    assert.equal(report.ok, true);
    const withRls = await h.schemaOf(`${APP_SQL} ALTER TABLE projects ADD COLUMN tenant_id text; ALTER TABLE projects ENABLE ROW LEVEL SECURITY;`);
    assert.deepEqual(checkPolicy(policyWith((p) => void (tables(p).projects!.tenant = 'tenant_id')), withRls).problems, []);
  });
});
