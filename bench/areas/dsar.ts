// One person with about 100,000 rows (`hiring-assessments`: a candidate with
// one long assessment session): planning their erasure, exporting their data
// and erasing it. PostgreSQL when DATABASE_URL is set (a fresh database,
// dropped afterwards), else embedded PGlite. The raw limit beside the
// erasure: the one plain DELETE of the person's session events — nearly all
// of their rows — inside a transaction that is rolled back, in the same run.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { introspect } from '@custodian/core/check';
import { coreMigrations, migrate } from '@custodian/core/db';
import { eraseSubject, exportSubject, planErasure, type SubjectRef } from '@custodian/core/dsar';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { loadExample } from '@custodian/server/demo';
import { report, time, type Result } from '../report.js';

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const events = quick ? 10_000 : 100_000;
  const app = await loadExample('hiring-assessments');
  const db = await openTestDatabase();
  const results: Result[] = [];
  try {
    await migrate(db, [...coreMigrations(), ...app.migrations()]);
    const seeded = await app.seed(db, { subjects: 200, seed: 'bench-dsar', heavySubjectEvents: events } as Parameters<typeof app.seed>[1]);
    const heavy = (seeded as { heavySubject?: { companyId: string; candidateId: string } }).heavySubject!;
    const person: SubjectRef = { subject: 'candidate', key: heavy.candidateId, tenant: heavy.companyId };
    const schema = await introspect(db);

    const planTimes: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5; i++) planTimes.push(await time(async () => (rows = (await planErasure(db, app.policy, schema, person)).rows)));
    const planMs = median(planTimes);
    results.push({ name: `plan the erasure (${rows.toLocaleString('en-US')} rows), median of 5`, value: planMs, unit: 'ms', note: 'goal < 200 ms on PostgreSQL' });

    let exported = 0;
    const exportMs = await time(async () => {
      const hash = createHash('sha256');
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          exported += chunk.length;
          hash.update(chunk);
          done();
        },
      });
      await exportSubject(db, { policy: app.policy, schema, subject: person, format: 'json', sessions: [{ table: 'assessment_sessions' }] }, sink);
    });
    results.push({ name: 'export the person as JSON', value: exportMs, unit: 'ms', note: `${(exported / 1e6).toFixed(1)} MB; goal < 3,000 ms on PostgreSQL` });

    // The raw limit: the dominant statement alone, rolled back so the erasure below has the same rows.
    const rawMs = await time(() =>
      db
        .transaction(async (tx) => {
          await tx.query(
            `DELETE FROM session_events e WHERE e.company_id = $1 AND e.session_id IN (SELECT s.id FROM assessment_sessions s WHERE s.company_id = $1 AND s.candidate_id = $2)`,
            [heavy.companyId, heavy.candidateId],
          );
          throw new RolledBack();
        })
        .catch((e: unknown) => {
          if (!(e instanceof RolledBack)) throw e;
        }),
    );
    let erased = 0;
    const eraseMs = await time(async () => (erased = (await eraseSubject(db, app.policy, schema, person)).rows));
    results.push({ name: `erase the person (${erased.toLocaleString('en-US')} rows, one transaction)`, value: eraseMs, unit: 'ms', note: 'goal < 5,000 ms on PostgreSQL' });
    results.push({ name: 'raw limit: one DELETE of their session events, rolled back', value: rawMs, unit: 'ms' });
    report('dsar', results, { 'raw delete / erasure': rawMs / eraseMs }, { backend: testBackend(), events });
  } finally {
    await db.close();
  }
}

class RolledBack extends Error {}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
