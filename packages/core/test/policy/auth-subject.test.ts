import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePolicy, type PolicyInput } from '@custodian/core/policy';
import { basePolicy } from './fixture.js';

function withAuthSubject(subject: unknown): PolicyInput {
  const input = basePolicy() as PolicyInput & { auth?: Record<string, unknown> };
  return { ...input, auth: { ...(input.auth ?? {}), subject } } as PolicyInput;
}

test('C10: auth.subject names a declared subject and one of its identities, or the policy is refused at that path', () => {
  const base = basePolicy() as { subjects: Record<string, { identities: Record<string, unknown> }> };
  const [name, subject] = Object.entries(base.subjects)[0]!;
  const identity = Object.keys(subject.identities)[0]!;
  const ok = validatePolicy(withAuthSubject({ name, identity }));
  assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.problems));

  const unknownSubject = validatePolicy(withAuthSubject({ name: 'ghost', identity }));
  assert.ok(!unknownSubject.ok);
  assert.deepEqual(unknownSubject.problems.map((p) => p.path), ['auth.subject.name']);

  const unknownIdentity = validatePolicy(withAuthSubject({ name, identity: 'fingerprint' }));
  assert.ok(!unknownIdentity.ok);
  assert.deepEqual(unknownIdentity.problems.map((p) => p.path), ['auth.subject.identity']);

  const extraKey = validatePolicy(withAuthSubject({ name, identity, password: true }));
  assert.ok(!extraKey.ok);
});
