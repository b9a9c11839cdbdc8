import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkDatabase } from '@custodian/core/check';
import { coreMigrations, migrate } from '@custodian/core/db';
import { openTestDatabase, testBackend } from '@custodian/core/testing';
import { listExamples, loadExample } from '../../src/demo/index.js';

/**
 * `custodian check` passes on every reference app: each policy fits the
 * schema its own migrations create, with no error and no warning.
 */
describe(`reference apps pass custodian check (${testBackend()})`, () => {
  test('the three reference apps are present', () => {
    assert.deepEqual(listExamples(), ['agency-workspace', 'app-platform', 'hiring-assessments']);
  });

  for (const name of ['agency-workspace', 'app-platform', 'hiring-assessments']) {
    test(`${name}: the policy fits its migrated database`, async () => {
      const app = await loadExample(name);
      const db = await openTestDatabase();
      try {
        await migrate(db, [...coreMigrations(), ...app.migrations()]);
        const report = await checkDatabase(db, app.policy);
        assert.deepEqual(report.problems.map((p) => `${p.severity} ${p.code} ${p.path}`), []);
        assert.equal(report.ok, true);
        assert.ok(report.summary.personalColumns > 10, 'the policy declares the personal columns');
        assert.ok(report.erasureOrder.length > 0, 'erasing a subject deletes some rows, in an order the foreign keys allow');
      } finally {
        await db.close();
      }
    });
  }
});
