import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { CustodianError, ERROR_CODES } from '@custodian/core/errors';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists exactly the error codes the code defines', () => {
  const documented = [...doc.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`/gm)].map((m) => m[1]!).sort();
  assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
});

test('an error serialises to code, message and hint only: no stack, no cause', () => {
  const error = new CustodianError('ERR_DB_QUERY_FAILED', 'query failed', { hint: 'retry', cause: new Error('secret detail') });
  const body = JSON.parse(JSON.stringify(error));
  assert.deepEqual(body, { code: 'ERR_DB_QUERY_FAILED', message: 'query failed', hint: 'retry' });
  assert.equal(error.name, 'CustodianError');
  assert.ok(error instanceof Error);
  assert.match(inspect(error), /ERR_DB_QUERY_FAILED/);
});
