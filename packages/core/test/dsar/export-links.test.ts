import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { Secret } from '@custodian/core/crypto';
import { exportLinkKey, newArtifactId, signExportLink, verifyExportLink } from '@custodian/core/dsar';

const root = new Secret(Uint8Array.from(randomBytes(32)));
const key = exportLinkKey(root);
const NOW = new Date('2026-11-27T12:00:00Z');
const DAY = 86_400_000;
const codeOf = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

/** Rewrites a token's signed part with other fields, keeping the original signature. */
function forge(token: string, change: (body: Record<string, unknown>) => void): string {
  const [payload, signature] = token.split('.');
  const body = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(body);
  return `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`;
}

test('B5: a link names its tenant and export, works for 7 days by default and is refused from then on', () => {
  const artifactId = newArtifactId('json');
  const { token, expiresAt } = signExportLink(key, { tenant: 'ws-1', artifactId, now: NOW });
  assert.equal(expiresAt.toISOString(), new Date(NOW.getTime() + 7 * DAY).toISOString());
  assert.deepEqual(verifyExportLink(key, token, NOW), { tenant: 'ws-1', artifactId, expiresAt });
  assert.deepEqual(verifyExportLink(key, token, new Date(NOW.getTime() + 7 * DAY - 1000)).artifactId, artifactId);
  assert.throws(() => verifyExportLink(key, token, new Date(NOW.getTime() + 7 * DAY)), codeOf('ERR_EXPORT_LINK_EXPIRED'));
  assert.throws(() => verifyExportLink(key, token, new Date(NOW.getTime() + 30 * DAY)), codeOf('ERR_EXPORT_LINK_EXPIRED'));
  const short = signExportLink(key, { tenant: undefined, artifactId, ttl: '1h', now: NOW });
  assert.equal(verifyExportLink(key, short.token, NOW).tenant, undefined);
  assert.throws(() => verifyExportLink(key, short.token, new Date(NOW.getTime() + 3_600_000)), codeOf('ERR_EXPORT_LINK_EXPIRED'));
});

test('B5: a link for one tenant’s export never opens another’s: a changed tenant, id or expiry, another key or a mangled token is ERR_EXPORT_LINK_INVALID', () => {
  const artifactId = newArtifactId('zip');
  const { token } = signExportLink(key, { tenant: 'ws-1', artifactId, now: NOW });
  const bad = [
    forge(token, (b) => (b.t = 'ws-2')),
    forge(token, (b) => (b.t = null)),
    forge(token, (b) => (b.a = newArtifactId('zip'))),
    forge(token, (b) => (b.e = (b.e as number) + 365 * 86_400)),
    `${token.split('.')[0]}.${Buffer.alloc(32).toString('base64url')}`,
    `${token}.x`,
    token.slice(0, -2),
    '',
    'not-a-token',
    `${token}${'A'.repeat(2000)}`,
  ];
  for (const t of bad) assert.throws(() => verifyExportLink(key, t, NOW), codeOf('ERR_EXPORT_LINK_INVALID'), t.slice(0, 40));
  const otherKey = exportLinkKey(new Secret(Uint8Array.from(randomBytes(32))));
  assert.throws(() => verifyExportLink(otherKey, token, NOW), codeOf('ERR_EXPORT_LINK_INVALID'));
  // The error says nothing about the token or which part failed.
  try {
    verifyExportLink(key, bad[0]!, NOW);
  } catch (e) {
    assert.equal((e as Error).message, 'this download link is not valid');
  }
});

test('the link key is derived from the root key under its own label: stable, and not the root key', () => {
  assert.deepEqual(exportLinkKey(root).reveal(), key.reveal());
  assert.notDeepEqual(key.reveal(), root.reveal());
  assert.equal(String(key), '[Secret]');
});

test('any single-byte change to a token is refused (property)', () => {
  const { token } = signExportLink(key, { tenant: 'ws-1', artifactId: newArtifactId('json'), now: NOW });
  fc.assert(
    fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCabc019-_.'), (at, ch) => {
      fc.pre(token[at] !== ch);
      const changed = token.slice(0, at) + ch + token.slice(at + 1);
      assert.throws(() => verifyExportLink(key, changed, NOW), codeOf('ERR_EXPORT_LINK_INVALID'));
    }),
    { numRuns: 300 },
  );
});
