// The retention sweep: one age rule hard-deleting 1,000,000 due rows of a
// 5,000,000-row table (`--quick`: 100,000 of 500,000) with runRetention —
// keyset batches, each its own transaction sized to the batch budget, a
// renewed lease per batch — in rows per second and its longest single
// statement, next to the raw limit in the same run: one plain
// `DELETE … WHERE created_at < cut` of the same rows in an identical table.
// Then the same for a soft-delete stage (an UPDATE setting deleted_at) against
// one plain UPDATE.
//
// PostgreSQL when DATABASE_URL is set (a fresh database, dropped afterwards),
// else embedded PGlite, which always gets the quick sizes: its tables live in
// memory, and 4 × 5,000,000 rows of ~250 bytes with their indexes come to
// about 5 GB, more than a 32-bit WebAssembly heap holds. The goals are for
// PostgreSQL.
import { loadavg } from 'node:os';
import { checkPolicy, introspect } from '@custodian/core/check';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { definePolicy, type Policy } from '@custodian/core/policy';
import { runRetention, type RetentionRunResult } from '@custodian/core/retention';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { report, time, type Result } from '../report.js';

const USERS = 10_000;
const GOAL_ROWS_PER_S = 50_000;
const GOAL_STATEMENT_MS = 1_000;

/** Swept by the rules (A, C) and by one plain statement (B, D); each pair is built by the same SQL. */
const TABLES = { sweep: 'bench_events_a', rawDelete: 'bench_events_b', soft: 'bench_events_c', rawUpdate: 'bench_events_d' } as const;

const USERS_SQL = `
  CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL);
  INSERT INTO users SELECT g, 'user-' || g || '@example.test', now() - interval '800 days' FROM generate_series(1, ${USERS}) g;`;

/**
 * An event log as products keep one: ids rise with time, so the due rows
 * are the oldest ids; every row belongs to a user (a foreign key, indexed for
 * erasure). Rows 1..due are 366–731 days old and the rest 0–364 days, so with
 * a 365-day rule exactly `due` rows are due whatever second the run starts.
 * Text columns of realistic width: ~10, ~60 and ~110 characters.
 */
async function buildTable(db: Database, table: string, rows: number, due: number, base: Date): Promise<void> {
  await db.exec(`CREATE TABLE ${table} (
    id bigint NOT NULL, user_id bigint NOT NULL, created_at timestamptz NOT NULL,
    kind text NOT NULL, path text NOT NULL, user_agent text, deleted_at timestamptz)`);
  await db.query(
    `INSERT INTO ${table} (id, user_id, created_at, kind, path, user_agent)
     SELECT g, 1 + (g * 7919) % ${USERS},
       CASE WHEN g <= $2 THEN $1::timestamptz - interval '366 days' - ((($2 - g)::float8 / $2) * interval '365 days')
            ELSE $1::timestamptz - interval '364 days' + (((g - $2 - 1)::float8 / ($3 - $2)) * interval '364 days') END,
       (ARRAY['page.view', 'api.call', 'login', 'export', 'search', 'upload'])[1 + g % 6],
       '/v1/projects/' || (g % 977) || '/documents/' || md5(g::text),
       'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/' || (100 + g % 30) || '.0.0.0 Safari/537.36'
     FROM generate_series(1, $3::bigint) g`,
    [base, due, rows],
  );
  // Indexes and the foreign key after the load: one sort and one validating join each, not a check per row.
  await db.exec(`
    ALTER TABLE ${table} ADD PRIMARY KEY (id);
    CREATE INDEX ${table}_created_at ON ${table} (created_at);
    CREATE INDEX ${table}_user_id ON ${table} (user_id);
    ALTER TABLE ${table} ADD FOREIGN KEY (user_id) REFERENCES users (id);`);
  // Its own statement: VACUUM cannot run inside the implicit transaction of a multi-statement string.
  await db.exec(`VACUUM ANALYZE ${table}`);
}

/** One subject and the two swept tables; the raw tables are not the policy's business. */
function benchPolicy(): Policy {
  const events = (description: string) => ({
    description,
    purpose: 'Product analytics',
    owner: { subject: 'user', column: 'user_id' },
    erase: { action: 'delete-row' as const },
    columns: {
      kind: { category: 'usage' as const },
      path: { category: 'usage' as const },
      user_agent: { category: 'device' as const },
    },
  });
  return definePolicy({
    version: '1.0',
    effectiveDate: '2026-12-01',
    organization: { name: 'Bench Inc', url: 'https://bench.example' },
    contacts: { privacy: { email: 'privacy@bench.example' }, security: { email: 'security@bench.example' } },
    subjects: { user: { description: 'A person with an account', table: 'users', identities: { id: { kind: 'id', column: 'id' }, email: { kind: 'email', column: 'email' } } } },
    tables: {
      users: { description: 'Accounts', purpose: 'Sign-in', owner: { subject: 'user', column: 'id' }, columns: { email: { category: 'contact', erase: { action: 'pseudonymize', template: 'deleted-{uuid}@deleted.invalid' } } } },
      [TABLES.sweep]: events('Product events'),
      [TABLES.soft]: { ...events('Product events, soft-deleted first'), softDelete: 'deleted_at' },
    },
    retention: [
      { id: 'events-1y', description: 'Product events', basis: 'operational', table: TABLES.sweep, from: 'created_at', stages: [{ after: '365d', action: 'hard-delete' }] },
      { id: 'events-soft-1y', description: 'Product events, hidden', basis: 'operational', table: TABLES.soft, from: 'created_at', stages: [{ after: '365d', action: 'soft-delete' }] },
    ],
  });
}

