import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPolicyFile } from '@custodian/core/policy';
import { basePolicy } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'custodian-policy-'));
const policyModule = new URL('../../src/policy/index.ts', import.meta.url).href;

function file(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

const codeOf = (code: string, message?: RegExp) => (e: Error & { code?: string }) => e.code === code && (!message || message.test(e.message));

test('loads a TypeScript policy file that calls definePolicy', async () => {
  const path = file('ok.config.ts', `import { definePolicy } from '${policyModule}';\nexport default definePolicy(${JSON.stringify(basePolicy())});\n`);
  const { policy, file: loaded } = await loadPolicyFile(path);
  assert.equal(policy.organization.name, 'Acme');
  assert.equal(loaded, path);
});

test('validates a plain default export too', async () => {
  const path = file('plain.config.ts', `export default ${JSON.stringify(basePolicy())};\n`);
  const { policy } = await loadPolicyFile(path);
  assert.equal(policy.version, '2026.11');
});

test('a named `policy` export loads through a TypeScript importer in a folder that is not "type": "module"', async () => {
  const { tsImport } = await import('tsx/esm/api');
  const path = file('named.config.ts', `export const policy = ${JSON.stringify(basePolicy())};\n`);
  const { policy } = await loadPolicyFile(path, { importer: (url) => tsImport(url, import.meta.url) });
  assert.equal(policy.organization.name, 'Acme');
  const none = file('none.config.ts', 'export const x = 1;\n');
  await assert.rejects(loadPolicyFile(none, { importer: (url) => tsImport(url, import.meta.url) }), codeOf('ERR_POLICY_LOAD_FAILED', /exports no policy/));
});

test('a missing file is ERR_POLICY_LOAD_FAILED with a hint to run init', async () => {
  await assert.rejects(loadPolicyFile(join(dir, 'absent.ts')), (e: Error & { code?: string; hint?: string }) => e.code === 'ERR_POLICY_LOAD_FAILED' && /init/.test(e.hint ?? ''));
});

test('a file with a syntax error is reported without a stack trace in the message', async () => {
  const path = file('broken.config.ts', 'export default { version: ;\n');
  await assert.rejects(loadPolicyFile(path), codeOf('ERR_POLICY_LOAD_FAILED', /syntax error at line 1/));
});

test('a file without a default export says what to write', async () => {
  const path = file('empty.config.ts', 'export const x = 1;\n');
  await assert.rejects(loadPolicyFile(path), (e: Error & { code?: string; hint?: string }) => e.code === 'ERR_POLICY_LOAD_FAILED' && /definePolicy/.test(e.hint ?? ''));
});

test('a policy that definePolicy rejects reports its problems tagged with the file', async () => {
  const broken = basePolicy();
  broken.effectiveDate = 'soon';
  const path = file('invalid.config.ts', `import { definePolicy } from '${policyModule}';\nexport default definePolicy(${JSON.stringify(broken)});\n`);
  await assert.rejects(loadPolicyFile(path), (e: Error & { code?: string; problems?: { path: string }[] }) => {
    assert.equal(e.code, 'ERR_POLICY_INVALID');
    assert.match(e.message, /invalid\.config\.ts/);
    assert.deepEqual(e.problems?.map((p) => p.path), ['effectiveDate']);
    return true;
  });
});
