// The audit log: appends per second with the hash chain (custodian.audit_append:
// per-tenant head row locked FOR UPDATE, SHA-256 in SQL, append-only triggers
// and row-level security on the table) next to plain INSERTs into a table of
// the same shape and indexes with no chain, no triggers and no RLS, in the
// same run. Each append and each insert is one statement in its own committed
// transaction, so both pay one commit each. Then verification: a chain walked
// and every hash recomputed, in node or in PostgreSQL, on one connection or in
// ranges on several, in rows per second.
//
// Runs on PGlite by default and on PostgreSQL with DATABASE_URL (a fresh
// database created and dropped for the run). The goals are for PostgreSQL.
import { createAuditAppender, verifyAuditLog, type AuditEventInput } from '@custodian/core/audit';
import { loadavg } from 'node:os';
import { coreMigrations, migrate, type Database } from '@custodian/core/db';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { report, time, type Result } from '../report.js';

const PLAIN_TABLE = `
  CREATE TABLE bench_plain_events (LIKE custodian.audit_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
  ALTER TABLE bench_plain_events ADD PRIMARY KEY (tenant_id, seq);
  CREATE INDEX ON bench_plain_events (tenant_id, occurred_at);
  CREATE INDEX ON bench_plain_events (subject_id) WHERE subject_id IS NOT NULL;`;

const PLAIN_INSERT = `INSERT INTO bench_plain_events (tenant_id, seq, occurred_at, actor_type, actor_id, action, target_type, target_id,
    subject_id, session_id, purpose, ip, user_agent, metadata, prev_hash, hash)
  VALUES ($1, $2, clock_timestamp(), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`;

const HASH = Buffer.alloc(32, 7);

function event(tenant: string, i: number): AuditEventInput {
  return {
    tenant,
    actor: { type: 'member', id: `member-${i % 17}` },
    action: 'plan.change',
    target: { type: 'plan', id: `plan-${i}` },
    subject: `subject-${i % 101}`,
    session: `session-${i % 13}`,
    purpose: 'billing',
    ip: '192.0.2.10',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
    metadata: { i, tier: i % 2 ? 'pro' : 'free' },
  };
}

/** Operations per second of `writers` loops of `op` running together for `ms`. */
async function rate(writers: number, ms: number, op: (writer: number, i: number) => Promise<unknown>): Promise<number> {
  const until = performance.now() + ms;
  const start = performance.now();
  const counts = await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      let n = 0;
      while (performance.now() < until) await op(w, n++);
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const db: Database = await openTestDatabase();
  const backend = testBackend();
  const loadBefore = loadavg()[0]!.toFixed(1);
  try {
    await migrate(db, coreMigrations());
    await db.exec(PLAIN_TABLE);
    const audit = createAuditAppender();
    const seqs = new Map<string, number>();
    const plain = (tenant: string, i: number) => {
      const e = event(tenant, i);
      const seq = (seqs.get(tenant) ?? 0) + 1;
      seqs.set(tenant, seq);
      return db.query(PLAIN_INSERT, [
        tenant, seq, e.actor.type, e.actor.id, e.action, e.target!.type, String(e.target!.id), e.subject, e.session,
        e.purpose, e.ip, e.userAgent, JSON.stringify(e.metadata), HASH, HASH,
      ]);
    };
    const chained = (tenant: string, i: number) => audit.appendCommitted(db, event(tenant, i));

    const rounds = quick ? 1 : 3;
    const ms = quick ? 1000 : 4000;
    const results: Result[] = [];
    const ratios: Record<string, number> = {};
    for (const writers of [1, 8]) {
      const a: number[] = [];
      const b: number[] = [];
      // Interleaved windows, the median of each: the machine is noisy.
      for (let r = 0; r < rounds; r++) {
        b.push(await rate(writers, ms, (w, i) => plain(`plain-${writers}-${w}`, i)));
        a.push(await rate(writers, ms, (w, i) => chained(`chain-${writers}-${w}`, i)));
      }
      const label = writers === 1 ? '1 writer' : `${writers} writers on ${writers} tenants`;
      results.push(
        { name: `chained appends, ${label}`, value: median(a), unit: 'appends/s' },
        { name: `plain INSERTs, ${label}`, value: median(b), unit: 'rows/s' },
      );
      ratios[`chained / plain, ${label} (goal ≥ 0.5)`] = median(a) / median(b);
    }

    // Verification: one long chain, appended server-side in transactions of
    // 1,000 (each append updates the tenant's head row, and one transaction's
    // own row versions cannot be pruned until it ends: docs/audit.md).
    const size = quick ? 20_000 : 200_000;
    const batch = 1000;
    const seedMs = await time(async () => {
      for (let from = 1; from <= size; from += batch) {
        await db.query(
          `SELECT count(*) FROM (SELECT custodian.audit_append('verify', 'service', 'bench', 'bench.event', 'doc', g::text, 'subject-' || (g % 101),
             'session-' || (g % 13), 'bench', '192.0.2.1', 'Mozilla/5.0 bench', '{"i":1,"tier":"pro"}', NULL, NULL) FROM generate_series($1::int, $2::int) g) s`,
          [from, from + batch - 1],
        );
      }
    });
    results.push({ name: `append ${size.toLocaleString('en-US')} events server-side, ${batch.toLocaleString('en-US')} per transaction`, value: size / (seedMs / 1000), unit: 'appends/s' });
    // Both ways of recomputing hashes — node hashing the encoding sent over (the default), and
    // PostgreSQL's built-in sha256 over the verifier's own encoding, compared there — each on one
    // connection and in the default number of ranges in parallel (on PostgreSQL; PGlite always
    // reads one range).
    const ways = [
      { hashIn: 'client', parallel: 1 },
      { hashIn: 'client', parallel: undefined },
      { hashIn: 'database', parallel: 1 },
      { hashIn: 'database', parallel: undefined },
    ] as const;
    for (const { hashIn, parallel } of ways) {
      const verifyTimes: number[] = [];
      let ranges = 0;
      for (let r = 0; r < (quick ? 1 : 3); r++) {
        let events = 0;
        verifyTimes.push(await time(async () => {
          const result = await verifyAuditLog(db, { tenant: 'verify', hashIn, ...(parallel === undefined ? {} : { parallel }) });
          if (!result.ok) throw new Error('the benchmark chain did not verify');
          events = result.events;
          ranges = result.tenants[0]!.ranges;
        }));
        if (events !== size) throw new Error('verification read the wrong number of events');
      }
      const rate = size / (median(verifyTimes) / 1000);
      const how = `hashes recomputed in the ${hashIn}, ${ranges === 1 ? 'one range' : `${ranges} ranges at once`}${parallel === undefined ? ' (default)' : ''}`;
      results.push({ name: `verify a ${size.toLocaleString('en-US')}-event chain, ${how}`, value: rate, unit: 'rows/s', note: parallel === undefined ? 'goal ≥ 100,000' : '' });
      if (parallel === undefined) ratios[`verification (${hashIn}, default) rows/s / 100,000 (goal ≥ 1)`] = rate / 100_000;
    }
    report('audit', results, ratios, { backend, window: `${rounds} × ${ms} ms`, 'load average before/after': `${loadBefore}/${loadavg()[0]!.toFixed(1)}`, quick: String(quick) });
  } finally {
    await db.close();
  }
}