/** Throws unless exactly the due rows are gone (or marked) and every other row is untouched. */
async function verify(db: Database, table: string, rows: number, due: number, base: Date, how: 'deleted' | 'marked'): Promise<void> {
  const { rows: r } = await db.query<{ total: string; old: string; marked: string; fresh: string; min_id: string }>(
    `SELECT count(*) AS total,
       count(*) FILTER (WHERE created_at < $1::timestamptz - interval '365 days' AND deleted_at IS NULL) AS old,
       count(*) FILTER (WHERE deleted_at IS NOT NULL) AS marked,
       count(*) FILTER (WHERE created_at >= $1::timestamptz - interval '365 days' AND deleted_at IS NULL) AS fresh,
       min(id) FILTER (WHERE deleted_at IS NULL) AS min_id
     FROM ${table}`,
    [base],
  );
  const got = { total: Number(r[0]!.total), old: Number(r[0]!.old), marked: Number(r[0]!.marked), fresh: Number(r[0]!.fresh), minId: Number(r[0]!.min_id) };
  const want = how === 'deleted' ? { total: rows - due, old: 0, marked: 0, fresh: rows - due, minId: due + 1 } : { total: rows, old: 0, marked: due, fresh: rows - due, minId: due + 1 };
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${table}: expected ${JSON.stringify(want)} after the sweep, found ${JSON.stringify(got)}`);
}

/**
 * Times one rule's run. Each progress call ends a batch, so the gaps between
 * them are each batch's wall time with its lease renewal and commit; they go
 * to stderr as `rows@ms`, with what came after the last one (a final
 * statement that changed nothing, the audit event and the run record).
 */
async function sweep(db: Database, policy: Policy, schema: Awaited<ReturnType<typeof introspect>>, rule: string) {
  let result: RetentionRunResult | undefined;
  const batches: Array<{ rows: number; ms: number }> = [];
  let last = 0;
  let previousRows = 0;
  const started = performance.now();
  const ms = await time(async () => {
    last = performance.now();
    result = await runRetention(db, policy, schema, {
      rules: [rule],
      trigger: 'bench',
      progress: (p) => {
        const now = performance.now();
        batches.push({ rows: p.rows - previousRows, ms: now - last });
        previousRows = p.rows;
        last = now;
      },
    });
  });
  const afterLastBatchMs = started + ms - last;
  const step = result!.steps.find((s) => s.rule === rule);
  if (!step || step.skipped) throw new Error(`rule ${rule} did not run${step?.skipped ? ` (${step.skipped})` : ''}`);
  process.stderr.write(`${rule}: batches (rows@ms) ${batches.map((b) => `${b.rows}@${Math.round(b.ms)}`).join(' ')}; then ${Math.round(afterLastBatchMs)} ms\n`);
  return {
    ms,
    step,
    longestBatchMs: Math.max(0, ...batches.map((b) => b.ms)),
    largestBatch: Math.max(0, ...batches.map((b) => b.rows)),
    afterLastBatchMs,
  };
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const backend = testBackend();
  const small = quick || backend === 'pglite';
  const rows = small ? 500_000 : 5_000_000;
  const due = small ? 100_000 : 1_000_000;
  const db = await openTestDatabase();
  const results: Result[] = [];
  const ratios: Record<string, number> = {};
  const fmt = (n: number) => n.toLocaleString('en-US');
  try {
    await migrate(db, coreMigrations());
    const base = new Date();
    const buildMs = await time(async () => {
      await db.exec(USERS_SQL);
      for (const table of Object.values(TABLES)) await buildTable(db, table, rows, due, base);
    });
    process.stderr.write(`built 4 tables of ${fmt(rows)} rows (${fmt(due)} due) in ${(buildMs / 1000).toFixed(1)} s\n`);
    const policy = benchPolicy();
    const schema = await introspect(db);
    const check = checkPolicy(policy, schema);
    if (!check.ok) throw new Error(`the bench policy does not fit its tables: ${check.problems.filter((p) => p.severity === 'error').map((p) => p.code).join(', ')}`);
    // Each measurement starts from a checkpoint, so none inherits another's dirty pages or pays
    // another's full-page writes.
    const checkpoint = () => db.exec('CHECKPOINT');
    const loadBefore = loadavg()[0]!.toFixed(1);

    // Hard delete: the sweep, then the raw limit.
    await checkpoint();
    const hard = await sweep(db, policy, schema, 'events-1y');
    await verify(db, TABLES.sweep, rows, due, base, 'deleted');
    if (hard.step.rows !== due) throw new Error(`the sweep reported ${hard.step.rows} rows, not ${due}`);
    await checkpoint();
    let rawDeleted = 0;
    const rawDeleteMs = await time(async () => {
      rawDeleted = (await db.query(`DELETE FROM ${TABLES.rawDelete} WHERE created_at < $1::timestamptz - interval '365 days'`, [base])).rowCount;
    });
    if (rawDeleted !== due) throw new Error(`the raw DELETE removed ${rawDeleted} rows, not ${due}`);
    await verify(db, TABLES.rawDelete, rows, due, base, 'deleted');

    const hardRate = due / (hard.ms / 1000);
    const rawDeleteRate = due / (rawDeleteMs / 1000);
    results.push(
      { name: `sweep: hard-delete ${fmt(due)} of ${fmt(rows)} rows (runRetention)`, value: hardRate, unit: 'rows/s', note: `goal ≥ 50,000; ${fmt(Math.round(hard.ms))} ms` },
      { name: 'sweep: longest single statement', value: hard.step.longestStatementMs, unit: 'ms', note: 'goal ≤ 1,000 ms' },
      { name: 'sweep: batches', value: hard.step.batches, unit: 'batches', note: `largest ${fmt(hard.largestBatch)} rows; longest batch with lease and commit ${fmt(Math.round(hard.longestBatchMs))} ms; ${fmt(Math.round(hard.afterLastBatchMs))} ms after the last` },
      { name: 'raw limit: one DELETE … WHERE created_at < cut', value: rawDeleteRate, unit: 'rows/s', note: `one statement of ${fmt(Math.round(rawDeleteMs))} ms` },
    );
    ratios['sweep rows/s / 50,000 (goal ≥ 1)'] = hardRate / GOAL_ROWS_PER_S;
    ratios['sweep longest statement / 1,000 ms (goal ≤ 1)'] = hard.step.longestStatementMs / GOAL_STATEMENT_MS;
    ratios['sweep / raw DELETE rows/s'] = hardRate / rawDeleteRate;

    // Soft delete: the same against one UPDATE.
    await checkpoint();
    const soft = await sweep(db, policy, schema, 'events-soft-1y');
    await verify(db, TABLES.soft, rows, due, base, 'marked');
    if (soft.step.rows !== due) throw new Error(`the soft-delete sweep reported ${soft.step.rows} rows, not ${due}`);
    await checkpoint();
    let rawUpdated = 0;
    const rawUpdateMs = await time(async () => {
      rawUpdated = (await db.query(`UPDATE ${TABLES.rawUpdate} SET deleted_at = now() WHERE created_at < $1::timestamptz - interval '365 days' AND deleted_at IS NULL`, [base])).rowCount;
    });
    if (rawUpdated !== due) throw new Error(`the raw UPDATE changed ${rawUpdated} rows, not ${due}`);
    await verify(db, TABLES.rawUpdate, rows, due, base, 'marked');

    const softRate = due / (soft.ms / 1000);
    const rawUpdateRate = due / (rawUpdateMs / 1000);
    results.push(
      { name: `sweep: soft-delete ${fmt(due)} of ${fmt(rows)} rows (runRetention)`, value: softRate, unit: 'rows/s', note: `${fmt(Math.round(soft.ms))} ms` },
      { name: 'soft-delete sweep: longest single statement', value: soft.step.longestStatementMs, unit: 'ms', note: 'goal ≤ 1,000 ms' },
      { name: 'soft-delete sweep: batches', value: soft.step.batches, unit: 'batches', note: `largest ${fmt(soft.largestBatch)} rows; longest batch with lease and commit ${fmt(Math.round(soft.longestBatchMs))} ms; ${fmt(Math.round(soft.afterLastBatchMs))} ms after the last` },
      { name: 'raw limit: one UPDATE … SET deleted_at WHERE created_at < cut', value: rawUpdateRate, unit: 'rows/s', note: `one statement of ${fmt(Math.round(rawUpdateMs))} ms` },
    );
    ratios['soft-delete longest statement / 1,000 ms (goal ≤ 1)'] = soft.step.longestStatementMs / GOAL_STATEMENT_MS;
    ratios['soft-delete sweep / raw UPDATE rows/s'] = softRate / rawUpdateRate;

    report('retention', results, ratios, {
      backend,
      rows: `${fmt(rows)} per table, ${fmt(due)} due${small && !quick ? ' (PGlite: quick sizes even in full mode)' : ''}`,
      'load average before/after': `${loadBefore}/${loadavg()[0]!.toFixed(1)}`,
      quick: String(quick),
    });
  } finally {
    await db.close();
  }
}
