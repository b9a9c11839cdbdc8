import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { APP_ROLE, type Database } from '@custodian/core/db';
import { randomBytes } from 'node:crypto';
import { checkpointSignerFromSeed, createAuditAppender, writeCheckpoints } from '@custodian/core/audit';
import { Secret } from '@custodian/core/crypto';
import { testBackend } from '@custodian/core/testing';
import { openAuditDatabase, sampleEvent } from './helpers.js';

type Failure = Error & { code?: string };
const refusedByTrigger = (op: string) => (e: Failure) => e.code === 'ERR_DB_QUERY_FAILED' && e.message.includes(`is append-only: ${op} refused`);
const refusedByGrant = (e: Failure) => e.code === 'ERR_DB_QUERY_FAILED' && /permission denied/.test(e.message);

describe(`the audit log is append-only in the database (${testBackend()})`, () => {
  let db: Database;
  const audit = createAuditAppender({ references: { subject: 'candidate_ref', session: 'session_ref' } });
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.audit_events')).rows[0]!.n;

  before(async () => {
    db = await openAuditDatabase();
    // An application's own tables and its reference columns, as its migration would add them (docs/audit.md).
    await db.exec(`
      CREATE TABLE candidates (id text PRIMARY KEY);
      CREATE TABLE sessions (id bigint PRIMARY KEY, candidate_id text REFERENCES candidates (id) ON DELETE CASCADE);
      GRANT SELECT, INSERT, DELETE ON candidates, sessions TO custodian_app;
      ALTER TABLE custodian.audit_events ADD COLUMN candidate_ref text REFERENCES candidates (id) ON DELETE SET NULL;
      ALTER TABLE custodian.audit_events ADD COLUMN session_ref bigint REFERENCES sessions (id) ON DELETE SET NULL;
      INSERT INTO candidates VALUES ('cand-1'), ('cand-2');
      INSERT INTO sessions VALUES (41, 'cand-1'), (42, 'cand-2');`);
    await audit.appendCommitted(db, sampleEvent('acme', 1, { subject: 'cand-1', session: '41' }));
    await audit.appendCommitted(db, sampleEvent('acme', 2, { subject: 'cand-2', session: '42' }));
    const { session: _, ...noSession } = sampleEvent('acme', 3, { subject: 'cand-2' });
    await audit.appendCommitted(db, noSession);
  });
  after(() => db.close());

  test('C3: an UPDATE of an audit event is refused for the owner and the app role', async () => {
    await assert.rejects(db.query(`UPDATE custodian.audit_events SET action = 'plan.cancel' WHERE seq = 1`), refusedByTrigger('UPDATE'));
    await assert.rejects(db.query(`UPDATE custodian.audit_events SET candidate_ref = NULL WHERE seq = 1`), refusedByTrigger('UPDATE'));
    await assert.rejects(
      db.transaction((tx) => tx.query(`UPDATE custodian.audit_events SET action = 'plan.cancel'`), { role: APP_ROLE, tenantId: 'acme' }),
      refusedByGrant,
    );
    const { rows } = await db.query<{ action: string }>('SELECT action FROM custodian.audit_events WHERE seq = 1');
    assert.equal(rows[0]!.action, 'plan.change');
  });

  test('C3: a DELETE of an audit event is refused for the owner and the app role', async () => {
    await assert.rejects(db.query(`DELETE FROM custodian.audit_events WHERE seq = 3`), refusedByTrigger('DELETE'));
    await assert.rejects(db.transaction((tx) => tx.query(`DELETE FROM custodian.audit_events`), { role: APP_ROLE, tenantId: 'acme' }), refusedByGrant);
    assert.equal(await count(), 3);
  });

  test('C3: TRUNCATE of the audit log is refused for the owner and the app role', async () => {
    await assert.rejects(db.query('TRUNCATE custodian.audit_events'), refusedByTrigger('TRUNCATE'));
    await assert.rejects(db.query('TRUNCATE custodian.audit_checkpoints'), refusedByTrigger('TRUNCATE'));
    await assert.rejects(db.transaction((tx) => tx.query('TRUNCATE custodian.audit_events'), { role: APP_ROLE }), refusedByGrant);
    assert.equal(await count(), 3);
  });

  test('C3: the application role holds no UPDATE, DELETE or TRUNCATE grant on any audit table, nor INSERT on the events', async () => {
    const { rows } = await db.query<{ table_name: string; privilege_type: string }>(
      `SELECT table_name, privilege_type FROM information_schema.role_table_grants
        WHERE grantee = $1 AND table_schema = 'custodian' AND table_name LIKE 'audit%' ORDER BY 1, 2`,
      [APP_ROLE],
    );
    assert.deepEqual(rows.map((r) => `${r.table_name}:${r.privilege_type}`), ['audit_archives:SELECT', 'audit_checkpoints:INSERT', 'audit_checkpoints:SELECT', 'audit_events:SELECT']);
    await assert.rejects(
      db.transaction((tx) => tx.query(`INSERT INTO custodian.audit_events SELECT * FROM custodian.audit_events WHERE seq = 1`), { role: APP_ROLE, tenantId: 'acme' }),
      refusedByGrant,
    );
  });

  test('C5: deleting a referenced candidate and session nulls the foreign keys and keeps the ids as text; nothing else changes', async () => {
    const before = (await db.query('SELECT * FROM custodian.audit_events ORDER BY seq')).rows;
    assert.equal(before[0]!.candidate_ref, 'cand-1');
    assert.equal(before[0]!.session_ref, 41);
    // As the application role: the foreign-key action is the one UPDATE the trigger lets through.
    await db.transaction((tx) => tx.query(`DELETE FROM candidates WHERE id = 'cand-1'`), { role: APP_ROLE });
    await db.query(`DELETE FROM sessions WHERE id = 42`);
    const afterRows = (await db.query('SELECT * FROM custodian.audit_events ORDER BY seq')).rows;
    assert.deepEqual(afterRows.map((r) => [r.candidate_ref, r.session_ref]), [[null, null], ['cand-2', null], ['cand-2', null]]);
    for (const [i, row] of afterRows.entries()) {
      assert.deepEqual({ ...row, candidate_ref: undefined, session_ref: undefined }, { ...before[i]!, candidate_ref: undefined, session_ref: undefined });
    }
    assert.deepEqual(afterRows.map((r) => [r.subject_id, r.session_id]), [['cand-1', '41'], ['cand-2', '42'], ['cand-2', null]]);
  });

  test('C5: an update that sets a reference to NULL and changes anything else is refused, even nested in a trigger', async () => {
    await db.exec(`
      CREATE TABLE sneaky (id int);
      CREATE FUNCTION sneaky_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN UPDATE custodian.audit_events SET candidate_ref = NULL, purpose = 'other' WHERE seq = 3; RETURN NEW; END $$;
      CREATE TRIGGER sneaky AFTER INSERT ON sneaky FOR EACH ROW EXECUTE FUNCTION sneaky_update();`);
    await assert.rejects(db.query('INSERT INTO sneaky VALUES (1)'), refusedByTrigger('UPDATE'));
    const { rows } = await db.query<{ purpose: string; candidate_ref: string }>('SELECT purpose, candidate_ref FROM custodian.audit_events WHERE seq = 3');
    assert.deepEqual(rows[0], { purpose: 'billing', candidate_ref: 'cand-2' });
  });

  test('C3: checkpoints cannot be changed or removed either', async () => {
    const written = await writeCheckpoints(db, checkpointSignerFromSeed(new Secret(Uint8Array.from(randomBytes(32)))));
    assert.deepEqual(written.map((c) => [c.tenant, c.size]), [['acme', 3]]);
    await assert.rejects(db.query(`UPDATE custodian.audit_checkpoints SET note = 'x'`), refusedByTrigger('UPDATE'));
    await assert.rejects(db.query(`DELETE FROM custodian.audit_checkpoints`), refusedByTrigger('DELETE'));
    await assert.rejects(db.transaction((tx) => tx.query(`DELETE FROM custodian.audit_checkpoints`), { role: APP_ROLE, tenantId: 'acme' }), refusedByGrant);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM custodian.audit_checkpoints');
    assert.equal(rows[0]!.n, 1);
  });
});
